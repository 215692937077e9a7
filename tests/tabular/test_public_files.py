"""Previews, statistics and conversions of public tabular files (services.public_files)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import inspect

from catalog.db import registry_db
from catalog.models import PublicFile
from catalog.services import datasets
from catalog.services.actor import system_actor
from catalog.services.tabular import source

from ..helpers import FakeUpload, csv_distribution, dataset, login, make_user, uploaded_distribution
from .conftest import PROVINCES, SCHEMA

PUBLIC = ["ma_tinh", "tinh", "dan_so", "dien_tich", "ngay_cap_nhat"]  # ghi_chu is classed above open


def _original_rows(columns: list[str]) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(PROVINCES.decode())))
    idx = [rows[0].index(c) for c in columns]
    return [[row[i] for i in idx] for row in rows]


@pytest.fixture
def published(seeded_app, session):
    ds = dataset(session, "BTC", "open", title_vi="Dân số các tỉnh")
    dist = csv_distribution(session, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], PROVINCES, SCHEMA)
    return ds, dist


def test_preview_and_statistics_are_stored_when_the_file_becomes_public(seeded_app, session, published):
    _ds, dist = published
    record = session.get(PublicFile, dist.id)
    assert record.status == "ready" and record.row_count == 5
    assert [f["name"] for f in record.fields if f.get("public")] == PUBLIC
    assert record.preview[0] == {"ma_tinh": "01", "tinh": "Hà Nội", "dan_so": "8435700", "dien_tich": "3359.82",
                                 "ngay_cap_nhat": "2024-12-31"}
    stats = {s["name"]: s for s in record.stats}
    assert set(stats) == set(PUBLIC)  # nothing of the column the public may not receive
    assert stats["dan_so"] == {"name": "dan_so", "type": "integer", "count": 5, "empty": 0, "distinct": 5,
                               "distinct_at_least": False, "min": 899900, "max": 9521800}
    assert stats["dien_tich"]["min"] == 1284.73 and stats["dien_tich"]["max"] == 7927.55
    assert stats["ngay_cap_nhat"]["min"] == "2023-12-31" and stats["ngay_cap_nhat"]["max"] == "2024-12-31"
    assert stats["ngay_cap_nhat"]["distinct"] == 3
    assert stats["tinh"]["top"][0] == ["Hà Nội", 1] and "min" not in stats["tinh"]


def test_the_dataset_page_shows_the_stored_preview_and_conversions_in_both_languages(seeded_app, published):
    ds, dist = published
    client = seeded_app.test_client()
    en = client.get(f"/datasets/{ds.slug}?lang=en").get_data(as_text=True)
    assert "Column statistics" in en and "whole number" in en and "899900 – 9521800" in en
    assert f"/distributions/{dist.id}/download/xlsx" in en and "ghi_chu" not in en.split("Column statistics")[1]
    vi = client.get(f"/datasets/{ds.slug}?lang=vi").get_data(as_text=True)
    assert "Thống kê các cột" in vi and "số nguyên" in vi


def test_the_csv_conversion_keeps_every_cell_as_written(seeded_app, published):
    _ds, dist = published
    response = seeded_app.test_client().get(f"/distributions/{dist.id}/download/csv")
    assert response.status_code == 200 and response.headers["X-Columns-Trimmed"] == "true"
    assert list(csv.reader(io.StringIO(response.get_data(as_text=True)))) == _original_rows(PUBLIC)


def test_the_json_conversion_carries_typed_values(seeded_app, published):
    _ds, dist = published
    records = json.loads(seeded_app.test_client().get(f"/distributions/{dist.id}/download/json").data)
    assert records[0] == {"ma_tinh": "01", "tinh": "Hà Nội", "dan_so": 8435700, "dien_tich": 3359.82,
                          "ngay_cap_nhat": "2024-12-31"}
    assert [r["ma_tinh"] for r in records] == ["01", "79", "48", "02", "31"]
    assert records[2]["tinh"] == "Đà Nẵng"


def test_the_xlsx_conversion_round_trips_exactly(seeded_app, published, tmp_path):
    _ds, dist = published
    path = tmp_path / "out.xlsx"
    path.write_bytes(seeded_app.test_client().get(f"/distributions/{dist.id}/download/xlsx").data)
    sheet = load_workbook(path).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == PUBLIC
    assert rows[1] == ["01", "Hà Nội", 8435700, 3359.82, datetime(2024, 12, 31)]
    # read back as text the way the catalogue reads a workbook, it is the original file
    with source.open_rows(path, "XLSX") as (header, data):
        assert [header, *data] == _original_rows(PUBLIC)


def test_the_data_package_passes_frictionless_validate(seeded_app, published, tmp_path, monkeypatch):
    from frictionless import validate

    _ds, dist = published
    data = seeded_app.test_client().get(f"/distributions/{dist.id}/download/zip").data
    with zipfile.ZipFile(io.BytesIO(data)) as pack:
        assert sorted(pack.namelist()) == ["data.csv", "datapackage.json", "schema.json"]
        pack.extractall(tmp_path)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["resources"][0]["schema"] == "schema.json"
    schema = json.loads((tmp_path / "schema.json").read_text(encoding="utf-8"))
    assert [(f["name"], f["type"]) for f in schema["fields"]] == [
        ("ma_tinh", "string"), ("tinh", "string"), ("dan_so", "integer"), ("dien_tich", "number"),
        ("ngay_cap_nhat", "date")]
    monkeypatch.chdir(tmp_path)  # frictionless refuses absolute paths as unsafe
    report = validate("datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] == 5


def test_a_reader_who_may_receive_more_gets_conversions_with_more_columns(seeded_app, session, published):
    _ds, dist = published
    make_user(session, "officer@ubnd.gov.vn", roles={"BNV": "member"})
    client = seeded_app.test_client()
    login(client, "officer@ubnd.gov.vn")
    response = client.get(f"/distributions/{dist.id}/download/csv")
    header = response.get_data(as_text=True).splitlines()[0]
    assert header == "ma_tinh,tinh,dan_so,dien_tich,ngay_cap_nhat,ghi_chu"  # default-shared: agencies get it
    anonymous = seeded_app.test_client().get(f"/distributions/{dist.id}/download/json").data.decode()
    assert "ghi_chu" not in anonymous and "Thủ đô" not in anonymous


def test_a_file_without_schema_keeps_codes_as_text(seeded_app, session):
    ds = dataset(session, "BTC", "open")
    dist = csv_distribution(session, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], PROVINCES)
    record = session.get(PublicFile, dist.id)
    types = {f["name"]: f["type"] for f in record.fields}
    assert types["ma_tinh"] == "string" and types["dan_so"] == "integer" and types["ngay_cap_nhat"] == "date"
    records = json.loads(seeded_app.test_client().get(f"/distributions/{dist.id}/download/json").data)
    assert records[0]["ma_tinh"] == "01" and records[0]["ghi_chu"] == "Thủ đô"


def test_an_xlsx_file_is_converted_to_csv(seeded_app, session, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["ma_huyen", "ten", "so_xa"])
    sheet.append(["001", "Ba Đình", 14])
    sheet.append(["002", "Hoàn Kiếm", 18])
    buf = io.BytesIO()
    book.save(buf)
    ds = dataset(session, "BTC", "open")
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    dist = uploaded_distribution(session, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"],
                                 FakeUpload("huyen.xlsx", buf.getvalue(), mime), {"title_vi": "Bảng"})
    text = seeded_app.test_client().get(f"/distributions/{dist.id}/download/csv").get_data(as_text=True)
    assert text.splitlines() == ["ma_huyen,ten,so_xa", "001,Ba Đình,14", "002,Hoàn Kiếm,18"]


def test_an_unreadable_file_is_recorded_as_failed_and_publishing_still_works(seeded_app, session):
    ds = dataset(session, "BTC", "open")
    dist = uploaded_distribution(session, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"],
                                 FakeUpload("hong.xlsx", b"PK\x03\x04 not a workbook", "application/zip"),
                                 {"title_vi": "Hỏng"})
    record = session.get(PublicFile, dist.id)
    assert record.status == "failed" and "XLSX" in record.message
    assert seeded_app.test_client().get(f"/distributions/{dist.id}/download/csv").status_code == 404
    page = seeded_app.test_client().get(f"/datasets/{ds.slug}?lang=en").get_data(as_text=True)
    assert "could not be read as a table" in page


def test_withdrawing_the_dataset_removes_its_public_copy(seeded_app, session, published):
    ds, dist = published
    table = session.get(PublicFile, dist.id).table_name
    datasets.update_dataset(session, system_actor("test"), ds, {"status": "withdrawn"})
    session.commit()
    assert session.get(PublicFile, dist.id) is None
    assert not inspect(registry_db(seeded_app).engine).has_table(table)
    assert seeded_app.test_client().get(f"/distributions/{dist.id}/download/csv").status_code == 404


def test_a_restricted_dataset_gets_no_public_copy(seeded_app, session):
    ds = dataset(session, "BTC", "restricted")
    dist = csv_distribution(session, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], PROVINCES, SCHEMA)
    assert session.get(PublicFile, dist.id) is None


def test_the_cli_builds_public_copies(seeded_app, session, published):
    ds, dist = published
    session.delete(session.get(PublicFile, dist.id))
    session.commit()
    result = seeded_app.test_cli_runner().invoke(args=["public-files", "build", "--dataset", ds.slug])
    assert result.exit_code == 0, result.output
    assert "5 rows" in result.output and "1 ready, 0 failed" in result.output
    session.expire_all()
    assert session.get(PublicFile, dist.id).status == "ready"
    bad = seeded_app.test_cli_runner().invoke(args=["public-files", "build", "--dataset", "no-such-dataset"])
    assert bad.exit_code != 0 and "no-such-dataset" in bad.output


def test_text_that_looks_like_a_formula_stays_text_in_the_workbook(seeded_app, session, tmp_path):
    ds = dataset(session, "BTC", "open")
    content = b"ma,cong_thuc\n01,=1+1\n02,\"=HYPERLINK(\"\"http://x\"\")\"\n"
    dist = csv_distribution(session, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], content)
    path = tmp_path / "f.xlsx"
    path.write_bytes(seeded_app.test_client().get(f"/distributions/{dist.id}/download/xlsx").data)
    sheet = load_workbook(path).worksheets[0]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert [c.value for c in cells] == ["01", "=1+1", "02", '=HYPERLINK("http://x")']
    assert all(c.data_type == "s" for c in cells)


def test_a_large_files_workbook_is_written_by_a_second_process(seeded_app, session, tmp_path, monkeypatch):
    from catalog.services.tabular import convert

    monkeypatch.setattr(convert, "PROCESS_BYTES", 0)  # every file counts as large
    ds = dataset(session, "BTC", "open")
    dist = csv_distribution(session, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], PROVINCES, SCHEMA)
    path = tmp_path / "out.xlsx"
    path.write_bytes(seeded_app.test_client().get(f"/distributions/{dist.id}/download/xlsx").data)
    with source.open_rows(path, "XLSX") as (header, data):
        assert [header, *data] == _original_rows(PUBLIC)
