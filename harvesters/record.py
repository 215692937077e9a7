"""The normalized record every harvester yields: its one schema and its lenient cleaning.

Input from the wild is inconsistent, so cleaning is lenient: a malformed address, e-mail or date is
left out with a warning in the job log rather than failing the record (`tidy`). Only a record
without an id or a title is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from marshmallow import ValidationError, fields, validate, validates_schema

from catalog import geo, rules
from catalog.models import PLATFORMS
from catalog.schemas.base import BaseSchema, OptionalDate, OptionalEmail, OptionalUrl, Text, max_len, one_of, words
from catalog.schemas.registry import TableSchemaInput

from .base import KINDS, LogText, Record, Warn
from .fast_schema import CompiledSchema, compile_schema


class DistributionSchema(BaseSchema):
    remote_id = Text(allow_none=True, validate=max_len(500))
    identifier = Text(allow_none=True, validate=max_len(500))
    title_vi = Text(required=True, validate=max_len(500))
    title_en = Text(allow_none=True, validate=max_len(500))
    description_vi = Text(allow_none=True)
    description_en = Text(allow_none=True)
    access_url = OptionalUrl(allow_none=True, validate=max_len(1000))
    download_url = OptionalUrl(allow_none=True, validate=max_len(1000))
    format = Text(allow_none=True, validate=max_len(32))
    media_type = Text(allow_none=True, validate=max_len(128))
    byte_size = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    table_schema = fields.Nested(TableSchemaInput, allow_none=True)
    issued = OptionalDate(allow_none=True)
    modified = OptionalDate(allow_none=True)
    translations = fields.Dict(allow_none=True)
    checksum = fields.Dict(allow_none=True)


class ConsumerSchema(BaseSchema):
    """A system that calls a data service, as an API gateway lists its subscriptions."""

    application = Text(required=True, validate=max_len(200))
    subscriber = Text(allow_none=True, validate=max_len(200))
    #: The gateway's word for the subscription's state (e.g. WSO2's UNBLOCKED, BLOCKED, ON_HOLD).
    status = Text(allow_none=True, validate=max_len(32))


class RecordSchema(BaseSchema):
    """The one schema every harvested record passes. Code-list values (themes, licence, places,
    frequency, publisher) arrive as the source wrote them; the runner maps them to our codes."""

    kind = Text(load_default="dataset", validate=one_of(KINDS))
    remote_id = Text(required=True, validate=max_len(500))
    identifier = Text(allow_none=True, validate=max_len(500))
    source_url = OptionalUrl(allow_none=True, validate=max_len(1000))
    title_vi = Text(required=True, validate=max_len(500))
    title_en = Text(allow_none=True, validate=max_len(500))
    description_vi = Text(allow_none=True)
    description_en = Text(allow_none=True)
    keywords = words()
    themes = words(max_items=50, max_length=300)
    spatial = words(max_items=200, max_length=300)
    languages = words(max_items=20, max_length=100)
    licence = Text(allow_none=True, validate=max_len(500))
    publisher = Text(allow_none=True, validate=max_len(500))
    access_level = Text(allow_none=True, validate=one_of(rules.ACCESS_LEVELS))
    database = Text(allow_none=True, validate=max_len(64))
    update_frequency = Text(allow_none=True, validate=max_len(100))
    temporal_start = OptionalDate(allow_none=True)
    temporal_end = OptionalDate(allow_none=True)
    issued = OptionalDate(allow_none=True)
    modified = OptionalDate(allow_none=True)
    contact_name = Text(allow_none=True, validate=max_len(200))
    contact_email = OptionalEmail(allow_none=True)
    contact_phone = Text(allow_none=True, validate=max_len(64))
    landing_page = OptionalUrl(allow_none=True, validate=max_len(1000))
    version = Text(allow_none=True, validate=max_len(64))
    provenance = Text(allow_none=True)
    is_master_data = fields.Boolean(allow_none=True)
    # kept from the source (issue 14): every language, the source's publisher, coverage, series
    translations = fields.Dict(allow_none=True)
    title_lang = Text(allow_none=True, validate=max_len(8))
    publisher_uri = Text(allow_none=True, validate=max_len(1000))
    maintainer_name = Text(allow_none=True, validate=max_len(200))
    maintainer_email = OptionalEmail(allow_none=True)
    spatial_geojson = fields.Dict(allow_none=True)
    spatial_resolution_m = fields.Float(allow_none=True, validate=validate.Range(min=0))
    other_identifiers = words(max_items=50, max_length=500)
    applicable_legislation = words(max_items=50, max_length=1000)
    series = fields.Dict(allow_none=True)
    series_links = fields.Dict(allow_none=True)
    distributions = fields.List(fields.Nested(DistributionSchema), load_default=list)
    # data services
    endpoint_url = OptionalUrl(allow_none=True, validate=max_len(1000))
    endpoint_description = OptionalUrl(allow_none=True, validate=max_len(1000))
    protocol = Text(allow_none=True, validate=max_len(32))
    platform = Text(allow_none=True, validate=one_of(PLATFORMS))
    openapi_spec = fields.Dict(allow_none=True)
    #: The systems that call the service (a gateway's subscriptions); None when the source does not say.
    consumers = fields.List(fields.Nested(ConsumerSchema), allow_none=True, validate=validate.Length(max=1000))

    @validates_schema
    def _coherent(self, data: dict[str, Any], **_kw: Any) -> None:
        if data.get("kind") == "dataservice" and not data.get("endpoint_url"):
            raise ValidationError({"endpoint_url": ["a data service needs its endpoint address"]})


def record_loader() -> CompiledSchema:
    """The record schema as the harvest loads it: precompiled (`fast_schema`), marshmallow's results."""
    return compile_schema(RecordSchema())


# --- lenient cleaning ---------------------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")
_YEAR = re.compile(r"^(\d{4})$")
_SPACE = re.compile(r"\s")
_TEXT_LIMITS = {"title_vi": 500, "title_en": 500, "contact_name": 200, "contact_phone": 64, "version": 64,
                "identifier": 500, "protocol": 32, "licence": 500, "publisher": 500, "update_frequency": 100}
_DIST_LIMITS = {"title_vi": 500, "title_en": 500, "format": 32, "media_type": 128}
_DATE_FIELDS = ("issued", "modified", "temporal_start", "temporal_end")
_URL_FIELDS = ("source_url", "landing_page", "endpoint_url", "endpoint_description")
_LIST_LIMITS = {"keywords": (50, 100), "themes": (50, 300), "spatial": (200, 300), "languages": (20, 100),
                "other_identifiers": (50, 500), "applicable_legislation": (50, 1000)}
_EMPTY = (None, "", [], {})
#: Fields a record can lose and still be worth keeping: the schema refusing one of them drops the
#: field (with a warning), not the record.
DROPPABLE = frozenset({
    "identifier", "source_url", "title_en", "description_vi", "description_en", "keywords", "themes", "spatial",
    "languages", "licence", "publisher", "access_level", "database", "update_frequency", "temporal_start",
    "temporal_end", "issued", "modified", "contact_name", "contact_email", "contact_phone", "landing_page",
    "version", "provenance", "is_master_data", "endpoint_description", "protocol", "platform", "openapi_spec",
    "translations", "title_lang", "publisher_uri", "maintainer_name", "maintainer_email", "spatial_geojson",
    "spatial_resolution_m", "other_identifiers", "applicable_legislation", "series", "series_links", "consumers",
})
DIST_DROPPABLE = frozenset({"remote_id", "identifier", "title_en", "description_vi", "description_en", "access_url",
                            "download_url", "format", "media_type", "byte_size", "table_schema", "issued",
                            "modified", "translations", "checksum"})


def as_text(value: Any) -> str | None:
    """A trimmed string, or None for empty values (sources write "", null, "null", "N/A"...)."""
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text if text and text.lower() not in ("null", "none", "n/a", "nan") else None


def as_date(value: Any, *, end: bool = False) -> str | None:
    """An ISO date from what sources write: ISO dates and times, dd/mm/yyyy (Vietnamese), a year."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = as_text(value)
    if text is None:
        return None
    try:
        if m := _YMD.match(text):
            if len(text) >= 10 and text[4] == "-" and text[7] == "-":
                date.fromisoformat(text[:10])  # the common case, checked cheaply
                return text[:10]
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        if m := _DMY.match(text):
            return date(int(m[3]), int(m[2]), int(m[1])).isoformat()
        if m := _YEAR.match(text):
            return date(int(m[1]), 12, 31).isoformat() if end else date(int(m[1]), 1, 1).isoformat()
    except ValueError:
        return None
    return None


#: Characters left as they are when an address is percent-encoded (those with a meaning in a URL, and "%").
_URL_SAFE = "/%:@!$&'()*+,;=-._~?#[]"


def encode_url(text: str) -> str | None:
    """An address with spaces or non-ASCII characters written as a browser would send it: the host in
    IDNA ('bộ.vn' -> 'xn--b-...'), the rest percent-encoded as UTF-8 ('a b' -> 'a%20b'); None if it
    cannot be."""
    parts = urlsplit(text)
    host = parts.hostname or ""
    try:
        ascii_host = host if host.isascii() else host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    if _SPACE.search(ascii_host):
        return None
    netloc = parts.netloc.replace(host, ascii_host, 1) if host else parts.netloc
    netloc = quote(netloc, safe=_URL_SAFE)
    return urlunsplit((parts.scheme, netloc, quote(parts.path, safe=_URL_SAFE),
                       quote(parts.query, safe=_URL_SAFE), quote(parts.fragment, safe=_URL_SAFE)))


def clean_url(value: Any) -> str | None:
    """An http(s) address, or None. Spaces and non-ASCII characters are percent-encoded, not refused.
    A cheap check: the schema's stricter one still applies (see load_record)."""
    text = as_text(value)
    if text is None:
        return None
    if text.startswith("www."):
        text = "http://" + text
    if not text.startswith(("http://", "https://")):
        return None
    if _SPACE.search(text) or not text.isascii():
        try:
            encoded = encode_url(text)
        except ValueError:
            return None
        if encoded is None:
            return None
        text = encoded
    host = text.split("://", 1)[1][:1]
    return text if host and host not in "/?#" else None


def clean_email(value: Any) -> str | None:
    text = as_text(value)
    if text is None:
        return None
    text = text.removeprefix("mailto:").strip()
    local, _at, domain = text.rpartition("@")
    return text if local and "." in domain and " " not in text else None


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _tidy_distribution(dist: dict[str, Any], n: int, rid: str, warn: Warn) -> dict[str, Any]:
    out = {k: v for k, v in dist.items() if v not in _EMPTY}
    for key in ("access_url", "download_url"):
        if key in out:
            url = clean_url(out[key])
            if url is None:
                bad = str(out[key])[:200]
                warn(rid, "invalid_value", LogText("resource_not_url", "resource {n}: {field} {value!r} is not a web "
                                                   "address; left out", n=n, field=key, value=bad))
                del out[key]
            else:
                out[key] = url
    for key in ("issued", "modified"):
        if key in out:
            value = as_date(out[key])
            if value is None:
                del out[key]
            else:
                out[key] = value
    for key, limit in _DIST_LIMITS.items():
        value = out.get(key)
        if isinstance(value, str) and len(value) > limit:
            out[key] = _short(value.strip(), limit)
    size = out.get("byte_size")
    if size is not None:
        if isinstance(size, str):
            size = int(size) if size.strip().isdigit() else None
        elif isinstance(size, float):
            size = int(size)
        if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
            out["byte_size"] = size
        else:
            del out["byte_size"]
    if not as_text(out.get("title_vi")):
        location = out.get("download_url") or out.get("access_url") or ""
        name = PurePosixPath(urlsplit(location).path).name if location else ""
        out["title_vi"] = _short(out.pop("title_en", None) or name or out.get("format") or f"#{n}", 500)
    return out


def tidy(record: Record, warn: Warn) -> Record:
    """Leave out what cannot be valid, with a warning, so that one odd field does not lose a record."""
    rid = str(record.get("remote_id") or "")
    # An empty list of consumers is news (nobody subscribes any more), not a missing value.
    out = {k: v for k, v in record.items()
           if (v not in _EMPTY or (k == "consumers" and v == [])) and k != "_fidelity"}
    for key in _URL_FIELDS:
        if key in out:
            url = clean_url(out[key])
            if url is None:
                warn(rid, "invalid_value", LogText("not_url", "{field} {value!r} is not a web address; left out",
                                                   field=key, value=str(out[key])[:200]))
                del out[key]
            else:
                out[key] = url
    refused: set[str] = set()
    for key in ("contact_email", "maintainer_email"):
        if key in out:
            email = clean_email(out[key])
            if email is None:
                if str(out[key]) not in refused:  # one source value given as contact and maintainer: one line
                    warn(rid, "invalid_value", LogText("not_email", "contact e-mail {value!r} is not valid; left "
                                                       "out", value=str(out[key])[:200]))
                refused.add(str(out[key]))
                del out[key]
            else:
                out[key] = email
    for key in _DATE_FIELDS:
        if key in out:
            value = as_date(out[key], end=key == "temporal_end")
            if value is None:
                warn(rid, "invalid_value", LogText("not_date", "{field} {value!r} is not a date; left out",
                                                   field=key, value=str(out[key])[:100]))
                del out[key]
            else:
                out[key] = value
    if "spatial_geojson" in out and not isinstance(out["spatial_geojson"], dict):
        shape = geo.parse(out["spatial_geojson"])
        if shape is None:
            warn(rid, "invalid_value", LogText("not_geometry", "spatial coverage {value!r} is neither GeoJSON nor WKT; "
                                               "left out", value=str(out["spatial_geojson"])[:120]))
            del out["spatial_geojson"]
        else:
            out["spatial_geojson"] = shape
    if out.get("temporal_start") and out.get("temporal_end") and out["temporal_start"] > out["temporal_end"]:
        warn(rid, "invalid_value", LogText("period_reversed", "the time period ends before it starts; left out"))
        out.pop("temporal_start")
        out.pop("temporal_end")
    if out.get("issued") and out.get("modified") and out["modified"] < out["issued"]:
        out.pop("issued")
    if not as_text(out.get("title_vi")) and as_text(out.get("title_en")):
        out["title_vi"] = out["title_en"]
        out.setdefault("title_lang", "en")
    for key, limit in _TEXT_LIMITS.items():
        value = out.get(key)
        if isinstance(value, str) and len(value) > limit and len(value.strip()) > limit:
            warn(rid, "invalid_value", LogText("shortened", "{field} is longer than {limit} characters; shortened",
                                               field=key, limit=limit))
            out[key] = _short(value.strip(), limit)
    for key, (max_items, max_length) in _LIST_LIMITS.items():
        if key in out:
            value = out[key]
            items = [str(v).strip() for v in value if as_text(v)] if isinstance(value, list) else []
            kept = list(dict.fromkeys(items))
            if any(len(v) > max_length for v in kept):
                warn(rid, "invalid_value", LogText("long_values", "{field}: values longer than {limit} characters "
                                                   "left out", field=key, limit=max_length))
                kept = [v for v in kept if len(v) <= max_length]
            if len(kept) > max_items:
                warn(rid, "invalid_value", LogText("too_many", "{field}: only the first {limit} of {count} kept",
                                                   field=key, limit=max_items, count=len(kept)))
                kept = kept[:max_items]
            out[key] = kept
    if "distributions" in out:
        out["distributions"] = [_tidy_distribution(d, n, rid, warn)
                                for n, d in enumerate(out["distributions"], start=1) if isinstance(d, dict)]
    return out


def load_record(schema: RecordSchema | CompiledSchema, record: Record, warn: Warn) -> Record:
    """Validate a tidied record. If the schema refuses only fields the record can do without (an
    address its stricter check rejects, an over-long item...), those fields are left out with a
    warning and the record is validated again; anything else is refused."""
    try:
        return schema.load(record)
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {}
        rid = str(record.get("remote_id") or "")
        drop: list[str] = []
        dist_drop: dict[int, list[str]] = {}
        for key, msg in messages.items():
            if key in DROPPABLE:
                drop.append(key)
            elif key == "distributions" and isinstance(msg, dict) and all(
                    isinstance(i, int) and isinstance(sub, dict) and set(sub) <= DIST_DROPPABLE
                    for i, sub in msg.items()):
                dist_drop = {i: list(sub) for i, sub in msg.items()}
            else:
                raise
        fixed = {k: v for k, v in record.items() if k not in drop}
        for key in drop:
            warn(rid, "invalid_value", LogText("refused_value", "{field}: {problem} left out", field=key,
                                               problem=_flat(messages[key])))
        if dist_drop:
            dists = [dict(d) for d in fixed["distributions"]]
            for i, keys in dist_drop.items():
                for key in keys:
                    dists[i].pop(key, None)
                    warn(rid, "invalid_value", LogText(
                        "resource_refused_value", "resource {n}: {field}: {problem} left out", n=i + 1, field=key,
                        problem=_flat(messages["distributions"][i][key])))
            fixed["distributions"] = dists
        return schema.load(fixed)


def _flat(msg: Any) -> str:
    if isinstance(msg, list):
        return " ".join(_flat(m) for m in msg)
    if isinstance(msg, dict):
        return " ".join(_flat(m) for m in msg.values())
    return str(msg)


def content_hash(record: Record, salt: str = "") -> str:
    """A fingerprint of what the source said (plus the settings that shape the catalogue record)."""
    body = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.blake2b((salt + body).encode("utf-8"), digest_size=20).hexdigest()


def pick_language(values: dict[str, str], *, prefer: str = "vi") -> tuple[str | None, str | None]:
    """(Vietnamese, English) from a {language: text} map; text with no language counts as the main one."""
    vi = values.get(prefer) or values.get("") or None
    en = values.get("en")
    if vi is None:
        vi = en or next((v for v in values.values() if v), None)
    if en == vi:
        en = None
    return vi, en
