"""The rows API's query (like CKAN's `datastore_search`): filters, q, sort, fields, limit, offset.

Parameters are checked before any SQL is built; a bad one raises `BadParameter` naming it (the API
answers 400). Only the fields given (the ones the reader may receive) can be filtered, searched,
sorted or returned, so a trimmed column is not even confirmed to exist."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy import Select, and_, func, select, true
from sqlalchemy.orm import Session

from ...web.params import BadParameter
from . import store, types

DEFAULT_LIMIT = 100
#: Largest page of rows one request may ask for (rows.csv is not limited unless asked).
MAX_LIMIT = 1000
#: No file has this many rows; a larger offset would only overflow the database's integers.
MAX_OFFSET = 100_000_000
MAX_Q_WORDS = 10


@dataclass(frozen=True)
class RowsQuery:
    filters: dict[str, list[Any]]
    words: list[str]
    sort: list[tuple[str, bool]]  # (field, descending)
    fields: list[str]
    limit: int | None
    offset: int


def _int(args: Mapping[str, Any], name: str, default: int | None, largest: int, smallest: int) -> int | None:
    raw = args.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        value = int(str(raw).strip(), 10)
    except ValueError:
        raise BadParameter(name, gettext("Must be a whole number.")) from None
    if not smallest <= value <= largest:
        raise BadParameter(name, gettext("Must be a whole number from %(smallest)s to %(largest)s.",
                                         smallest=smallest, largest=largest))
    return value


def _typed(fld: Mapping[str, Any], value: Any) -> Any:
    if value is None:
        return None
    text = value if isinstance(value, str) else (str(value).lower() if isinstance(value, bool) else str(value))
    if isinstance(value, float) and value.is_integer() and fld["type"] in ("integer", "year"):
        text = str(int(value))
    try:
        typed = types.converter(fld)(text)
    except (ValueError, TypeError):
        raise BadParameter("filters", gettext("%(value)s is not a valid %(type)s for the field %(field)s.",
                                              value=text[:100], type=fld["type"], field=fld["name"])) from None
    return store._datetime_text(typed) if fld["type"] == "datetime" else typed


def parse(args: Mapping[str, Any], fields: list[dict[str, Any]], *, paged: bool = True) -> RowsQuery:
    """Check every parameter against the fields served; raises BadParameter on the first bad one."""
    by_name = {f["name"]: f for f in fields}

    def known(param: str, name: str) -> str:
        if name not in by_name:
            raise BadParameter(param, gettext("There is no field %(field)s.", field=name[:100]))
        return name

    filters: dict[str, list[Any]] = {}
    raw_filters = args.get("filters")
    if raw_filters:
        try:
            decoded = json.loads(raw_filters)
        except ValueError:
            raise BadParameter("filters", gettext("Must be a JSON object, such as {\"tinh\": \"Hà Nội\"}.")) from None
        if not isinstance(decoded, dict):
            raise BadParameter("filters", gettext("Must be a JSON object, such as {\"tinh\": \"Hà Nội\"}."))
        for name, value in decoded.items():
            fld = by_name[known("filters", str(name))]
            values = value if isinstance(value, list) else [value]
            if not values or any(isinstance(v, (dict, list)) for v in values):
                raise BadParameter("filters", gettext("The value of %(field)s must be a value or a list of values.",
                                                      field=name))
            filters[name] = [_typed(fld, v) for v in values]
    words = store.folded_words([str(args.get("q") or "")]).split()
    if len(words) > MAX_Q_WORDS:
        raise BadParameter("q", gettext("Use at most %(n)s words.", n=MAX_Q_WORDS))
    sort: list[tuple[str, bool]] = []
    for part in str(args.get("sort") or "").split(","):
        bits = part.split()
        if not bits:
            continue
        if len(bits) > 2 or (len(bits) == 2 and bits[1].lower() not in ("asc", "desc")):
            raise BadParameter("sort", gettext(
                "Write a field, optionally followed by asc or desc, such as \"dan_so desc\"."))
        sort.append((known("sort", bits[0]), len(bits) == 2 and bits[1].lower() == "desc"))
    wanted = [known("fields", n.strip()) for n in str(args.get("fields") or "").split(",") if n.strip()]
    limit = _int(args, "limit", DEFAULT_LIMIT if paged else None, MAX_LIMIT if paged else MAX_OFFSET, 0)
    offset = _int(args, "offset", 0, MAX_OFFSET, 0) or 0
    return RowsQuery(filters, words, sort, wanted or list(by_name), limit, offset)


def _where(table: Any, query: RowsQuery, by_name: Mapping[str, Mapping[str, Any]]) -> list[Any]:
    clauses = []
    for name, values in query.filters.items():
        col = table.c[by_name[name]["column"]]
        present = [v for v in values if v is not None]
        options = [col.in_(present)] if present else []
        if len(present) < len(values):
            options.append(col.is_(None))
        clauses.append(options[0] if len(options) == 1 else (options[0] | options[1]))
    for word in query.words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(table.c["_fold"].like(f"% {escaped}%", escape="\\"))
    return clauses


def run(session: Session, table_name: str, fields: list[dict[str, Any]], query: RowsQuery
        ) -> tuple[int, list[dict[str, Any]]]:
    """(total matching, the page of records as {field: value})."""
    by_name = {f["name"]: f for f in fields}
    table = store.table_for(table_name, fields)
    where = _where(table, query, by_name)
    total = session.scalar(select(func.count()).select_from(table).where(and_(true(), *where))) or 0
    stmt = _select(table, query, by_name, where)
    if query.limit is not None:
        stmt = stmt.limit(query.limit)
    stmt = stmt.offset(query.offset)
    return total, [_record(query.fields, row) for row in session.execute(stmt)]


def _select(table: Any, query: RowsQuery, by_name: Mapping[str, Mapping[str, Any]], where: list[Any]) -> Select:
    columns = [table.c[by_name[n]["column"]].label(n) for n in query.fields]
    order = [(table.c[by_name[n]["column"]].desc() if desc else table.c[by_name[n]["column"]].asc())
             for n, desc in query.sort]
    return select(*columns).where(and_(true(), *where)).order_by(*order, table.c["_row"])


def _record(names: list[str], row: Any) -> dict[str, Any]:
    return {n: (v.isoformat() if hasattr(v, "isoformat") else v) for n, v in zip(names, row, strict=True)}


def iter_rows(session: Session, table_name: str, fields: list[dict[str, Any]], query: RowsQuery,
              batch: int = 5000) -> Iterator[list[Any]]:
    """Every matching row (as values in `query.fields` order), fetched batch by batch."""
    by_name = {f["name"]: f for f in fields}
    table = store.table_for(table_name, fields)
    stmt = _select(table, query, by_name, _where(table, query, by_name))
    remaining = query.limit
    offset = query.offset
    while remaining is None or remaining > 0:
        size = batch if remaining is None else min(batch, remaining)
        rows = session.execute(stmt.limit(size).offset(offset)).all()
        if not rows:
            return
        yield from (list(r) for r in rows)
        offset += len(rows)
        if remaining is not None:
            remaining -= len(rows)
        if len(rows) < size:
            return
