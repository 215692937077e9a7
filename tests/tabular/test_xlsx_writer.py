"""The streaming workbook writer (services.tabular.xlsx): what a reader gets back is what was written,
for every served type and for the text that breaks naive writers."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, timedelta, timezone

from openpyxl import load_workbook

from catalog.services.tabular import source, xlsx


def _write(tmp_path, names, kinds, rows):
    out = tmp_path / "t.xlsx"
    book = xlsx.SheetWriter(out, names, kinds)
    for row in rows:
        assert book.add(row)
    assert book.finish()
    return out


def test_every_type_reads_back_as_written(tmp_path):
    rows = [
        ["01", 8435700, 3359.82, True, date(2024, 12, 31), datetime(2024, 5, 6, 7, 8, 9), 2024],
        ["Đà Nẵng", -5, 0.1, False, date(1900, 1, 15), datetime(2001, 2, 3, 4, 5, 6, 500000), 1999],
        [None, None, None, None, None, None, None],
        ["x", 12345678901234567, 1e20, None, date(1900, 3, 1), None, None],
    ]
    out = _write(tmp_path, ["ma", "n", "x", "b", "d", "dt", "y"],
                 ["string", "integer", "number", "boolean", "date", "datetime", "year"], rows)
    got = [list(r) for r in load_workbook(out).worksheets[0].iter_rows(values_only=True)]
    assert got[0] == ["ma", "n", "x", "b", "d", "dt", "y"]
    assert got[1] == ["01", 8435700, 3359.82, True, datetime(2024, 12, 31), datetime(2024, 5, 6, 7, 8, 9), 2024]
    assert got[2] == ["Đà Nẵng", -5, 0.1, False, datetime(1900, 1, 15), datetime(2001, 2, 3, 4, 5, 6, 500000), 1999]
    assert got[3] == [None] * 7
    assert got[4][:3] == ["x", 12345678901234567, 1e20] and got[4][4] == datetime(1900, 3, 1)
    # and read as text the way the catalogue reads a workbook
    with source.open_rows(out, "XLSX") as (_header, data):
        assert next(data) == ["01", "8435700", "3359.82", "true", "2024-12-31", "2024-05-06T07:08:09", "2024"]


def test_text_stays_text_exactly(tmp_path):
    texts = ["=1+1", "  spaces around  ", "a & b < c > d", "line\nbreak", "carriage\r\nreturn", "tab\there",
             "Thủ đô \"ngoặc kép\"", "bell\x07gone", "+84 912", "1e5", "TRUE"]
    out = _write(tmp_path, ["t"], ["string"], [[t] for t in texts])
    sheet = load_workbook(out).worksheets[0]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == [t.replace("\x07", "") for t in texts]
    assert all(c.data_type == "s" for c in cells)


def test_a_datetime_with_a_zone_is_kept_as_its_iso_text(tmp_path):
    moment = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=7)))
    out = _write(tmp_path, ["luc"], ["datetime"], [[moment]])
    assert next(load_workbook(out).worksheets[0].iter_rows(min_row=2, values_only=True)) == (moment.isoformat(),)


def test_the_package_has_every_part_excel_needs(tmp_path):
    out = _write(tmp_path, ["a"], ["integer"], [[1]])
    with zipfile.ZipFile(out) as pack:
        assert pack.testzip() is None
        assert set(pack.namelist()) == {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
                                        "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml"}
    assert load_workbook(out).sheetnames == ["data"]


def test_past_excels_row_limit_the_workbook_is_not_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    out = tmp_path / "t.xlsx"
    book = xlsx.SheetWriter(out, ["a"], ["integer"])
    assert book.add([1]) and book.add([2])
    assert not book.add([3])
    assert not book.finish()
    assert not out.exists()


def test_an_aborted_workbook_leaves_no_file(tmp_path):
    out = tmp_path / "t.xlsx"
    book = xlsx.SheetWriter(out, ["a"], ["integer"])
    book.add([1])
    book.abort()
    assert not out.exists()


def test_the_checked_converter_gives_what_the_checking_one_gives():
    from catalog.services.tabular import types

    cells = {"integer": ["0", "-12", " 7 ", "", "12345678901234567890"], "year": ["2024", ""],
             "number": ["3359.82", "-0.5", "1e5", " 2.50 ", "", "0"], "date": ["2024-12-31", " 1900-01-01 ", ""],
             "string": ["01", "", " a "], "boolean": ["true", "Không", ""],
             "datetime": ["2024-01-02T03:04:05+07:00", ""]}
    for kind, texts in cells.items():
        fld = {"name": "x", "type": kind}
        checked, checking = types.checked_converter(fld), types.converter(fld)
        assert [checked(t) for t in texts] == [checking(t) for t in texts], kind
    with_options = {"name": "x", "type": "number", "groupChar": ".", "decimalChar": ","}
    assert types.checked_converter(with_options)("1.234,5") == 1234.5
