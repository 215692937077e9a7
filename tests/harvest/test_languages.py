"""Harvest fidelity (issue 14, part B): languages, described nodes, kept fields and dataset series.

Each fixture is written for the test in the shape real portals use: a page of a multilingual CKAN
portal (ckanext-fluent dictionaries, `*_translated`, a declared language), a DCAT-AP catalogue with
described format/frequency/publisher nodes, `@en`-only titles and a dataset series, and an ISO 19139
record with a bounding box and a gml:TimePeriod.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from catalog.models import DatasetSeries

from .conftest import datasets_of, errors_of, make_source, run, session_of

GERMAN_ONLY = {
    "id": "ch-1", "name": "luftqualitaet", "title": {"de": "Luftqualität Zürich"},
    "notes": {"de": "Messwerte der Luftqualität.", "fr": "Mesures de la qualité de l'air."},
    "language": ["de", "fr"], "license_id": "cc-by", "maintainer": "Umweltamt",
    "maintainer_email": "umwelt@example.ch", "keywords": {"de": ["Luft", "Umwelt"], "fr": ["air"]},
    "organization": {"name": "umwelt", "title": {"de": "Umweltamt Zürich", "fr": "Office de l'environnement"}},
    "spatial": json.dumps({"type": "Polygon", "coordinates": [[[8.4, 47.3], [8.6, 47.3], [8.6, 47.4],
                                                                [8.4, 47.4], [8.4, 47.3]]]}),
    "temporal_coverage_from": "2019-01-01", "temporal_coverage_to": "2020-12-31", "update_freq": "R/P2Y",
    "alternate_identifier": '["urn:ch:luft:1", "DOI:10.1234/luft"]',
    "resources": [{"id": "r1", "name": {"de": "Messwerte", "en": "Measurements"},
                   "description_translated": {"de": "Stündliche Werte", "fr": "Valeurs horaires"},
                   "format": "CSV", "url": "https://data.example.ch/luft.csv", "url_type": "upload",
                   "size": "2048", "hash": "md5:0123456789abcdef0123456789abcdef"}],
}
TRANSLATED = {
    "id": "ch-2", "name": "verkehr", "title": "Verkehrszählung",
    "title_translated": {"de": "Verkehrszählung", "en": "Traffic count", "fr": "Comptage du trafic"},
    "notes_translated": {"de": "Zählstellen.", "en": "Counting stations."}, "language": "de",
    "tags_translated": {"de": ["Verkehr"], "en": ["traffic"]}, "tags": [{"name": "Verkehr"}, {"name": "traffic"}],
    "license_id": "cc-by", "maintainer": "Tiefbauamt", "frequency": "WEEKLY",
    "resources": [{"id": "r2", "name": "Zählung.csv", "format": "CSV", "url": "https://data.example.ch/v.csv"}],
}
UNTAGGED_NO_LANGUAGE = {
    "id": "ch-3", "name": "plain", "title": "Population statistics", "notes": "Counts by district.",
    "license_id": "cc-by", "maintainer": "Stats office", "update_freq": "biennial",
    "resources": [{"id": "r3", "name": "data", "format": "CSV", "url": "https://data.example.ch/p.csv"}],
}
ODD = {
    "id": "odd-1", "name": "odd", "title": {"en": "Odd record"}, "notes": {"en": "Odd."}, "license_id": "cc-by",
    "maintainer": "Someone",
    "spatial": '{"type": "Polygon", "coordinates": [[[8.4, 47.3], [8.6', "update_freq": "every blue moon",
    "resources": [{"id": "r5", "name": "x", "format": "CSV", "url": "https://data.example.ch/x.csv"}],
}
VIETNAMESE_UNTAGGED = {
    "id": "vn-1", "name": "gia-dat", "title": "Bảng giá đất tỉnh", "notes": "Giá đất năm 2025.",
    "license_id": "cc-by", "maintainer": "Sở Tài chính",
    "resources": [{"id": "r4", "name": "Dữ liệu", "format": "CSV", "url": "https://data.example.gov.vn/g.csv"}],
}


def _ckan(happ, http_server, packages):
    body = {"help": "https://opendata.example.ch/api/3/action/help_show?name=package_search", "success": True,
            "result": {"count": len(packages), "results": packages}}
    http_server.route("/ckan.json", body=json.dumps(body), headers={"Content-Type": "application/json"})
    src = make_source(happ, url=http_server.url("/ckan.json"))
    return src, run(happ, src)


def test_a_multilingual_ckan_page_keeps_every_language_in_its_place(happ, http_server):
    src, result = _ckan(happ, http_server, [GERMAN_ONLY, TRANSLATED, UNTAGGED_NO_LANGUAGE, VIETNAMESE_UNTAGGED, ODD])
    assert result.status == "succeeded" and result.counts["new"] == 5
    # what could not be kept is said, record by record; nothing else is logged
    logged = errors_of(happ, result.job_id)
    assert len(logged) == 2 and all(line.startswith("odd-1: ") for line in logged)
    assert "neither GeoJSON nor WKT" in logged[0] and "'every blue moon' is not recognised" in logged[1]
    by_id = {ds.remote_id: ds for ds in datasets_of(happ, src)}

    german = by_id["ch-1"]  # only German: the neutral title is German, labelled so; nothing in English
    assert (german.title_vi, german.title_lang, german.title_en) == ("Luftqualität Zürich", "de", None)
    assert german.description_vi == "Messwerte der Luftqualität." and german.description_en is None
    assert german.translations["description"] == {"de": "Messwerte der Luftqualität.",
                                                   "fr": "Mesures de la qualité de l'air."}
    assert german.keywords == ["Luft", "Umwelt"] and german.translations["keywords"]["fr"] == ["air"]
    assert german.languages == ["de", "fr"]
    assert german.spatial_geojson["type"] == "Polygon" and german.spatial_geojson["coordinates"][0][0] == [8.4, 47.3]
    assert (str(german.temporal_start), str(german.temporal_end)) == ("2019-01-01", "2020-12-31")
    assert german.update_frequency == "BIENNIAL"
    assert (german.maintainer_name, german.maintainer_email) == ("Umweltamt", "umwelt@example.ch")
    assert german.other_identifiers == ["urn:ch:luft:1", "DOI:10.1234/luft"]
    # the portal's organisation is none of our agencies: kept as the source's publisher, owner unchanged
    assert german.publisher_name == "Umweltamt Zürich" and german.publisher.code == "BTC"
    dist = german.distributions[0]
    assert (dist.title_vi, dist.title_en) == ("Messwerte", "Measurements")
    assert dist.translations["description"] == {"de": "Stündliche Werte", "fr": "Valeurs horaires"}
    assert dist.byte_size == 2048
    assert dist.checksum == {"algorithm": "md5", "value": "0123456789abcdef0123456789abcdef"}

    translated = by_id["ch-2"]
    assert (translated.title_vi, translated.title_lang, translated.title_en) == (
        "Verkehrszählung", "de", "Traffic count")
    assert translated.translations["title"]["fr"] == "Comptage du trafic"
    assert translated.keywords == ["Verkehr"] and translated.translations["keywords"]["en"] == ["traffic"]
    assert translated.update_frequency == "WEEKLY"

    plain = by_id["ch-3"]  # untagged, no language declared, not Vietnamese: never taken for Vietnamese
    assert (plain.title_vi, plain.title_lang) == ("Population statistics", "und")
    assert plain.update_frequency == "BIENNIAL"

    vietnamese = by_id["vn-1"]  # untagged but plainly Vietnamese
    assert (vietnamese.title_vi, vietnamese.title_lang) == ("Bảng giá đất tỉnh", None)

    # every kept language is found by search: the French title, a German keyword
    client = happ.test_client()
    assert translated.slug in client.get("/search?q=Comptage+du+trafic").get_data(as_text=True)
    assert german.slug in client.get("/search?q=qualit%C3%A9+de+l%27air").get_data(as_text=True)


DCAT_AP = """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> . @prefix locn: <http://www.w3.org/ns/locn#> .
@prefix adms: <http://www.w3.org/ns/adms#> . @prefix spdx: <http://spdx.org/rdf/terms#> .
@prefix dcatap: <http://data.europa.eu/r5r/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix gsp: <http://www.opengis.net/ont/geosparql#> .

<https://eu.example.org/catalogue> a dcat:Catalog ;
  dcat:dataset <https://eu.example.org/ds/budget-2022>, <https://eu.example.org/ds/budget-2023> .

<https://eu.example.org/series/budget> a dcat:DatasetSeries ;
  dct:title "Annual budget"@en, "Jahresbudget"@de ;
  dct:description "The budget, one dataset a year."@en ;
  dcat:first <https://eu.example.org/ds/budget-2022> ; dcat:last <https://eu.example.org/ds/budget-2023> .

<https://eu.example.org/ds/budget-2022> a dcat:Dataset ;
  dct:title "Budget 2022"@en ; dct:description "Budget of the year 2022."@en ;
  dcat:inSeries <https://eu.example.org/series/budget> ; dcat:next <https://eu.example.org/ds/budget-2023> ;
  dct:issued "2022-01-15"^^xsd:date ;
  dct:license <http://creativecommons.org/licenses/by/4.0/> ;
  dct:publisher [ a foaf:Agent ; foaf:name "Budget Office of Exampleland"@en ] ;
  dcat:contactPoint [ a vcard:Organization ; vcard:fn "Budget desk" ; vcard:hasEmail <mailto:budget@example.org> ] ;
  dct:accrualPeriodicity [ a dct:Frequency ; rdf:value "BIENNIAL" ; rdfs:label "every two years"@en ] ;
  dct:spatial [ a dct:Location ; locn:geometry "POINT(105.85 21.03)"^^gsp:wktLiteral ;
                dcat:bbox "POLYGON((102.1 8.5,109.5 8.5,109.5 23.4,102.1 23.4,102.1 8.5))"^^gsp:wktLiteral ] ;
  dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2022-01-01"^^xsd:date ; dcat:endDate "2022-12-31"^^xsd:date ] ;
  adms:identifier [ a adms:Identifier ; skos:notation "BUD-2022" ] ;
  dcatap:applicableLegislation <http://data.europa.eu/eli/reg_impl/2023/138/oj> ;
  dcat:spatialResolutionInMeters "250"^^xsd:decimal ;
  dcat:distribution <https://eu.example.org/dist/budget-2022-csv> .

<https://eu.example.org/dist/budget-2022-csv> a dcat:Distribution ;
  dct:title "Budget table"@en, "Haushaltstabelle"@de ;
  dcat:downloadURL <https://eu.example.org/files/budget-2022.csv> ;
  dct:format [ a dct:MediaTypeOrExtent ; rdfs:label "CSV" ] ;
  dcat:mediaType [ rdf:value "text/csv" ] ;
  dcat:byteSize "4096"^^xsd:nonNegativeInteger ;
  spdx:checksum [ a spdx:Checksum ; spdx:algorithm spdx:checksumAlgorithm_sha1 ;
                  spdx:checksumValue "da39a3ee5e6b4b0d3255bfef95601890afd80709"^^xsd:hexBinary ] .

<https://eu.example.org/ds/budget-2023> a dcat:Dataset ;
  dct:title "Haushalt 2023" ; dct:language <http://publications.europa.eu/resource/authority/language/DEU> ;
  dct:description "Haushalt des Jahres 2023." ;
  dcat:inSeries <https://eu.example.org/series/budget> ; dcat:prev <https://eu.example.org/ds/budget-2022> ;
  dct:license <http://creativecommons.org/licenses/by/4.0/> ;
  dct:publisher <https://eu.example.org/agency/budget> ;
  dcat:contactPoint [ a vcard:Kind ; vcard:hasEmail "mailto:haushalt@example.org" ] ;
  dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/ANNUAL_2> ;
  dct:format <http://publications.europa.eu/resource/authority/file-type/GEOJSON> ;
  dcat:distribution [ a dcat:Distribution ; dcat:downloadURL <https://eu.example.org/files/2023.geojson> ;
                      dct:format <http://publications.europa.eu/resource/authority/file-type/GEOJSON> ] .

<https://eu.example.org/agency/budget> a foaf:Agent ; skos:prefLabel "Haushaltsamt"@de .

<https://eu.example.org/series/empty> a dcat:DatasetSeries ; dct:title "A series with no member here"@en .
"""


@pytest.fixture
def dcat_source(happ, http_server):
    http_server.route("/eu.ttl", body=DCAT_AP, headers={"Content-Type": "text/turtle"})
    src = make_source(happ, protocol="dcat", url=http_server.url("/eu.ttl"))
    return src, run(happ, src)


def test_a_dcat_ap_catalogue_with_described_nodes_en_titles_and_a_series(happ, dcat_source):
    src, result = dcat_source
    assert result.status == "succeeded" and result.counts["new"] == 2
    y2022, y2023 = sorted(datasets_of(happ, src), key=lambda d: d.remote_id)

    # "@en" only: English is kept as English, and is the record's labelled main text
    assert (y2022.title_vi, y2022.title_en, y2022.title_lang) == ("Budget 2022", "Budget 2022", "en")
    # untagged, but the dataset declares German: German
    assert (y2023.title_vi, y2023.title_en, y2023.title_lang) == ("Haushalt 2023", None, "de")
    assert y2023.languages == ["de"]

    # described frequency, publisher, contact, place and period
    assert y2022.update_frequency == "BIENNIAL" and y2023.update_frequency == "BIANNUAL"
    assert y2022.publisher_name == "Budget Office of Exampleland" and y2022.publisher_uri is None
    assert (y2023.publisher_name, y2023.publisher_uri) == ("Haushaltsamt", "https://eu.example.org/agency/budget")
    assert y2022.publisher.code == y2023.publisher.code == "BTC"
    assert (y2022.contact_name, y2022.contact_email) == ("Budget desk", "budget@example.org")
    assert y2023.contact_email == "haushalt@example.org"
    assert y2022.spatial_geojson == {"type": "Polygon", "coordinates": [[[102.1, 8.5], [109.5, 8.5], [109.5, 23.4],
                                                                          [102.1, 23.4], [102.1, 8.5]]]}
    assert (str(y2022.temporal_start), str(y2022.temporal_end)) == ("2022-01-01", "2022-12-31")
    assert y2022.other_identifiers == ["BUD-2022"]
    assert y2022.applicable_legislation == ["http://data.europa.eu/eli/reg_impl/2023/138/oj"]
    assert y2022.spatial_resolution_m == 250.0
    assert y2022.spatial == ["VN"]  # a box the size of the country is found under the whole country

    dist = y2022.distributions[0]
    assert (dist.format, dist.media_type, dist.byte_size) == ("CSV", "text/csv", 4096)
    assert (dist.title_vi, dist.title_en) == ("Budget table", "Budget table")
    assert dist.translations["title"]["de"] == "Haushaltstabelle"
    assert dist.checksum == {"algorithm": "sha1", "value": "da39a3ee5e6b4b0d3255bfef95601890afd80709"}
    assert y2023.distributions[0].format == "GEOJSON"

    # the series, with its members and their links as given
    s = session_of(happ)
    try:
        series = s.scalars(select(DatasetSeries)).one()
        assert series.identifier == "https://eu.example.org/series/budget"
        assert (series.title_vi, series.title_lang, series.translations["title"]["de"]) == (
            "Annual budget", "en", "Jahresbudget")
        assert series.first_uri.endswith("budget-2022") and series.last_uri.endswith("budget-2023")
        assert sorted(m.remote_id for m in series.members) == [y2022.remote_id, y2023.remote_id]
    finally:
        s.close()
    assert y2022.series_links == {"next": "https://eu.example.org/ds/budget-2023"}
    assert y2023.series_links == {"prev": "https://eu.example.org/ds/budget-2022"}
    # the one thing not kept is said: a series no dataset of the document belongs to
    logged = errors_of(happ, result.job_id)
    assert len(logged) == 1 and logged[0].startswith("https://eu.example.org/series/empty: ")
    assert "without any member" in logged[0]


def test_pages_show_each_language_labelled_the_map_and_the_series(happ, dcat_source):
    src, _result = dcat_source
    y2022, y2023 = sorted(datasets_of(happ, src), key=lambda d: d.remote_id)
    assert y2022.status == y2023.status == "published"
    client = happ.test_client()
    page = client.get(f"/datasets/{y2023.slug}?lang=vi").get_data(as_text=True)
    assert "Haushalt 2023" in page and "Tiếng Đức" in page  # the German title, labelled in Vietnamese
    assert "Haushaltsamt" in page and "https://eu.example.org/agency/budget" in page
    assert "Annual budget" in page and f"/datasets/{y2022.slug}" in page  # its series and previous member
    page = client.get(f"/datasets/{y2022.slug}?lang=en").get_data(as_text=True)
    assert "Budget 2022" in page and "<svg" in page and "West 102.1" in page
    assert "BUD-2022" in page and "2023/138" in page and "SHA1" in page
    assert "Every two years" in page
    assert 'class="badge lang">German' in page  # the distribution's German title among other languages
    page = client.get(f"/datasets/{y2022.slug}?lang=vi").get_data(as_text=True)
    assert "Tiếng Anh" in page  # an English-only title on the Vietnamese page says it is English
    listing = client.get("/datasets?lang=vi").get_data(as_text=True)
    assert 'Haushalt 2023</a> <span class="badge lang">Tiếng Đức</span>' in listing  # lists label it too
    series_slug = session_of(happ).scalars(select(DatasetSeries.slug)).one()
    page = client.get(f"/series/{series_slug}?lang=en").get_data(as_text=True)
    assert "Annual budget" in page and "Budget 2022" in page and "Haushalt 2023" in page
    assert client.get("/series/no-such-series").status_code == 404
    body = client.get(f"/api/v1/datasets/{y2022.slug}").get_json()
    assert body["series"]["slug"] == series_slug and body["series"]["next"] == y2023.slug
    assert body["title_lang"] == "en" and body["other_identifiers"] == ["BUD-2022"]
    assert body["distributions"][0]["translations"]["title"]["de"] == "Haushaltstabelle"


def test_contradicting_series_links_between_two_sources_are_kept_and_warned(happ, http_server):
    first = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<https://a.example.org/ds/x> a dcat:Dataset ; dct:title "X"@en ;
  dcat:inSeries <https://a.example.org/series/s> ; dcat:next <https://b.example.org/ds/y> ."""
    second = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<https://b.example.org/ds/y> a dcat:Dataset ; dct:title "Y"@en ;
  dcat:inSeries <https://a.example.org/series/s> ; dcat:prev <https://c.example.org/ds/z> ."""
    http_server.route("/a.ttl", body=first, headers={"Content-Type": "text/turtle"})
    http_server.route("/b.ttl", body=second, headers={"Content-Type": "text/turtle"})
    src_a = make_source(happ, protocol="dcat", url=http_server.url("/a.ttl"), name="Nguồn A")
    src_b = make_source(happ, protocol="dcat", url=http_server.url("/b.ttl"), name="Nguồn B")
    run(happ, src_a)
    result = run(happ, src_b)
    warnings = [w for w in errors_of(happ, result.job_id, "warning") if "series" in w]
    assert len(warnings) == 1 and "https://a.example.org/ds/x" in warnings[0]
    x = datasets_of(happ, src_a)[0]
    y = datasets_of(happ, src_b)[0]
    assert x.series_links == {"next": "https://b.example.org/ds/y"}  # both kept as given
    assert y.series_links == {"prev": "https://c.example.org/ds/z"}
    assert x.series_id == y.series_id is not None  # one series for both sources


ISO = """<?xml version="1.0" encoding="UTF-8"?>
<gmd:MD_Metadata xmlns:gmd="http://www.isotc211.org/2005/gmd" xmlns:gco="http://www.isotc211.org/2005/gco"
    xmlns:gml="http://www.opengis.net/gml">
  <gmd:fileIdentifier><gco:CharacterString>iso-landuse-1</gco:CharacterString></gmd:fileIdentifier>
  <gmd:language><gmd:LanguageCode codeList="x" codeListValue="eng">eng</gmd:LanguageCode></gmd:language>
  <gmd:identificationInfo><gmd:MD_DataIdentification>
    <gmd:citation><gmd:CI_Citation>
      <gmd:title><gco:CharacterString>Land use map</gco:CharacterString></gmd:title>
      <gmd:identifier><gmd:MD_Identifier><gmd:code><gco:CharacterString>LU-2024-07</gco:CharacterString></gmd:code></gmd:MD_Identifier></gmd:identifier>
      <gmd:identifier><gmd:RS_Identifier><gmd:code><gco:CharacterString>urn:x:landuse</gco:CharacterString></gmd:code></gmd:RS_Identifier></gmd:identifier>
    </gmd:CI_Citation></gmd:citation>
    <gmd:abstract><gco:CharacterString>Land use of the delta.</gco:CharacterString></gmd:abstract>
    <gmd:spatialResolution><gmd:MD_Resolution><gmd:distance>
      <gco:Distance uom="m">30</gco:Distance>
    </gmd:distance></gmd:MD_Resolution></gmd:spatialResolution>
    <gmd:extent><gmd:EX_Extent>
      <gmd:geographicElement><gmd:EX_GeographicBoundingBox>
        <gmd:westBoundLongitude><gco:Decimal>104.5</gco:Decimal></gmd:westBoundLongitude>
        <gmd:eastBoundLongitude><gco:Decimal>106.8</gco:Decimal></gmd:eastBoundLongitude>
        <gmd:southBoundLatitude><gco:Decimal>8.6</gco:Decimal></gmd:southBoundLatitude>
        <gmd:northBoundLatitude><gco:Decimal>10.9</gco:Decimal></gmd:northBoundLatitude>
      </gmd:EX_GeographicBoundingBox></gmd:geographicElement>
      <gmd:temporalElement><gmd:EX_TemporalExtent><gmd:extent>
        <gml:TimePeriod gml:id="t1">
          <gml:beginPosition>2024-01-01</gml:beginPosition><gml:endPosition>2024-06-30</gml:endPosition>
        </gml:TimePeriod>
      </gmd:extent></gmd:EX_TemporalExtent></gmd:temporalElement>
    </gmd:EX_Extent></gmd:extent>
  </gmd:MD_DataIdentification></gmd:identificationInfo>
</gmd:MD_Metadata>"""


def test_an_iso_record_keeps_its_bounding_box_period_identifiers_and_language(happ, http_server):
    http_server.route("/iso.xml", body=ISO, headers={"Content-Type": "application/xml"})
    src = make_source(happ, protocol="csw", url=http_server.url("/iso.xml"))
    result = run(happ, src)
    assert result.counts["new"] == 1
    ds = datasets_of(happ, src)[0]
    assert (ds.title_vi, ds.title_en, ds.title_lang) == ("Land use map", "Land use map", "en")
    assert ds.spatial_geojson == {"type": "Polygon", "coordinates": [[[104.5, 8.6], [106.8, 8.6], [106.8, 10.9],
                                                                      [104.5, 10.9], [104.5, 8.6]]]}
    assert (str(ds.temporal_start), str(ds.temporal_end)) == ("2024-01-01", "2024-06-30")
    assert ds.other_identifiers == ["LU-2024-07", "urn:x:landuse"]
    assert ds.spatial_resolution_m == 30.0
    # the box spans the Mekong delta: filed under the provinces it covers mostly, and the log says so
    assert ds.spatial == ["91", "96", "92", "86", "82"]
    assert any("the coverage box spans 8 provinces" in w for w in errors_of(happ, result.job_id, "warning"))


def test_the_kept_fields_go_out_again_in_the_dcat_feed_and_pass_the_shapes(happ, dcat_source):
    import pyshacl
    from rdflib import Graph, Literal, URIRef

    from catalog.vocab import ADMS, DCAT, DCATAP, DCT, SKOS, SPDX
    from harvesters.dcat import dataset_record

    from ..export.conftest import SHAPES

    src, _result = dcat_source
    y2022, y2023 = sorted(datasets_of(happ, src), key=lambda d: d.remote_id)
    client = happ.test_client()
    g = Graph()
    for ds in (y2022, y2023):
        response = client.get(f"/datasets/{ds.slug}.ttl")
        assert response.status_code == 200
        g.parse(data=response.data, format="turtle")
    conforms, _report, text = pyshacl.validate(g, shacl_graph=Graph().parse(SHAPES, format="turtle"),
                                               inference="none")
    assert conforms, text[:3000]

    node = next(s for s in g.subjects(DCT.identifier, Literal(y2022.identifier)))
    later = next(s for s in g.subjects(DCT.identifier, Literal(y2023.identifier)))
    # each text with its own language: the German title is not sent out as Vietnamese
    assert Literal("Haushalt 2023", lang="de") in set(g.objects(later, DCT.title))
    assert not [t for t in g.objects(later, DCT.title) if t.language == "vi"]
    series = next(g.objects(node, DCAT.inSeries))
    assert (series, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), DCAT.DatasetSeries) in g
    assert next(g.objects(series, DCAT.last)) == later and (node, DCAT.next, later) in g
    assert {str(n) for i in g.objects(node, ADMS.identifier) for n in g.objects(i, SKOS.notation)} == {"BUD-2022"}
    law = URIRef("http://data.europa.eu/eli/reg_impl/2023/138/oj")
    assert law in set(g.objects(node, DCATAP.applicableLegislation))
    dist = next(g.objects(node, DCAT.distribution))
    assert {str(v) for c in g.objects(dist, SPDX.checksum) for v in g.objects(c, SPDX.checksumValue)} == {
        "da39a3ee5e6b4b0d3255bfef95601890afd80709"}

    # read back by our own harvester: the same values
    again = dataset_record(g, node)
    assert again["spatial_geojson"] == {"type": "Polygon", "coordinates": [[[102.1, 8.5], [109.5, 8.5], [109.5, 23.4],
                                                                             [102.1, 23.4], [102.1, 8.5]]]}
    assert again["other_identifiers"] == ["BUD-2022"] and again["spatial_resolution_m"] == 250.0
    assert again["update_frequency"].endswith("BIENNIAL") and again["series"]["title_vi"] == "Annual budget"
    assert again["distributions"][0]["checksum"] == {"algorithm": "sha1",
                                                      "value": "da39a3ee5e6b4b0d3255bfef95601890afd80709"}
    back = dataset_record(g, later)
    assert (back["title_vi"], back["title_lang"]) == ("Haushalt 2023", "de")


def test_a_title_typed_here_is_vietnamese_and_a_reharvest_keeps_it_so(happ, http_server):
    from catalog.models import Dataset
    from catalog.services import datasets as dataset_service
    from catalog.services.actor import system_actor

    src, _result = _ckan(happ, http_server, [GERMAN_ONLY])
    s = session_of(happ)
    try:
        ds = s.scalars(select(Dataset).where(Dataset.harvest_source_id == src.id)).one()
        dataset_service.update_dataset(s, system_actor("test"), ds, {"title_vi": "Chất lượng không khí Zürich"})
        s.commit()
    finally:
        s.close()
    changed = {**GERMAN_ONLY, "notes": {"de": "Neue Messwerte.", "fr": "Nouvelles mesures."}}
    body = {"success": True, "result": {"count": 1, "results": [changed]}}
    http_server.route("/ckan.json", body=json.dumps(body), headers={"Content-Type": "application/json"})
    assert run(happ, src).counts["updated"] == 1
    ds = datasets_of(happ, src)[0]
    assert (ds.title_vi, ds.title_lang) == ("Chất lượng không khí Zürich", None)
    assert ds.description_vi == "Neue Messwerte." and ds.shown_language("description", "vi") == "de"
    assert ds.translations["title"] == {"de": "Luftqualität Zürich"}  # the source's title is still kept
