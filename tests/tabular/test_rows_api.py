"""The rows API: filters, q, sort, fields, paging, CSV, bad parameters, visibility, type fallback
and overrides; on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import pytest
from flask import Flask

from catalog.db import registry_db
from catalog.models import PublicFile
from catalog.services import datasets, distributions
from catalog.services.actor import system_actor

from ..helpers import csv_distribution, dataset, make_user, token_for
from .conftest import PROVINCES, SCHEMA


def _filters(obj: dict) -> str:
    return quote(json.dumps(obj, ensure_ascii=False))


@pytest.fixture
def open_file(seeded_app, session):
    ds = dataset(session, "BTC", "open", title_vi="Dân số các tỉnh")
    dist = csv_distribution(session, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], PROVINCES, SCHEMA)
    return ds.slug, dist.id


def _rows(client, slug: str, query: str = "") -> dict:
    response = client.get(f"/api/v1/datasets/{slug}/rows{'?' + query if query else ''}")
    assert response.status_code == 200, response.data[:500]
    return response.get_json()


def check_rows_api(app: Flask, slug: str, dist_id: str) -> None:
    """The behaviour both databases must show."""
    client = app.test_client()
    body = _rows(client, slug)
    assert body["total"] == 5 and body["resource"] == dist_id and len(body["records"]) == 5
    assert [f["id"] for f in body["fields"]] == ["ma_tinh", "tinh", "dan_so", "dien_tich", "ngay_cap_nhat"]
    assert body["records"][0] == {"ma_tinh": "01", "tinh": "Hà Nội", "dan_so": 8435700, "dien_tich": 3359.82,
                                  "ngay_cap_nhat": "2024-12-31"}
    one = _rows(client, slug, f"filters={_filters({'tinh': 'Hà Nội'})}")
    assert one["total"] == 1 and one["records"][0]["ma_tinh"] == "01"
    codes = _rows(client, slug, f"filters={_filters({'ma_tinh': ['01', '02']})}&resource={dist_id}")
    assert [r["tinh"] for r in codes["records"]] == ["Hà Nội", "Hà Giang"]
    typed = _rows(client, slug, f"filters={_filters({'dan_so': 1245000, 'ngay_cap_nhat': '2024-06-30'})}")
    assert [r["tinh"] for r in typed["records"]] == ["Đà Nẵng"]
    folded = _rows(client, slug, "q=da+nang")
    assert [r["tinh"] for r in folded["records"]] == ["Đà Nẵng"]
    assert _rows(client, slug, "q=HA")["total"] == 3  # Hà Nội, Hà Giang, Hải Phòng
    ordered = _rows(client, slug, "sort=dan_so+desc&fields=tinh,dan_so&limit=2&offset=1")
    assert ordered["records"] == [{"tinh": "Hà Nội", "dan_so": 8435700}, {"tinh": "Hải Phòng", "dan_so": 2105000}]
    assert ordered["total"] == 5 and "next" in ordered["links"]
    assert _rows(client, slug, "limit=0")["records"] == []
    text = client.get(f"/api/v1/datasets/{slug}/rows.csv?sort=ma_tinh&fields=ma_tinh,tinh,ngay_cap_nhat"
                      f"&filters={_filters({'ngay_cap_nhat': '2024-12-31'})}").get_data(as_text=True)
    assert list(csv.reader(io.StringIO(text))) == [
        ["ma_tinh", "tinh", "ngay_cap_nhat"], ["01", "Hà Nội", "2024-12-31"], ["31", "Hải Phòng", "2024-12-31"],
        ["79", "Thành phố Hồ Chí Minh", "2024-12-31"]]


def test_rows_api_on_sqlite(seeded_app, open_file):
    check_rows_api(seeded_app, *open_file)


@pytest.mark.parametrize(("query", "parameter"), [
    ("filters=%7Bnot+json", "filters"),
    ("filters=%5B1%2C2%5D", "filters"),
    (f"filters={_filters({'khong_co': 1})}", "filters"),
    (f"filters={_filters({'dan_so': 'nhiều'})}", "filters"),
    (f"filters={_filters({'ngay_cap_nhat': '31/12/2024'})}", "filters"),
    (f"filters={_filters({'tinh': {'a': 1}})}", "filters"),
    ("sort=khong_co", "sort"),
    ("sort=dan_so+sideways", "sort"),
    ("fields=tinh,khong_co", "fields"),
    ("fields=ghi_chu", "fields"),  # trimmed for the public: answered as if it did not exist
    ("limit=-1", "limit"),
    ("limit=abc", "limit"),
    ("limit=1001", "limit"),
    ("offset=99999999999999999999", "offset"),
    ("resource=no-such-file", "resource"),
])
def test_bad_parameters_answer_400_naming_them(seeded_app, open_file, query, parameter):
    slug, _dist = open_file
    for path in ("rows", "rows.csv"):
        response = seeded_app.test_client().get(f"/api/v1/datasets/{slug}/{path}?{query}")
        if path == "rows.csv" and parameter == "limit" and query == "limit=1001":
            assert response.status_code == 200  # the CSV is not paged
            continue
        assert response.status_code == 400, (path, response.data[:300])
        assert response.get_json()["parameter"] == parameter


def test_trimmed_fields_are_never_served(seeded_app, open_file):
    slug, _dist = open_file
    client = seeded_app.test_client()
    body = _rows(client, slug)
    assert all("ghi_chu" not in r for r in body["records"])
    assert _rows(client, slug, "q=thu+do")["total"] == 0  # its text is not searchable either
    assert "Thủ đô" not in client.get(f"/api/v1/datasets/{slug}/rows.csv").get_data(as_text=True)


def test_hidden_datasets_have_no_rows(seeded_app, session):
    folder = seeded_app.config["CATALOG"]["UPLOAD_FOLDER"]
    client = seeded_app.test_client()
    restricted = dataset(session, "BTC", "restricted")
    draft = dataset(session, "BTC", "open", status="draft")
    for ds in (restricted, draft):
        dist = csv_distribution(session, ds, folder, PROVINCES, SCHEMA)
        for url in (f"/api/v1/datasets/{ds.slug}/rows", f"/api/v1/datasets/{ds.slug}/rows.csv",
                    f"/api/v1/distributions/{dist.id}/preview", f"/distributions/{dist.id}/download/csv"):
            assert client.get(url).status_code == 404, url
    withdrawn = dataset(session, "BTC", "open")
    csv_distribution(session, withdrawn, folder, PROVINCES, SCHEMA)
    assert client.get(f"/api/v1/datasets/{withdrawn.slug}/rows").status_code == 200
    datasets.update_dataset(session, system_actor("test"), withdrawn, {"status": "withdrawn"})
    session.commit()
    assert client.get(f"/api/v1/datasets/{withdrawn.slug}/rows").status_code == 404
    assert client.get("/api/v1/datasets/no-such-dataset/rows").status_code == 404


def test_a_column_that_does_not_parse_falls_back_to_text_and_is_reported(seeded_app, session):
    content = PROVINCES.replace(b"899900", b"n/a")
    ds = dataset(session, "BTC", "open")
    dist = csv_distribution(session, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], content, SCHEMA)
    body = _rows(seeded_app.test_client(), ds.slug)
    fields = {f["id"]: f for f in body["fields"]}
    assert fields["dan_so"] == {"id": "dan_so", "type": "string", "declared_type": "integer", "type_source": "schema",
                                "fallback": True, "bad_cells": 1, "example": "n/a"}
    assert fields["dien_tich"]["type"] == "number" and not fields["dien_tich"]["fallback"]
    assert [r["dan_so"] for r in body["records"]][:4] == ["8435700", "9521800", "1245000", "n/a"]
    preview = seeded_app.test_client().get(f"/api/v1/distributions/{dist.id}/preview").get_json()
    assert preview["status"] == "ready" and preview["rows"] == 5
    assert {f["id"]: f["fallback"] for f in preview["fields"]}["dan_so"] is True


def test_a_stewards_type_override_is_kept_on_reimport(seeded_app, session, open_file):
    slug, dist_id = open_file
    token = token_for(session, make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"}))
    client = seeded_app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.put(f"/api/v1/distributions/{dist_id}/types", json={"dan_so": "string"}).status_code == 401
    bad = client.put(f"/api/v1/distributions/{dist_id}/types", json={"dan_so": "colour", "khong_co": "string"},
                     headers=auth)
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"dan_so", "khong_co"}
    answer = client.put(f"/api/v1/distributions/{dist_id}/types", json={"dan_so": "string"}, headers=auth)
    assert answer.status_code == 200 and answer.get_json()["overrides"] == {"dan_so": "string"}
    assert _rows(client, slug)["records"][0]["dan_so"] == "8435700"
    # a new version of the file: imported again, the steward's choice stays
    from catalog.models import Distribution
    from tests.helpers import FakeUpload as Upload

    dist = session.get(Distribution, dist_id)
    distributions.update_distribution(session, system_actor("test"), dist, {},
                                      distributions.Storage(seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], 10 << 20),
                                      Upload("v2.csv", PROVINCES.replace(b"8435700", b"8500000")))
    session.commit()
    session.expire_all()
    assert session.get(PublicFile, dist_id).checksum == session.get(Distribution, dist_id).checksum_sha256
    body = _rows(client, slug)
    assert body["records"][0]["dan_so"] == "8500000"
    assert {f["id"]: f["type_source"] for f in body["fields"]}["dan_so"] == "override"


def test_rows_api_on_postgresql(pg_seeded_app):
    s = registry_db(pg_seeded_app).session_factory()
    try:
        ds = dataset(s, "BTC", "open", title_vi="Dân số các tỉnh")
        dist = csv_distribution(s, ds, pg_seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], PROVINCES, SCHEMA)
        slug, dist_id = ds.slug, dist.id
    finally:
        s.close()
    check_rows_api(pg_seeded_app, slug, dist_id)
    response = pg_seeded_app.test_client().get(f"/api/v1/datasets/{slug}/rows?filters={_filters({'dan_so': 'x'})}")
    assert response.status_code == 400


