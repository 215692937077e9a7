"""The harvest's precompiled record loader (`harvesters.fast_schema`) answers exactly as marshmallow's
`RecordSchema` does: the same cleaned values (same types, same key order) for records it accepts, and
the same errors (messages and field names) for records it refuses, on random and hostile records
(Hypothesis), and through `load_record`, the same warnings for the fields it leaves out."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields, pre_load

from catalog import rules
from catalog.models import PLATFORMS
from harvesters import ckan
from harvesters.fast_schema import compile_schema
from harvesters.record import RecordSchema, load_record, record_loader, tidy

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "  ", " Đất đai ", "Da\u0300 Na\u0306\u0303ng", "\t\n", "null", "x" * 65, "x" * 101,
                     "x" * 301, "y" * 501, "z" * 1001, "\x00", " a ", "ĐẤT", "e\u0301" * 40]),
)
urls = st.one_of(text, st.sampled_from([
    "https://data.gov.vn/a", "http://x", "http://localhost/a", " https://bo.vn/ds?id=1 ", "ftp://x.vn/f",
    "javascript:alert(1)", "https://bộ.vn/a", "https://a.vn/" + "p" * 1000, "https://a.vn/a b", "www.x.vn",
    "http://1.2.3.4:8080/x", "https://[::1]/x", "https://a..vn"]))
emails = st.one_of(text, st.sampled_from(["a@b.vn", "a@b", " a@b.vn ", "không@ví.dụ", "a@b@c.vn", "mailto:a@b.vn",
                                          "a" * 300 + "@b.vn", "x@[1.2.3.4]"]))
dates = st.one_of(text, st.dates().map(str), st.dates(), st.sampled_from([
    "2025-01-02", " 2025-01-02 ", "2025-13-45", "20250102", "2025-W01-1", "2025", "2025-02-30", "2025-01-02T03:04"]))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), text)
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                            st.dictionaries(text, inner, max_size=3)), max_leaves=8)
word_lists = st.one_of(
    st.lists(st.one_of(text, text, st.none(), st.integers()), max_size=6),
    st.lists(st.sampled_from(["a", "b", " a", "ECON", "Hà Nội", "Ha\u0300 Nội", ""]), max_size=8),
    st.lists(st.text(min_size=1, max_size=3), min_size=45, max_size=60),
    st.none(), text, st.tuples(text), st.dictionaries(text, text, max_size=2),
)
objects = st.one_of(st.none(), st.dictionaries(text, json_values, max_size=3), st.lists(text, max_size=2), text,
                    st.just({"type": "Point", "coordinates": [105.8, 21.0]}))
booleans = st.one_of(st.booleans(), st.none(), st.sampled_from(["true", "no", 1, 0, 2, "", [], "x"]))
numbers = st.one_of(st.integers(), st.floats(allow_nan=True), st.none(), st.booleans(),
                    st.sampled_from(["12", " 7 ", "1.5", "-1", "", "1e309", 10**400]))


def _one_of(choices: Any, *junk: Any) -> st.SearchStrategy:
    return st.one_of(st.sampled_from([*choices, *junk]), text)


table_schemas = st.one_of(st.none(), text, st.just({"fields": [{"name": "a", "type": "string"}]}),
                          st.just({"fields": [{"name": "a"}, {"name": "a"}]}), st.just({"fields": "x"}),
                          st.just({"fields": [{"name": "a", "type": "string"}], "primaryKey": "b", "extra": 1}))
DIST_FIELDS = {
    "remote_id": text, "identifier": text, "title_vi": text, "title_en": text, "description_vi": text,
    "description_en": text, "access_url": urls, "download_url": urls, "format": text, "media_type": text,
    "byte_size": numbers, "table_schema": table_schemas, "issued": dates, "modified": dates, "translations": objects,
    "checksum": objects, "unknown_key": json_values,
}
distribution = st.fixed_dictionaries({}, optional=DIST_FIELDS)
consumer = st.fixed_dictionaries({}, optional={"application": text, "subscriber": text, "status": text,
                                               "other": text})
RECORD_FIELDS: dict[str, st.SearchStrategy] = {
    "kind": _one_of(("dataset", "dataservice"), "", "  ", None, "service"),
    "remote_id": text, "identifier": text, "source_url": urls, "title_vi": text, "title_en": text,
    "description_vi": text, "description_en": text, "keywords": word_lists, "themes": word_lists,
    "spatial": word_lists, "languages": word_lists, "licence": text, "publisher": text,
    "access_level": _one_of(rules.ACCESS_LEVELS, "", None, "OPEN"), "database": text, "update_frequency": text,
    "temporal_start": dates, "temporal_end": dates, "issued": dates, "modified": dates, "contact_name": text,
    "contact_email": emails, "contact_phone": text, "landing_page": urls, "version": text, "provenance": text,
    "is_master_data": booleans, "translations": objects, "title_lang": text, "publisher_uri": text,
    "maintainer_name": text, "maintainer_email": emails, "spatial_geojson": objects, "spatial_resolution_m": numbers,
    "other_identifiers": word_lists, "applicable_legislation": word_lists, "series": objects,
    "series_links": objects,
    "distributions": st.one_of(st.lists(distribution, max_size=3), st.none(), text,
                               st.lists(st.one_of(distribution, st.none(), text), max_size=2)),
    "endpoint_url": urls, "endpoint_description": urls, "protocol": text,
    "platform": _one_of(PLATFORMS, "", None), "openapi_spec": objects,
    "consumers": st.one_of(st.none(), st.lists(consumer, max_size=3), text, st.lists(st.none(), max_size=1)),
    "not_a_field": json_values,
}
#: mostly plausible records (so that the fast path is exercised), some missing what is required
records = st.fixed_dictionaries(
    {"remote_id": st.one_of(st.sampled_from(["r1", " r2 ", "r" * 501]), RECORD_FIELDS["remote_id"]),
     "title_vi": st.one_of(st.sampled_from(["Tên", "Te\u0302n", " x "]), RECORD_FIELDS["title_vi"])},
    optional={k: v for k, v in RECORD_FIELDS.items() if k not in ("remote_id", "title_vi")},
).flatmap(lambda rec: st.sets(st.sampled_from(sorted(rec)), max_size=1).map(
    lambda drop: {k: v for k, v in rec.items() if k not in drop}))

# plausible values (valid, but with the spaces, decomposed accents and duplicates sources send)
good_text = st.one_of(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20)
                      .filter(str.strip),
                      st.sampled_from(["Đất đai", " Ha\u0300 Nội ", "x" * 500, "Tên\n"]))
good_words = st.lists(st.sampled_from(["a", "b", " a", "ECON", "Hà Nội", "Ha\u0300 Nội", "", "  "]), max_size=8)
good_urls = st.sampled_from(["https://data.gov.vn/a", "http://x.vn", " https://bo.vn/ds?id=1 ", "https://a.vn/b#c"])
good_dates = st.one_of(st.dates().map(str), st.just(" 2025-01-02 "))
good_objects = st.one_of(st.none(), st.dictionaries(good_text, good_text, max_size=2))
GOOD_FIELDS: dict[str, st.SearchStrategy] = {
    **dict.fromkeys(("identifier", "title_en", "description_vi", "description_en", "licence", "publisher",
                     "update_frequency", "provenance", "protocol"), good_text),
    **dict.fromkeys(("keywords", "themes", "spatial", "languages", "other_identifiers", "applicable_legislation"),
                    good_words),
    **dict.fromkeys(("source_url", "landing_page", "endpoint_url", "endpoint_description"), good_urls),
    **dict.fromkeys(("temporal_start", "temporal_end", "issued", "modified"), good_dates),
    **dict.fromkeys(("translations", "spatial_geojson", "series", "series_links", "openapi_spec"), good_objects),
    **{k: st.one_of(st.none(), st.sampled_from(["a@b.vn", " c@d.gov.vn "])) for k in ("contact_email",
                                                                                      "maintainer_email")},
    "kind": st.sampled_from(["dataset", "dataservice", " dataset "]),
    "access_level": st.sampled_from(rules.ACCESS_LEVELS),
    "platform": st.sampled_from(PLATFORMS), "is_master_data": st.one_of(st.booleans(), st.none()),
    "spatial_resolution_m": st.one_of(st.integers(0, 10**6), st.floats(0, 1e6)),
    "title_lang": st.sampled_from(["vi", "en"]),
    "distributions": st.lists(st.fixed_dictionaries({"title_vi": good_text}, optional={
        "remote_id": good_text, "download_url": good_urls, "access_url": good_urls,
        "format": st.sampled_from(["CSV", "PDF"]),
        "byte_size": st.integers(0, 10**9), "issued": good_dates, "translations": good_objects,
        "table_schema": st.just({"fields": [{"name": "a", "type": "string"}]})}), max_size=3),
    "consumers": st.one_of(st.none(), st.lists(st.fixed_dictionaries({"application": good_text},
                                                                     optional={"status": good_text}), max_size=2)),
}
#: valid records, now and then with one hostile field
plausible_records = st.fixed_dictionaries(
    {"remote_id": good_text, "title_vi": good_text}, optional=GOOD_FIELDS,
).flatmap(
    lambda rec: st.one_of(st.just(rec), st.sampled_from(sorted(RECORD_FIELDS)).flatmap(
        lambda key: RECORD_FIELDS[key].map(lambda value: {**rec, key: value}))))


def _canon(value: Any) -> Any:
    """A value with its types and key order spelled out: True is not 1, a date is not its text."""
    if isinstance(value, dict):
        return ("dict", [(k, _canon(v)) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_canon(v) for v in value])
    return (type(value).__name__, value if value == value else "nan")


def _outcome(load: Any, data: Any) -> tuple[str, Any]:
    try:
        return "loaded", _canon(load(data))
    except ValidationError as err:
        return "refused", err.messages


@pytest.fixture
def loaders(app):
    with app.app_context():
        yield RecordSchema(), record_loader()


@SETTINGS
@given(st.one_of(records, plausible_records))
def test_fast_loader_answers_as_marshmallow(loaders, record):
    schema, fast = loaders
    assert _outcome(fast.load, record) == _outcome(schema.load, record)


@SETTINGS
@given(st.one_of(json_values, st.dictionaries(st.sampled_from(sorted(RECORD_FIELDS)), json_values, max_size=6)))
def test_fast_loader_answers_as_marshmallow_on_any_json(loaders, data):
    schema, fast = loaders
    assert _outcome(fast.load, data) == _outcome(schema.load, data)


@SETTINGS
@given(st.one_of(records, plausible_records))
def test_load_record_leaves_out_the_same_fields_with_the_same_warnings(loaders, record):
    schema, fast = loaders
    said: dict[str, list[tuple[Any, ...]]] = {"slow": [], "fast": []}

    def warner(name: str) -> Any:
        return lambda rid, kind, message: said[name].append((rid, kind, str(message)))

    slow = _outcome(lambda r: load_record(schema, r, warner("slow")), record)
    quick = _outcome(lambda r: load_record(fast, r, warner("fast")), record)
    assert quick == slow
    assert said["fast"] == said["slow"]


def _bench_package(n: int, rnd: random.Random) -> dict[str, Any]:
    from bench.bench_harvest import package

    return package(n, rnd)


def test_common_records_take_the_fast_path(loaders):
    """Records as portals send them never need marshmallow: the speed-up is real, not only the fallback."""
    schema, fast = loaders
    rnd = random.Random(5)
    items = [tidy(ckan.package_record(_bench_package(n, rnd), "https://data.example.gov.vn"), lambda *a: None)
             for n in range(200)]
    for item in items:
        assert _outcome(fast.load, item) == _outcome(schema.load, item)
    assert fast.deferred == 0
    loaded = fast.load(items[0])
    assert loaded["issued"] == date(2025, 1, 2)
    assert loaded["distributions"][0]["byte_size"] == 1000


def test_refused_records_get_marshmallows_own_errors(loaders):
    schema, fast = loaders
    bad = {"remote_id": "r1", "title_vi": "x" * 501, "kind": "dataservice", "keywords": ["a", 5],
           "distributions": [{"title_vi": "t", "byte_size": -1}], "surprise": 1}
    with pytest.raises(ValidationError) as slow:
        schema.load(bad)
    with pytest.raises(ValidationError) as quick:
        fast.load(bad)
    assert quick.value.messages == slow.value.messages
    assert list(quick.value.messages) == list(slow.value.messages)
    assert fast.deferred == 1


def test_schemas_with_hooks_are_not_compiled():
    """A schema whose load does more than its fields (a pre-load hook) is left to marshmallow."""

    class Hooked(Schema):
        name = fields.String()

        @pre_load
        def _lower(self, data: dict[str, Any], **_kw: Any) -> dict[str, Any]:
            return data

    with pytest.raises(TypeError):
        compile_schema(Hooked())
