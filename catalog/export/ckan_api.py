"""A CKAN-compatible Action API at `/api/3/action/<action>` and `/api/action/<action>` (which
`ckanapi` calls), read-only, over open published data only.

Answers carry CKAN's envelope (`help`, `success`, `result`) and its errors: 404 `Not Found Error`,
409 `Validation Error` naming the parameter, 400 for an unknown action. Parameters come from the
query string or a JSON body (CKAN clients POST). `q` goes through the search service (Vietnamese
diacritics folded); `fq` takes the forms CKAN harvesters send (`field:value`, `field:"value"`,
`field:(a OR b)`, `field:[FROM TO TO]`, joined by AND).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import ValidationError
from sqlalchemy import Select, String, cast, false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..auth import csrf
from ..db import db_session
from ..models import Dataset, Distribution, Licence, Organization, Theme
from ..search.service import matching
from ..services import listing, memo
from . import ckan, source, uris

bp = Blueprint("ckan_api", __name__)
csrf.exempt(bp)

MAX_ROWS = 1000
CKAN_VERSION = "2.10.0"
ACTIONS: dict[str, Callable[[Session, dict[str, Any]], Any]] = {}


class ActionNotFound(Exception):
    """CKAN's `Not Found Error`."""


def action(fn: Callable[[Session, dict[str, Any]], Any]) -> Callable[[Session, dict[str, Any]], Any]:
    ACTIONS[fn.__name__] = fn
    return fn


def _help(name: str) -> str:
    return uris.absolute("/api/3/action/help_show", name=name)


def _answer(name: str, status: int, **body: Any) -> Response:
    response = jsonify({"help": _help(name), **body})
    response.status_code = status
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _params() -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        data[key] = values if len(values) > 1 else values[0]
    if request.method == "POST" and request.content_length:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ValidationError({"__body": ["the request body must be a JSON object"]})
        data.update(body)
    return data


@bp.route("/api/3/action/<name>", methods=["GET", "POST"])
@bp.route("/api/action/<name>", methods=["GET", "POST"])
def call(name: str) -> Response:
    fn = ACTIONS.get(name)
    if fn is None:
        return _answer(name, 400, success=False, error={
            "__type": "Bad request", "message": f"Bad request - Action name not known: {name[:100]}"})
    try:
        result = fn(db_session(), _params())
    except ActionNotFound as exc:
        return _answer(name, 404, success=False, error={"__type": "Not Found Error", "message": f"Not found: {exc}"})
    except ValidationError as exc:
        messages = exc.normalized_messages()
        error = messages if isinstance(messages, dict) else {"message": [str(messages)]}
        return _answer(name, 409, success=False, error={"__type": "Validation Error", **error})
    return _answer(name, 200, success=True, result=result)


# --- parameters ---------------------------------------------------------------------------------


def _int(params: dict[str, Any], name: str, default: int, upper: int | None = None) -> int:
    raw = params.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({name: [f"Invalid integer: {str(raw)[:40]}"]}) from None
    if value < 0:
        raise ValidationError({name: ["Must be a natural number"]})
    if upper is not None and value > upper:
        raise ValidationError({name: [f"Must be less than or equal to {upper}"]})
    return value


def _bool(params: dict[str, Any], name: str, default: bool = False) -> bool:
    raw = params.get(name, default)
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in ("true", "1", "yes", "on")


def _list(params: dict[str, Any], name: str) -> list[str]:
    """CKAN takes lists as JSON text in a query string, or as JSON lists in a body."""
    raw = params.get(name)
    if raw in (None, ""):
        return []
    if isinstance(raw, list):
        return [str(v) for v in raw]
    text = str(raw).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            raise ValidationError({name: ["Not a JSON list"]}) from None
        return [str(v) for v in parsed]
    return [text]


def _required(params: dict[str, Any], name: str = "id") -> str:
    value = params.get(name)
    if value in (None, ""):
        raise ValidationError({name: ["Missing value"]})
    return str(value)


def _lookups(s: Session) -> tuple[dict[str, Licence], dict[str, Theme]]:
    return ({lc.code: lc for lc in s.scalars(select(Licence))}, {t.code: t for t in s.scalars(select(Theme))})


def _load(query: Select[Any]) -> Select[Any]:
    return query.options(selectinload(Dataset.publisher),
                         selectinload(Dataset.distributions).selectinload(Distribution.versions),
                         selectinload(Dataset.database))


# --- fq -----------------------------------------------------------------------------------------

_FQ_PART = re.compile(r'\s*(?:AND\s+)?\+?(\w+):("[^"]*"|\([^)]*\)|\[[^\]]*\]|\S+)\s*')


def _values(expr: str) -> list[str]:
    if expr.startswith("("):
        inner = expr[1:-1]
        quoted = re.findall(r'"([^"]*)"', inner)
        return quoted or [v for v in re.split(r"\s+OR\s+", inner.strip()) if v]
    return [expr.strip('"')]


def _json_any(column: Any, values: list[str]) -> Any:
    return or_(*(listing.json_list_contains(column, v) for v in values))


def _range(column: Any, expr: str, field: str) -> list[Any]:
    low, _sep, high = expr[1:-1].partition(" TO ")
    conditions = []
    for bound, op in ((low.strip(), "ge"), (high.strip(), "le")):
        if bound and bound != "*":
            when = source.parse_since(bound.replace("NOW", "").strip() or None, field)
            if when is not None:
                conditions.append(column >= when if op == "ge" else column <= when)
    return conditions


def apply_fq(s: Session, query: Select[Any], fq: str) -> Select[Any]:
    text = fq.strip()
    pos = 0
    while pos < len(text):
        m = _FQ_PART.match(text, pos)
        if not m or m.end() == pos:
            raise ValidationError({"fq": [f"Cannot read the filter query at: {text[pos:pos + 60]}"]})
        pos = m.end()
        field, expr = m.group(1), m.group(2)
        if expr.startswith("["):
            column = {"metadata_modified": Dataset.updated_at, "metadata_created": Dataset.created_at}.get(field)
            if column is None:
                raise ValidationError({"fq": [f"Ranges are supported on metadata_modified and metadata_created, "
                                              f"not {field}"]})
            query = query.where(*_range(column, expr, "fq"))
            continue
        values = _values(expr)
        if field in ("organization", "owner_org"):
            # CKAN's organisation names are lower case by custom: `btc` names the agency BTC. The ids are
            # read first, so the planner sees the agencies' own ids (an agency with no dataset, or none,
            # made it walk every open dataset in list order looking for 20 that never come)
            codes = sorted({*values, *(v.upper() for v in values)})
            org_ids = list(s.scalars(select(Organization.id).where(
                or_(Organization.code.in_(codes), Organization.id.in_(values)))))
            query = query.where(Dataset.publisher_id.in_(org_ids) if org_ids else false())
        elif field == "tags":
            query = query.where(_json_any(Dataset.keywords, values))
        elif field == "groups":
            query = query.where(_json_any(Dataset.themes, [v.upper() for v in values]))
        elif field == "res_format":
            query = query.where(Dataset.id.in_(select(Distribution.dataset_id).where(
                func.upper(Distribution.format).in_([v.upper() for v in values]))))
        elif field == "license_id":
            query = query.where(Dataset.licence_code.in_(values))
        elif field in ("id", "name"):
            query = query.where(or_(Dataset.id.in_(values), Dataset.slug.in_(values)))
        elif field in ("dataset_type", "type", "state", "capacity"):
            if not set(values) & {"dataset", "active", "public"}:
                query = query.where(Dataset.id.is_(None))
        else:
            raise ValidationError({"fq": [f"Unknown field in the filter query: {field}"]})
    return query


# --- sort ---------------------------------------------------------------------------------------

SORT_COLUMNS = {
    "metadata_modified": Dataset.updated_at, "metadata_created": Dataset.created_at,
    "title_string": Dataset.title_vi, "title": Dataset.title_vi, "name": Dataset.slug, "id": Dataset.id,
}


def _sort(raw: str | None, has_query: bool) -> list[Any] | None:
    """SQL order of a CKAN sort; None means relevance (the search service's order)."""
    text = (raw or ("score desc, metadata_modified desc" if has_query else "metadata_modified desc")).strip()
    order: list[Any] = []
    for n, part in enumerate(p.strip() for p in text.split(",") if p.strip()):
        field, _sep, direction = part.partition(" ")
        direction = direction.strip().lower() or "asc"
        if direction not in ("asc", "desc"):
            raise ValidationError({"sort": [f"Sort direction must be asc or desc, not {direction[:20]}"]})
        if field == "score":
            if n == 0 and has_query:
                return None
            continue
        column = SORT_COLUMNS.get(field)
        if column is None:
            raise ValidationError({"sort": [f"Cannot sort by {field[:40]}; use one of score, "
                                            + ", ".join(SORT_COLUMNS)]})
        order.append(column.desc() if direction == "desc" else column.asc())
    return [*order, Dataset.id]


# --- facets -------------------------------------------------------------------------------------

FACET_FIELDS = ("organization", "tags", "groups", "res_format", "license_id")


def _facets(s: Session, query: Select[Any], fields: list[str], limit: int) -> dict[str, dict[str, Any]]:
    unknown = [f for f in fields if f not in FACET_FIELDS]
    if unknown:
        raise ValidationError({"facet.field": [f"Cannot facet on {', '.join(unknown)}; use "
                                               + ", ".join(FACET_FIELDS)]})
    ids = query.with_only_columns(Dataset.id).order_by(None).scalar_subquery()
    out: dict[str, dict[str, Any]] = {}
    for field in fields:
        counts: Counter[str] = Counter()
        labels: dict[str, str] = {}
        if field == "organization":
            for code, name, n in s.execute(select(Organization.code, Organization.name_vi, func.count())
                                           .join(Dataset, Dataset.publisher_id == Organization.id)
                                           .where(Dataset.id.in_(ids)).group_by(Organization.code,
                                                                                Organization.name_vi)):
                counts[code], labels[code] = n, name
        elif field == "license_id":
            for code, n in s.execute(select(Dataset.licence_code, func.count()).where(Dataset.id.in_(ids))
                                     .group_by(Dataset.licence_code)):
                if code:
                    counts[code] = n
        elif field == "res_format":
            for fmt, n in s.execute(select(func.upper(Distribution.format), func.count(func.distinct(
                    Distribution.dataset_id))).where(Distribution.dataset_id.in_(ids), Distribution.format.is_not(
                    None)).group_by(func.upper(Distribution.format))):
                counts[fmt] = n
        else:
            column = Dataset.keywords if field == "tags" else Dataset.themes
            for values in s.scalars(select(column).where(Dataset.id.in_(ids))):
                for v in set(values or []):
                    counts[v if field == "tags" else v.lower()] += 1
        items = [{"name": k, "display_name": labels.get(k, k), "count": n} for k, n in counts.most_common(limit)]
        out[field] = {"title": field, "items": items}
    return out


# --- actions ------------------------------------------------------------------------------------


@action
def help_show(_s: Session, p: dict[str, Any]) -> str:
    """What an action does (the address every answer's `help` names)."""
    name = _required(p, "name")
    fn = ACTIONS.get(name)
    if fn is None:
        raise ActionNotFound("action")
    return " ".join((fn.__doc__ or name).split())


@action
def status_show(_s: Session, _p: dict[str, Any]) -> dict[str, Any]:
    """The portal's name, address, default language and the CKAN version whose API this follows."""
    cfg = current_app.config["CATALOG"]
    return {"site_title": cfg["SITE_NAME_VI"], "site_url": uris.base_url(), "site_description": cfg["SITE_NAME_EN"],
            "ckan_version": CKAN_VERSION, "locale_default": cfg["DEFAULT_LOCALE"], "error_emails_to": None,
            "extensions": ["dcat", "fluent"]}


@action
def package_list(s: Session, p: dict[str, Any]) -> list[str]:
    """Names of the open datasets, alphabetically (`limit`, `offset`)."""
    limit = _int(p, "limit", MAX_ROWS, None) if "limit" in p else None
    query = source.open_datasets().with_only_columns(Dataset.slug).order_by(Dataset.slug)
    if limit is not None:
        query = query.limit(limit)
    return list(s.scalars(query.offset(_int(p, "offset", 0))))


@action
def package_search(s: Session, p: dict[str, Any]) -> dict[str, Any]:
    """Open datasets matching `q` (diacritics folded) and `fq`, paged by `rows` and `start`, sorted by
    `sort`, with counts per `facet.field`."""
    rows = _int(p, "rows", 10, MAX_ROWS)
    start = _int(p, "start", 0)
    q = str(p.get("q") or "").strip()
    if q in ("*:*", "*"):
        q = ""
    fq = str(p.get("fq") or "")
    query = apply_fq(s, source.open_datasets(), fq)
    order = _sort(p.get("sort"), bool(q))
    found = matching("dataset", q) if q else None  # ids (Whoosh) or a select of ids (PostgreSQL)
    if order is None:  # relevance: exact total, the index ranks only what the page shows
        count, page_ids = source.relevance_page(s, q, found, query, bool(fq.strip()), start, rows)
        loaded = {ds.id: ds for ds in s.scalars(_load(select(Dataset).where(Dataset.id.in_(page_ids))))} \
            if page_ids else {}
        datasets = [loaded[i] for i in page_ids if i in loaded]
    facet_fields = _list(p, "facet.field")
    if order is not None or facet_fields:
        condition = listing.ids_condition(s, Dataset.id, found)
        if condition is not None:
            query = query.where(condition)
    if order is not None:
        def counted() -> int:
            return s.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0

        # without words the total is the public's, kept until the registry changes (services/memo.py)
        count = counted() if q else memo.kept(s, "package_search_count", fq, counted)
        datasets = list(s.scalars(_load(query.order_by(*order).limit(rows).offset(start))).unique())
    if p.get("fl") in ("id", "name", "id,name"):
        fields = str(p["fl"]).split(",")
        results = [{f: (ds.id if f == "id" else ds.slug) for f in fields} for ds in datasets]
    else:
        licences, themes = _lookups(s)
        results = [ckan.package_dict(ds, licences, themes) for ds in datasets]
    search_facets = _facets(s, query, facet_fields, _int(p, "facet.limit", 50, 1000)) if facet_fields else {}
    return {"count": count, "results": results, "sort": p.get("sort") or "score desc, metadata_modified desc",
            "facets": {f: {i["name"]: i["count"] for i in v["items"]} for f, v in search_facets.items()},
            "search_facets": search_facets}


def _package(s: Session, key: str) -> Dataset:
    ds = s.scalar(_load(source.open_datasets().where(or_(Dataset.id == key, Dataset.slug == key))))
    if ds is None:
        raise ActionNotFound("package")
    return ds


@action
def package_show(s: Session, p: dict[str, Any]) -> dict[str, Any]:
    """One open dataset by name or id."""
    ds = _package(s, _required(p))
    licences, themes = _lookups(s)
    return ckan.package_dict(ds, licences, themes)


@action
def resource_show(s: Session, p: dict[str, Any]) -> dict[str, Any]:
    """One file of an open dataset by id."""
    dist_id = _required(p)
    ds = s.scalar(_load(source.open_datasets().where(Dataset.id.in_(
        select(Distribution.dataset_id).where(Distribution.id == dist_id)))))
    dist = next((d for d in ds.distributions if d.id == dist_id), None) if ds else None
    if ds is None or dist is None:
        raise ActionNotFound("resource")
    return ckan.resource_dict(dist, ds)


@action
def current_package_list_with_resources(s: Session, p: dict[str, Any]) -> list[dict[str, Any]]:
    """Open datasets with their files, most recently changed first (`limit`, `offset` or `page`)."""
    limit = _int(p, "limit", 10, MAX_ROWS)
    offset = _int(p, "offset", 0) or max(0, _int(p, "page", 1) - 1) * limit
    query = _load(source.open_datasets().order_by(Dataset.updated_at.desc(), Dataset.id).limit(limit).offset(offset))
    licences, themes = _lookups(s)
    return [ckan.package_dict(ds, licences, themes) for ds in s.scalars(query)]


def _open_counts(s: Session, column: Any) -> dict[str, int]:
    ids = source.open_datasets().with_only_columns(Dataset.id).order_by(None).scalar_subquery()
    return dict(s.execute(select(column, func.count()).where(Dataset.id.in_(ids)).group_by(column)).all())


@action
def organization_list(s: Session, p: dict[str, Any]) -> list[Any]:
    """Agencies by code (`all_fields` for their details and counts of open datasets)."""
    orgs = list(s.scalars(select(Organization).order_by(Organization.code)))
    wanted = set(_list(p, "organizations"))
    if wanted:
        orgs = [o for o in orgs if o.code in wanted]
    orgs = orgs[_int(p, "offset", 0):][:_int(p, "limit", MAX_ROWS, MAX_ROWS)]
    if not _bool(p, "all_fields"):
        return [o.code for o in orgs]
    counts = _open_counts(s, Dataset.publisher_id)
    return [ckan.organization_dict(o, counts.get(o.id, 0)) for o in orgs]


@action
def organization_show(s: Session, p: dict[str, Any]) -> dict[str, Any]:
    """One agency by code or id (`include_datasets` for its open datasets)."""
    key = _required(p)
    org = s.scalar(select(Organization).where(or_(Organization.code == key, Organization.id == key)))
    if org is None:
        raise ActionNotFound("organization")
    query = source.open_datasets().where(Dataset.publisher_id == org.id)
    count = s.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    out = ckan.organization_dict(org, count)
    if _bool(p, "include_datasets"):
        licences, themes = _lookups(s)
        rows = s.scalars(_load(query.order_by(Dataset.updated_at.desc()).limit(MAX_ROWS)))
        out["packages"] = [ckan.package_dict(ds, licences, themes) for ds in rows]
    return out


@action
def group_list(s: Session, p: dict[str, Any]) -> list[Any]:
    """Our data themes, as CKAN groups (`all_fields` for details and counts)."""
    themes = list(s.scalars(select(Theme).order_by(Theme.code)))
    if not _bool(p, "all_fields"):
        return [t.code.lower() for t in themes]
    ids = source.open_datasets().with_only_columns(Dataset.id).order_by(None).scalar_subquery()
    counts: Counter[str] = Counter()
    for values in s.scalars(select(Dataset.themes).where(Dataset.id.in_(ids))):
        counts.update(set(values or []))
    return [ckan.group_dict(t, counts.get(t.code, 0)) for t in themes]


@action
def tag_list(s: Session, p: dict[str, Any]) -> list[str]:
    """Keywords of open datasets (`query` narrows them)."""
    query = source.open_datasets().with_only_columns(Dataset.keywords).order_by(None)
    needle = str(p.get("query") or "").strip().lower()
    if needle:
        query = query.where(cast(Dataset.keywords, String).ilike(f"%{needle}%"))
    tags = {k for values in s.scalars(query) for k in values or []}
    return sorted(t for t in tags if not needle or needle in t.lower())
