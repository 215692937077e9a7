"""Searching the catalogue: what pages and the API call.

Turns request parameters into a `SearchRequest`, asks the backend, loads the records of the page
from the registry (checking the policy once more), labels facet values in the reader's language,
builds highlighted snippets and, when a query finds little, a "did you mean" that the reader's
own access can confirm (a correction is offered only if it finds something the reader may see,
so that words of hidden records never leak through it).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import policy
from ..models import Database, DataService, Dataset, Licence, Organization, Theme
from . import backend_for
from .base import ALL, FACETS, KINDS, SORTS, AccessFilter, SearchHits, SearchRequest, Suggestion
from .text import ParsedQuery, parse_query, snippet

log = logging.getLogger(__name__)

MAX_PER_PAGE = 100
#: below this many results a "did you mean" is looked for
FEW_RESULTS = 3


@dataclass
class SearchParams:
    q: str = ""
    kind: str = "dataset"
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    @classmethod
    def from_args(cls, args: Any, default_kind: str = "dataset") -> SearchParams:
        """From a request's query string (a MultiDict: a facet may be given several times).

        `type=all` mixes every kind; without `type`, `default_kind` applies, except that facet
        filters (which only datasets carry) ask for datasets.
        """

        def number(name: str, default: int, upper: int) -> int:
            try:
                return min(upper, max(1, int(args.get(name, default))))
            except (TypeError, ValueError):
                return default

        sort = args.get("sort") or "relevance"
        filters = {}
        for facet in FACETS:
            values = [v for v in args.getlist(facet) if v]
            if values:
                filters[facet] = values[:20]
        kind = args.get("type") or ("dataset" if filters else default_kind)
        return cls(
            q=(args.get("q") or "")[:500],
            kind=kind if kind in (ALL, *KINDS) else "dataset",
            filters=filters,
            sort=sort if sort in SORTS else "relevance",
            page=number("page", 1, 10_000),
            per_page=number("per_page", 20, MAX_PER_PAGE),
        )


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Result:
    kind: str
    record: Any
    title: str
    snippet: Markup
    #: the title with the matched words marked
    title_html: Markup


@dataclass
class SearchPage:
    params: SearchParams
    results: list[Result]
    total: int
    kinds: dict[str, int]
    facets: dict[str, list[FacetValue]]
    did_you_mean: str | None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.params.per_page))


_MODELS: dict[str, Any] = {
    "dataset": (Dataset, (selectinload(Dataset.publisher), selectinload(Dataset.distributions))),
    "database": (Database, (selectinload(Database.owner),)),
    "organization": (Organization, ()),
    "dataservice": (DataService, (selectinload(DataService.publisher),)),
}


def _visible(reader: policy.Reader, kind: str, rec: Any) -> bool:
    if kind == "dataset":
        return policy.can_view_dataset(reader, rec)
    if kind == "dataservice":
        return policy.can_view_dataservice(reader, rec)
    return True


def load_records(session: Session, reader: policy.Reader, kind: str, ids: list[str]) -> list[Any]:
    model, options = _MODELS[kind]
    found = {r.id: r for r in session.scalars(select(model).where(model.id.in_(ids)).options(*options))}
    records = []
    for doc_id in ids:
        rec = found.get(doc_id)
        if rec is None:
            continue  # deleted since it was indexed; the index catches up at the next change
        if not _visible(reader, kind, rec):
            log.warning("search index offered %s %s that the policy hides: reindex", kind, doc_id)
            continue
        records.append(rec)
    return records


def _title(kind: str, rec: Any, locale: str) -> str:
    return rec.title(locale) if kind in ("dataset", "dataservice") else rec.name(locale)


def _description(kind: str, rec: Any, locale: str) -> str | None:
    if kind in ("dataset", "dataservice"):
        return rec.description(locale)
    if kind == "organization":
        return (rec.description_en if locale == "en" and rec.description_en else None) or rec.description_vi
    return rec.text("purpose", locale) or rec.text("scope", locale)


def _code_labels(session: Session, facet: str, codes: list[str], locale: str) -> dict[str, str]:
    if not codes:
        return {}
    if facet == "organization":
        orgs = session.scalars(select(Organization).where(Organization.code.in_(codes)))
        return {o.code: o.name(locale) for o in orgs}
    if facet == "database":
        return {d.code: d.name(locale) for d in session.scalars(select(Database).where(Database.code.in_(codes)))}
    if facet == "theme":
        return {t.code: t.name(locale) for t in session.scalars(select(Theme).where(Theme.code.in_(codes)))}
    if facet == "licence":
        return {lc.code: lc.title(locale) for lc in session.scalars(select(Licence).where(Licence.code.in_(codes)))}
    return {}


def _facets(session: Session, hits: SearchHits, params: SearchParams, locale: str,
            static_labels: Mapping[str, Mapping[str, Any]]) -> dict[str, list[FacetValue]]:
    out: dict[str, list[FacetValue]] = {}
    for facet in FACETS:
        counts = dict(hits.facets.get(facet, {}))
        chosen = params.filters.get(facet, [])
        for value in chosen:
            counts.setdefault(value, 0)
        labels = _code_labels(session, facet, list(counts), locale)
        static = static_labels.get(facet, {})
        values = [FacetValue(value=v, label=str(labels.get(v) or static.get(v) or v), count=n,
                             selected=v in chosen) for v, n in counts.items()]
        values.sort(key=lambda fv: (not fv.selected, -fv.count, fv.label))
        out[facet] = values
    return out


def _request(params: SearchParams, access: AccessFilter, q: str | None = None, **changes: Any) -> SearchRequest:
    req = SearchRequest(query=parse_query(params.q if q is None else q), access=access, kind=params.kind,
                        filters=params.filters, sort=params.sort, page=params.page, per_page=params.per_page)
    for key, value in changes.items():
        setattr(req, key, value)
    return req


def _did_you_mean(backend: Any, params: SearchParams, access: AccessFilter) -> str | None:
    parsed = parse_query(params.q)
    if parsed.empty:
        return None
    changed = False
    parts = []
    for unit in parsed.units:
        fixed = []
        for word in unit:
            better = backend.correct(word) if len(word) > 1 and not word.isdigit() else None
            if better and better != word:
                changed = True
            fixed.append(better or word)
        parts.append(f'"{" ".join(fixed)}"' if len(fixed) > 1 else fixed[0])
    if not changed:
        return None
    suggestion = " ".join(parts)
    check = backend.search(_request(params, access, q=suggestion, page=1, per_page=1, want_facets=False))
    return suggestion if check.total else None


def _load_mixed(session: Session, reader: policy.Reader, hits: SearchHits, kind: str) -> list[tuple[str, Any]]:
    """The records of a page of hits, each with its kind, in the order of the hits."""
    kinds = hits.id_kinds if len(hits.id_kinds) == len(hits.ids) else [kind] * len(hits.ids)
    wanted: dict[str, list[str]] = {}
    for doc_id, doc_kind in zip(hits.ids, kinds, strict=True):
        wanted.setdefault(doc_kind, []).append(doc_id)
    loaded = {(k, rec.id): rec for k, ids in wanted.items() if k in _MODELS
              for rec in load_records(session, reader, k, ids)}
    return [(k, loaded[(k, i)]) for i, k in zip(hits.ids, kinds, strict=True) if (k, i) in loaded]


def search(session: Session, reader: policy.Reader, params: SearchParams, locale: str = "vi",
           static_labels: Mapping[str, Mapping[str, Any]] | None = None, app: Any = None) -> SearchPage:
    backend = backend_for(app)
    access = AccessFilter.for_reader(reader)
    request = _request(params, access)
    hits = backend.search(request)
    results = []
    for kind, rec in _load_mixed(session, reader, hits, params.kind) if hits.ids else []:
        title = _title(kind, rec, locale)
        results.append(Result(kind=kind, record=rec, title=title,
                              snippet=snippet(_description(kind, rec, locale), request.query),
                              title_html=snippet(title, request.query, width=1000)))
    did_you_mean = None
    if hits.total < FEW_RESULTS and not request.query.empty:
        did_you_mean = _did_you_mean(backend, params, access)
    return SearchPage(params=params, results=results, total=hits.total, kinds=hits.kinds,
                      facets=_facets(session, hits, params, locale, static_labels or {}),
                      did_you_mean=did_you_mean)


def suggest(reader: policy.Reader, prefix: str, limit: int = 8, app: Any = None) -> list[Suggestion]:
    """Titles for the search box, only from records the reader may find."""
    return backend_for(app).suggest(parse_query(prefix), AccessFilter.for_reader(reader), limit=min(limit, 20))


def matching(kind: str, q: str | None, app: Any = None) -> Any | None:
    """What a list's `q` matches, found by the search backend so that a query finds the same
    records in a list as on the search page: None for no words (no condition), else ids or a
    SQL select of ids for `column.in_()` (see `SearchBackend.match`). The list applies the access
    policy itself; the backend only tells which records hold the words."""
    parsed: ParsedQuery = parse_query(q)
    if parsed.empty:
        return None
    return backend_for(app).match(parsed, kind)
