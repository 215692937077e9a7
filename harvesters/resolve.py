"""Mapping what sources write (codes, URIs, names, Vietnamese words) to the catalogue's code lists.

Lenient on purpose: a value that matches nothing is dropped with a warning in the job log, and the
record is kept. Code lists are read once per job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import AdminUnit, Database, Licence, Organization, Theme
from catalog.vocab import (
    LICENCE_ALIASES,
    LICENCE_CODES,
    NO_LICENCE,
    frequency_from_rdf,
    language_from_rdf,
    last_segment,
    match_key,
    theme_from_iso_topic,
    url_key,
)

from .base import LogText, Warn

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
            for name in (t.code, t.name_vi, t.name_en, last_segment(t.uri or "")):
                if name:
                    self.themes[match_key(name)] = t.code
        self.licences: dict[str, str] = {}
        self.open_licences: set[str] = set()
        for lic in session.scalars(select(Licence)):
            self.licences[match_key(lic.code)] = lic.code
            self.licences[match_key(lic.title_vi)] = lic.code
            self.licences[match_key(lic.title_en)] = lic.code
            if lic.url:
                self.licences["url:" + url_key(lic.url)] = lic.code
            if lic.is_open:
                self.open_licences.add(lic.code)
        known = set(self.licences.values())
        for alias, code in [*LICENCE_ALIASES.items(), *((eu, ours) for ours, eu in LICENCE_CODES.items())]:
            if code in known:
                self.licences.setdefault(match_key(alias), code)
        self.units: dict[str, str] = {}
        for u in session.scalars(select(AdminUnit)):
            self.units[match_key(u.code)] = u.code
            for name in (u.name_vi, u.name_en):
                if name:
                    key = match_key(name)
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
                    self.orgs.setdefault(match_key(name), org.id)
        self.databases = dict(session.execute(select(Database.code, Database.id)).all())
        self.database_owner = dict(session.execute(select(Database.id, Database.owner_id)).all())

    # --- each list -------------------------------------------------------------------------------

    @_memo
    def themes_of(self, values: Iterable[str], rid: str, warn: Warn) -> list[str]:
        out: list[str] = []
        for raw in values:
            key = match_key(last_segment(raw)) if "://" in raw else match_key(raw)
            code = self.themes.get(key) or theme_from_iso_topic(key)
            if code is None and "://" in raw:
                code = self.themes.get(match_key(raw))
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
            code = self.licences.get("url:" + url_key(value)) or self.licences.get(match_key(last_segment(value)))
        else:
            code = self.licences.get(match_key(value))
        if code is None and match_key(value) not in NO_LICENCE:
            warn(rid, "unknown_code", LogText("unknown_licence", "licence {value!r} is not in the catalogue's list; "
                                            "left out", value=value[:120]))
        return code

    @_memo
    def spatial_of(self, values: Iterable[str], rid: str, warn: Warn) -> list[str]:
        out: list[str] = []
        for raw in values:
            key = match_key(last_segment(raw)) if "://" in raw else match_key(raw)
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
        code = frequency_from_rdf(value)
        if code is None:
            warn(rid, "unknown_code", LogText("unknown_frequency", "update frequency {value!r} is not recognised; "
                                            "left out", value=value.strip()[:120]))
        return code

    @_memo
    def languages_of(self, values: Iterable[str], rid: str, warn: Warn) -> list[str]:
        out: list[str] = []
        for raw in values:
            for part in re.split(r"[,;]", raw):
                if not match_key(last_segment(part) if "://" in part else part):
                    continue
                code = language_from_rdf(part)
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

    def is_agency(self, value: str) -> bool:
        """Does a publisher name (or code) name one of our agencies?"""
        return match_key(value) in self.orgs

    @_memo
    def publisher_of(self, value: str | None, owner_id: str, rid: str, warn: Warn) -> str:
        """A named publisher is used when it is the source's agency or one of its units."""
        if not value:
            return owner_id
        org_id = self.orgs.get(match_key(value))
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
