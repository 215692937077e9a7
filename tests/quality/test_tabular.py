"""Data checks of one table: each check on a file built to fail it and on one built to pass it;
every row and every error is counted whatever their number; broken files are findings, never crashes."""

from __future__ import annotations

import json
import zipfile

import openpyxl
import pytest

from catalog.quality.tabular import Limits, Reference, check_table, outcomes

from .conftest import FIXTURES

SCHEMA = {"fields": [
    {"name": "ma", "type": "string", "constraints": {"required": True}},
    {"name": "ten", "type": "string"},
    {"name": "so_luong", "type": "integer", "constraints": {"minimum": 0}},
    {"name": "ngay", "type": "date"},
], "primaryKey": ["ma"]}
GOOD = "ma,ten,so_luong,ngay\nA1,Hà Nội,10,2025-01-01\nA2,Huế,0,2025-02-01\nA3,Cần Thơ,7,2025-03-01\n"


def write(tmp_path, text: str, name: str = "data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def codes(report) -> dict[str, int]:
    out: dict[str, int] = {}
    for (code, _column), problem in report.problems.items():
        out[code] = out.get(code, 0) + problem.count
    return out


def data_outcomes(report, dist_id: str = "d1") -> dict[str, float | None]:
    files = [{"distribution_id": dist_id, "title": "t", "table": report.as_dict()}]
    findings = [{**p.as_dict(), "distribution_id": dist_id} for p in report.problems.values()]
    return {k: v.compliance for k, v in outcomes(files, findings).items()}


def test_a_clean_table_with_its_schema_passes_every_data_check(tmp_path):
    report = check_table(write(tmp_path, GOOD), "csv", schema=SCHEMA)
    assert report.complete and report.rows == 3 and report.fatal is None
    assert codes(report) == {}
    scored = data_outcomes(report)
    assert scored.pop("data_foreign_keys") is None and scored.pop("codes_data_columns") is None
    assert set(scored.values()) == {1.0}


def test_the_real_invalid_csv_sample(tmp_path):
    """frictionless's own broken sample: blank and duplicate header, missing cells, a blank row, an extra cell."""
    report = check_table(FIXTURES / "invalid.csv", "csv")
    assert codes(report) == {"blank-label": 1, "duplicate-label": 1, "missing-cell": 4, "blank-row": 1,
                             "extra-cell": 1, "duplicate-row": 1, "schema-inferred": 1}
    assert report.problems[("duplicate-row", None)].examples == [{"row": 3, "first_row": 2}]
    assert report.problems[("blank-row", None)].examples == [{"row": 4}]
    scored = data_outcomes(report)
    assert scored["data_header"] == 0.5  # 2 of 4 labels are wrong
    assert scored["data_structure"] == 0.0  # every row has a structural error
    assert scored["data_duplicates"] == pytest.approx(0.75)  # 1 of 4 rows repeats


def test_type_and_constraint_errors_are_all_counted_past_frictionless_limit(tmp_path):
    lines = ["ma,ten,so_luong,ngay"]
    for i in range(3000):
        amount = "nhiều" if i % 2 else ("-5" if i % 3 == 0 else "4")
        lines.append(f"M{i},Tên {i},{amount},2025-01-{1 + i % 28:02d}")
    report = check_table(write(tmp_path, "\n".join(lines) + "\n"), "csv", schema=SCHEMA, limits=Limits(examples=5))
    assert report.rows == 3000 and report.complete
    types = report.problems[("type-error", "so_luong")]
    assert types.count == 1500 and len(types.examples) == 5 and types.params["type"] == "integer"
    assert types.examples[0] == {"row": 3, "column": "so_luong", "value": "nhiều", "note": 'type is "integer/default"'}
    assert report.problems[("constraint-error", "so_luong")].count == 500
    scored = data_outcomes(report)
    assert scored["data_types"] == pytest.approx(0.5) and scored["data_constraints"] == pytest.approx(2500 / 3000)


def test_primary_key_repeats_and_empty_keys_across_spill_files(tmp_path):
    lines = ["ma,ten,so_luong,ngay"] + [f"K{i % 700},x,1,2025-01-01" for i in range(1000)] + [",y,1,2025-01-01"]
    report = check_table(write(tmp_path, "\n".join(lines) + "\n"), "csv", schema=SCHEMA, limits=Limits(chunk=64))
    duplicate = report.problems[("primary-key-duplicate", "ma")]
    assert duplicate.count == 300 and duplicate.examples[0] == {"row": 702, "first_row": 2, "column": "ma"}
    assert report.problems[("primary-key-empty", None)].count == 1
    assert report.pk_problems == 301
    # in proportion to the rows without a key problem
    assert data_outcomes(report)["data_primary_key"] == pytest.approx(1 - 301 / 1001)


def test_no_primary_key_declared_scores_nothing_for_keys(tmp_path):
    schema = {**SCHEMA, "primaryKey": []}
    report = check_table(write(tmp_path, GOOD), "csv", schema=schema)
    assert data_outcomes(report)["data_primary_key"] == 0.0


def test_duplicate_rows_are_found_in_bounded_memory(tmp_path):
    rows = [f"R{i % 250},a,1,2025-01-01" for i in range(1000)]
    report = check_table(write(tmp_path, "ma,ten,so_luong,ngay\n" + "\n".join(rows) + "\n"), "csv",
                         limits=Limits(chunk=50))
    assert report.duplicates == 750 and report.problems[("duplicate-row", None)].examples[0] == {
        "row": 252, "first_row": 2}


def test_unique_constraints_are_checked_without_frictionless_memory(tmp_path):
    schema = {"fields": [{"name": "ma", "type": "string", "constraints": {"unique": True}}, {"name": "ten"}]}
    report = check_table(write(tmp_path, "ma,ten\nA,1\nB,2\nA,3\n"), "csv", schema=schema, limits=Limits(chunk=2))
    assert report.problems[("unique-error", "ma")].examples == [{"row": 4, "first_row": 2, "column": "ma"}]


def test_foreign_keys_to_another_table_and_to_the_same_table(tmp_path):
    units = write(tmp_path, "ma_tinh,ten\n01,Hà Nội\n79,Hồ Chí Minh\n", "tinh.csv")
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "ma_tinh", "type": "string"},
                         {"name": "cha", "type": "integer"}],
              "primaryKey": ["id"],
              "foreignKeys": [{"fields": ["ma_tinh"], "reference": {"resource": "tinh", "fields": ["ma_tinh"]}},
                              {"fields": "cha", "reference": {"resource": "", "fields": "id"}}]}
    data = write(tmp_path, "id,ma_tinh,cha\n1,01,\n2,79,1\n3,99,2\n4,01,42\n")

    def resolver(name: str):
        return Reference(units, "csv", None) if name == "tinh" else None

    report = check_table(data, "csv", schema=schema, references=resolver)
    missing = report.problems[("foreign-key-error", "ma_tinh")]
    assert missing.examples == [{"row": 4, "column": "ma_tinh", "value": "99"}]
    assert report.problems[("foreign-key-error", "cha")].examples == [{"row": 5, "column": "cha", "value": "42"}]
    assert report.fk_problems == 2
    unresolved = check_table(data, "csv", schema=schema, references=lambda _name: None)
    assert any(code == "foreign-key-reference" for code, _c in unresolved.problems)
    assert data_outcomes(unresolved)["data_foreign_keys"] == 0.0
    good = write(tmp_path, "id,ma_tinh,cha\n1,01,\n2,79,1\n", "good.csv")
    assert data_outcomes(check_table(good, "csv", schema=schema, references=resolver))["data_foreign_keys"] == 1.0


def test_columns_marked_with_a_code_list_hold_its_codes(tmp_path):
    schema = {"fields": [{"name": "ma_tinh", "type": "string", "codeList": "admin_unit"},
                         {"name": "so", "type": "integer"}]}
    lists = {"admin_unit": frozenset({"01", "79", "48"})}
    bad = check_table(write(tmp_path, "ma_tinh,so\n01,1\n02,2\n79,3\n"), "csv", schema=schema, code_lists=lists)
    assert bad.problems[("code-not-in-list", "ma_tinh")].examples == [{"row": 3, "column": "ma_tinh", "value": "02"}]
    assert data_outcomes(bad)["codes_data_columns"] == pytest.approx(2 / 3)
    good = check_table(write(tmp_path, "ma_tinh,so\n01,1\n48,2\n", "g.csv"), "csv", schema=schema, code_lists=lists)
    assert data_outcomes(good)["codes_data_columns"] == 1.0


def test_a_header_that_differs_from_the_schema(tmp_path):
    report = check_table(write(tmp_path, "code,ten,so_luong,ngay\nA1,x,1,2025-01-01\n"), "csv", schema=SCHEMA)
    assert ("incorrect-label", None) in report.problems


def test_without_a_schema_one_is_inferred_from_many_rows_and_offered(tmp_path):
    rows = [f"{i},{i * 1.5},Tên {i}" for i in range(500)] + ["x,1.0,Cuối"]
    report = check_table(write(tmp_path, "so,gia_tri,ten\n" + "\n".join(rows) + "\n"), "csv")
    assert report.inferred_schema["fields"] == [
        {"name": "so", "type": "integer"}, {"name": "gia_tri", "type": "number"}, {"name": "ten", "type": "string"}]
    assert report.problems[("type-error", "so")].examples[0]["row"] == 502  # checked against what was inferred
    assert ("schema-inferred", None) in report.problems


def test_broken_files_are_findings(tmp_path):
    assert check_table(tmp_path / "nothing.csv", "csv").fatal == "file-missing"
    assert check_table(write(tmp_path, "", "empty.csv"), "csv").fatal == "empty-file"
    bad_schema = {"fields": [{"name": "a", "type": "no-such-type"}]}
    assert check_table(write(tmp_path, "a\n1\n", "a.csv"), "csv", schema=bad_schema).fatal == "schema-invalid"
    not_xlsx = write(tmp_path, "ma,ten\n1,2\n", "fake.xlsx")
    assert check_table(not_xlsx, "xlsx").fatal == "format-error"
    assert check_table(write(tmp_path, '{"a": ', "broken.json"), "json").fatal == "source-error"


def test_a_file_that_breaks_midway_reports_how_far_it_was_read(tmp_path):
    rows = ",".join(json.dumps({"ma": f"M{i}", "ten": f"dòng {i}"}, ensure_ascii=False) for i in range(6000))
    path = write(tmp_path, "[" + rows + ', {"ma": "M6000", "ten": ]', "cut.json")
    report = check_table(path, "json", schema={"fields": [{"name": "ma"}, {"name": "ten"}]})
    assert not report.complete and report.rows == 6000
    stopped = report.problems[("read-stopped", None)]
    assert stopped.params == {"rows": 6000} and stopped.examples[0]["row"] == 6001
    assert data_outcomes(report)["data_readable"] == 0.0


def test_an_xlsx_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<a>" + "0" * (3 * 1024 * 1024) + "</a>")
    assert path.stat().st_size < 100 * 1024
    report = check_table(path, "xlsx", limits=Limits(xlsx_max_bytes=1024 * 1024))
    assert report.fatal == "xlsx-too-large" and report.problems[("xlsx-too-large", None)].params["bytes"] > 3_000_000


def test_xlsx_tables_are_checked_like_csv(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ma", "ten", "so_luong", "ngay"])
    sheet.append(["A1", "Hà Nội", 10, "2025-01-01"])
    sheet.append(["A2", "Huế", "mười", "2025-01-02"])
    sheet.append(["A2", "Huế", "mười", "2025-01-02"])
    book.create_sheet("Ghi chú")
    path = tmp_path / "bang.xlsx"
    book.save(path)
    report = check_table(path, "xlsx", schema=SCHEMA)
    assert report.rows == 3 and report.complete and report.sheets == 2
    assert codes(report) == {"type-error": 2, "primary-key-duplicate": 1, "duplicate-row": 1, "other-sheets": 1}


@pytest.mark.parametrize("body", [
    [{"ma": "A1", "so": 1}, {"ma": "A2", "so": "hai"}],
    [["ma", "so"], ["A1", 1], ["A2", "hai"]],
])
def test_json_tables_as_objects_or_arrays(tmp_path, body):
    schema = {"fields": [{"name": "ma", "type": "string"}, {"name": "so", "type": "integer"}]}
    report = check_table(write(tmp_path, json.dumps(body), "bang.json"), "json", schema=schema)
    assert report.rows == 2 and report.complete and codes(report) == {"type-error": 1}


def test_progress_is_reported_with_an_estimate(tmp_path):
    seen = []
    text = "ma,ten\n" + "".join(f"{i},tên {i}\n" for i in range(12000))
    check_table(write(tmp_path, text), "csv", progress=lambda rows, estimate: seen.append((rows, estimate)))
    assert seen[0][0] == 5000 and 11000 < seen[0][1] < 13000
    assert seen[-1] == (12000, 12000)
