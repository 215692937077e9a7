"""Search in the API: `/api/v1/search` (the parameters of the search page) and suggestions.

Results, counts and facets are those the caller's access allows (anonymous callers: open data),
computed inside the search backend's query.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from ..auth import authenticate_bearer, current_reader
from ..db import db_session
from ..i18n import current_locale
from ..search.base import ALL, FACETS, KINDS, SORTS
from ..search.service import Result, SearchParams, load_records, search, suggest
from ..web import labels

bp = Blueprint("search_api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate_bearer)

_STATIC_LABELS = {"access": labels.ACCESS_LEVELS, "frequency": labels.UPDATE_FREQUENCIES}


def _links(kind: str, rec: Any) -> tuple[str, str]:
    page, api, key = {
        "dataset": ("datasets.show", "api.dataset", {"key": getattr(rec, "slug", None)}),
        "database": ("databases.show", "api.database", {"code": getattr(rec, "code", None)}),
        "organization": ("organizations.show", "api.organization", {"code": getattr(rec, "code", None)}),
        "dataservice": ("dataservices.show", "api.dataservice", {"slug": getattr(rec, "slug", None)}),
    }[kind]
    return url_for(page, _external=True, **key), url_for(api, _external=True, **key)


def _result(r: Result) -> dict[str, Any]:
    rec = r.record
    url, api_url = _links(r.kind, rec)
    out: dict[str, Any] = {"type": r.kind, "id": rec.id, "title": r.title, "url": url, "api_url": api_url,
                           "snippet": str(r.snippet), "snippet_text": r.snippet.striptags()}
    if r.kind == "dataset":
        out.update(slug=rec.slug, access_level=rec.access_level, publisher=rec.publisher.code,
                   formats=rec.formats, quality_grade=rec.quality_grade,
                   modified=rec.modified.isoformat() if rec.modified else None)
    elif r.kind == "dataservice":
        out.update(slug=rec.slug, publisher=rec.publisher.code)
    else:
        out.update(code=rec.code)
    return out


@bp.get("/search")
def search_endpoint() -> Response:
    params = SearchParams.from_args(request.args)
    page = search(db_session(), current_reader(), params, locale=current_locale(), static_labels=_STATIC_LABELS)
    return jsonify({
        "query": params.q,
        "type": params.kind,
        "filters": params.filters,
        "sort": params.sort,
        "page": params.page,
        "per_page": params.per_page,
        "total": page.total,
        "pages": page.pages,
        "did_you_mean": page.did_you_mean,
        "counts_by_type": {k: page.kinds.get(k, 0) for k in KINDS},
        "facets": {facet: [{"value": fv.value, "label": fv.label, "count": fv.count, "selected": fv.selected}
                           for fv in values] for facet, values in page.facets.items()},
        "results": [_result(r) for r in page.results],
    })


@bp.get("/search/suggest")
def suggestions() -> Response:
    found = suggest_titles(request.args.get("q", ""), request.args.get("limit", "8"))
    return jsonify({"query": request.args.get("q", ""), "suggestions": found})


def suggest_titles(q: str, limit: str) -> list[dict[str, str]]:
    """Titles in the reader's language with their page, for records the policy lets them see."""
    try:
        n = max(1, min(20, int(limit)))
    except ValueError:
        n = 8
    out = []
    session = db_session()
    hits = suggest(current_reader(), q[:200], limit=n)
    by_kind: dict[str, list[str]] = {}
    for h in hits:
        by_kind.setdefault(h.kind, []).append(h.id)
    loaded = {rec.id: (kind, rec) for kind, ids in by_kind.items()
              for rec in load_records(session, current_reader(), kind, ids)}
    loc = current_locale()
    for h in hits:
        if h.id in loaded:
            kind, rec = loaded[h.id]
            title = rec.title(loc) if kind in ("dataset", "dataservice") else rec.name(loc)
            out.append({"type": kind, "title": title, "url": _links(kind, rec)[0]})
    return out


def _openapi_paths() -> dict[str, dict[str, Any]]:
    def q(name: str, description: str, **schema: Any) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "schema": {"type": "string", **schema},
                "description": description}

    facet_params = [
        {"name": f, "in": "query", "required": False, "style": "form", "explode": True,
         "schema": {"type": "array", "items": {"type": "string"}},
         "description": f"only results with this {f} (repeat for any of several values; facets combine)"}
        for f in FACETS
    ]
    facet_value = {"type": "object", "properties": {"value": {"type": "string"}, "label": {"type": "string"},
                                                     "count": {"type": "integer"}, "selected": {"type": "boolean"}}}
    result = {"type": "object", "properties": {
        "type": {"type": "string", "enum": list(KINDS)}, "id": {"type": "string"}, "title": {"type": "string"},
        "url": {"type": "string"}, "api_url": {"type": "string"},
        "snippet": {"type": "string", "description": "HTML, matched words in <mark>"},
        "snippet_text": {"type": "string"}}}
    body = {"type": "object", "properties": {
        "total": {"type": "integer"}, "pages": {"type": "integer"}, "page": {"type": "integer"},
        "per_page": {"type": "integer"}, "did_you_mean": {"type": "string", "nullable": True},
        "counts_by_type": {"type": "object", "additionalProperties": {"type": "integer"}},
        "facets": {"type": "object", "additionalProperties": {"type": "array", "items": facet_value}},
        "results": {"type": "array", "items": result}}}
    return {
        "/search": {"get": {
            "tags": ["search"],
            "summary": "Search datasets, databases, agencies and data services (with or without diacritics)",
            "description": "Words are matched with or without Vietnamese diacritics; text in double quotes is a "
                           "phrase. A title equal to the words comes first, then titles holding them in a row. "
                           "Results, counts and facets only include what the caller may see.",
            # Search forgives (a search box's visitors mistype): values out of the lists below fall
            # back to the default instead of a 400, so the schemas say "string" and list the values.
            "parameters": [q("q", "words; \"quoted words\" form a phrase"),
                           q("type", "what to search: " + ", ".join([*KINDS, ALL]) + " (every kind, ranked "
                             "together); anything else: dataset"),
                           *facet_params,
                           q("sort", "order of results: " + ", ".join(SORTS) + "; anything else: relevance"),
                           q("page", "page number from 1; anything else: the first page"),
                           q("per_page", "results a page, 1 to 100; out of range: clamped")],
            "responses": {"200": {"description": "Results with facets", "content": {"application/json": {
                "schema": body}}}}}},
        "/search/suggest": {"get": {
            "tags": ["search"],
            "summary": "Titles that complete what is typed in a search box",
            "parameters": [q("q", "the text typed so far"),
                           q("limit", "how many suggestions, 1 to 20; out of range: clamped")],
            "responses": {"200": {"description": "Suggestions", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"suggestions": {"type": "array", "items": {
                    "type": "object", "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                                                     "url": {"type": "string"}}}}}}}}}}}},
    }


OPENAPI_PATHS = _openapi_paths()
