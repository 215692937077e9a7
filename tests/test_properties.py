"""Property tests (Hypothesis): whatever a source or a client sends, the parsers and schemas answer
with a record, a per-record problem or a validation error, never with an unexpected exception.

The inputs are shaped like the real thing (CKAN packages, DCAT graphs, ISO 19139 documents,
spreadsheet rows, OpenAPI documents, form and API bodies) with every value drawn at random from
nasty text, numbers, nulls, lists and nested objects.
"""

from __future__ import annotations

import contextlib
import inspect
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError
from rdflib import BNode, Graph, Literal, URIRef

from catalog import schemas as schema_package
from catalog.schemas.base import BaseSchema
from catalog.vocab import ADMS, DCAT, DCT, FOAF, RDF, RDFS, SKOS, VCARD
from harvesters import ckan, csw, dcat, openapi, spreadsheet
from harvesters.base import Problem
from harvesters.record import RecordSchema

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                           HealthCheck.function_scoped_fixture])

nasty_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\x00", "\ud800", "Đất đai", "null", "[]", "{}", "0" * 600, "http://", "a/b/c",
                     "R/P1M", "CC-BY-4.0", "2025-13-45", "1e309", "<b>x</b>", "'; drop table dataset; --"]),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), nasty_text)
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(nasty_text, inner, max_size=4)),
                           max_leaves=12)


def _no_surrogates(value: Any) -> bool:
    try:
        str(value).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _accept(result: Any) -> None:
    """A record (which the record schema then accepts or refuses cleanly) or a problem."""
    if isinstance(result, Problem):
        assert isinstance(result.message, str)
        return
    assert isinstance(result, dict)
    with contextlib.suppress(ValidationError):
        RecordSchema().load(result)


# --- CKAN -----------------------------------------------------------------------------------------

CKAN_KEYS = ["id", "name", "title", "notes", "license_id", "license_url", "tags", "groups", "organization",
             "resources", "metadata_created", "metadata_modified", "extras", "url", "author_email",
             "maintainer", "language", "spatial", "title_translated", "notes_translated", "frequency"]
resources = st.lists(st.dictionaries(st.sampled_from(["id", "url", "format", "name", "description", "size",
                                                      "mimetype", "url_type", "last_modified"]), json_values,
                                     max_size=6), max_size=3)


@SETTINGS
@given(st.dictionaries(st.sampled_from(CKAN_KEYS), json_values, max_size=12), resources,
       st.one_of(st.none(), st.just("https://ckan.example.vn")))
def test_ckan_package_record_never_crashes(app, pkg, res, base):
    pkg = dict(pkg, resources=res) if res else pkg
    with app.app_context():
        _accept(ckan.package_record(pkg, base))


# --- DCAT -----------------------------------------------------------------------------------------

PREDICATES = [DCT.title, DCT.description, DCT.identifier, DCAT.keyword, DCAT.theme, DCT.license, DCT.publisher,
              DCT.accessRights, DCT.accrualPeriodicity, DCT.temporal, DCT.spatial, DCT.language, DCT.issued,
              DCT.modified, DCAT.contactPoint, DCAT.distribution, DCAT.landingPage, DCAT.startDate, DCAT.endDate,
              DCAT.downloadURL, DCAT.accessURL, DCT.format, DCAT.mediaType, DCAT.byteSize, VCARD.fn,
              VCARD.hasEmail, FOAF.name, SKOS.prefLabel, RDFS.label, RDF.value, ADMS.contactPoint]
terms = st.one_of(
    st.builds(Literal, st.text(max_size=20).filter(_no_surrogates)),
    st.builds(lambda t, lang: Literal(t, lang=lang), st.text(max_size=20).filter(_no_surrogates),
              st.sampled_from(["vi", "en", "de", "x-unknown"])),
    st.sampled_from([URIRef("http://ex.org/a"), URIRef("http://publications.europa.eu/resource/authority/"
                                                       "frequency/DAILY"), URIRef("mailto:x@y.vn"),
                     URIRef("http://ex.org/node/1"), BNode("b1"), BNode("b2")]),
)
triples = st.lists(st.tuples(st.sampled_from([URIRef("http://ex.org/node/1"), BNode("b1"), BNode("b2")]),
                             st.sampled_from(PREDICATES), terms), max_size=25)


@SETTINGS
@given(triples, st.booleans())
def test_dcat_dataset_record_never_crashes(app, extra, with_uri):
    g = Graph()
    node = URIRef("http://ex.org/ds") if with_uri else BNode("ds")
    g.add((node, RDF.type, DCAT.Dataset))
    for s, p, o in extra:
        g.add((s, p, o))
        g.add((node, p, o))
    with app.app_context():
        _accept(dcat.dataset_record(g, node))
        _accept(dcat.service_record(g, node))


# --- CSW / ISO 19139 ------------------------------------------------------------------------------

ISO_PATHS = [
    "gmd:fileIdentifier/gco:CharacterString",
    "gmd:language/gmd:LanguageCode",
    "gmd:dateStamp/gco:DateTime",
    "gmd:identificationInfo/gmd:MD_DataIdentification/gmd:citation/gmd:CI_Citation/gmd:title/gco:CharacterString",
    "gmd:identificationInfo/gmd:MD_DataIdentification/gmd:abstract/gco:CharacterString",
    "gmd:identificationInfo/gmd:MD_DataIdentification/gmd:topicCategory/gmd:MD_TopicCategoryCode",
    "gmd:identificationInfo/gmd:MD_DataIdentification/gmd:descriptiveKeywords/gmd:MD_Keywords/gmd:keyword/"
    "gco:CharacterString",
    "gmd:distributionInfo/gmd:MD_Distribution/gmd:transferOptions/gmd:MD_DigitalTransferOptions/gmd:onLine/"
    "gmd:CI_OnlineResource/gmd:linkage/gmd:URL",
    "gmd:contact/gmd:CI_ResponsibleParty/gmd:organisationName/gco:CharacterString",
]


def _nest(path: str, text: str) -> str:
    parts = path.split("/")
    return "".join(f"<{p}>" for p in parts) + escape(text) + "".join(f"</{p}>" for p in reversed(parts))


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(ISO_PATHS), st.text(max_size=30).filter(
    lambda t: _no_surrogates(t) and all(ord(c) >= 32 or c in "\t\n\r" for c in t))), max_size=12))
def test_csw_iso_record_never_crashes(app, parts):
    body = "".join(_nest(path, text) for path, text in parts)
    doc = (f'<gmd:MD_Metadata xmlns:gmd="http://www.isotc211.org/2005/gmd" '
           f'xmlns:gco="http://www.isotc211.org/2005/gco">{body}</gmd:MD_Metadata>').encode()
    with app.app_context():
        _accept(csw.iso_record(csw.parse_xml(doc, "test")))


# --- spreadsheets ---------------------------------------------------------------------------------

HEADINGS = ["Tên tập dữ liệu", "Mã", "Mô tả", "Mức độ truy cập", "Chủ đề", "Từ khóa", "Dữ liệu chủ", "Định dạng",
            "Đường dẫn tải", "Tần suất cập nhật", "???", ""]


@SETTINGS
@given(st.lists(st.sampled_from(HEADINGS), min_size=1, max_size=8),
       st.lists(st.lists(st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), nasty_text), max_size=8),
                max_size=6))
def test_spreadsheet_rows_never_crash(app, heading, rows):
    found = spreadsheet.find_header([heading, *rows])
    if found is None:
        return
    index, mapping, _unknown = found
    with app.app_context():
        for number, row in enumerate(rows, start=index + 2):
            values = {mapping[pos]: str(cell) for pos, cell in enumerate(row) if pos in mapping and cell is not None}
            _accept(spreadsheet.row_record(values, number, lambda *_a: None))


# --- OpenAPI and API gateways ---------------------------------------------------------------------


@SETTINGS
@given(st.dictionaries(st.sampled_from(["openapi", "swagger", "info", "servers", "paths", "host", "basePath",
                                        "x-platform"]), json_values, max_size=8),
       st.dictionaries(st.sampled_from(["id", "name", "context", "version", "description", "provider",
                                        "lifeCycleStatus", "endpointURLs"]), json_values, max_size=8))
def test_openapi_and_gateway_records_never_crash(app, doc, item):
    with app.app_context():
        _accept(openapi.openapi_record(doc, "https://api.example.vn/openapi.json", None, lambda *_a: None))
        _accept(openapi.wso2_record(item, "https://gw.example.vn/api/am/publisher/v4", None, None))


# --- every input schema ---------------------------------------------------------------------------


def _schemas() -> list[type[BaseSchema]]:
    found: dict[str, type[BaseSchema]] = {}
    for module_name in ("accounts", "harvest", "registry", "sharing"):
        module = __import__(f"{schema_package.__name__}.{module_name}", fromlist=["x"])
        for _name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseSchema) and obj is not BaseSchema and obj.__module__ == module.__name__:
                found[obj.__qualname__] = obj
    return [found[k] for k in sorted(found)]


@pytest.mark.parametrize("schema_class", _schemas(), ids=lambda c: c.__name__)
def test_every_schema_refuses_garbage_cleanly(app, schema_class):
    names = sorted({f.data_key or name for name, f in schema_class().fields.items()})

    @SETTINGS
    @given(st.dictionaries(st.sampled_from(names), json_values, max_size=len(names)) if names else st.just({}))
    def run(body):
        with app.app_context(), contextlib.suppress(ValidationError):
            schema_class().load(body)

    run()
