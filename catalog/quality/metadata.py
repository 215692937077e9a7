"""Metadata checks: what the catalogue entry says, judged against rules.py and the code lists.

Each function returns an `Outcome` (compliance 0..1, or not applicable) with the details a steward
needs to fix it (which fields are missing, which codes are unknown, which links fail). The lists
(required and recommended fields per access level, formats, frequency ages, the agency code form)
come from `catalog.rules`; the points come from `scoring.CHECKS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .. import rules
from ..models import Dataset, Licence
from .scoring import Outcome, share

_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")
#: A Vietnamese telephone number: 0 or +84 / 84, then 9 or 10 digits (mobiles and landlines).
_PHONE = re.compile(r"^(?:\+?84|0)\d{9,10}$")
_PHONE_JUNK = re.compile(r"[\s.\-()]")
_AGENCY_CODE = re.compile(rules.AGENCY_CODE_PATTERN)
_FORMAT_ALIASES = {"GEO+JSON": "GEOJSON", "JSONLD": "JSON-LD", "RDF": "RDF/XML", "TTL": "TURTLE", "EXCEL": "XLSX",
                   "ZIP+SHP": "SHP", "SHAPEFILE": "SHP"}


@dataclass
class Facts:
    """What the metadata checks look at, gathered by the service."""

    ds: Dataset
    today: date
    licence: Licence | None
    known_themes: frozenset[str]
    known_units: frozenset[str]
    services: int
    #: one entry per distribution (see service.file_entry): format, source, stored file present,
    #: schema fields and their classes, the table report when its data was read
    files: list[dict[str, Any]]
    #: url -> {"ok", "status_code", "error_kind", "error"} or None when not checked (offline run)
    links: dict[str, dict[str, Any] | None] = field(default_factory=dict)


def normal_format(fmt: str | None) -> str | None:
    if not fmt:
        return None
    value = fmt.strip().upper().lstrip(".")
    return _FORMAT_ALIASES.get(value, value)


def _present(ds: Dataset, name: str) -> bool:
    if name == "contact":
        return bool(ds.contact_name or ds.contact_email or ds.contact_phone)
    if name == "temporal":
        return bool(ds.temporal_start or ds.temporal_end)
    if name == "database":
        return bool(ds.database_id)
    if name == "licence_code":
        return bool(ds.licence_code)
    value = getattr(ds, name, None)
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def last_change(ds: Dataset) -> date | None:
    """The publisher's latest date: the dataset's `modified`, or its newest distribution's."""
    dates = [d for d in (ds.modified, *(x.modified for x in ds.distributions)) if d]
    return max(dates) if dates else None


# --- đúng ------------------------------------------------------------------------------------------


def dates(f: Facts) -> Outcome:
    ds = f.ds
    given = [d for d in (ds.issued, ds.modified, ds.temporal_start, ds.temporal_end) if d]
    problems = []
    if ds.issued and ds.modified and ds.issued > ds.modified:
        problems.append("issued_after_modified")
    if ds.temporal_start and ds.temporal_end and ds.temporal_start > ds.temporal_end:
        problems.append("period_reversed")
    if any(d > f.today for d in (ds.issued, ds.modified) if d):
        problems.append("in_future")
    for dist in ds.distributions:
        given += [d for d in (dist.issued, dist.modified) if d]
        if dist.issued and dist.modified and dist.issued > dist.modified:
            problems.append("file_issued_after_modified")
        if any(d > f.today for d in (dist.issued, dist.modified) if d):
            problems.append("file_in_future")
    if not given:
        return Outcome.na()
    return Outcome.of(not problems, problems=sorted(set(problems)))


def contact(f: Facts) -> Outcome:
    ds = f.ds
    checked, invalid = 0, []
    if ds.contact_email:
        checked += 1
        if not _EMAIL.match(ds.contact_email.strip()):
            invalid.append("contact_email")
    if ds.contact_phone:
        checked += 1
        if not _PHONE.match(_PHONE_JUNK.sub("", ds.contact_phone)):
            invalid.append("contact_phone")
    if not checked:
        return Outcome.na()
    return Outcome(share(checked - len(invalid), checked), {"invalid": invalid})


# --- đủ --------------------------------------------------------------------------------------------


def required(f: Facts) -> Outcome:
    names = ("title_vi", *rules.REQUIRED_TO_PUBLISH.get(f.ds.access_level, ()))
    missing = [n for n in names if not _present(f.ds, n)]
    return Outcome(share(len(names) - len(missing), len(names)), {"missing": missing})


def recommended(f: Facts) -> Outcome:
    names = rules.RECOMMENDED_FIELDS.get(f.ds.access_level, ())
    missing = [n for n in names if not _present(f.ds, n)]
    return Outcome(share(len(names) - len(missing), len(names)), {"missing": missing})


def keywords(f: Facts) -> Outcome:
    return Outcome.of(bool([k for k in f.ds.keywords or [] if k.strip()]))


def themes(f: Facts) -> Outcome:
    return Outcome.of(bool(f.ds.themes))


def described(f: Facts) -> Outcome:
    return Outcome.of(any(d.file_path or d.access_url or d.download_url or d.schema_fields()
                          for d in f.ds.distributions))


# --- sống ------------------------------------------------------------------------------------------


def frequency(f: Facts) -> Outcome:
    freq = f.ds.update_frequency
    return Outcome.of(freq in rules.FREQUENCY_MAX_AGE_DAYS, frequency=freq)


def fresh(f: Facts) -> Outcome:
    freq = f.ds.update_frequency
    last = last_change(f.ds)
    if freq not in rules.FREQUENCY_MAX_AGE_DAYS:
        return Outcome.of(False, reason="no_frequency")
    max_days = rules.FREQUENCY_MAX_AGE_DAYS[freq]
    if max_days is None:
        return Outcome.of(True, reason="never", last=last.isoformat() if last else None)
    if last is None:
        return Outcome.of(False, reason="no_date", max_days=max_days)
    age = (f.today - last).days
    return Outcome.of(age <= max_days, reason="age", age_days=age, max_days=max_days, last=last.isoformat())


def link_targets(ds: Dataset) -> list[str]:
    """Addresses a dataset gives: its landing page and each distribution's access and download URLs."""
    urls: list[str] = []
    for url in (ds.landing_page, *(u for d in ds.distributions for u in (d.access_url, d.download_url))):
        if url and url.startswith(("http://", "https://")) and url not in urls:
            urls.append(url)
    return urls


def links(f: Facts) -> Outcome:
    total = good = 0
    failed: list[dict[str, Any]] = []
    for entry in f.files:
        if entry.get("source") == "stored":
            total += 1
            if entry.get("stored_exists"):
                good += 1
            else:
                failed.append({"file": entry.get("title"), "error_kind": "file_missing"})
    for url in link_targets(f.ds):
        result = f.links.get(url)
        if result is None:
            continue  # not checked yet (an offline run): neither good nor bad
        total += 1
        if result.get("ok"):
            good += 1
        else:
            failed.append({"url": url, "status_code": result.get("status_code"),
                           "error_kind": result.get("error_kind"), "error": result.get("error")})
    if not total:
        return Outcome.na()
    return Outcome(share(good, total), {"failed": failed})


# --- thống nhất ------------------------------------------------------------------------------------


def theme_codes(f: Facts) -> Outcome:
    codes = list(f.ds.themes or [])
    if not codes:
        return Outcome.na()
    unknown = [c for c in codes if c not in f.known_themes]
    return Outcome(share(len(codes) - len(unknown), len(codes)), {"unknown": unknown})


def spatial_codes(f: Facts) -> Outcome:
    codes = list(f.ds.spatial or [])
    if not codes:
        return Outcome.na()
    unknown = [c for c in codes if c not in f.known_units]
    return Outcome(share(len(codes) - len(unknown), len(codes)), {"unknown": unknown})


def publisher_code(f: Facts) -> Outcome:
    pub = f.ds.publisher
    code = (pub.identifier or "").strip() if pub is not None else ""
    return Outcome.of(bool(_AGENCY_CODE.match(code)), publisher=pub.code if pub is not None else None,
                      identifier=code or None)


def _table_like(entry: dict[str, Any]) -> bool:
    return bool(entry.get("tabular") or entry.get("schema_fields"))


def schema_present(f: Facts) -> Outcome:
    values, missing, mismatched = [], [], []
    for entry in f.files:
        if not _table_like(entry):
            continue
        if not entry.get("schema_fields"):
            values.append(0.0)
            missing.append(entry.get("title"))
            continue
        if entry.get("header_mismatch"):
            values.append(0.5)
            mismatched.append(entry.get("title"))
        else:
            values.append(1.0)
    if not values:
        return Outcome.na()
    return Outcome(sum(values) / len(values), {"missing": missing, "mismatched": mismatched})


def classified(f: Facts) -> Outcome:
    total = sum(int(e.get("schema_fields") or 0) for e in f.files)
    done = sum(int(e.get("classified") or 0) for e in f.files)
    if not total:
        return Outcome.na()
    return Outcome(share(done, total), {"unclassified": total - done})


# --- dùng chung ------------------------------------------------------------------------------------


def licence_open(f: Facts) -> Outcome:
    if f.ds.access_level != rules.ACCESS_OPEN:
        return Outcome.na()
    ok = f.licence is not None and f.licence.is_open
    return Outcome.of(ok, licence=f.ds.licence_code)


def _with_data(f: Facts) -> list[dict[str, Any]]:
    return [e for e in f.files if e.get("source") in ("stored", "remote")]


def machine_readable(f: Facts) -> Outcome:
    items = _with_data(f)
    if not items:
        return Outcome.na()
    bad = [e.get("title") for e in items if normal_format(e.get("format")) not in rules.MACHINE_READABLE_FORMATS]
    return Outcome(share(len(items) - len(bad), len(items)), {"files": bad})


def open_formats(f: Facts) -> Outcome:
    items = _with_data(f)
    if not items:
        return Outcome.na()
    bad = [e.get("title") for e in items if normal_format(e.get("format")) not in rules.OPEN_FORMATS]
    return Outcome(share(len(items) - len(bad), len(items)), {"files": bad})


def access_declared(f: Facts) -> Outcome:
    return Outcome.of(f.ds.access_level in rules.ACCESS_LEVELS, access_level=f.ds.access_level)


def service_available(f: Facts) -> Outcome:
    if f.services:
        return Outcome.of(True, services=f.services)
    reachable = bool(_with_data(f))
    if f.ds.access_level == rules.ACCESS_OPEN:
        return Outcome.of(reachable, services=0)
    return Outcome(0.5 if reachable else 0.0, {"services": 0})


def personal_data(f: Facts) -> Outcome:
    read = [e for e in f.files if e.get("table") and e["table"].get("fatal") is None]
    if not read:
        return Outcome.na()
    columns = []
    for entry in read:
        classes = entry.get("classes") or {}
        for item in entry["table"].get("personal") or []:
            allowed = f.ds.access_level != rules.ACCESS_OPEN and classes.get(item["column"]) in (
                rules.FIELD_DEFAULT_SHARED, rules.FIELD_SPECIAL_REQUEST)
            columns.append({"file": entry.get("title"), "column": item["column"], "kind": item["kind"],
                            "count": item["count"], "allowed": allowed})
    if not columns:
        return Outcome.of(True, columns=[])
    ok = sum(1 for c in columns if c["allowed"])
    return Outcome(share(ok, len(columns)), {"columns": columns})


CHECKS = {
    "meta_dates": dates, "meta_contact": contact, "meta_required": required, "meta_recommended": recommended,
    "meta_keywords": keywords, "meta_themes": themes, "dist_present": described, "meta_frequency": frequency,
    "meta_fresh": fresh, "links_alive": links, "codes_themes": theme_codes, "codes_spatial": spatial_codes,
    "codes_publisher": publisher_code, "schema_present": schema_present, "schema_classified": classified,
    "licence_open": licence_open, "formats_machine_readable": machine_readable, "formats_open": open_formats,
    "access_declared": access_declared, "service_available": service_available, "no_personal_data": personal_data,
}


def outcomes(f: Facts) -> dict[str, Outcome]:
    return {check_id: fn(f) for check_id, fn in CHECKS.items()}
