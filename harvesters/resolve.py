"""Mapping what sources write (codes, URIs, names, Vietnamese words) to the catalogue's code lists.

Lenient on purpose: a value that matches nothing is dropped with a warning in the job log, and the
record is kept. Code lists are read once per job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import UPDATE_FREQUENCIES, AdminUnit, Database, Licence, Organization, Theme
from catalog.text import fold

from .base import LogText, Warn

_SPACES = re.compile(r"[\s_]+")


def _key(text: str) -> str:
    """Compare names without case, diacritics, punctuation or extra spaces."""
    return _SPACES.sub(" ", re.sub(r"[^\w\s]", " ", fold(text))).strip()


def _last_segment(value: str) -> str:
    path = urlsplit(value).path.rstrip("/") if "://" in value else value
    return path.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _url_key(value: str) -> str:
    parts = urlsplit(value.strip().lower())
    host = parts.netloc.removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}"


#: ISO 19115 topic categories (CSW records) -> EU data themes.
ISO_TOPICS = {
    "farming": "AGRI", "biota": "ENVI", "boundaries": "REGI", "climatologymeteorologyatmosphere": "ENVI",
    "economy": "ECON", "elevation": "ENVI", "environment": "ENVI", "geoscientificinformation": "TECH",
    "health": "HEAL", "imagerybasemapsearthcover": "ENVI", "intelligencemilitary": "JUST",
    "inlandwaters": "ENVI", "location": "REGI", "oceans": "ENVI", "planningcadastre": "REGI",
    "society": "SOCI", "structure": "REGI", "transportation": "TRAN", "utilitiescommunication": "ENER",
    "extraterrestrial": "TECH", "disaster": "ENVI",
}

#: CKAN licence ids, SPDX ids and EU licence codes -> our licence codes.
LICENCE_ALIASES = {
    "cc-by": "CC-BY-4.0", "cc-by-4.0": "CC-BY-4.0", "cc_by_4_0": "CC-BY-4.0", "cc-by 4.0": "CC-BY-4.0",
    "cc-zero": "CC0-1.0", "cc0": "CC0-1.0", "cc0-1.0": "CC0-1.0", "cc0_1_0": "CC0-1.0",
    "odc-by": "ODC-BY-1.0", "odc-by-1.0": "ODC-BY-1.0", "odc_by_1_0": "ODC-BY-1.0",
    "odc-odbl": "ODbL-1.0", "odbl": "ODbL-1.0", "odbl-1.0": "ODbL-1.0", "odc_odbl_1_0": "ODbL-1.0",
}
#: Values that say "no licence given" rather than naming an unknown one.
NO_LICENCE = {"notspecified", "not specified", "other", "unknown", "none"}

#: Update frequencies: EU codes and URIs, ISO 8601 repeating durations, English and Vietnamese words.
FREQUENCY_WORDS = {
    "continuous": "CONT", "realtime": "CONT", "real time": "CONT", "lien tuc": "CONT", "thoi gian thuc": "CONT",
    "daily": "DAILY", "hang ngay": "DAILY", "moi ngay": "DAILY",
    "weekly": "WEEKLY", "hang tuan": "WEEKLY",
    "monthly": "MONTHLY", "hang thang": "MONTHLY",
    "quarterly": "QUARTERLY", "hang quy": "QUARTERLY",
    "biannual": "BIANNUAL", "semiannual": "BIANNUAL", "annual 2": "BIANNUAL", "6 thang": "BIANNUAL",
    "sau thang": "BIANNUAL", "nua nam": "BIANNUAL", "6 thang mot lan": "BIANNUAL",
    "annual": "ANNUAL", "annually": "ANNUAL", "yearly": "ANNUAL", "hang nam": "ANNUAL",
    "irregular": "IRREG", "irreg": "IRREG", "khong thuong xuyen": "IRREG", "khong dinh ky": "IRREG",
    "dot xuat": "IRREG", "as needed": "IRREG",
    "never": "NEVER", "khong cap nhat": "NEVER", "unknown": "UNKNOWN", "other": "UNKNOWN",
}
ISO_DURATIONS = {"R/PT1S": "CONT", "R/P1D": "DAILY", "R/P1W": "WEEKLY", "R/P1M": "MONTHLY", "R/P3M": "QUARTERLY",
                 "R/P6M": "BIANNUAL", "R/P1Y": "ANNUAL"}

LANGUAGES = {
    "vi": "vi", "vie": "vi", "vietnamese": "vi", "tieng viet": "vi",
    "en": "en", "eng": "en", "english": "en", "tieng anh": "en",
    "fr": "fr", "fra": "fr", "fre": "fr", "french": "fr", "tieng phap": "fr",
    "zh": "zh", "zho": "zh", "chi": "zh", "chinese": "zh", "tieng trung": "zh",
    "ja": "ja", "jpn": "ja", "ko": "ko", "kor": "ko", "de": "de", "deu": "de", "ger": "de", "es": "es",
    "spa": "es", "ca": "ca", "cat": "ca", "nl": "nl", "nld": "nl", "dut": "nl", "ru": "ru", "rus": "ru",
    "lo": "lo", "lao": "lo", "km": "km", "khm": "km",
}

COUNTRY = {"vn", "vnm", "viet nam", "vietnam", "toan quoc", "ca nuoc", "toan quoc gia"}
_UNIT_PREFIXES = ("thanh pho ", "tinh ", "tp ", "city of ", "province of ")


class _Recorder:
    """Collects the warnings a lookup gives, so that a cached answer can give them again."""

    def __init__(self) -> None:
        self.calls: list[tuple[str | None, str, str]] = []

    def __call__(self, rid: str | None, kind: str, message: str) -> None:
        self.calls.append((rid, kind, message))


def _memo(method: Any) -> Any:
    """Sources repeat the same few values thousands of times: map each distinct value once."""
    name = method.__name__

    def cached(self: CodeLists, value: Any, *args: Any) -> Any:
        *rest, rid, warn = args
        key = (name, tuple(value) if isinstance(value, list) else value, *rest)
        hit = self._memo.get(key)
        if hit is None:
            recorder = _Recorder()
            hit = (method(self, value, *rest, rid, recorder), recorder.calls)
            if len(self._memo) < 100_000:
                self._memo[key] = hit
        result, calls = hit
        for _rid, kind, message in calls:
            warn(rid, kind, message)
        return list(result) if isinstance(result, list) else result

    cached.__name__ = name
    cached.__doc__ = method.__doc__
    return cached


class CodeLists:
    """The catalogue's code lists and agencies, loaded once for a job."""

    def __init__(self, session: Session) -> None:
        self._memo: dict[Any, Any] = {}
        self.themes: dict[str, str] = {}
        for t in session.scalars(select(Theme)):
            for name in (t.code, t.name_vi, t.name_en, _last_segment(t.uri or "")):
                if name:
                    self.themes[_key(name)] = t.code
        self.licences: dict[str, str] = {}
        self.open_licences: set[str] = set()
        for lic in session.scalars(select(Licence)):
            self.licences[_key(lic.code)] = lic.code
            self.licences[_key(lic.title_vi)] = lic.code
            self.licences[_key(lic.title_en)] = lic.code
            if lic.url:
                self.licences["url:" + _url_key(lic.url)] = lic.code
            if lic.is_open:
                self.open_licences.add(lic.code)
        for alias, code in LICENCE_ALIASES.items():
            if code in set(self.licences.values()):
                self.licences.setdefault(_key(alias), code)
        self.units: dict[str, str] = {}
        for u in session.scalars(select(AdminUnit)):
            self.units[_key(u.code)] = u.code
            for name in (u.name_vi, u.name_en):
                if name:
                    key = _key(name)
                    self.units[key] = u.code
                    for prefix in _UNIT_PREFIXES:
                        if key.startswith(prefix):
                            self.units[key[len(prefix):]] = u.code
        self.orgs: dict[str, str] = {}
        self.parent: dict[str, str | None] = {}
        for org in session.scalars(select(Organization)):
            self.parent[org.id] = org.parent_id
            for name in (org.code, org.identifier, org.name_vi, org.name_en, org.acronym):
                if name:
                    self.orgs.setdefault(_key(name), org.id)
        self.databases = dict(session.execute(select(Database.code, Database.id)).all())
        self.database_owner = dict(session.execute(select(Database.id, Database.owner_id)).all())

    # --- each list -------------------------------------------------------------------------------

    @_memo
    def themes_of(self, values: Iterable[str], rid: str, warn: Warn) -> list[str]:
        out: list[str] = []
        for raw in values:
            key = _key(_last_segment(raw)) if "://" in raw else _key(raw)
            code = self.themes.get(key) or ISO_TOPICS.get(key.replace(" ", ""))
            if code is None and "://" in raw:
                code = self.themes.get(_key(raw))
            if code:
                if code not in out:
                    out.append(code)
            else:
                warn(rid, "unknown_code", LogText("unknown_theme", "theme {value!r} is not in the catalogue's list; "
                                                "left out", value=raw[:120]))
        return out[:20]

    @_memo
    def licence_of(self, value: str | None, rid: str, warn: Warn) -> str | None:
        if not value:
            return None
        if "://" in value:
            code = self.licences.get("url:" + _url_key(value)) or self.licences.get(_key(_last_segment(value)))
        else:
            code = self.licences.get(_key(value))
        if code is None and _key(value) not in NO_LICENCE:
            warn(rid, "unknown_code", LogText("unknown_licence", "licence {value!r} is not in the catalogue's list; "
                                            "left out", value=value[:120]))
        return code

    @_memo
    def spatial_of(self, values: Iterable[str], rid: str, warn: Warn) -> list[str]:
        out: list[str] = []
        for raw in values:
            key = _key(_last_segment(raw)) if "://" in raw else _key(raw)
            code = "VN" if key in COUNTRY else self.units.get(key)
            if code is None:
                for prefix in _UNIT_PREFIXES:
                    if key.startswith(prefix):
                        code = self.units.get(key[len(prefix):])
                        break
            if code:
                if code not in out:
                    out.append(code)
            elif raw.lstrip().startswith("{"):
                warn(rid, "unknown_code", LogText("geometry_place", "a geometry was given as the place; only "
                                                "administrative units are kept"))
            else:
                warn(rid, "unknown_code", LogText("unknown_place", "place {value!r} is not an administrative unit; "
                                                "left out", value=raw[:120]))
        return out

    @_memo
    def frequency_of(self, value: str | None, rid: str, warn: Warn) -> str | None:
        if not value:
            return None
        raw = value.strip()
        if raw.upper() in ISO_DURATIONS:
            return ISO_DURATIONS[raw.upper()]
        candidate = _last_segment(raw) if "://" in raw else raw
        if candidate.upper() in UPDATE_FREQUENCIES:
            return candidate.upper()
        code = FREQUENCY_WORDS.get(_key(candidate))
        if code is None:
            warn(rid, "unknown_code", LogText("unknown_frequency", "update frequency {value!r} is not recognised; "
                                            "left out", value=raw[:120]))
        return code

    @_memo
    def languages_of(self, values: Iterable[str], rid: str, warn: Warn) -> list[str]:
        out: list[str] = []
        for raw in values:
            for part in re.split(r"[,;]", raw):
                key = _key(_last_segment(part) if "://" in part else part)
                if not key:
                    continue
                code = LANGUAGES.get(key)
                if code is None and len(key) == 2 and key.isalpha():
                    code = key
                if code:
                    if code not in out:
                        out.append(code)
                else:
                    warn(rid, "unknown_code", LogText("unknown_language", "language {value!r} is not recognised; "
                                                        "left out", value=part.strip()[:60]))
        return out[:10]

    # --- agencies and databases -------------------------------------------------------------------

    def is_within(self, org_id: str, owner_id: str) -> bool:
        """The agency itself or one of its units (any depth)."""
        seen: set[str] = set()
        node: str | None = org_id
        while node is not None and node not in seen:
            if node == owner_id:
                return True
            seen.add(node)
            node = self.parent.get(node)
        return False

    @_memo
    def publisher_of(self, value: str | None, owner_id: str, rid: str, warn: Warn) -> str:
        """A named publisher is used when it is the source's agency or one of its units."""
        if not value:
            return owner_id
        org_id = self.orgs.get(_key(value))
        if org_id is None:
            return owner_id
        if self.is_within(org_id, owner_id):
            return org_id
        warn(rid, "publisher", LogText("foreign_publisher", "publisher {value!r} is not the source's agency or one "
                                       "of its units; the source's agency is recorded instead", value=value[:120]))
        return owner_id

    @_memo
    def database_of(self, code: str | None, default_id: str | None, rid: str, warn: Warn) -> str | None:
        if not code:
            return default_id
        db_id = self.databases.get(code) or self.databases.get(code.upper())
        if db_id is None:
            warn(rid, "unknown_code", LogText("unknown_database", "database {value!r} is not registered; left out",
                                            value=code[:64]))
            return default_id
        return db_id
