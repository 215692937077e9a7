"""CKAN harvester: the real package samples, portal filters and paging, and broken answers."""

from __future__ import annotations

import json

from catalog.http import FetchPolicy

from .conftest import FIXTURES, datasets_of, errors_of, make_source, run

CKAN = FIXTURES / "ckan"


def _served(http_server, name: str) -> str:
    http_server.route(f"/{name}", body=(CKAN / name).read_bytes(), headers={"Content-Type": "application/json"})
    return http_server.url(f"/{name}")


def test_package_show_envelope_sample(happ, http_server):
    src = make_source(happ, url=_served(http_server, "package_show_demo.json"))
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 1
    ds = datasets_of(happ, src)[0]
    assert ds.title_vi == "Test Dataset" and ds.remote_id == "7766839b-face-4336-8e1a-3c51c5e7634d"
    # the portal is known from the envelope's help address
    assert ds.source_url == "https://demo.ckan.org/dataset/test-dataset-010203"
    assert ds.identifier == "https://demo.ckan.org/dataset/7766839b-face-4336-8e1a-3c51c5e7634d"
    assert [d.format for d in ds.distributions] == ["CSV", "CSV"]
    assert ds.distributions[1].download_url.endswith("co2-mm-mlo_csv_streamed.csv")  # an upload
    assert str(ds.modified) == "2017-10-18" and str(ds.issued) == "2017-10-13"  # the portal's dates


def test_dataset_sample_with_extras(happ, http_server):
    src = make_source(happ, url=_served(http_server, "ckan_dataset.json"))
    result = run(happ, src)
    assert result.counts["new"] == 1
    ds = datasets_of(happ, src)[0]
    assert ds.identifier == "9df8df51-63db-37a8-e044-0003ba9b0d98"  # the guid extra
    assert str(ds.issued) == "2012-05-10" and str(ds.modified) == "2012-05-10"
    assert ds.languages == ["en", "es", "ca"]
    assert "geochemistry" in ds.keywords and ds.landing_page == "http://some.source.url.com"
    dist = ds.distributions[0]
    assert dist.access_url == "http://www.bgs.ac.uk/gbase/geochemcd/home.html"
    assert (dist.format, dist.media_type) == ("HTML", "text/html")
    assert dist.title_vi == "home.html"  # a resource without a name is named after its file


def test_multilingual_sample(happ, http_server):
    src = make_source(happ, url=_served(http_server, "ckan_dataset_multilingual.json"))
    run(happ, src)
    ds = datasets_of(happ, src)[0]
    assert ds.title_vi == "Test DCAT dataset" and ds.version == "1.0b"
    assert ds.provenance == "Statement about provenance"
    assert ds.contact_name == "Contact 1" and ds.contact_email == "contact1@example.org"
    assert ds.distributions[0].download_url == "https://example.com/data.csv"


def test_vietnamese_translations_fill_both_languages(happ, http_server):
    pkg = {"id": "p1", "name": "gia-dat", "title": "Bảng giá đất",
           "title_translated": {"vi": "Bảng giá đất", "en": "Land prices"},
           "notes_translated": {"vi": "Mô tả.", "en": "Description."}, "license_id": "cc-by",
           "maintainer": "Sở Tài chính"}
    http_server.route("/p.json", body=json.dumps({"success": True, "result": pkg}),
                      headers={"Content-Type": "application/json"})
    src = make_source(happ, url=http_server.url("/p.json"))
    run(happ, src)
    ds = datasets_of(happ, src)[0]
    assert (ds.title_vi, ds.title_en, ds.description_en) == ("Bảng giá đất", "Land prices", "Description.")


def test_portal_filters_become_a_solr_query(happ, portal):
    portal.packages[0]["organization"] = {"name": "khac", "title": "Cơ quan khác"}
    src = make_source(happ, url=portal.url + "/api/3/action", filters={"organizations": ["so-tai-chinh"],
                                                                       "rows": 2})
    result = run(happ, src)
    assert result.counts["new"] == 6
    assert portal.searches[0]["fq"] == 'organization:("so-tai-chinh")'
    assert portal.searches[0]["rows"] == "2" and portal.searches[0]["q"] == "*:*"


def test_a_publisher_that_is_a_unit_of_the_agency_is_kept(happ, http_server):
    pkg = {"id": "p1", "title": "Dự toán", "license_id": "cc-by", "maintainer": "Phòng Ngân sách",
           "organization": {"name": "so-tai-chinh-ha-noi", "title": "Sở Tài chính thành phố Hà Nội"}}
    other = {"id": "p2", "title": "Khác", "license_id": "cc-by", "maintainer": "X",
             "organization": {"name": "bo-cong-an", "title": "Bộ Công an"}}
    http_server.route("/p.json", body=json.dumps([pkg, other]), headers={"Content-Type": "application/json"})
    src = make_source(happ, url=http_server.url("/p.json"), organization="HN")
    result = run(happ, src)
    by_id = {d.remote_id: d for d in datasets_of(happ, src)}
    assert by_id["p1"].publisher.code == "HN-STC"  # a department of Hà Nội
    assert by_id["p2"].publisher.code == "HN"  # not Hà Nội's to publish: the source's agency
    assert any("Bộ Công an" in w for w in errors_of(happ, result.job_id, "warning"))


def test_a_portal_error_answer_fails_the_job_clearly(happ, http_server):
    http_server.route("/api/3/action/package_search", body=json.dumps({"success": False, "error": {
        "message": "Search Query is invalid"}}), headers={"Content-Type": "application/json"})
    result = run(happ, make_source(happ, url=http_server.url("")))
    assert result.status == "failed" and "Search Query is invalid" in result.message


def test_truncated_json(happ, http_server):
    body = (CKAN / "package_show_demo.json").read_bytes()
    http_server.route("/cut.json", body=body[:500], headers={"Content-Type": "application/json"})
    result = run(happ, make_source(happ, url=http_server.url("/cut.json")))
    assert result.status == "failed" and "not valid JSON" in result.message
    assert errors_of(happ, result.job_id, "error")  # kept in the job log too


def test_a_wrong_content_type(happ, http_server):
    http_server.route("/api/3/action/package_search", body="<!doctype html><title>Lỗi</title>",
                      headers={"Content-Type": "text/html"})
    result = run(happ, make_source(happ, url=http_server.url("")))
    assert result.status == "failed" and "content type text/html" in result.message


def test_a_500_then_success(happ, portal):
    portal.fail_next = 1
    result = run(happ, make_source(happ, url=portal.url))
    assert result.status == "succeeded" and result.counts["new"] == 7


def test_a_30_second_hang_is_cut_by_the_timeout(happ, http_server):
    http_server.route("/api/3/action/package_search", body=b"{}", delay=30)
    policy = FetchPolicy(allow_loopback=True, timeout=1, deadline=2, retries=0)
    result = run(happ, make_source(happ, url=http_server.url("")), policy=policy)
    assert result.status == "failed" and "no answer within 1 s" in result.message


def test_loopback_is_refused_unless_allowed(happ, portal):
    result = run(happ, make_source(happ, url=portal.url), policy=FetchPolicy(timeout=2, retries=0))
    assert result.status == "failed" and "non-public address" in result.message
    assert portal.searches == []


def test_repeated_pages_stop_the_paging(happ, http_server):
    page = {"success": True, "result": {"count": 100, "results": [{"id": "a", "title": "A", "license_id": "cc-by",
                                                                   "maintainer": "X"}]}}
    http_server.route("/api/3/action/package_search", body=json.dumps(page),
                      headers={"Content-Type": "application/json"})
    result = run(happ, make_source(happ, url=http_server.url(""), filters={"incremental": False}))
    assert result.status == "succeeded" and not result.gather_complete and result.counts["new"] == 1
    assert len([s for s in http_server.requests if "package_search" in s.path]) == 2


def test_a_failed_answer_after_retries_is_reported_with_its_status(happ, http_server):
    http_server.route("/api/3/action/package_search", status=503, body=b"maintenance")
    result = run(happ, make_source(happ, url=http_server.url("")))
    assert result.status == "failed" and "503" in result.message
    assert len(http_server.requests) == 3  # one try and two retries
