"""Spatial coverage as GeoJSON: read from what sources write, and drawn as a small static map.

Sources give coverage as a GeoJSON string (CKAN `spatial`), WKT (`locn:geometry`, `dcat:bbox`, with
or without a GeoSPARQL CRS prefix), or four bounding-box numbers (ISO 19139). All become a GeoJSON
geometry in longitude/latitude order. Only the small subset catalogues use is read (points,
polygons, multipolygons, envelopes); anything else is refused (None) so the caller can say so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

_NUMBER = r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_PAIR = re.compile(rf"({_NUMBER})\s+({_NUMBER})")
_CRS = re.compile(r"^\s*<[^>]*>\s*")
_GEOJSON_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}


def box(west: float, south: float, east: float, north: float) -> dict[str, Any] | None:
    """A bounding box as a GeoJSON Polygon, or None when it is not one on the Earth."""
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        return None
    if west == east and south == north:
        return {"type": "Point", "coordinates": [west, south]}
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _ring(text: str) -> list[list[float]]:
    return [[float(x), float(y)] for x, y in _PAIR.findall(text)]


def from_wkt(text: str) -> dict[str, Any] | None:
    body = _CRS.sub("", text).strip()
    head, _sep, rest = body.partition("(")
    kind = head.strip().upper()
    if not rest:
        return None
    if kind == "POINT":
        coords = _ring(rest)
        return {"type": "Point", "coordinates": coords[0]} if len(coords) == 1 else None
    if kind == "POLYGON":
        rings = [_ring(part) for part in re.findall(r"\(([^()]*)\)", "(" + rest)]
        rings = [r for r in rings if len(r) >= 4]
        return {"type": "Polygon", "coordinates": rings} if rings else None
    if kind == "MULTIPOLYGON":
        polygons = []
        for poly in re.findall(r"\(\s*(\([^()]*\)(?:\s*,\s*\([^()]*\))*)\s*\)", rest):
            rings = [_ring(part) for part in re.findall(r"\(([^()]*)\)", poly)]
            if rings and all(len(r) >= 4 for r in rings):
                polygons.append(rings)
        return {"type": "MultiPolygon", "coordinates": polygons} if polygons else None
    if kind == "ENVELOPE":  # ENVELOPE(minX, maxX, maxY, minY), as in Solr and CQL
        numbers = [float(n) for n in re.findall(_NUMBER, rest)]
        if len(numbers) == 4:
            west, east, north, south = numbers
            return box(west, south, east, north)
    return None


def from_geojson(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if isinstance(value, dict) and value.get("type") in _GEOJSON_TYPES and isinstance(value.get("coordinates"), list):
        return {"type": value["type"], "coordinates": value["coordinates"]}
    return None


def parse(value: Any) -> dict[str, Any] | None:
    """A geometry from GeoJSON (object or text) or WKT; None for anything else."""
    if isinstance(value, dict):
        return from_geojson(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.startswith("{"):
        return from_geojson(text)
    geometry = from_wkt(text)
    if geometry is None:
        return None
    return geometry if bounds(geometry) is not None else None


def _points(coords: Any) -> Iterator[tuple[float, float]]:
    if isinstance(coords, list) and len(coords) >= 2 and all(isinstance(c, int | float) for c in coords[:2]):
        yield float(coords[0]), float(coords[1])
    elif isinstance(coords, list):
        for item in coords:
            yield from _points(item)


def bounds(geometry: dict[str, Any] | None) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of a geometry, or None when it has no valid coordinates."""
    if not geometry:
        return None
    pts = list(_points(geometry.get("coordinates")))
    if not pts or not all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in pts):
        return None
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


#: Vietnam's mainland extent (west, south, east, north), in degrees; a box this size is the country.
VIETNAM_BOUNDS = (102.14, 8.18, 109.47, 23.39)
#: How far, in degrees, each side of a box may be from the country's and still be the country.
COUNTRY_TOLERANCE = 1.5


def is_country(geometry: dict[str, Any] | None) -> bool:
    """Does a geometry cover Vietnam as a whole (a national dataset's bounding box)?"""
    b = bounds(geometry)
    return b is not None and all(abs(a - v) <= COUNTRY_TOLERANCE for a, v in zip(b, VIETNAM_BOUNDS, strict=True))


def svg_map(geometry: dict[str, Any] | None, width: int = 240, height: int = 160) -> dict[str, Any] | None:
    """What a template needs to draw the coverage as an SVG: a frame around the bounding box
    (padded), the box itself and the corner coordinates. No tiles, scripts or styles (CSP)."""
    b = bounds(geometry)
    if b is None:
        return None
    west, south, east, north = b
    pad_x = max((east - west) * 0.25, 0.5)
    pad_y = max((north - south) * 0.25, 0.5)
    fw, fs, fe, fn = max(west - pad_x, -180), max(south - pad_y, -90), min(east + pad_x, 180), min(north + pad_y, 90)

    def x(lon: float) -> float:
        return round((lon - fw) / (fe - fw) * width, 1)

    def y(lat: float) -> float:
        return round((fn - lat) / (fn - fs) * height, 1)

    return {
        "width": width, "height": height,
        "x": x(west), "y": y(north), "w": max(round(x(east) - x(west), 1), 2.0),
        "h": max(round(y(south) - y(north), 1), 2.0),
        "west": round(west, 4), "south": round(south, 4), "east": round(east, 4), "north": round(north, 4),
    }
