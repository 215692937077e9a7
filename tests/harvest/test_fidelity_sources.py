"""Issue 14, part A, source by source: one bad page does not end the job, profile roots are read, unknown
contexts and ISO 19115-3 fail their record clearly, data packages without formats or a name are taken,
data services from two sources stay one, addresses with spaces or Vietnamese letters are encoded."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from catalog.models import DataService, HarvestRecord
from harvesters.record import clean_url

from ..httpserver import Reply
from .conftest import FIXTURES, datasets_of, errors_of, job, make_source, package, records_of, run, session_of

FID = FIXTURES / "fidelity"
XML = {"Content-Type": "application/xml"}
JSONLD = {"Content-Type": "application/ld+json"}


def _csw_pages(http_server) -> list[int]:
    pages = {1: "csw_page1.xml", 3: "csw_page2_malformed.xml", 5: "csw_page3.xml"}
    asked: list[int] = []

    def handler(seen):
        start = int(parse_qs(urlsplit(seen.path).query)["startPosition"][0])
        asked.append(start)
        return Reply(200, (FID / pages[start]).read_bytes(), XML)

    http_server.handler("/csw", handler)
    return asked


def test_csw_profile_root_malformed_page_truncated_record_and_iso19115_3(happ, http_server):
    asked = _csw_pages(http_server)
    src = make_source(happ, protocol="csw", url=http_server.url("/csw"), filters={"max_records": 2})
    result = run(happ, src)
    assert asked == [1, 3, 5]  # the malformed second page did not end the harvest
    assert result.status == "succeeded"
    # taken: the profile record and the plain one; failed: the truncated record, page 2, the ISO 19115-3 record
    assert result.counts["new"] == 2 and result.counts["failed"] == 3
    assert not result.gather_complete  # a page was lost: nothing may be withdrawn
    by_id = {d.remote_id: d for d in datasets_of(happ, src)}
    assert set(by_id) == {"xx-0001", "iso-0005"}
    profile = by_id["xx-0001"]
    assert profile.title_vi == "Bản đồ hiện trạng sử dụng đất tỉnh Thử"
    assert profile.description_vi == "Hiện trạng sử dụng đất năm 2024, tỷ lệ 1:50.000."
    errors = errors_of(happ, result.job_id, "error")
    assert any(e.startswith("trunc-0002: ") and "identificationInfo" in e for e in errors)
    assert any(e.startswith("None: page 2 (from record 3) could not be read and was skipped") for e in errors)
    assert any(e.startswith("mdb-0006: ") and "ISO 19115-3 (mdb:MD_Metadata)" in e for e in errors)
    # element names count in the fidelity report: parentIdentifier and purpose are not kept, characterSet is
    # bookkeeping; the profile record says 6 + 4 things, the plain one 2 + 2
    j = job(happ, result.job_id)
    assert j.fidelity == {"records": 2, "fields": 14, "not_kept": {
        "gmd:parentIdentifier": 1, "gmd:identificationInfo/gmd:purpose": 1}}


def test_a_second_run_after_a_lost_page_withdraws_nothing(happ, http_server):
    _csw_pages(http_server)
    src = make_source(happ, protocol="csw", url=http_server.url("/csw"), filters={"max_records": 2})
    run(happ, src)
    result = run(happ, src)
    assert result.counts["withdrawn"] == 0 and result.counts["unchanged"] == 2


def test_a_malformed_ckan_page_is_skipped_with_its_position(happ, portal, http_server):
    original = http_server.routes["/api/3/action/package_search"]

    def second_page_is_cut(seen):
        params = parse_qs(urlsplit(seen.path).query)
        if params.get("start") == ["3"]:
            return Reply(200, b'{"success": true, "result": {"count": 7, "results": [{"id": "pkg-0004", "na',
                         {"Content-Type": "application/json"})
        return original(seen)

    http_server.handler("/api/3/action/package_search", second_page_is_cut)
    src = make_source(happ, url=portal.url, filters={"rows": 3})
    result = run(happ, src)
    assert result.status == "succeeded" and not result.gather_complete
    assert result.counts["new"] == 4 and result.counts["failed"] == 1  # pages 1 and 3 (records 1-3, 7)
    (line,) = errors_of(happ, result.job_id, "error")
    assert line.startswith("None: page 2 (from record 4) could not be read and was skipped")


def test_a_malformed_ckan_record_fails_alone(happ, portal):
    portal.packages[1] = {**package(2), "resources": {"not": "a list"}, "tags": "oops", "extras": 3}
    src = make_source(happ, url=portal.url)
    result = run(happ, src)
    assert result.status == "succeeded"
    assert result.counts["new"] + result.counts["failed"] == 7


def test_an_unknown_remote_context_fails_clearly_and_is_never_fetched(happ, http_server):
    http_server.route("/catalogue.jsonld", body=(FID / "unknown_context.jsonld").read_bytes(), headers=JSONLD)
    src = make_source(happ, protocol="dcat", url=http_server.url("/catalogue.jsonld"))
    result = run(happ, src)
    assert result.status == "failed"
    assert "https://contexts.example.org/national-catalogue/v2/context.jsonld" in result.message
    assert "CATALOG_HARVEST_JSONLD_CONTEXTS" in result.message
    assert [s.path for s in http_server.requests] == ["/catalogue.jsonld"]


def test_an_unknown_context_on_one_node_fails_that_record_only(happ, http_server):
    http_server.route("/graph.jsonld", body=(FID / "graph_one_unknown_context.jsonld").read_bytes(), headers=JSONLD)
    src = make_source(happ, protocol="dcat", url=http_server.url("/graph.jsonld"))
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 1 and result.counts["failed"] == 1
    (line,) = errors_of(happ, result.job_id, "error")
    assert line.startswith("https://data.example.org/dataset/odd: ")
    assert "https://contexts.example.org/agency-extension.jsonld" in line and "CATALOG_HARVEST_JSONLD_CONTEXTS" in line
    (ds,) = datasets_of(happ, src)
    assert ds.title_vi == "Dữ liệu đọc được"
    # the SEMIC context shipped maps versionNotes, so the report sees it instead of losing it in the expansion
    assert job(happ, result.job_id).fidelity["not_kept"] == {"adms:versionNotes": 1}


def test_a_data_package_without_formats_or_a_name(happ, http_server):
    http_server.route("/packages/duong-bo/datapackage.json",
                      body=(FID / "duong-bo" / "datapackage.json").read_bytes(),
                      headers={"Content-Type": "application/json"})
    src = make_source(happ, protocol="datapackage", url=http_server.url("/packages/duong-bo/datapackage.json"))
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 1
    (ds,) = datasets_of(happ, src)
    assert ds.title_vi == "duong-bo"
    formats = {d.title_vi: d.format for d in ds.distributions}
    assert formats == {"duong": "CSV", "cau": "GEOJSON", "ghi-chu": None}
    assert any("has no name or title; it is called duong-bo" in w for w in errors_of(happ, result.job_id, "warning"))
    fid = job(happ, result.job_id).fidelity
    # description, keywords, resources aside (a container it reads): 3 keys; 3 resources with 3 + 2 + 2 keys
    assert fid == {"records": 1, "fields": 10, "not_kept": {}}


def test_addresses_with_spaces_or_vietnamese_letters_are_encoded_not_dropped(happ, portal):
    assert clean_url("https://data.example.gov.vn/tệp/báo cáo 2024.csv") == (
        "https://data.example.gov.vn/t%E1%BB%87p/b%C3%A1o%20c%C3%A1o%202024.csv")
    assert clean_url("https://x.vn/a%20b c") == "https://x.vn/a%20b%20c"  # what is encoded stays as it is
    assert clean_url("http://bộ.vn/dữ liệu") == "http://xn--b-8xm.vn/d%E1%BB%AF%20li%E1%BB%87u"
    assert clean_url("ftp://x.vn/a b") is None
    portal.packages[:] = [package(1, resources=[{"id": "r", "name": "Báo cáo", "format": "CSV",
                                                  "url": "https://data.example.gov.vn/files/báo cáo.csv"}])]
    src = make_source(happ, url=portal.url)
    run(happ, src)
    (ds,) = datasets_of(happ, src)
    assert ds.distributions[0].access_url == "https://data.example.gov.vn/files/b%C3%A1o%20c%C3%A1o.csv"


SERVICE = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://data.example.org/catalogue> a dcat:Catalog ; dcat:service <https://api.example.gov.vn/services/thoi-tiet> .
<https://api.example.gov.vn/services/thoi-tiet> a dcat:DataService ;
  dct:title "Dịch vụ thời tiết{suffix}"@vi ;
  dcat:endpointURL <https://api.example.gov.vn/thoi-tiet/v1> .
"""


def test_a_data_service_listed_by_two_sources_stays_one(happ, http_server):
    http_server.route("/a.ttl", body=SERVICE.replace("{suffix}", ""), headers={"Content-Type": "text/turtle"})
    http_server.route("/b.ttl", body=SERVICE.replace("{suffix}", " (bản sao)"), headers={"Content-Type": "text/turtle"})
    first = make_source(happ, protocol="dcat", url=http_server.url("/a.ttl"), name="Nguồn A")
    second = make_source(happ, protocol="dcat", url=http_server.url("/b.ttl"), name="Nguồn B")
    run(happ, first)
    result = run(happ, second)
    assert result.status == "succeeded" and result.counts["new"] == 1
    s = session_of(happ)
    try:
        services = list(s.scalars(select(DataService)))
        assert len(services) == 1
        svc = services[0]
        assert svc.identifier == "https://api.example.gov.vn/services/thoi-tiet"
        assert svc.title_vi == "Dịch vụ thời tiết" and svc.harvest_source_id == first.id
        roles = {r.source_id: (r.role, r.matched_on) for r in s.scalars(select(HarvestRecord))}
        assert roles == {first.id: ("primary", None), second.id: ("duplicate", "identifier")}
    finally:
        s.close()
    assert any("already brought by another source" in w for w in errors_of(happ, result.job_id, "warning"))
    # the second source drops it: the service the first source keeps is not withdrawn
    http_server.route("/b.ttl", body=SERVICE.replace("{suffix}", "").split("<https://api")[0]
                      .replace(" ; dcat:service", " ."), headers={"Content-Type": "text/turtle"})
    again = run(happ, second)
    assert again.counts["withdrawn"] == 1
    s = session_of(happ)
    try:
        assert s.scalar(select(DataService.status)) == "published"
    finally:
        s.close()
    assert [r.state for r in records_of(happ, second)] == ["withdrawn"]


def test_the_shipped_contexts_cover_the_semic_releases():
    from harvesters.jsonld_contexts import Contexts

    contexts = Contexts()
    for release in ("2.0.0", "2.1.1", "3.0.0", "3.0.1"):
        ctx = contexts.load(f"https://SEMICeu.github.io/DCAT-AP/releases/{release}/context/dcat-ap.jsonld")
        assert ctx["applicableLegislation"]["@id"] == "dcatap:applicableLegislation"
        assert ctx["inSeries"]["@id"] == "dcat:inSeries"
    assert json.dumps(contexts.load("https://schema.org/"))  # schema.org
    assert contexts.load("https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld")  # DCAT-US 1.1


HYDRA_PAGE = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
<{self}> a hydra:PartialCollectionView {links} .
<https://data.example.org/ds/{n}> a dcat:Dataset ; dct:title "Bộ dữ liệu trang {n}"@vi .
"""


def test_a_malformed_hydra_page_is_skipped_and_the_next_one_found_from_its_page_number(happ, http_server):
    def handler(seen):
        page = int(parse_qs(urlsplit(seen.path).query)["page"][0])
        me = http_server.url(f"/cat?page={page}")
        if page == 2:
            return Reply(200, b"@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<https://x> a dcat:Dataset ; dct:ti",
                         {"Content-Type": "text/turtle"})
        links = f'; hydra:next <{http_server.url("/cat?page=2")}> ; hydra:last <{http_server.url("/cat?page=3")}>' \
            if page == 1 else ""
        body = HYDRA_PAGE.replace("{self}", me).replace("{links}", links).replace("{n}", str(page))
        return Reply(200, body.encode(), {"Content-Type": "text/turtle"})

    http_server.handler("/cat", handler)
    src = make_source(happ, protocol="dcat", url=http_server.url("/cat?page=1"))
    result = run(happ, src)
    assert result.status == "succeeded" and not result.gather_complete
    assert {d.remote_id for d in datasets_of(happ, src)} == {"https://data.example.org/ds/1",
                                                             "https://data.example.org/ds/3"}
    (line,) = errors_of(happ, result.job_id, "error")
    assert line.startswith(f"None: page 2 ({http_server.url('/cat?page=2')}) could not be read and was skipped")


def test_when_the_keeping_source_drops_a_data_service_the_other_source_takes_it_over(happ, http_server):
    empty = SERVICE.split("<https://api")[0].replace(" ; dcat:service", " .")
    http_server.route("/a.ttl", body=SERVICE.replace("{suffix}", ""), headers={"Content-Type": "text/turtle"})
    http_server.route("/b.ttl", body=SERVICE.replace("{suffix}", " (nguồn B)"), headers={"Content-Type": "text/turtle"})
    first = make_source(happ, protocol="dcat", url=http_server.url("/a.ttl"), name="Nguồn A")
    second = make_source(happ, protocol="dcat", url=http_server.url("/b.ttl"), name="Nguồn B")
    run(happ, first)
    run(happ, second)
    http_server.route("/a.ttl", body=empty, headers={"Content-Type": "text/turtle"})
    dropped = run(happ, first)
    assert dropped.counts["withdrawn"] == 1
    assert any("another source" in w and "still has it" in w for w in errors_of(happ, dropped.job_id, "warning"))
    again = run(happ, second)  # the heir writes what it says
    assert again.counts["updated"] == 1
    s = session_of(happ)
    try:
        svc = s.scalar(select(DataService))
        assert svc.status == "published" and svc.harvest_source_id == second.id
        assert svc.title_vi == "Dịch vụ thời tiết (nguồn B)"
    finally:
        s.close()
