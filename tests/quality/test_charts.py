"""Server-side SVG charts: accessible (role, title, description, written values), escaped, no script."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # only to read the tree's shape

from defusedxml.ElementTree import fromstring

from catalog.charts import bar_chart, column_chart, line_chart

NS = "{http://www.w3.org/2000/svg}"


def _parse(markup) -> ET.Element:
    return fromstring(str(markup))


def test_bars_columns_and_lines_are_accessible_and_escaped():
    items = [("Hạng A", 3), ("<script>", 0), ("Không rõ", None)]
    for chart in (bar_chart(items, title="Tập dữ liệu theo hạng"), column_chart(items, title="Cột", unit="%")):
        svg = _parse(chart)
        assert svg.get("role") == "img" and svg.get("aria-labelledby")
        title, desc = svg.find(f"{NS}title"), svg.find(f"{NS}desc")
        assert title.get("id") in svg.get("aria-labelledby") and desc.get("id") in svg.get("aria-labelledby")
        assert "Hạng A: 3" in desc.text and "Không rõ: —" in desc.text
        texts = [t.text for t in svg.iter(f"{NS}text")]
        assert "<script>" in texts  # a label, as text
        assert "<script>" not in str(chart)  # ...escaped in the markup
        assert not list(svg.iter(f"{NS}script"))


def test_a_line_chart_breaks_at_missing_values_and_writes_its_values():
    svg = _parse(line_chart([("1/12", 40), ("2/12", None), ("3/12", 70), ("4/12", 75)], title="Điểm"))
    lines = list(svg.iter(f"{NS}polyline"))
    assert len(lines) == 2  # a gap where the value is missing
    values = [t.text for t in svg.iter(f"{NS}text") if t.get("class") == "value"]
    assert values == ["40", "70", "75"]
    bars = _parse(bar_chart([("a", 50), ("b", 100)], title="x", max_value=100))
    widths = [float(r.get("width")) for r in bars.iter(f"{NS}rect")]
    assert widths[1] == 2 * widths[0]
