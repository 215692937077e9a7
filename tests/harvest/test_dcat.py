"""DCAT harvester: the real samples in Turtle, RDF/XML and JSON-LD, Hydra paging, and broken input."""

from __future__ import annotations

import json

import pytest

from catalog.http import FetchPolicy

from ..httpserver import Reply
from .conftest import FIXTURES, datasets_of, errors_of, make_source, records_of, run, session_of

DCAT = FIXTURES / "dcat"


@pytest.fixture
def served(http_server):
    http_server.serve_dir("/dcat", DCAT)
    http_server.serve_dir("/broken", FIXTURES / "broken")
    return http_server


def _source(app, url, **kw):
    return make_source(app, protocol="dcat", url=url, **kw)


def test_rdf_xml_catalogue(happ, served):
    src = _source(happ, served.url("/dcat/catalog.rdf"))
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 2
    first, second = datasets_of(happ, src)
    assert first.identifier == "https://data.some.org/catalog/datasets/1"
    assert first.title_vi == "Example dataset 1" and "Θεσσαλονίκη" in first.description_vi
    assert sorted(first.keywords) == ["pollution", "stats"] and first.languages == ["en"]
    assert str(first.issued) == "2013-04-26"
    assert sorted(d.format or "" for d in first.distributions) == ["", "CSV", "PDF"]
    assert {d.media_type for d in first.distributions} >= {"text/csv", "application/pdf"}
    assert "Łódź" in second.description_vi
    # the sample's licence is not one of ours: left out with a warning, the source's default applies
    assert first.licence_code == "CC-BY-4.0"
    assert any("link/to/license" in w for w in errors_of(happ, result.job_id, "warning"))


def test_the_second_rdf_xml_sample_without_a_catalogue(happ, served):
    result = run(happ, _source(happ, served.url("/dcat/catalog_datasets_list.rdf")))
    assert result.counts["new"] == 2


def test_json_ld_dcat_us_sample(happ, served):
    src = _source(happ, served.url("/dcat/catalog_pod.jsonld"))
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 1
    ds = datasets_of(happ, src)[0]
    assert ds.title_vi == "U.S. Widget Manufacturing Statistics" and ds.identifier == "widgets-0001"
    assert sorted(ds.keywords) == ["factory", "manufacturing", "widget"]
    assert str(ds.temporal_start) == "2009-09-01" and str(ds.temporal_end) == "2010-05-31"
    assert (ds.contact_name, ds.contact_email) == ("Jane Doe", "jane.doe@agency.gov")
    assert len(ds.distributions) == 4
    assert ds.licence_code == "CC0-1.0"  # http://creativecommons.org/publicdomain/zero/1.0/


def test_multilingual_literals_fill_the_vietnamese_and_english_fields(happ, served):
    src = _source(happ, served.url("/dcat/vi_en.ttl"))
    result = run(happ, src)
    assert result.counts["new"] == 2  # a dataset and a data service
    ds = datasets_of(happ, src)[0]
    assert (ds.title_vi, ds.title_en) == ("Bảng giá đất", "Land price table")
    assert ds.description_en.startswith("Prices") and sorted(ds.keywords) == ["giá đất", "đất đai"]
    assert ds.themes == ["REGI"] and ds.update_frequency == "ANNUAL" and ds.access_level == "open"
    assert ds.spatial == ["22"]  # Quảng Ninh, found by its name
    assert ds.contact_email == "dulieu@example.gov.vn" and ds.licence_code == "CC-BY-4.0"
    assert (str(ds.temporal_start), str(ds.temporal_end)) == ("2025-01-01", "2029-12-31")
    dist = ds.distributions[0]
    assert (dist.format, dist.media_type, dist.byte_size) == ("CSV", "text/csv", 52340)
    from sqlalchemy import select

    from catalog.models import DataService

    s = session_of(happ)
    svc = s.scalar(select(DataService).where(DataService.harvest_source_id == src.id))
    assert svc.endpoint_url == "https://dulieu.example.gov.vn/api/gia-dat/v1"
    s.close()


def test_the_multilingual_sample_keeps_its_main_language(happ, served):
    src = _source(happ, served.url("/dcat/dataset_multilingual.ttl"))
    assert run(happ, src).counts["new"] == 1
    ds = datasets_of(happ, src)[0]
    assert ds.title_vi == "Test DCAT dataset" and sorted(ds.languages) == ["ca", "en", "es"]
    assert ds.identifier == "0112cf32-bce0-4071-9504-923375f9f2ad"


def test_an_inconsistent_real_file_fails_with_the_line_and_the_reason(happ, served):
    # the official HealthDCAT-AP example uses a prefix it never declares
    result = run(happ, _source(happ, served.url("/dcat/dataset.ttl")))
    assert result.status == "failed"
    assert "healthdcatap" in result.message and "line" in result.message


def test_hydra_paging_is_followed_and_a_loop_back_to_page_one_stops(happ, served):
    src = _source(happ, served.url("/dcat/paged/page1.ttl"))
    result = run(happ, src)
    assert result.status == "succeeded" and result.gather_complete and result.counts["new"] == 6
    assert [s.path for s in served.requests].count("/dcat/paged/page1.ttl") == 1


def test_json_ld_remote_contexts_are_never_fetched(happ, http_server):
    http_server.route("/ctx.jsonld", body=b'{"@context": {"title": "http://purl.org/dc/terms/title"}}')
    doc = {
        "@context": [http_server.url("/ctx.jsonld"), "https://schema.org",
                     {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/"}],
        "@graph": [{"@id": "https://example.org/ds/1", "@type": "dcat:Dataset",
                    "dct:title": {"@value": "Dữ liệu thử", "@language": "vi"}}],
    }
    http_server.route("/doc.jsonld", body=json.dumps(doc), headers={"Content-Type": "application/ld+json"})
    src = _source(happ, http_server.url("/doc.jsonld"))
    result = run(happ, src)
    # schema.org is shipped; the other is unknown: the document fails, naming it (tests/harvest/test_jsonld_contexts.py)
    assert result.status == "failed" and http_server.url("/ctx.jsonld") in result.message
    assert "/ctx.jsonld" not in [s.path for s in http_server.requests]


def test_an_xml_entity_bomb_is_refused(happ, served):
    src = _source(happ, served.url("/broken/entity_bomb.xml"))
    result = run(happ, src)
    assert result.status == "failed" and "refused" in result.message and "entities" in result.message
    assert datasets_of(happ, src) == []


def test_invalid_xml_and_truncated_json_ld(happ, http_server):
    rdf = (DCAT / "catalog.rdf").read_bytes()
    http_server.route("/cut.rdf", body=rdf[: len(rdf) // 2], headers={"Content-Type": "application/rdf+xml"})
    result = run(happ, _source(happ, http_server.url("/cut.rdf")))
    assert result.status == "failed" and "not well-formed" in result.message
    jsonld = (DCAT / "catalog_pod.jsonld").read_bytes()
    http_server.route("/cut.jsonld", body=jsonld[:300], headers={"Content-Type": "application/ld+json"})
    result = run(happ, _source(happ, http_server.url("/cut.jsonld"), name="Cắt"))
    assert result.status == "failed" and "not valid JSON" in result.message


def test_a_wrong_content_type_gets_a_clear_message(happ, http_server):
    http_server.route("/catalog", body="<html><body>Bảo trì hệ thống</body></html>",
                      headers={"Content-Type": "text/html; charset=utf-8"})
    result = run(happ, _source(happ, http_server.url("/catalog")))
    assert result.status == "failed" and "HTML page" in result.message


def test_a_500_then_success_is_retried(happ, http_server):
    body = (DCAT / "catalog.rdf").read_bytes()
    http_server.sequence("/flaky.rdf", [Reply(500, b"busy"), Reply(200, body, {"Content-Type": "application/rdf+xml"})])
    result = run(happ, _source(happ, http_server.url("/flaky.rdf")))
    assert result.status == "succeeded" and result.counts["new"] == 2
    assert [s.path for s in http_server.requests].count("/flaky.rdf") == 2


def test_a_hanging_server_is_cut_by_the_timeout(happ, http_server):
    http_server.route("/hang.ttl", body=b"", delay=30)
    policy = FetchPolicy(allow_loopback=True, timeout=1, deadline=2, retries=0)
    result = run(happ, _source(happ, http_server.url("/hang.ttl")), policy=policy)
    assert result.status == "failed" and "no answer within 1 s" in result.message
    assert result.duration_s < 10


def test_not_modified_keeps_every_record(happ, http_server):
    body = (DCAT / "catalog.rdf").read_bytes()

    def conditional(seen):
        if seen.headers.get("if-none-match") == '"v1"':
            return Reply(304)
        return Reply(200, body, {"Content-Type": "application/rdf+xml", "ETag": '"v1"'})

    http_server.handler("/etag.rdf", conditional)
    src = _source(happ, http_server.url("/etag.rdf"))
    assert run(happ, src).counts["new"] == 2
    second = run(happ, src)
    assert second.status == "succeeded" and second.counts["unchanged"] == 2 and second.counts["withdrawn"] == 0
    assert all(r.state == "active" for r in records_of(happ, src))
