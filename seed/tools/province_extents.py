"""Derive seed/province_extents.json from Natural Earth's admin-1 shapes of Vietnam (63 former provinces).

Run: python seed/tools/province_extents.py path/to/vn-all.topo.json > seed/province_extents.json
The input is `countries/vn/vn-all.topo.json` of the npm package @highcharts/map-collection 2.3.3 (Natural
Earth admin-1, public domain, as TopoJSON in longitude/latitude). Each province of 1 July 2025 is the union
of the former provinces it was merged from (`merged_from` of seed/admin_units.csv), kept as the list of their
outlines (rounded to 4 decimals, ~10 m), with its bounding box.
"""

from __future__ import annotations

import csv
import json
import sys
import unicodedata
from pathlib import Path

SEED = Path(__file__).resolve().parents[1]
#: Natural Earth names that differ from the Vietnamese name of the former province.
ALIASES = {"southeast": "dong nai", "bac lieu": "bac lieu", "ho chi minh city": "thanh pho ho chi minh",
           "haiphong": "hai phong", "hue": "thua thien hue", "quang nam": "quang nam", "dac nong": "dak nong",
           "dak nong": "dak nong", "dak lak": "dak lak"}


def key(text: str) -> str:
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c)).replace("-", " ")
    for prefix in ("tinh ", "thanh pho "):
        if text.startswith(prefix) and text not in ("thanh pho ho chi minh",):
            text = text[len(prefix):]
    return " ".join(text.split())


def decode(topo: dict) -> dict[str, list[list[list[float]]]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            pts.append([round(x * sx + tx, 4), round(y * sy + ty, 4)])
        arcs.append(pts)

    def ring(indexes: list[int]) -> list[list[float]]:
        out: list[list[float]] = []
        for i in indexes:
            pts = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(pts if not out else pts[1:])
        return out

    shapes: dict[str, list[list[list[float]]]] = {}
    for g in topo["objects"]["default"]["geometries"]:
        name = (g.get("properties") or {}).get("name")
        if not name:
            continue  # the outlying islands carry no province
        polygons = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        k = key(name)
        k = ALIASES.get(k, k)
        shapes[k] = [[ring(r) for r in poly] for poly in polygons]
    return shapes


def main(path: str) -> None:
    shapes = decode(json.loads(Path(path).read_text(encoding="utf-8")))
    out: dict[str, dict] = {}
    used: set[str] = set()
    with (SEED / "admin_units.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            former = [p for p in row["merged_from"].split(";") if p] or [row["name_vi"]]
            polygons = []
            for name in former:
                k = key(name)
                k = ALIASES.get(k, k)
                if k not in shapes and k == "ha noi":
                    k = "ha noi"
                if k not in shapes:
                    raise SystemExit(f"no shape for {name} ({k}); known: {sorted(shapes)}")
                used.add(k)
                polygons.extend(shapes[k])
            xs = [p[0] for poly in polygons for p in poly[0]]
            ys = [p[1] for poly in polygons for p in poly[0]]
            out[row["code"]] = {"name": row["name_vi"], "bbox": [min(xs), min(ys), max(xs), max(ys)],
                                "polygons": polygons}
    missing = set(shapes) - used
    if missing:
        raise SystemExit(f"former provinces not placed: {sorted(missing)}")
    json.dump({"source": "Natural Earth admin-1 (public domain), via @highcharts/map-collection 2.3.3 "
                         "countries/vn/vn-all.topo.json; merged per Resolution 202/2025/QH15",
               "units": out}, sys.stdout, ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
