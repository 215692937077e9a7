"""The integration map drawn on the server as SVG, in the house style of catalog/charts.py.

Nodes are agencies (a ministry or a province with its units), edges the connections between
their systems, aggregated per pair of agencies and coloured by the worst health among them, with
the count and the state written in each edge's <title> and in the table beside the map (colour is
never the only carrier of meaning). National bodies sit on an inner ring, provinces on an outer one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from .charts import _open

#: Worst first: an edge takes the colour of its worst connection.
SEVERITY = ("down", "degraded", "maintenance", "unknown", "up")


@dataclass
class Node:
    key: str
    label: str
    title: str
    outer: bool  # a province (outer ring) or a national body (inner ring)
    href: str | None = None


@dataclass
class Edge:
    a: str
    b: str
    healths: list[str] = field(default_factory=list)

    @property
    def worst(self) -> str:
        return min(self.healths, key=lambda h: SEVERITY.index(h) if h in SEVERITY else len(SEVERITY))


def draw_map(nodes: Sequence[Node], edges: Sequence[Edge], *, title: str, description: str,
             colors: dict[str, str], health_labels: dict[str, str], size: int = 760) -> Markup:
    """Two rings of labelled nodes joined by coloured lines."""
    cx = cy = size / 2
    inner = [n for n in nodes if not n.outer]
    outer = [n for n in nodes if n.outer]
    pos: dict[str, tuple[float, float]] = {}
    for ring, radius in ((inner, size * 0.17 if len(inner) > 1 else 0.0), (outer, size * 0.40)):
        for i, node in enumerate(ring):
            angle = 2 * math.pi * i / max(1, len(ring)) - math.pi / 2
            pos[node.key] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    _uid, head = _open(size, size, title, description, "integration-map")
    parts = [head]
    for edge in edges:
        if edge.a not in pos or edge.b not in pos:
            continue
        (x1, y1), (x2, y2) = pos[edge.a], pos[edge.b]
        worst = edge.worst
        width = min(6.0, 1.5 + len(edge.healths) * 0.5)
        dash = ' stroke-dasharray="6 4"' if worst in ("down", "maintenance") else ""
        tip = f"{edge.a} – {edge.b}: {len(edge.healths)} · {health_labels.get(worst, worst)}"
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                     f'stroke="{escape(colors.get(worst, "#999999"))}" stroke-width="{width:.1f}"{dash} '
                     f'class="edge {escape(worst)}"><title>{escape(tip)}</title></line>')
    for node in nodes:
        x, y = pos[node.key]
        r = 7 if node.outer else 11
        anchor = "start" if x >= cx else "end"
        dx = r + 3 if x >= cx else -(r + 3)
        circle = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" class="node" fill="#ffffff" stroke="#0072B2" '
                  f'stroke-width="2"><title>{escape(node.title)}</title></circle>'
                  f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" class="label">'
                  f'{escape(node.label)}</text>')
        if node.href:
            circle = f'<a href="{escape(node.href)}">{circle}</a>'
        parts.append(circle)
    legend_y = size - 12
    x = 10.0
    for state in ("up", "degraded", "down", "maintenance", "unknown"):
        parts.append(f'<rect x="{x:.0f}" y="{legend_y - 9}" width="14" height="4" fill="{escape(colors[state])}"/>'
                     f'<text x="{x + 18:.0f}" y="{legend_y}" class="label">{escape(health_labels[state])}</text>')
        x += 24 + 7.5 * len(str(health_labels[state]))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped
