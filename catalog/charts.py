"""Small charts drawn on the server as SVG: no JavaScript, readable by screen readers, printable.

Each function takes plain numbers and labels and returns markup safe to put in a template. Every
chart carries a <title> and a <desc> (named by aria-labelledby, with role="img"), writes its values
as text next to the marks (colour is never the only carrier of meaning), and scales to its
container (viewBox, width 100%). Quality dashboards use them; sharing reports can too.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from markupsafe import Markup, escape

#: A palette readable by people with the common colour-vision deficiencies (Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
_ids = itertools.count(1)

Number = int | float


def _fmt(value: Number | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.1f}"
    return f"{text}{unit}"


def _open(width: int, height: int, title: str, description: str, css: str) -> tuple[str, str]:
    uid = f"chart{next(_ids)}"
    head = (f'<svg class="chart {escape(css)}" role="img" aria-labelledby="{uid}-t {uid}-d" '
            f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
            f'xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(description)}</desc>')
    return uid, head


def _describe(items: Sequence[tuple[str, Number | None]], unit: str) -> str:
    return "; ".join(f"{label}: {_fmt(value, unit)}" for label, value in items)


def bar_chart(
    items: Sequence[tuple[str, Number | None]],
    *,
    title: str,
    unit: str = "",
    max_value: Number | None = None,
    colors: Sequence[str] | None = None,
    width: int = 560,
    bar_height: int = 22,
    label_width: int = 170,
    css: str = "bars",
) -> Markup:
    """Horizontal bars, one per (label, value), the value written at the end of each bar."""
    gap = 8
    height = max(1, len(items)) * (bar_height + gap) + gap
    top = max((v for _l, v in items if v is not None), default=0)
    scale_max = float(max_value if max_value is not None else top) or 1.0
    plot = width - label_width - 60
    _uid, out = _open(width, height, title, _describe(items, unit), css)
    parts = [out]
    for n, (label, value) in enumerate(items):
        y = gap + n * (bar_height + gap)
        color = (colors or PALETTE)[n % len(colors or PALETTE)]
        length = 0.0 if value is None else max(0.0, min(1.0, float(value) / scale_max)) * plot
        parts.append(f'<text x="{label_width - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" '
                     f'class="label">{escape(_clip(label, 28))}</text>')
        tip = f"{escape(label)}: {escape(_fmt(value, unit))}"
        parts.append(f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
                     f'fill="{escape(color)}" rx="2"><title>{tip}</title></rect>')
        parts.append(f'<text x="{label_width + length + 5:.1f}" y="{y + bar_height * 0.7:.1f}" '
                     f'class="value">{escape(_fmt(value, unit))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped


def column_chart(
    items: Sequence[tuple[str, Number | None]],
    *,
    title: str,
    unit: str = "",
    max_value: Number | None = None,
    colors: Sequence[str] | None = None,
    width: int = 560,
    height: int = 220,
    css: str = "columns",
) -> Markup:
    """Vertical columns with their label below and their value above."""
    bottom, top_margin = 28, 20
    plot_h = height - bottom - top_margin
    n = max(1, len(items))
    slot = width / n
    col_w = slot * 0.6
    top = max((v for _l, v in items if v is not None), default=0)
    scale_max = float(max_value if max_value is not None else top) or 1.0
    _uid, out = _open(width, height, title, _describe(items, unit), css)
    parts = [out, f'<line x1="0" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" class="axis"/>']
    for i, (label, value) in enumerate(items):
        x = i * slot + (slot - col_w) / 2
        h = 0.0 if value is None else max(0.0, min(1.0, float(value) / scale_max)) * plot_h
        y = height - bottom - h
        color = (colors or PALETTE)[i % len(colors or PALETTE)]
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{col_w:.1f}" height="{h:.1f}" fill="{escape(color)}" '
                     f'rx="2"><title>{escape(label)}: {escape(_fmt(value, unit))}</title></rect>')
        parts.append(f'<text x="{x + col_w / 2:.1f}" y="{y - 5:.1f}" text-anchor="middle" class="value">'
                     f'{escape(_fmt(value, unit))}</text>')
        parts.append(f'<text x="{x + col_w / 2:.1f}" y="{height - 8}" text-anchor="middle" class="label">'
                     f'{escape(_clip(label, 14))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped


def line_chart(
    points: Sequence[tuple[str, Number | None]],
    *,
    title: str,
    unit: str = "",
    y_max: Number = 100,
    y_min: Number = 0,
    width: int = 560,
    height: int = 200,
    color: str = PALETTE[0],
    css: str = "line",
) -> Markup:
    """A line through (label, value) points in order; gaps (None) break the line. Values are written
    at each point; the first and last labels are written under the axis."""
    left, right, top, bottom = 36, 16, 16, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(points)
    span = float(y_max - y_min) or 1.0

    def xy(i: int, value: Number) -> tuple[float, float]:
        x = left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)
        y = top + plot_h * (1 - (float(value) - y_min) / span)
        return x, y

    _uid, out = _open(width, height, title, _describe(points, unit), css)
    parts = [out]
    for tick in (y_min, (y_min + y_max) / 2, y_max):
        y = top + plot_h * (1 - (tick - y_min) / span)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" class="tick">{escape(_fmt(tick))}</text>')
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, (_label, value) in enumerate(points):
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        x, y = xy(i, value)
        segment.append(f"{x:.1f},{y:.1f}")
    if segment:
        segments.append(segment)
    for seg in segments:
        parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{escape(color)}" stroke-width="2.5"/>')
    for i, (label, value) in enumerate(points):
        if value is None:
            continue
        x, y = xy(i, value)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{escape(color)}">'
                     f'<title>{escape(label)}: {escape(_fmt(value, unit))}</title></circle>')
        if n <= 16 or i in (0, n - 1):
            parts.append(f'<text x="{x:.1f}" y="{y - 7:.1f}" text-anchor="middle" class="value">'
                         f'{escape(_fmt(value, unit))}</text>')
    if points:
        parts.append(f'<text x="{left}" y="{height - 8}" class="label">{escape(points[0][0])}</text>')
        if n > 1:
            parts.append(f'<text x="{width - right}" y="{height - 8}" text-anchor="end" class="label">'
                         f'{escape(points[-1][0])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
