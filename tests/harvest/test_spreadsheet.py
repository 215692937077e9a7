"""Spreadsheet inventories: the template, a real-looking inventory, tolerant headings, row errors."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook

from catalog.config import PROJECT_ROOT

from .conftest import FIXTURES, datasets_of, errors_of, make_source, run

SEED = PROJECT_ROOT / "seed" / "harvest"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _serve(http_server, name: str, body: bytes, ctype: str = "text/csv") -> str:
    http_server.route(f"/{name}", body=body, headers={"Content-Type": ctype})
    return http_server.url(f"/{name}")


def _source(app, url: str, **kw):
    return make_source(app, protocol="spreadsheet", url=url, organization="HN-SKHCN", default_access_level="shared",
                       default_licence=None, **kw)


def test_the_template_reads_in_both_forms(happ, http_server):
    for name, ctype in (("mau_danh_muc_du_lieu.xlsx", XLSX_TYPE), ("mau_danh_muc_du_lieu.csv", "text/csv")):
        src = _source(happ, _serve(http_server, name, (SEED / name).read_bytes(), ctype), name=name)
        result = run(happ, src)
        assert result.status == "succeeded" and result.counts["new"] == 1, name
        ds = datasets_of(happ, src)[0]
        assert ds.remote_id == "VD-01" and ds.title_en == "Science and technology organisations"
        assert ds.access_level == "shared" and ds.themes == ["TECH"] and ds.update_frequency == "QUARTERLY"
        assert ds.spatial == ["01"] and ds.keywords == ["khoa học", "công nghệ"]
        assert str(ds.issued) == "2025-03-01" and str(ds.modified) == "2025-10-15"
        assert ds.publisher.code == "HN-SKHCN"


def test_the_demo_inventory_with_a_title_above_the_headings_and_a_bad_row(happ):
    src = _source(happ, "seed/harvest/danh_muc_du_lieu_so_khcn_ha_noi.xlsx")
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 5 and result.counts["failed"] == 1
    assert errors_of(happ, result.job_id, "error") == ["None: row 8: no dataset name (Tên tập dữ liệu)"]
    levels = {d.remote_id: d.access_level for d in datasets_of(happ, src)}
    assert levels == {"KHCN-01": "shared", "KHCN-02": "open", "KHCN-03": "shared", "KHCN-04": "restricted",
                      "KHCN-05": "open"}
    assert {d.remote_id: d.themes for d in datasets_of(happ, src)}["KHCN-04"] == ["TECH", "HEAL"]


def test_headings_match_whatever_their_case_accents_spacing_and_hints(happ, http_server):
    csv_text = (
        "STT;TÊN   TẬP DỮ LIỆU;mo ta;Mức độ chia sẻ (mở / dùng chung / dùng riêng);Tu khoa;NGÀY CẬP NHẬT;Cột lạ\n"
        "1;Danh bạ cơ quan;Tên, địa chỉ;Dữ liệu mở;danh bạ, cơ quan;05/11/2025;x\n"
        "2;Danh mục thủ tục;Mã, tên thủ tục;dùng riêng;thủ tục;2025-01-02;y\n"
    )
    src = _source(happ, _serve(http_server, "ds.csv", csv_text.encode("utf-8-sig")))  # Excel's "CSV UTF-8"
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 2
    by_title = {d.title_vi: d for d in datasets_of(happ, src)}
    first = by_title["Danh bạ cơ quan"]
    assert first.access_level == "open" and first.keywords == ["danh bạ", "cơ quan"]
    assert str(first.modified) == "2025-11-05" and first.description_vi == "Tên, địa chỉ"
    assert first.remote_id == "danh-ba-co-quan"  # no code column: the name is the id
    assert by_title["Danh mục thủ tục"].access_level == "restricted"
    warnings = " ".join(errors_of(happ, result.job_id, "warning"))
    assert "'STT'" in warnings and "'Cột lạ'" in warnings


def test_row_errors_name_their_rows(happ, http_server):
    book = Workbook()
    ws = book.active
    ws.append(["Mã tập dữ liệu", "Tên tập dữ liệu", "Mức độ chia sẻ", "Thư điện tử", "Ngày ban hành"])
    ws.append(["A1", "Một", "mở", "sai-dia-chi", "32/13/2025"])
    ws.append(["A2", "", "mở", "", ""])
    ws.append(["A1", "Trùng mã", "mở", "", ""])
    ws.append(["A3", "Ba", "không rõ", "a@b.vn", ""])
    buf = io.BytesIO()
    book.save(buf)
    src = _source(happ, _serve(http_server, "x.xlsx", buf.getvalue(), XLSX_TYPE))
    result = run(happ, src)
    assert result.counts["new"] == 2 and result.counts["failed"] == 2
    errors = errors_of(happ, result.job_id, "error")
    assert "A2: row 3: no dataset name (Tên tập dữ liệu)" in errors
    assert "A1: row 4: the code A1 is already used on row 2" in errors
    warnings = " ".join(errors_of(happ, result.job_id, "warning"))
    assert "sai-dia-chi" in warnings and "32/13/2025" in warnings and "row 5: access level 'không rõ'" in warnings
    levels = {d.remote_id: d.access_level for d in datasets_of(happ, src)}
    assert levels == {"A1": "open", "A3": "shared"}  # an unknown level takes the source's default


def test_the_frictionless_invalid_csv_sample(happ, http_server):
    # blank and repeated headings, missing cells, a blank row and an extra cell: read what can be read
    sample = (FIXTURES / "invalid.csv").read_bytes()
    src = _source(happ, _serve(http_server, "invalid.csv", sample))
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 2 and result.counts["failed"] == 1
    assert errors_of(happ, result.job_id, "error") == ["1: row 3: the code 1 is already used on row 2"]
    assert sorted((d.remote_id, d.title_vi) for d in datasets_of(happ, src)) == [("1", "english"), ("2", "german")]
    assert any("'name' is not used" in w for w in errors_of(happ, result.job_id, "warning"))


def test_a_file_without_headings_or_not_a_workbook(happ, http_server):
    result = run(happ, _source(happ, _serve(http_server, "numbers.csv", b"1,2,3\n4,5,6\n")))
    assert result.status == "failed" and "no heading row" in result.message
    result = run(happ, _source(happ, _serve(http_server, "junk.xlsx", b"PK\x03\x04 not really", XLSX_TYPE),
                               name="Hỏng"))
    assert result.status == "failed" and "not a readable XLSX workbook" in result.message


def test_local_files_only_under_the_seed_folder(happ):
    result = run(happ, _source(happ, "seed/harvest/mau_danh_muc_du_lieu.csv"))
    assert result.status == "succeeded"
    from marshmallow import ValidationError

    try:
        _source(happ, "/etc/passwd", name="Ngoài")
    except ValidationError as err:
        assert "url" in err.messages
    else:
        raise AssertionError("a file outside seed/ was accepted")


# --- hostile files (issue 17, item 5) ---------------------------------------------------------------


def _workbook_bytes(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


TEMPLATE_ROWS = [["Mã tập dữ liệu", "Tên tập dữ liệu", "Mức độ chia sẻ"], ["VD-01", "Dữ liệu thử", "dùng chung"]]


def test_a_small_xlsx_that_inflates_past_the_cap_is_refused(happ, http_server):
    import zipfile

    from harvesters import spreadsheet

    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_workbook_bytes(TEMPLATE_ROWS))) as good, \
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for item in good.infolist():
            out.writestr(item, good.read(item.filename))
        out.writestr("xl/media/padding.bin", b"\0" * (spreadsheet.MAX_INFLATED_BYTES + 1024))
    body = bomb.getvalue()
    assert len(body) < 1024 * 1024  # small on the wire
    src = _source(happ, _serve(http_server, "bomb.xlsx", body, XLSX_TYPE))
    result = run(happ, src)
    assert result.status == "failed", result
    assert "uncompressed" in result.message and "refused" in result.message
    assert datasets_of(happ, src) == []
    assert any("uncompressed" in e for e in errors_of(happ, result.job_id, "error"))


def test_a_sheet_with_too_many_rows_is_refused(happ, http_server, monkeypatch):
    from harvesters import spreadsheet

    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 50)
    rows = TEMPLATE_ROWS + [[f"VD-{n}", f"Dữ liệu {n}", "mở"] for n in range(2, 60)]
    for name, body, ctype in (("many.xlsx", _workbook_bytes(rows), XLSX_TYPE),
                              ("many.csv", "\n".join(",".join(r) for r in rows).encode(), "text/csv")):
        src = _source(happ, _serve(http_server, name, body, ctype), name=name)
        result = run(happ, src)
        assert result.status == "failed" and "more than 50 rows" in result.message, (name, result.message)
        assert datasets_of(happ, src) == []


def test_a_sheet_with_too_many_cells_is_refused(happ, http_server):
    from harvesters import spreadsheet

    wide = ",".join(["x"] * (spreadsheet.MAX_CELLS + 10))
    body = ("\n".join(",".join(r) for r in TEMPLATE_ROWS) + "\n" + wide + "\n").encode()
    src = _source(happ, _serve(http_server, "wide.csv", body))
    result = run(happ, src)
    assert result.status == "failed" and f"more than {spreadsheet.MAX_CELLS:,} cells" in result.message
    assert datasets_of(happ, src) == []


def test_an_xlsx_claiming_a_huge_sheet_is_cut_at_the_cell_limit(happ, http_server, monkeypatch):
    """A few bytes can declare a sheet of 16,384 columns: openpyxl pads every row to it."""
    import zipfile

    from harvesters import spreadsheet

    monkeypatch.setattr(spreadsheet, "MAX_CELLS", 100_000)
    source = io.BytesIO(_workbook_bytes(TEMPLATE_ROWS))
    out = io.BytesIO()
    with zipfile.ZipFile(source) as good, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bad:
        for item in good.infolist():
            data = good.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                # openpyxl writes the element with or without a space before "/>" (with lxml: without)
                data = re.sub(rb'<dimension ref="A1:C2"\s*/>', b'<dimension ref="A1:XFD1048576" />', data)
                assert b"XFD1048576" in data
            bad.writestr(item, data)
    src = _source(happ, _serve(http_server, "claims.xlsx", out.getvalue(), XLSX_TYPE))
    result = run(happ, src)
    # either the rows are read as they are, or the sheet is refused at the cell limit: never a blow-up
    assert result.status in ("succeeded", "failed")
    if result.status == "failed":
        assert "cells" in result.message
