"""The datasets every feed shows: open and published, read as the anonymous reader through the
policy-filtered listing query (`services.listing.dataset_query`), so that nothing restricted,
unlisted, draft or withdrawn can appear. A text query goes through the search service (which
folds Vietnamese diacritics) and only narrows that listing; it never adds to it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from .. import policy
from ..db import db_session
from ..models import DataService, Dataset
from ..search import backend_for
from ..search.base import AccessFilter, SearchRequest
from ..search.text import parse_query
from ..services import listing, memo
from ..services.common import NotFound, visible_dataset

READER = policy.ANONYMOUS
#: a text query narrows the feed to at most this many best matches
MAX_MATCHES = 10_000
#: a relevance page asks the index for at least this many ranked ids (then four times more while the
#: registry's filters leave too few): a broad word ranks a few dozen candidates, not all its matches
RANK_FIRST = 20


def parse_since(value: str | None, field: str = "modified_since") -> datetime | None:
    """An ISO 8601 date or date-time as an aware UTC time (naive means UTC); anything else is a
    field error."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace(" ", "+") if "T" in value else value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text), time.min)
        except ValueError:
            raise ValidationError({field: [gettext(
                "Not a date: %(value)s. Give an ISO 8601 date or date-time, such as 2025-07-01 or "
                "2025-07-01T08:00:00Z.", value=value[:40])]}) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def search_ids(q: str, limit: int = MAX_MATCHES) -> list[str]:
    """Ids of the open datasets matching a text query, best first (diacritics folded)."""
    request = SearchRequest(query=parse_query(q), access=AccessFilter.for_reader(READER), kind="dataset",
                            sort="relevance", page=1, per_page=limit, want_facets=False)
    return list(backend_for().search(request).ids)


def open_ids(session: Session) -> frozenset[str]:
    """Ids of every open published dataset, read once per change of the registry (services/memo.py):
    the CKAN API's relevance pages filter the index's ranking with them in memory instead of asking
    SQLite for thousands of ids one `IN` list at a time."""
    return memo.kept(session, "open_dataset_ids", "", lambda: frozenset(
        session.scalars(open_datasets().with_only_columns(Dataset.id).order_by(None))))


def relevance_page(session: Session, q: str, found: Any, query: Select[Any], narrowed: bool,
                   start: int, rows: int) -> tuple[int, list[str]]:
    """The exact number of datasets of `query` (open datasets, narrowed by a CKAN `fq` when `narrowed`)
    that hold the words of `q`, and the ids of one page of them, best first.

    `found` is what the backend's `match` gave for `q` (ids, a select of ids, or None for no words).
    The total counts every match against the registry's own filter (the policy decides, not the
    index). The ranking is bounded as on the search page: the index ranks only the best
    `start + rows` under the public's access (a broad word no longer ranks thousands of matches),
    and ranks more only while the registry's filter drops some of them (an `fq`, an index behind).
    """
    if found is not None and not isinstance(found, list | set | tuple | frozenset):
        condition = listing.ids_condition(session, Dataset.id, found)  # PostgreSQL: one statement
        matched = frozenset(session.scalars(query.where(condition).with_only_columns(Dataset.id).order_by(None)))
    else:
        allowed = (frozenset(session.scalars(query.with_only_columns(Dataset.id).order_by(None))) if narrowed
                   else open_ids(session))
        matched = allowed if found is None else allowed.intersection(found)
    need = start + rows
    if not matched or need == 0:
        return len(matched), []
    parsed, access = parse_query(q), AccessFilter.for_reader(READER)
    upto = max(need, RANK_FIRST)
    while True:
        hits = backend_for().search(SearchRequest(query=parsed, access=access, kind="dataset", sort="relevance",
                                                  page=1, per_page=upto, want_facets=False))
        kept = [i for i in hits.ids if i in matched]
        if len(kept) >= need or len(hits.ids) >= hits.total or upto >= MAX_MATCHES:
            return len(matched), kept[start:need]
        upto = min(upto * 4, MAX_MATCHES)


def open_datasets(q: str | None = None, modified_since: datetime | None = None,
                  organization: str | None = None) -> Select[Any]:
    """The query of feed datasets (open, published), optionally narrowed (an organization's code
    includes its units)."""
    # no `q` in the filters: the session is never asked, the words are matched below
    query = listing.dataset_query(db_session(), READER, listing.DatasetFilters(
        status="published", organization=organization, include_units=True))
    if modified_since is not None:
        query = query.where(Dataset.updated_at >= modified_since)
    if q and q.strip():
        query = query.where(Dataset.id.in_(search_ids(q)))
    return query


def feed_page(session: Session, *, q: str | None = None, modified_since: datetime | None = None,
              organization: str | None = None, page: int = 1, per_page: int = 100) -> listing.Page[Dataset]:
    """One page of feed datasets, most recently changed last (a harvester walking pages while
    records change sees each at most once per change), with what the profiles read loaded."""
    query = open_datasets(q, modified_since, organization).options(
        selectinload(Dataset.publisher), selectinload(Dataset.distributions), selectinload(Dataset.database),
    ).order_by(Dataset.created_at, Dataset.id)
    return listing.paginate(session, query, page, per_page)


def feed_dataset(session: Session, key: str) -> Dataset:
    """One dataset for a feed: the same NotFound for a hidden one as for a missing one."""
    ds = visible_dataset(session, READER, key)
    if ds.status != "published":
        raise NotFound(key)
    return ds




def feed_services(session: Session) -> list[DataService]:
    """The open, published data services (few: the first page of the catalogue lists them all)."""
    query = select(DataService).where(policy.dataservice_visibility(READER), DataService.status == "published")
    query = query.options(selectinload(DataService.publisher), selectinload(DataService.datasets))
    return list(session.scalars(query.order_by(DataService.created_at, DataService.id)))
