"""Metadata checks, each on an entry built to fail it and one built to pass it (the lists come from rules.py)."""

from __future__ import annotations

from datetime import date

import pytest

from catalog import rules
from catalog.models import Dataset, Distribution, Licence, Organization
from catalog.quality import metadata
from catalog.quality.metadata import Facts

TODAY = date(2026, 12, 2)


def facts(files=None, links=None, licence=None, services=0, publisher_identifier="000.00.00.G01", **fields) -> Facts:
    values = {"title_vi": "Bộ dữ liệu", "description_vi": "Mô tả.", "access_level": "open", "licence_code": "CC-BY-4.0",
              "contact_email": "dulieu@mof.gov.vn", "keywords": ["ngân sách"], "themes": ["ECON"], "spatial": ["VN"],
              "update_frequency": "MONTHLY", "modified": date(2026, 11, 20), "issued": date(2020, 1, 1),
              **fields}
    dists = values.pop("distributions", [])
    ds = Dataset(**values)
    ds.distributions = dists
    ds.publisher = Organization(code="BTC", name_vi="Bộ Tài chính", kind="ministry", identifier=publisher_identifier)
    if licence is None and ds.licence_code:
        licence = Licence(code=ds.licence_code, title_vi="x", title_en="x", is_open=ds.licence_code != "other-closed")
    return Facts(ds=ds, today=TODAY, licence=licence, known_themes=frozenset({"ECON", "GOVE"}),
                 known_units=frozenset({"VN", "01", "79"}), services=services, files=files or [], links=links or {})


def test_dates():
    assert metadata.dates(facts()).compliance == 1.0
    bad = metadata.dates(facts(issued=date(2026, 12, 1), modified=date(2026, 1, 1),
                               temporal_start=date(2025, 1, 1), temporal_end=date(2024, 1, 1)))
    assert bad.compliance == 0.0 and bad.detail["problems"] == ["issued_after_modified", "period_reversed"]
    assert metadata.dates(facts(modified=date(2027, 1, 1))).detail["problems"] == ["in_future"]
    assert metadata.dates(facts(issued=None, modified=None)).compliance is None


def test_contact_form():
    assert metadata.contact(facts(contact_phone="0243 822 1234")).compliance == 1.0
    half = metadata.contact(facts(contact_email="không có", contact_phone="+84 912 345 678"))
    assert half.compliance == 0.5 and half.detail["invalid"] == ["contact_email"]
    assert metadata.contact(facts(contact_email=None)).compliance is None


def test_required_and_recommended_fields_per_access_level():
    assert metadata.required(facts()).compliance == 1.0
    missing = metadata.required(facts(licence_code=None, contact_email=None))
    assert missing.detail["missing"] == ["licence_code", "contact"] and missing.compliance == pytest.approx(2 / 4)
    shared = metadata.required(facts(access_level="shared", licence_code=None))
    assert shared.compliance == 1.0  # shared data needs no licence
    rec = metadata.recommended(facts())
    assert set(rec.detail["missing"]) == {"title_en", "description_en", "temporal", "landing_page"}
    assert rec.compliance == pytest.approx(5 / len(rules.RECOMMENDED_FIELDS["open"]))


def test_keywords_themes_and_something_described():
    assert metadata.keywords(facts()).compliance == 1.0 and metadata.keywords(facts(keywords=[])).compliance == 0.0
    assert metadata.themes(facts(themes=[])).compliance == 0.0
    assert metadata.described(facts()).compliance == 0.0
    assert metadata.described(facts(distributions=[Distribution(title_vi="x", download_url="https://a/b.csv")])) \
        .compliance == 1.0


@pytest.mark.parametrize(("frequency", "modified", "expected"), [
    ("MONTHLY", date(2026, 11, 20), 1.0),
    ("MONTHLY", date(2026, 9, 1), 0.0),
    ("DAILY", date(2026, 11, 29), 0.0),
    ("ANNUAL", date(2026, 1, 2), 1.0),
    ("NEVER", date(2001, 1, 1), 1.0),
    ("IRREG", date(2026, 1, 1), 0.0),
    ("UNKNOWN", date(2026, 12, 1), 0.0),
    (None, date(2026, 12, 1), 0.0),
])
def test_the_live_test_compares_the_last_change_with_the_frequency(frequency, modified, expected):
    assert metadata.fresh(facts(update_frequency=frequency, modified=modified)).compliance == expected


def test_a_newer_file_date_keeps_the_dataset_live():
    dist = Distribution(title_vi="x", modified=date(2026, 12, 1))
    outcome = metadata.fresh(facts(update_frequency="DAILY", modified=date(2026, 1, 1), distributions=[dist]))
    assert outcome.compliance == 1.0 and outcome.detail["age_days"] == 1
    assert metadata.frequency(facts(update_frequency="UNKNOWN")).compliance == 0.0


def test_links_and_stored_files():
    dist = Distribution(title_vi="x", download_url="https://data.gov.vn/a.csv", access_url="https://data.gov.vn/a")
    base = {"distributions": [dist], "landing_page": "https://mof.gov.vn"}
    answers = {"https://data.gov.vn/a.csv": {"ok": True}, "https://data.gov.vn/a": {"ok": False, "status_code": 404,
                                                                                  "error_kind": "http_status"},
               "https://mof.gov.vn": None}  # not asked yet: counts neither way
    outcome = metadata.links(facts(links=answers, **base))
    assert outcome.compliance == 0.5 and outcome.detail["failed"][0]["status_code"] == 404
    stored = [{"source": "stored", "stored_exists": False, "title": "tệp"}]
    assert metadata.links(facts(files=stored)).compliance == 0.0
    assert metadata.links(facts()).compliance is None


def test_code_lists():
    assert metadata.theme_codes(facts(themes=["ECON", "XXX"])).detail["unknown"] == ["XXX"]
    assert metadata.spatial_codes(facts(spatial=["01", "02"])).compliance == 0.5
    assert metadata.spatial_codes(facts(spatial=[])).compliance is None
    assert metadata.publisher_code(facts()).compliance == 1.0
    assert metadata.publisher_code(facts(publisher_identifier="BTC")).compliance == 0.0


def test_schemas_present_and_classified():
    files = [{"title": "a", "tabular": True, "schema_fields": 4, "classified": 4},
             {"title": "b", "tabular": True, "schema_fields": 0, "classified": 0},
             {"title": "c", "tabular": True, "schema_fields": 2, "classified": 1, "header_mismatch": True},
             {"title": "d.pdf", "tabular": False, "schema_fields": 0}]
    present = metadata.schema_present(facts(files=files))
    assert present.compliance == pytest.approx(1.5 / 3)
    assert present.detail == {"missing": ["b"], "mismatched": ["c"]}
    assert metadata.classified(facts(files=files)).compliance == pytest.approx(5 / 6)


def test_licence_formats_access_and_service():
    assert metadata.licence_open(facts()).compliance == 1.0
    assert metadata.licence_open(facts(licence_code="other-closed")).compliance == 0.0
    assert metadata.licence_open(facts(access_level="shared")).compliance is None
    files = [{"source": "stored", "format": "CSV", "title": "a"}, {"source": "remote", "format": "PDF", "title": "b"},
             {"source": "remote", "format": "XLS", "title": "c"}]
    assert metadata.machine_readable(facts(files=files)).compliance == pytest.approx(2 / 3)
    assert metadata.open_formats(facts(files=files)).detail["files"] == ["b", "c"]
    assert metadata.access_declared(facts()).compliance == 1.0
    assert metadata.service_available(facts(files=files)).compliance == 1.0
    assert metadata.service_available(facts(access_level="shared", files=files)).compliance == 0.5
    assert metadata.service_available(facts(access_level="shared", services=1)).compliance == 1.0


def test_personal_data_in_open_and_in_restricted_data():
    table = {"fatal": None, "personal": [{"column": "so_cccd", "kind": "citizen_id", "count": 10}]}
    files = [{"title": "a", "table": table, "classes": {"so_cccd": "special_request"}}]
    assert metadata.personal_data(facts(files=files)).compliance == 0.0  # open data: never
    assert metadata.personal_data(facts(access_level="restricted", files=files)).compliance == 1.0
    unclassed = [{"title": "a", "table": table, "classes": {}}]
    assert metadata.personal_data(facts(access_level="shared", files=unclassed)).compliance == 0.0
    clean = [{"title": "a", "table": {"fatal": None, "personal": []}}]
    assert metadata.personal_data(facts(files=clean)).compliance == 1.0
    assert metadata.personal_data(facts()).compliance is None
