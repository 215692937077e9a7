"""Lists with filters, sorting and paging; the access policy is part of every query, never applied after.

A list's words (`q`) are matched by the search backend (`search.service.matching`), the same
matching as the search page's: diacritics, "đ" and case aside, every word somewhere in the
record's text. So "dat dai" finds the same records in every list, in the API and on /search.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session, selectinload

from .. import policy
from ..models import Database, DataService, Dataset, Distribution, Organization
from ..search.service import matching
from . import memo

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def paginate(session: Session, query: Select[Any], page: int, per_page: int, total_key: Hashable = None) -> Page[Any]:
    """A page of `query`. With `total_key` (a list the public sees, without words to match), the total is
    counted once per change of the registry (catalog/services/memo.py) instead of on every request."""
    def count() -> int:
        return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0

    total = memo.kept(session, "total", total_key, count) if total_key is not None else count()
    page = max(1, page)
    items = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items, total, page, per_page)


def json_list_contains(column: Any, value: str) -> ColumnElement[bool]:
    """A JSON list of codes holds `value` (portable: codes never contain quotes)."""
    return cast(column, String).like(f'%"{value}"%')


#: above this many matching ids, they are written into the SQL rather than bound one by one
#: (SQLite and psycopg both cap the number of bound parameters of one statement)
INLINE_IDS = 500


def text_match(session: Session, column: Any, kind: str, q: str | None) -> ColumnElement[bool] | None:
    """Rows of `kind` whose text holds the words of `q`, as the search backend matches them."""
    return ids_condition(session, column, matching(kind, q, app=session.info.get("app")))


def ids_condition(session: Session, column: Any, found: Any) -> ColumnElement[bool] | None:
    """`column` among what a backend's `match` found (ids, or a select of ids); None: no condition."""
    if found is None:
        return None
    if not isinstance(found, list | set | tuple | frozenset):
        return column.in_(found)  # a select of ids, run by the database itself
    if not found:
        return false()
    ids = sorted(found)
    if len(ids) > INLINE_IDS and session.get_bind().dialect.name == "sqlite":
        # one JSON parameter that SQLite unpacks itself: no limit on bound values, no SQL to parse
        unpacked = func.json_each(bindparam("matched_ids", json.dumps(ids)))
        return column.in_(select(literal_column("value")).select_from(unpacked))
    return column.in_(bindparam("matched_ids", ids, expanding=True, literal_execute=len(ids) > INLINE_IDS))


# --- datasets -----------------------------------------------------------------------------------

#: A dataset that gives its data: a stored file, or a download or access address.
GIVES_DATA = exists().where(Distribution.dataset_id == Dataset.id, or_(
    Distribution.file_path.is_not(None), Distribution.download_url.is_not(None),
    Distribution.access_url.is_not(None)))

DATASET_SORTS: dict[str, Sequence[Any]] = {
    "newest": (Dataset.created_at.desc(), Dataset.id),
    #: the home page: what can be downloaded first, newest first within each part
    "downloadable": (case((GIVES_DATA, 0), else_=1), Dataset.created_at.desc(), Dataset.id),
    "modified": (Dataset.updated_at.desc(), Dataset.id),
    "title": (Dataset.title_vi.asc(), Dataset.id),
    "-title": (Dataset.title_vi.desc(), Dataset.id),
}


@dataclass
class DatasetFilters:
    q: str | None = None
    organization: str | None = None
    database: str | None = None
    access_level: str | None = None
    theme: str | None = None
    licence: str | None = None
    format: str | None = None
    status: str | None = None
    master_data: bool | None = None
    keyword: str | None = None
    #: with `organization`: also the datasets of its units (a ministry's page shows its departments' data)
    include_units: bool = False


def org_tree_ids(code: str) -> Select[Any]:
    """Ids of an organisation and every unit below it (a recursive query, any depth)."""
    tree = select(Organization.id).where(Organization.code == code).cte("org_tree", recursive=True)
    tree = tree.union_all(select(Organization.id).where(Organization.parent_id == tree.c.id))
    return select(tree.c.id)


def dataset_query(session: Session, reader: policy.Reader, f: DatasetFilters) -> Select[Any]:
    q = select(Dataset).where(policy.dataset_visibility(reader))
    if f.status:
        q = q.where(Dataset.status == f.status)
    elif not reader.is_admin:
        # Lists show published records; owners find their drafts with status=draft.
        q = q.where(Dataset.status == "published")
    if f.organization and f.include_units:
        q = q.where(Dataset.publisher_id.in_(org_tree_ids(f.organization)))
    elif f.organization:
        q = q.join(Organization, Dataset.publisher_id == Organization.id).where(Organization.code == f.organization)
    if f.database:
        q = q.join(Database, Dataset.database_id == Database.id).where(Database.code == f.database)
    if f.access_level:
        q = q.where(Dataset.access_level == f.access_level)
    if f.theme:
        q = q.where(json_list_contains(Dataset.themes, f.theme))
    if f.keyword:
        q = q.where(json_list_contains(Dataset.keywords, f.keyword))
    if f.licence:
        q = q.where(Dataset.licence_code == f.licence)
    if f.master_data is not None:
        q = q.where(Dataset.is_master_data.is_(f.master_data))
    if f.format:
        q = q.where(exists().where(Distribution.dataset_id == Dataset.id,
                                   func.upper(Distribution.format) == f.format.upper()))
    if f.q:
        words = text_match(session, Dataset.id, "dataset", f.q)
        if words is not None:
            q = q.where(words)
    return q


def list_datasets(
    session: Session, reader: policy.Reader, f: DatasetFilters, sort: str = "newest", page: int = 1,
    per_page: int = 20,
) -> Page[Dataset]:
    q = dataset_query(session, reader, f).options(
        selectinload(Dataset.publisher), selectinload(Dataset.distributions).selectinload(Distribution.versions),
        selectinload(Dataset.database)
    ).order_by(*DATASET_SORTS.get(sort, DATASET_SORTS["newest"]))
    return paginate(session, q, page, per_page, total_key=public_key("datasets", reader, f))


def public_key(kind: str, reader: policy.Reader, f: DatasetFilters) -> Hashable:
    """A key for values kept per change of the registry: only for the public (the anonymous reader)
    and only without words (`q` is matched by the search index, which follows the registry later)."""
    if reader != policy.ANONYMOUS or f.q:
        return None
    return (kind, tuple(sorted(vars(f).items())))


def newest_for_public(session: Session, sort: str, limit: int) -> list[Dataset]:
    """The first datasets of a public list (the home page's), their ids kept per change of the registry."""
    def ids() -> tuple[str, ...]:
        q = dataset_query(session, policy.ANONYMOUS, DatasetFilters()).with_only_columns(Dataset.id)
        return tuple(session.scalars(q.order_by(*DATASET_SORTS[sort]).limit(limit)))

    wanted = memo.kept(session, "newest", (sort, limit), ids)
    found = {ds.id: ds for ds in session.scalars(select(Dataset).where(Dataset.id.in_(wanted)).options(
        selectinload(Dataset.publisher), selectinload(Dataset.distributions), selectinload(Dataset.database)))}
    return [found[i] for i in wanted if i in found]


def count_visible_datasets(session: Session, reader: policy.Reader, **conditions: Any) -> int:
    q = select(func.count()).select_from(Dataset).where(
        policy.dataset_visibility(reader), Dataset.status == "published"
    )
    for name, value in conditions.items():
        q = q.where(getattr(Dataset, name) == value)
    if reader == policy.ANONYMOUS:  # the public's counts: once per change of the registry
        return memo.kept(session, "count", tuple(sorted(conditions.items())), lambda: session.scalar(q) or 0)
    return session.scalar(q) or 0


def visible_dataset_counts_by(session: Session, reader: policy.Reader, column: Any) -> dict[str, int]:
    """Number of visible published datasets per value of a column (publisher, database...)."""
    rows = session.execute(
        select(column, func.count()).where(policy.dataset_visibility(reader), Dataset.status == "published")
        .group_by(column)
    )
    return {key: n for key, n in rows if key is not None}


# --- organisations, databases, services ---------------------------------------------------------

ORG_SORTS = {
    "name": (Organization.name_vi,),
    "code": (Organization.code,),
    "kind": (Organization.kind, Organization.name_vi),
}


def list_organizations(
    session: Session, *, q: str | None = None, kind: str | None = None, parent: str | None = None,
    sort: str = "name", page: int = 1, per_page: int = 100,
) -> Page[Organization]:
    query = select(Organization)
    if kind:
        query = query.where(Organization.kind == kind)
    if parent:
        parent_id = select(Organization.id).where(Organization.code == parent).scalar_subquery()
        query = query.where(Organization.parent_id == parent_id)
    words = text_match(session, Organization.id, "organization", q)
    if words is not None:
        query = query.where(words)
    query = query.order_by(*ORG_SORTS.get(sort, ORG_SORTS["name"]), Organization.id)
    # everybody sees every agency: without words, the total is kept per change of the registry
    return paginate(session, query, page, per_page, total_key=None if q else ("organizations", kind, parent))


DATABASE_SORTS = {"name": (Database.name_vi,), "code": (Database.code,), "newest": (Database.created_at.desc(),)}


def list_databases(
    session: Session, *, q: str | None = None, kind: str | None = None, owner: str | None = None,
    status: str | None = None, platform: str | None = None, sort: str = "name", page: int = 1, per_page: int = 50,
) -> Page[Database]:
    query = select(Database).options(selectinload(Database.owner))
    if kind:
        query = query.where(Database.kind == kind)
    if status:
        query = query.where(Database.status == status)
    if owner:
        query = query.join(Organization, Database.owner_id == Organization.id).where(Organization.code == owner)
    if platform:
        query = query.where(json_list_contains(Database.platforms, platform))
    words = text_match(session, Database.id, "database", q)
    if words is not None:
        query = query.where(words)
    query = query.order_by(*DATABASE_SORTS.get(sort, DATABASE_SORTS["name"]), Database.id)
    # the register of databases is the same for every reader: without words, the total is kept
    total_key = None if q else ("databases", kind, status, owner, platform)
    return paginate(session, query, page, per_page, total_key=total_key)


def count_visible_dataservices(session: Session, reader: policy.Reader) -> int:
    """How many data services the reader finds in the list (the public's: once per change)."""
    query = list_dataservices_query(session, reader)
    def count() -> int:
        return session.scalar(select(func.count()).select_from(query.subquery())) or 0

    return memo.kept(session, "total", ("dataservices", None), count) if reader == policy.ANONYMOUS else count()


def list_dataservices_query(session: Session, reader: policy.Reader, *, organization: str | None = None,
                            q: str | None = None) -> Select[Any]:
    query = select(DataService).where(policy.dataservice_visibility(reader))
    if not reader.is_admin:
        query = query.where(or_(DataService.status == "published", DataService.publisher_id.in_(list(reader.roles))))
    if organization:
        query = query.join(Organization, DataService.publisher_id == Organization.id).where(
            Organization.code == organization)
    words = text_match(session, DataService.id, "dataservice", q)
    if words is not None:
        query = query.where(words)
    return query


def list_dataservices(
    session: Session, reader: policy.Reader, *, organization: str | None = None, q: str | None = None,
    page: int = 1, per_page: int = 50,
) -> Page[DataService]:
    query = list_dataservices_query(session, reader, organization=organization, q=q)
    total_key = ("dataservices", organization) if reader == policy.ANONYMOUS and not q else None
    return paginate(session, query.order_by(DataService.title_vi, DataService.id), page, per_page, total_key=total_key)
