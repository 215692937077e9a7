"""Which province a coverage box lies in, so a dataset given only a bounding box is found under it.

The outlines are Natural Earth's admin-1 shapes of the 63 former provinces, grouped into the 34 units
of 1 July 2025 (`seed/province_extents.json`; its origin and how it is made are in seed/README.md).
They are coarse (a few hundred metres), which is enough to tell the province of a box, not a border.

`match(geometry)` measures how much of the box's land each province holds (the box clipped by each
outline, Sutherland–Hodgman on a rectangle) and says:
- `country`: the box is Vietnam as a whole (`geo.is_country`) -> VN;
- `province`: one province holds at least PROVINCE_SHARE of the box's land -> that province;
- `several`: the box spans several -> those it covers mostly (MOSTLY_COVERED of their area) and
  those holding at least SIGNIFICANT_SHARE of its land; the caller says so in the job log;
- nothing for a box over the sea or outside the country.
A point is matched to the province whose outline holds it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from . import geo

EXTENTS = Path(__file__).resolve().parents[1] / "seed" / "province_extents.json"
#: Share of a box's land one province must hold for the box to be "in" it.
PROVINCE_SHARE = 0.9
#: Share of a province's area a box must cover for that province to be "covered mostly".
MOSTLY_COVERED = 0.5
#: Share of a box's land that makes a province worth naming when the box covers none mostly.
SIGNIFICANT_SHARE = 0.25

Ring = list[tuple[float, float]]
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    bbox: Box
    #: Each polygon: its outer ring, then its holes.
    polygons: tuple[tuple[Ring, ...], ...]
    area: float


@dataclass
class Match:
    """What a coverage geometry was matched to: `kind` is country, province or several."""

    kind: str
    codes: list[str]
    #: code -> share of the box's land in that unit (for the job log's wording and tests).
    shares: dict[str, float] = field(default_factory=dict)


def _area(ring: Ring) -> float:
    """Unsigned area of a ring in square degrees (shoelace)."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2


def _clip(ring: Ring, box: Box) -> Ring:
    """The part of a ring inside a rectangle (Sutherland–Hodgman: the clip window is convex)."""
    west, south, east, north = box
    edges = (
        (lambda p: p[0] >= west, lambda a, b: _at_x(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: _at_x(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: _at_y(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: _at_y(a, b, north)),
    )
    out = ring
    for inside, cross in edges:
        if not out:
            break
        points, out = out, []
        prev = points[-1]
        for cur in points:
            if inside(cur):
                if not inside(prev):
                    out.append(cross(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cross(prev, cur))
            prev = cur
    return out


def _at_x(a: tuple[float, float], b: tuple[float, float], x: float) -> tuple[float, float]:
    t = (x - a[0]) / (b[0] - a[0])
    return x, a[1] + t * (b[1] - a[1])


def _at_y(a: tuple[float, float], b: tuple[float, float], y: float) -> tuple[float, float]:
    t = (y - a[1]) / (b[1] - a[1])
    return a[0] + t * (b[0] - a[0]), y


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _area_in(unit: Unit, box: Box) -> float:
    total = 0.0
    for outer, *holes in unit.polygons:
        total += _area(_clip(list(outer), box)) - sum(_area(_clip(list(h), box)) for h in holes)
    return max(total, 0.0)


def _contains(ring: Ring, x: float, y: float) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


@cache
def units() -> tuple[Unit, ...]:
    """The province outlines (read once)."""
    data = json.loads(EXTENTS.read_text(encoding="utf-8"))["units"]
    out = []
    for code, item in data.items():
        polygons = tuple(tuple([(float(x), float(y)) for x, y in ring] for ring in poly) for poly in item["polygons"])
        area = sum(_area(outer) - sum(_area(h) for h in holes) for outer, *holes in polygons)
        out.append(Unit(code, item["name"], tuple(item["bbox"]), polygons, area))  # type: ignore[arg-type]
    return tuple(out)


def match(geometry: dict[str, Any] | None) -> Match | None:
    """The administrative units a coverage geometry (read through its bounding box) is filed under."""
    b = geo.bounds(geometry)
    if b is None:
        return None
    if geo.is_country(geometry):
        return Match("country", ["VN"])
    west, south, east, north = b
    if west == east or south == north:  # a point (or a line along a parallel or meridian): where it lies
        x, y = (west + east) / 2, (south + north) / 2
        for unit in units():
            bw, bs, be, bn = unit.bbox
            if bw <= x <= be and bs <= y <= bn and any(
                    _contains(outer, x, y) and not any(_contains(h, x, y) for h in holes)
                    for outer, *holes in unit.polygons):
                return Match("province", [unit.code], {unit.code: 1.0})
        return None
    inside = {u.code: (u, a) for u in units() if _overlaps(u.bbox, b) and (a := _area_in(u, b)) > 0}
    land = sum(a for _u, a in inside.values())
    if not land:
        return None
    shares = {code: a / land for code, (_u, a) in inside.items()}
    ranked = sorted(shares, key=lambda c: -shares[c])
    if shares[ranked[0]] >= PROVINCE_SHARE:
        return Match("province", [ranked[0]], {ranked[0]: shares[ranked[0]]})
    chosen = [c for c in ranked if inside[c][1] >= MOSTLY_COVERED * inside[c][0].area
              or shares[c] >= SIGNIFICANT_SHARE] or ranked[:1]
    return Match("several", chosen, {c: shares[c] for c in ranked})


def name_of(code: str) -> str:
    return next((u.name for u in units() if u.code == code), code)
