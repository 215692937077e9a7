"""Issue 18: a column of integers with one "abc" no longer passes the type check, and inferred
schemas keep zero-padded codes as text (adopting them changes no value)."""

from __future__ import annotations

import csv
import io

import pytest

from catalog.models import Dataset
from catalog.quality.consistency import kind_of
from catalog.quality.inference import code_name
from catalog.quality.tabular import check_table

from ..helpers import login, make_user
from .conftest import add_file, new_dataset, reports_of, session_of
from .test_tabular import codes, data_outcomes, write


def _column(values: list[str], odd_at: int, odd: str, name: str = "so_luong") -> str:
    """A CSV of an id column and `name`, whose data row `odd_at` (1-based) holds `odd`."""
    cells = list(values)
    cells[odd_at - 1] = odd
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", name])
    writer.writerows([f"R{i}", v] for i, v in enumerate(cells, 1))
    return out.getvalue()


def test_a_column_of_integers_with_one_word_fails_the_type_check_without_a_schema(tmp_path):
    text = _column([str(i * 3) for i in range(36)], 11, "abc")
    report = check_table(write(tmp_path, text), "csv")
    assert report.inferred_schema["fields"][1]["type"] == "string"  # what inference made of it
    problem = report.problems[("type-inconsistent", "so_luong")]
    assert problem.count == 1 and problem.params == {"type": "integer", "values": 36}
    assert problem.examples == [{"row": 12, "column": "so_luong", "value": "abc"}]  # row 1 is the header
    assert report.row_errors["types"] == 1
    assert 0 < data_outcomes(report)["data_types"] < 1


def test_a_declared_string_column_is_checked_the_same_way(tmp_path):
    text = _column([str(i) for i in range(40)], 5, "mười")
    schema = {"fields": [{"name": "id", "type": "string"}, {"name": "so_luong", "type": "string"}]}
    report = check_table(write(tmp_path, text), "csv", schema=schema)
    assert report.problems[("type-inconsistent", "so_luong")].examples[0]["value"] == "mười"
    assert data_outcomes(report)["data_types"] < 1
    # a pattern says what the column holds already: the constraint check judges it, not this one
    schema["fields"][1]["constraints"] = {"pattern": "[0-9]+"}
    report = check_table(write(tmp_path, text), "csv", schema=schema)
    assert ("type-inconsistent", "so_luong") not in report.problems
    assert codes(report)["constraint-error"] == 1


@pytest.mark.parametrize(("values", "odd", "kind"), [
    ([f"{i},5" for i in range(30)], "nhiều", "number"),  # decimal comma
    ([f"{i}.25" for i in range(30)], "1.2.a", "number"),  # decimal point
    ([f"1.{i:03d},5" for i in range(15)] + [str(i) for i in range(15)], "khoảng 5", "number"),  # mixed with integers
    ([f"{d:02d}/03/2025" for d in range(1, 31)], "31/02/2025", "date"),  # dd/mm/yyyy, an impossible day
    ([f"2025-03-{d:02d}" for d in range(1, 31)], "tháng 3", "date"),  # ISO
    (["có", "không", "Có", "KHÔNG"] * 8, "chưa rõ", "boolean"),
    (["x"] * 30, "v", "boolean"),
    (["TRUE", "FALSE", "true"] * 10, "2", "boolean"),
])
def test_decimals_dates_and_yes_no_columns_report_their_odd_values(tmp_path, values, odd, kind):
    report = check_table(write(tmp_path, _column(values, 7, odd, "gia_tri")), "csv")
    problem = report.problems[("type-inconsistent", "gia_tri")]
    assert problem.params["type"] == kind and problem.count == 1
    assert problem.examples == [{"row": 8, "column": "gia_tri", "value": odd}]


def test_consistent_text_and_really_mixed_columns_are_left_alone(tmp_path):
    rows = "".join(f"R{i},Tên {i},{i if i % 3 else 'n/a'},{i}/05/2025\n" for i in range(1, 29))
    report = check_table(write(tmp_path, "id,ten,ghi_chu,ngay\n" + rows), "csv")
    assert not [key for key in report.problems if key[0] == "type-inconsistent"]


def test_kind_of_reads_vietnamese_forms():
    assert [kind_of(v) for v in ("12", "-3", "1,5", "1.234,5", "1,234.5", "03/12/2025", "2025-12-03",
                                 "2025-12-03T10:00:00Z", "Có", "không", "X", "TRUE", "Hà Nội", "30/02/2025")] == [
        "integer", "integer", "number", "number", "number", "date", "date", "date", "boolean", "boolean", "boolean",
        "boolean", "text", "text"]


CODES_CSV = "ma_tinh,ma_xa,so_dien_thoai,mst,ma,so_luong\n" + "".join(
    f"{p:02d},{p * 7:05d},09{p:08d},01{p:08d},{p + 10},{p * 2}\n" for p in range(1, 35))


def test_codes_are_inferred_as_text_with_a_pattern(tmp_path):
    report = check_table(write(tmp_path, CODES_CSV), "csv")
    assert report.inferred_schema["fields"] == [
        {"name": "ma_tinh", "type": "string", "constraints": {"pattern": "[0-9]{2}"}},
        {"name": "ma_xa", "type": "string", "constraints": {"pattern": "[0-9]{5}"}},
        {"name": "so_dien_thoai", "type": "string", "constraints": {"pattern": "[0-9]{10}"}},
        {"name": "mst", "type": "string", "constraints": {"pattern": "[0-9]{10}"}},
        {"name": "ma", "type": "string", "constraints": {"pattern": "[0-9]{2}"}},  # named a code
        {"name": "so_luong", "type": "integer"},  # a count stays a number
    ]
    assert codes(report).keys() == {"schema-inferred", "personal-data"}  # phones and tax codes are personal
    # adopted as it is, the schema finds the file clean
    adopted = check_table(write(tmp_path, CODES_CSV), "csv", schema=report.inferred_schema)
    assert codes(adopted).keys() == {"personal-data"} and adopted.rows == 34
    assert adopted.problems[("personal-data", "so_dien_thoai")].examples[0]["value"].startswith("09")
    # and still catches a value that is not a code
    broken = check_table(write(tmp_path, CODES_CSV + "1,00007,0900000035,0100000035,45,70\n"), "csv",
                         schema=report.inferred_schema)
    assert broken.problems[("constraint-error", "ma_tinh")].examples[0]["value"] == "1"


def test_code_names_in_vietnamese_and_english():
    assert all(code_name(n) for n in ("Mã", "Mã tỉnh", "ma_xa", "province_code", "Số điện thoại", "MST", "tinh_ma"))
    assert not any(code_name(n) for n in ("so_luong", "dan_so", "gia_tri", "macro", "nam"))


def test_adopting_the_inferred_schema_keeps_the_zeros_in_checks_and_preview(qapp):
    ds_id = new_dataset(qapp)
    add_file(qapp, ds_id, "ma.csv", CODES_CSV.encode())
    s = session_of(qapp)
    try:
        slug = s.get(Dataset, ds_id).slug
        make_user(s, "editor@example.gov.vn", roles={"BTC": "editor"})
    finally:
        s.close()
    client = qapp.test_client()
    login(client, "editor@example.gov.vn")
    dist_id = reports_of(qapp, ds_id)[-1].files[0]["distribution_id"]
    assert client.post(f"/datasets/{slug}/quality/adopt-schema/{dist_id}").status_code == 302
    report = reports_of(qapp, ds_id)[-1]
    table = report.files[0]["table"]
    assert table["schema_declared"] and not table["row_errors"]
    assert not [f for f in report.findings if f["check"] in ("data_types", "data_constraints")]
    s = session_of(qapp)
    try:
        fields = {f["name"]: f for f in s.get(Dataset, ds_id).distributions[0].table_schema["fields"]}
    finally:
        s.close()
    assert fields["ma_xa"]["type"] == "string" and fields["ma_xa"]["constraints"] == {"pattern": "[0-9]{5}"}
    page = client.get(f"/datasets/{slug}").get_data(as_text=True)
    assert ">00007<" in page and ">0900000001<" in page


def test_the_report_page_names_the_odd_rows(qapp):
    ds_id = new_dataset(qapp)
    add_file(qapp, ds_id, "so.csv", _column([str(i) for i in range(36)], 11, "abc").encode())
    s = session_of(qapp)
    try:
        slug = s.get(Dataset, ds_id).slug
    finally:
        s.close()
    client = qapp.test_client()
    en = client.get(f"/datasets/{slug}/quality?lang=en").get_data(as_text=True)
    assert "Column so_luong: 1 of 36 values is not an integer: row 12 “abc”." in en
    vi = client.get(f"/datasets/{slug}/quality?lang=vi").get_data(as_text=True)  # ?lang= sticks
    assert "Cột so_luong: 1 trong 36 giá trị không phải là số nguyên: dòng 12 “abc”." in vi
