"""Issue 14, fidelity leftovers: spreadsheets, SQL databases and API gateways report what they kept, and a
coverage box smaller than the country is filed under the province (or provinces) it lies in."""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest
from rdflib import DCTERMS, Graph, Literal
from sqlalchemy import create_engine, select, text

from catalog import geo, geo_units
from catalog.models import DataService
from harvesters import fidelity, openapi

from ..helpers import login, make_user, token_for
from .conftest import FIXTURES, datasets_of, errors_of, job, make_source, package, run, session_of

FID = FIXTURES / "fidelity"
JSON = {"Content-Type": "application/json"}


# --- spreadsheets -------------------------------------------------------------------------------


def _inventory(happ, http_server):
    http_server.route("/danh_muc.csv", body=(FID / "danh_muc_fidelity.csv").read_bytes(),
                      headers={"Content-Type": "text/csv"})
    return make_source(happ, protocol="spreadsheet", url=http_server.url("/danh_muc.csv"), organization="HN-SKHCN",
                       default_access_level="shared", default_licence=None)


def test_a_spreadsheet_says_which_columns_it_kept(happ, http_server):
    result = run(happ, _inventory(happ, http_server))
    assert result.status == "succeeded" and result.counts["new"] == 3
    # row 1: 8 cells (4 read), row 2: 4 (all read), row 3: 5 (3 read); the second "Tên tập dữ liệu" is
    # told apart by its position, the cell under no heading by its column
    assert result.fidelity == {"records": 3, "fields": 17, "not_kept": {
        "Ghi chú": 2, "Số hiệu văn bản": 2, "Tên tập dữ liệu (column 7)": 1, "column 8": 1}}
    assert fidelity.kept_percent(result.fidelity) == 64.7
    by_id = {d.remote_id: d for d in datasets_of(happ)}
    assert by_id["DL-01"].title_vi == "Danh mục trường học" and by_id["DL-01"].distributions[0].format == "CSV"
    assert by_id["DL-02"].access_level == "shared" and by_id["DL-03"].distributions == []
    assert job(happ, result.job_id).fidelity == result.fidelity


def test_the_spreadsheet_report_is_on_the_job_page_and_in_the_api(happ, http_server):
    result = run(happ, _inventory(happ, http_server))
    s = session_of(happ)
    make_user(s, "cb.sheet@hanoi.gov.vn", roles={"HN-SKHCN": "member"})
    token = token_for(s, make_user(s, "cb.sheetapi@hanoi.gov.vn", roles={"HN-SKHCN": "member"}))
    s.close()
    client = happ.test_client()
    login(client, "cb.sheet@hanoi.gov.vn")
    page = client.get(f"/harvest/jobs/{result.job_id}?lang=en").get_data(as_text=True)
    assert "What this job could not keep" in page and "64.7" in page and "<code>Số hiệu văn bản</code>" in page
    body = happ.test_client().get(f"/api/v1/harvest-jobs/{result.job_id}",
                                  headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["fidelity"]["kept_percent"] == 64.7 and body["fidelity"]["fields"] == 17
    assert body["fidelity"]["not_kept"][:2] == [{"field": "Ghi chú", "count": 2},
                                                {"field": "Số hiệu văn bản", "count": 2}]


# --- SQL databases ------------------------------------------------------------------------------

SQL = (FID / "he_thong_ho_so.sql").read_text(encoding="utf-8")
# don_vi: the table, its rows, 3 columns (name, type, NOT NULL; cap has a default), the primary key,
# a one-column unique constraint, a check: 15. ho_so: table, rows, 5 columns (4 NOT NULL; trang_thai has a
# default), primary key, foreign key, a two-column unique constraint, a check, an index: 22. The view:
# its name and 2 columns (name, type): 5.
SQL_NOT_KEPT = {"column.default": 2, "check": 2, "unique.columns": 1, "index": 1}


def _sql_source(happ, url, **kw):
    return make_source(happ, protocol="sqldb", url=url, organization="BTC", database="TC",
                       default_access_level="restricted", default_licence=None, **kw)


def test_an_sqlite_database_says_what_its_introspection_kept(happ, tmp_path):
    path = tmp_path / "ho_so.db"
    conn = sqlite3.connect(path)
    conn.executescript(SQL)
    conn.commit()
    conn.close()
    result = run(happ, _sql_source(happ, f"sqlite:///{path}"))
    assert result.status == "succeeded" and result.counts["new"] == 3, result.message
    assert result.fidelity == {"records": 3, "fields": 42, "not_kept": SQL_NOT_KEPT}
    assert fidelity.kept_percent(result.fidelity) == 85.7
    units = {d.remote_id: d for d in datasets_of(happ)}["main.don_vi"].distributions[0].table_schema
    fields = {f["name"]: f for f in units["fields"]}
    assert fields["ten"]["constraints"] == {"required": True, "unique": True}  # the one-column unique is kept
    assert fields["cap"]["constraints"] == {"required": True}


@pytest.fixture
def pg_ho_so(pg_database):
    name = f"fid_{uuid.uuid4().hex[:8]}"
    engine = create_engine(pg_database)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}; SET LOCAL search_path TO {name}"))
        conn.execute(text(SQL))
        conn.execute(text(f"COMMENT ON TABLE {name}.don_vi IS 'Đơn vị quản lý hồ sơ'; "
                          f"COMMENT ON COLUMN {name}.don_vi.ma IS 'Mã đơn vị'"))
    engine.dispose()
    yield pg_database, name
    engine = create_engine(pg_database)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
    engine.dispose()


@pytest.mark.postgres
def test_a_postgresql_database_says_what_its_introspection_kept(happ, pg_ho_so):
    url, schema = pg_ho_so
    result = run(happ, _sql_source(happ, url, filters={"schemas": [schema]}))
    assert result.status == "succeeded" and result.counts["new"] == 3, result.message
    # the same figures, and the two comments PostgreSQL keeps (both mapped)
    assert result.fidelity == {"records": 3, "fields": 44, "not_kept": SQL_NOT_KEPT}
    units = {d.remote_id: d for d in datasets_of(happ)}[f"{schema}.don_vi"]
    assert units.title_vi == "Đơn vị quản lý hồ sơ"
    fields = {f["name"]: f for f in units.distributions[0].table_schema["fields"]}
    assert fields["ten"]["constraints"] == {"required": True, "unique": True}
    assert "Mã đơn vị" in fields["ma"]["description"]


# --- API gateways -------------------------------------------------------------------------------


def test_an_openapi_document_says_which_info_it_kept(happ, http_server):
    http_server.route("/openapi.json", body=(FID / "openapi_fidelity.json").read_bytes(), headers=JSON)
    src = make_source(happ, protocol="openapi", url=http_server.url("/openapi.json"))
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 1, result.message
    # top level: servers, tags, externalDocs, paths, components (kept with the document); info: 9 keys, 5 read
    assert result.fidelity == {"records": 1, "fields": 14, "not_kept": {
        "info.contact.email": 1, "info.license.name": 1, "info.license.url": 1, "info.termsOfService": 1}}
    assert fidelity.kept_percent(result.fidelity) == 71.4


def test_a_document_too_large_to_keep_loses_its_paths_in_the_report(happ, http_server, monkeypatch):
    monkeypatch.setattr(openapi, "MAX_SPEC_BYTES", 200)
    http_server.route("/openapi.json", body=(FID / "openapi_fidelity.json").read_bytes(), headers=JSON)
    result = run(happ, make_source(happ, protocol="openapi", url=http_server.url("/openapi.json")))
    assert result.status == "succeeded"
    assert result.fidelity["fields"] == 14 and result.fidelity["not_kept"] == {
        "components": 1, "externalDocs": 1, "paths": 1, "tags": 1, "info.contact.email": 1,
        "info.license.name": 1, "info.license.url": 1, "info.termsOfService": 1}


def test_a_wso2_listing_says_which_keys_it_kept(happ, http_server):
    http_server.route("/api/am/devportal/v3/apis", body=(FID / "wso2_fidelity.json").read_bytes(), headers=JSON)
    src = make_source(happ, protocol="openapi", url=http_server.url("/api/am/devportal/v3/apis"),
                      filters={"gateway_url": "https://gw.example.gov.vn"})
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 2, result.message
    # a1: 11 keys (provider, createdTime and the businessInformation wrapper are bookkeeping), a2: 6; the
    # API not published (a3) is not harvested, so it is not counted
    assert result.fidelity == {"records": 2, "fields": 17, "not_kept": {
        "tags": 1, "transport": 1, "businessInformation.technicalOwner": 1}}
    s = session_of(happ)
    services = {d.remote_id: d for d in s.scalars(select(DataService))}
    s.close()
    assert services["a2"].endpoint_url == "https://lgsp.example.gov.vn/don-vi/v2"


# --- a coverage box and the provinces -----------------------------------------------------------


def test_boxes_are_matched_to_the_province_they_lie_in():
    hoan_kiem = geo.box(105.84, 21.02, 105.86, 21.04)
    assert geo_units.match(hoan_kiem).codes == ["01"]  # Hà Nội
    assert geo_units.match(geo.box(108.15, 15.95, 108.25, 16.08)).codes == ["48"]  # Đà Nẵng
    assert geo_units.match(geo.box(105.7, 9.95, 105.8, 10.05)).codes == ["92"]  # Cần Thơ
    assert geo_units.match({"type": "Point", "coordinates": [106.70, 10.78]}).codes == ["79"]  # HCM City
    # Phú Quốc (An Giang since 2025, formerly Kiên Giang)
    assert geo_units.match(geo.box(103.9, 10.1, 104.05, 10.35)).codes == ["91"]
    country = geo_units.match(geo.box(102.14, 8.18, 109.47, 23.39))
    assert country.kind == "country" and country.codes == ["VN"]
    assert geo_units.match(geo.box(111.0, 12.0, 112.0, 13.0)) is None  # open sea
    assert geo_units.match({"type": "Point", "coordinates": [2.35, 48.85]}) is None  # not in Vietnam


def test_a_box_over_several_provinces_names_those_it_covers_mostly():
    # Hà Nội's box: Hà Nội is covered whole, Phú Thọ holds as much of the box's land, four neighbours a little
    found = geo_units.match(geo.box(105.25, 20.55, 106.05, 21.4))
    assert found.kind == "several" and found.codes == ["01", "25"]
    assert set(found.shares) == {"01", "25", "24", "33", "37", "19"} and found.shares["24"] < 0.1
    # the Mekong delta between Cần Thơ and Cà Mau: no province covered mostly, the two that hold most of it
    found = geo_units.match(geo.box(105.0, 9.0, 106.0, 10.0))
    assert found.kind == "several" and found.codes == ["96", "92"]


def test_the_extents_cover_the_34_units_of_the_seed():
    codes = {u.code for u in geo_units.units()}
    s_codes = {line.split(",", 1)[0] for line in
               (FIXTURES.parents[2] / "seed" / "admin_units.csv").read_text(encoding="utf-8").splitlines()[1:]}
    assert codes == s_codes and len(codes) == 34
    # each unit's box holds the unit (Hà Nội's is about 0.7 by 0.8 degrees)
    hanoi = next(u for u in geo_units.units() if u.code == "01")
    assert 0.6 < hanoi.bbox[2] - hanoi.bbox[0] < 0.9 and 0.7 < hanoi.bbox[3] - hanoi.bbox[1] < 0.9


def test_a_harvested_box_files_the_dataset_under_its_province(happ, portal):
    portal.packages[:] = [
        package(1, spatial='{"type": "Polygon", "coordinates": [[[105.84, 21.02], [105.86, 21.02], '
                           '[105.86, 21.04], [105.84, 21.04], [105.84, 21.02]]]}'),
        package(2, spatial="ENVELOPE(105.0, 106.0, 10.0, 9.0)"),
        package(3, spatial="ENVELOPE(102.14, 109.47, 23.39, 8.18)"),
        package(4, spatial="ENVELOPE(105.84, 105.86, 21.04, 21.02)", spatial_text="Đà Nẵng"),
    ]
    src = make_source(happ, url=portal.url, auto_publish=True)
    result = run(happ, src)
    assert result.counts["new"] == 4, result.message
    by_id = {d.remote_id: d for d in datasets_of(happ, src)}
    assert by_id["pkg-0001"].spatial == ["01"]
    # and it is found under its province's name, which the source never wrote
    body = happ.test_client().get("/api/v1/search?q=Hanoi&type=dataset&per_page=100").get_json()
    assert by_id["pkg-0001"].status == "published"
    assert by_id["pkg-0001"].slug in json.dumps(body, ensure_ascii=False)
    assert by_id["pkg-0003"].slug not in json.dumps(body, ensure_ascii=False)
    assert by_id["pkg-0002"].spatial == ["96", "92"]
    assert by_id["pkg-0003"].spatial == ["VN"]
    assert by_id["pkg-0004"].spatial == ["48"]  # a place the source names wins over the box
    (line,) = [w for w in errors_of(happ, result.job_id, "warning") if "coverage box" in w]
    assert line.startswith("pkg-0002: the coverage box spans 4 provinces (Tỉnh Cà Mau 40 %")
    assert line.endswith("it is filed under those it mostly covers: Tỉnh Cà Mau, Thành phố Cần Thơ")
    s = session_of(happ)
    make_user(s, "cb.box@mof.gov.vn", roles={"BTC": "member"})
    s.close()
    client = happ.test_client()
    login(client, "cb.box@mof.gov.vn")
    page = client.get(f"/harvest/jobs/{result.job_id}?lang=vi").get_data(as_text=True)
    assert "Khung phạm vi không gian trải qua 4 tỉnh, thành phố (Tỉnh Cà Mau 40 %" in page
    assert "những tỉnh, thành phố mà khung bao phủ phần lớn: Tỉnh Cà Mau, Thành phố Cần Thơ." in page


# --- a distribution's own identifier --------------------------------------------------------------


def test_a_distribution_named_by_an_iri_keeps_its_identifier_and_the_feed_says_it(happ, http_server):
    http_server.route("/chi-tieu.ttl", body=(FID / "distribution_identifier.ttl").read_bytes(),
                      headers={"Content-Type": "text/turtle"})
    src = make_source(happ, protocol="dcat", url=http_server.url("/chi-tieu.ttl"), auto_publish=True)
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 1, result.message
    assert result.fidelity["not_kept"] == {}
    (ds,) = datasets_of(happ, src)
    assert ds.spatial == ["48"]  # its dcat:bbox lies in Đà Nẵng
    by_remote = {d.remote_id: d for d in ds.distributions}
    assert by_remote["https://data.example.eu/dataset/chi-tieu/csv"].identifier == "chi-tieu-csv"
    assert by_remote["chi-tieu-json"].identifier is None  # a blank node's identifier is its remote id already
    assert ds.status == "published", ds.status
    g = Graph().parse(data=happ.test_client().get(f"/datasets/{ds.slug}.ttl").get_data(as_text=True), format="turtle")
    assert Literal("chi-tieu-csv") in set(g.objects(None, DCTERMS.identifier))
