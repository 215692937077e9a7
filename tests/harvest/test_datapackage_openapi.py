"""Data packages (the real co2-ppm package) and API gateways (OpenAPI, Swagger YAML, WSO2 listings)."""

from __future__ import annotations

import json

from sqlalchemy import select

from catalog.models import DataService

from .conftest import FIXTURES, datasets_of, errors_of, make_source, records_of, run, session_of

PACKAGE = FIXTURES / "datapackage" / "co2-ppm"
OPENAPI = FIXTURES / "openapi"


def services_of(app, src) -> list[DataService]:
    s = session_of(app)
    try:
        return list(s.scalars(select(DataService).where(DataService.harvest_source_id == src.id)
                              .order_by(DataService.remote_id)))
    finally:
        s.close()


# --- data packages ------------------------------------------------------------------------------


def test_the_co2_ppm_package(happ, http_server):
    http_server.serve_dir("/co2", PACKAGE)
    src = make_source(happ, protocol="datapackage", url=http_server.url("/co2/datapackage.json"))
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 1
    ds = datasets_of(happ, src)[0]
    assert ds.title_vi.startswith("CO2 ppm - ESRL") and ds.version == "0.1.0"
    assert ds.landing_page == "http://www.esrl.noaa.gov/gmd/ccgg/trends"
    assert len(ds.distributions) == 6
    first = ds.distributions[0]
    assert first.download_url == http_server.url("/co2/data/co2-mm-mlo.csv")  # relative path resolved
    assert [f["name"] for f in first.table_schema["fields"]][:2] == ["Year", "Month"]
    assert first.table_schema["fields"][0]["type"] == "date"  # as declared (the data says otherwise)
    # PDDL is not one of the catalogue's licences: left out with a warning
    assert any("PDDL-1.0" in w for w in errors_of(happ, result.job_id, "warning"))


def test_a_schema_given_by_address_is_fetched(happ, http_server):
    schema = {"fields": [{"name": "ma", "type": "string"}, {"name": "so_luong", "type": "integer"},
                         {"name": "la", "type": "not-a-type"}], "primaryKey": "ma"}
    package = {"name": "thu", "title": "Gói dữ liệu thử", "licenses": [{"name": "CC-BY-4.0"}],
               "resources": [{"name": "bang", "path": "bang.csv", "format": "csv", "schema": "schema.json"}]}
    http_server.route("/p/datapackage.json", body=json.dumps(package), headers={"Content-Type": "application/json"})
    http_server.route("/p/schema.json", body=json.dumps(schema), headers={"Content-Type": "application/json"})
    src = make_source(happ, protocol="datapackage", url=http_server.url("/p/datapackage.json"))
    result = run(happ, src)
    dist = datasets_of(happ, src)[0].distributions[0]
    assert [f["type"] for f in dist.table_schema["fields"]] == ["string", "integer", "any"]
    assert dist.table_schema["primaryKey"] == "ma" and dist.format == "CSV"
    assert any("not-a-type" in w for w in errors_of(happ, result.job_id, "warning"))


def test_a_truncated_package(happ, http_server):
    body = (PACKAGE / "datapackage.json").read_bytes()
    http_server.route("/cut.json", body=body[:400], headers={"Content-Type": "application/json"})
    result = run(happ, make_source(happ, protocol="datapackage", url=http_server.url("/cut.json")))
    assert result.status == "failed" and "not valid JSON" in result.message


# --- API gateways -------------------------------------------------------------------------------


def test_an_openapi_document_becomes_one_service(happ, http_server):
    http_server.serve_dir("/docs", OPENAPI, content_type="application/json")
    src = make_source(happ, protocol="openapi", url=http_server.url("/docs/tra_cuu_ho_tich.json"),
                      default_access_level="shared", filters={"platform": "lgsp"})
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 1
    svc = services_of(happ, src)[0]
    assert svc.title_vi == "Tra cứu thông tin hộ tịch (1.2.0)" and svc.status == "published"
    assert svc.endpoint_url == http_server.url("/api/ho-tich/v1")
    assert svc.endpoint_description == http_server.url("/docs/tra_cuu_ho_tich.json")
    assert svc.openapi_spec["paths"] and svc.platform == "LGSP" and svc.access_level == "shared"


def test_a_swagger_yaml_document(happ, http_server):
    http_server.serve_dir("/docs", OPENAPI, content_type="application/yaml")
    src = make_source(happ, protocol="openapi", url=http_server.url("/docs/swagger_bao_hiem.yaml"))
    assert run(happ, src).counts["new"] == 1
    svc = services_of(happ, src)[0]
    assert svc.endpoint_url == "https://api.example.gov.vn/bhxh/v2" and svc.protocol == "REST"


def test_a_wso2_listing_is_paged_and_unpublished_apis_are_left_out(happ, http_server):
    base = "/api/am/devportal/v3"
    http_server.route(f"{base}/apis", body=(OPENAPI / "wso2_page1.json").read_bytes(),
                      headers={"Content-Type": "application/json"})
    http_server.route(f"{base}/apis?limit=2&offset=2", body=(OPENAPI / "wso2_page2.json").read_bytes(),
                      headers={"Content-Type": "application/json"})
    src = make_source(happ, protocol="openapi", url=http_server.url(f"{base}/apis"), organization="HN",
                      database="HN-LGSP", default_access_level="shared",
                      filters={"platform": "LGSP", "gateway_url": "https://gw.example.gov.vn"})
    result = run(happ, src)
    assert result.status == "succeeded" and result.gather_complete and result.counts["new"] == 3
    by_id = {s.remote_id: s for s in services_of(happ, src)}
    assert set(by_id) == {"a1", "a2", "a3"}
    assert by_id["a1"].endpoint_url == "https://gw.example.gov.vn/dmdvhc/v1"
    assert by_id["a2"].endpoint_url == "https://lgsp.example.gov.vn/motcua/v2"
    assert by_id["a3"].protocol == "SOAP" and by_id["a1"].title_vi == "Danh mục đơn vị hành chính v1"
    assert by_id["a1"].endpoint_description == http_server.url(f"{base}/apis/a1/swagger")
    assert by_id["a1"].platform == "LGSP" and by_id["a1"].database_id is not None
    # an API retired at the gateway is withdrawn here
    page2 = json.loads((OPENAPI / "wso2_page2.json").read_text(encoding="utf-8"))
    page2["list"][0]["lifeCycleStatus"] = "RETIRED"
    http_server.route(f"{base}/apis?limit=2&offset=2", body=json.dumps(page2),
                      headers={"Content-Type": "application/json"})
    second = run(happ, src)
    assert second.counts["withdrawn"] == 1 and second.counts["unchanged"] == 2
    assert {s.remote_id: s.status for s in services_of(happ, src)}["a3"] == "withdrawn"
    assert {r.remote_id: r.state for r in records_of(happ, src)}["a3"] == "withdrawn"


def test_a_yaml_bomb_and_a_document_of_another_kind_are_refused(happ, http_server):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 9)}]\n" for n in range(20))
    http_server.route("/bomb.yaml", body=bomb, headers={"Content-Type": "application/yaml"})
    result = run(happ, make_source(happ, protocol="openapi", url=http_server.url("/bomb.yaml")))
    assert result.status == "failed" and "aliases" in result.message
    http_server.route("/other.json", body=b'{"hello": "world"}', headers={"Content-Type": "application/json"})
    result = run(happ, make_source(happ, name="Khác", protocol="openapi", url=http_server.url("/other.json")))
    assert result.status == "failed" and "neither an OpenAPI document" in result.message


# --- zipped data packages (issue 17, item 5) ----------------------------------------------------------


def _zipped(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _zipped_co2() -> dict[str, bytes]:
    pkg = json.loads((PACKAGE / "datapackage.json").read_text(encoding="utf-8"))
    pkg["resources"][0]["schema"] = "schemas/first.json"
    schema = {"fields": [{"name": "Nam", "type": "integer"}]}
    return {"co2/datapackage.json": json.dumps(pkg).encode(), "co2/schemas/first.json": json.dumps(schema).encode(),
            "co2/data/co2-mm-mlo.csv": b"Nam\n2020\n"}


def test_a_zipped_data_package_is_read_from_the_zip(happ, http_server):
    http_server.route("/co2.zip", body=_zipped(_zipped_co2()), headers={"Content-Type": "application/zip"})
    src = make_source(happ, protocol="datapackage", url=http_server.url("/co2.zip"))
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 1, result.message
    ds = datasets_of(happ, src)[0]
    assert ds.title_vi.startswith("CO2 ppm - ESRL") and len(ds.distributions) == 6
    first = ds.distributions[0]
    assert first.download_url == http_server.url("/co2.zip")  # the file lives inside the zip
    assert first.table_schema["fields"] == [{"name": "Nam", "type": "integer"}]  # read from the zip, not fetched
    assert "/schemas/first.json" not in " ".join(s.path for s in http_server.requests)


def test_a_small_zipped_package_that_inflates_past_the_cap_is_refused(happ, http_server):
    from harvesters import datapackage

    members = {**_zipped_co2(), "co2/data/padding.csv": b"\0" * (datapackage.MAX_INFLATED_BYTES + 1024)}
    body = _zipped(members)
    assert len(body) < 1024 * 1024
    http_server.route("/bomb.zip", body=body, headers={"Content-Type": "application/zip"})
    src = make_source(happ, protocol="datapackage", url=http_server.url("/bomb.zip"))
    result = run(happ, src)
    assert result.status == "failed" and "refused" in result.message and "uncompressed" in result.message
    assert datasets_of(happ, src) == []
