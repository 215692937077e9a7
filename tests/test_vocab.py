"""The shared vocabulary, both directions, and the protocol mappers on parsed inputs (no runner, no HTTP)."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef

from catalog import vocab
from catalog.models import UPDATE_FREQUENCIES
from harvesters import ckan, csw, dcat
from harvesters.base import Problem


@pytest.mark.parametrize("code", UPDATE_FREQUENCIES)
def test_every_frequency_goes_out_and_comes_back(code):
    iri = vocab.frequency_to_rdf(code)
    assert str(iri) == f"http://publications.europa.eu/resource/authority/frequency/{code}"
    assert vocab.frequency_from_rdf(str(iri)) == code


def test_frequency_from_words_durations_and_nonsense():
    assert vocab.frequency_from_rdf("R/P1M") == "MONTHLY"
    assert vocab.frequency_from_rdf("Hằng năm") == "ANNUAL"
    assert vocab.frequency_from_rdf("6 tháng một lần") == "BIANNUAL"
    assert vocab.frequency_from_rdf("daily") == "DAILY"
    assert vocab.frequency_from_rdf("every full moon") is None
    assert vocab.frequency_from_rdf(None) is None
    assert set(vocab.FREQUENCY_CODES) == set(UPDATE_FREQUENCIES)


@pytest.mark.parametrize("level", ["open", "shared", "restricted"])
def test_access_levels_round_trip(level):
    iri = vocab.access_level_to_rdf(level)
    assert str(iri).startswith("http://publications.europa.eu/resource/authority/access-right/")
    assert vocab.access_level_from_rdf(str(iri)) == level


def test_access_level_words():
    assert vocab.access_level_from_rdf("public") == "open"
    assert vocab.access_level_from_rdf("restricted public") == "shared"
    assert vocab.access_level_from_rdf("non-public") == "restricted"
    assert vocab.access_level_from_rdf("secret") is None


@pytest.mark.parametrize("code", sorted(vocab.LANGUAGE_CODES))
def test_languages_round_trip(code):
    assert vocab.language_from_rdf(str(vocab.language_to_rdf(code))) == code


def test_language_words():
    assert vocab.language_from_rdf("Tiếng Việt") == "vi"
    assert vocab.language_from_rdf("eng") == "en"
    assert vocab.language_from_rdf("th") == "th"  # an unlisted two-letter code is kept
    assert vocab.language_from_rdf("klingon") is None
    assert vocab.language_to_rdf("th") is None


@pytest.mark.parametrize("code", sorted(vocab.LICENCE_CODES))
def test_licences_round_trip(code):
    iri = vocab.licence_to_rdf(code)
    assert str(iri).startswith(vocab.LICENCE_BASE)
    assert vocab.licence_from_rdf(str(iri)) == code


def test_licence_aliases_and_unknown():
    assert vocab.licence_from_rdf("cc-by") == "CC-BY-4.0"
    assert vocab.licence_from_rdf("odc-odbl") == "ODbL-1.0"
    assert vocab.licence_to_rdf("other-closed") is None
    assert vocab.licence_to_rdf("local", "https://example.gov.vn/licence") == URIRef("https://example.gov.vn/licence")


def test_themes_and_iso_topics():
    assert vocab.theme_to_rdf("AGRI") == URIRef("http://publications.europa.eu/resource/authority/data-theme/AGRI")
    assert vocab.theme_to_rdf("AGRI", "http://example.org/t/agri") == URIRef("http://example.org/t/agri")
    assert vocab.theme_from_iso_topic("inlandWaters") == "ENVI"
    assert vocab.theme_from_iso_topic("farming") == "AGRI"
    assert vocab.theme_from_iso_topic("cooking") is None


@pytest.mark.parametrize("label", ["CSV", "XLSX", "JSON", "Turtle", "RDF/XML", "JSON-LD", "GeoJSON"])
def test_file_types_round_trip_through_the_eu_table(label):
    iri = vocab.file_type_to_rdf(label)
    assert str(iri).startswith(vocab.FILE_TYPE_BASE)
    back = vocab.file_type_from_rdf(str(iri))
    assert vocab.file_type_to_rdf(back) == iri


def test_every_upload_format_has_a_file_type_and_media_type():
    for ext, (label, media) in vocab.FILE_EXTENSIONS.items():
        assert vocab.file_type_to_rdf(label) is not None, ext
        iri = vocab.media_type_to_rdf(media)
        assert vocab.media_type_from_rdf(str(iri)) == media


def test_split_format_keeps_a_media_type_given_as_format():
    assert vocab.split_format("application/geo+json; charset=utf-8", None) == (
        "GEO", "application/geo+json; charset=utf-8")
    assert vocab.split_format("csv", "text/csv") == ("CSV", "text/csv")
    assert vocab.split_format(None, None) == (None, None)


# --- the mappers on parsed inputs -----------------------------------------------------------------

TURTLE = """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
<http://data.example.vn/ds/1> a dcat:Dataset ;
  dct:title "Dân cư"@vi, "Population"@en ; dct:description "Mô tả"@vi ;
  dct:identifier "ds-1" ; dcat:keyword "dân cư"@vi, "population"@en ;
  dct:accessRights <http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC> ;
  dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/MONTHLY> ;
  dct:publisher [ foaf:name "Bộ Công an"@vi ] ;
  dcat:contactPoint [ vcard:fn "Cục C06" ; vcard:hasEmail <mailto:c06@example.vn> ] ;
  dcat:distribution <http://data.example.vn/ds/1/csv> .
<http://data.example.vn/ds/1/csv> a dcat:Distribution ;
  dcat:downloadURL <http://data.example.vn/f.csv> ;
  dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ;
  dcat:mediaType <http://www.iana.org/assignments/media-types/text/csv> ;
  dct:license <http://publications.europa.eu/resource/authority/licence/CC_BY_4_0> .
"""


def test_dcat_dataset_record_on_a_graph():
    g = Graph().parse(data=TURTLE, format="turtle")
    rec = dcat.dataset_record(g, URIRef("http://data.example.vn/ds/1"))
    assert not isinstance(rec, Problem)
    assert (rec["title_vi"], rec["title_en"]) == ("Dân cư", "Population")
    assert rec["identifier"] == "ds-1" and rec["keywords"] == ["dân cư"]
    assert rec["access_level"] == "restricted"
    assert vocab.frequency_from_rdf(rec["update_frequency"]) == "MONTHLY"
    assert rec["publisher"] == "Bộ Công an"
    assert (rec["contact_name"], rec["contact_email"]) == ("Cục C06", "c06@example.vn")
    assert vocab.licence_from_rdf(rec["licence"]) == "CC-BY-4.0"
    [dist] = rec["distributions"]
    assert (dist["format"], dist["media_type"]) == ("CSV", "text/csv")
    assert dist["download_url"] == "http://data.example.vn/f.csv"


def test_dcat_dataset_without_uri_or_identifier_is_a_problem():
    g = Graph().parse(data='@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .'
                           ' [] a dcat:Dataset ; dct:title "Không tên" .', format="turtle")
    [node] = set(g.subjects())
    problem = dcat.dataset_record(g, node)
    assert isinstance(problem, Problem) and "Không tên" in problem.message


def test_ckan_package_record_on_a_dict():
    pkg = {
        "id": "abc", "name": "dan-cu", "title": "Dân cư", "notes": "Ghi chú", "license_id": "cc-by",
        "tags": [{"name": "dân cư"}], "organization": {"title": "Bộ Công an"},
        "resources": [{"id": "r1", "url": "http://ckan.example.vn/f.csv", "format": "text/csv", "name": "Tệp"}],
    }
    rec = ckan.package_record(pkg, "http://ckan.example.vn")
    assert not isinstance(rec, Problem)
    assert rec["remote_id"] == "abc" and rec["title_vi"] == "Dân cư"
    assert vocab.licence_from_rdf(rec["licence"]) == "CC-BY-4.0"
    [res] = rec["distributions"]
    assert (res["format"], res["media_type"]) == ("CSV", "text/csv")


ISO = b"""<gmd:MD_Metadata xmlns:gmd="http://www.isotc211.org/2005/gmd" xmlns:gco="http://www.isotc211.org/2005/gco">
  <gmd:fileIdentifier><gco:CharacterString>iso-1</gco:CharacterString></gmd:fileIdentifier>
  <gmd:identificationInfo><gmd:MD_DataIdentification>
    <gmd:citation><gmd:CI_Citation><gmd:title><gco:CharacterString>TITLE</gco:CharacterString>
    </gmd:title></gmd:CI_Citation></gmd:citation>
    <gmd:abstract><gco:CharacterString>Abstract</gco:CharacterString></gmd:abstract>
    <gmd:topicCategory><gmd:MD_TopicCategoryCode>farming</gmd:MD_TopicCategoryCode></gmd:topicCategory>
  </gmd:MD_DataIdentification></gmd:identificationInfo>
</gmd:MD_Metadata>""".replace(b"TITLE", "Bản đồ đất".encode())


def test_csw_iso_record_on_a_parsed_document():
    rec = csw.iso_record(csw.parse_xml(ISO, "test"))
    assert not isinstance(rec, Problem)
    assert rec["remote_id"] == "iso-1" and rec["title_vi"] == "Bản đồ đất"
    assert [vocab.theme_from_iso_topic(t) for t in rec["themes"]] == ["AGRI"]
