"""Moving the registry's rows between databases and files, table by table, in dependency order.

Shared by `backup` / `restore` and `migrate-data`. Rows go through the models' own column types
(UTC datetimes, JSON), so what is read from one dialect is written to another unchanged and the
audit chain's hashes still match. Derived tables (the PostgreSQL search tables) are not copied:
the index is rebuilt afterwards. Nor are the page cache and its change counter: the target keeps its
own, and the writes of a restore or copy move its counter on, so no page cached before is served.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection, Engine

from ..models.base import Base

#: Rows written per statement.
BATCH = 1000


#: Tables each database keeps for itself (catalog/models/page_cache.py).
LOCAL_TABLES = frozenset({"page_cache", "change_counter"})


def tables() -> list[Table]:
    """The registry's tables, each after the tables it refers to."""
    from .. import models  # noqa: F401  (every model registered on the metadata)

    return [t for t in Base.metadata.sorted_tables if t.name not in LOCAL_TABLES]


def counts(conn: Connection) -> dict[str, int]:
    return {t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0) for t in tables()}


def is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return all(conn.scalar(select(t.c[next(iter(t.columns.keys()))]).limit(1)) is None for t in tables())


def clear(conn: Connection) -> None:
    """Delete every row, dependants first (the target of a forced restore or copy)."""
    for table in reversed(tables()):
        for column in _self_references(table):
            conn.execute(table.update().values({column: None}))
        conn.execute(table.delete())


def _self_references(table: Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _order_key(table: Table) -> list[Any]:
    return list(table.primary_key.columns)


def read_rows(conn: Connection, table: Table, batch: int = BATCH) -> Iterator[dict[str, Any]]:
    """Every row of a table as a dict, in primary-key order, parents before children when the
    table refers to itself (an agency before its units)."""
    query = select(table).order_by(*_order_key(table))
    if _self_references(table):
        rows = [dict(r._mapping) for r in conn.execute(query)]
        yield from _parents_first(table, rows)
        return
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(query)
    for row in result:
        yield dict(row._mapping)


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    pk = next(iter(table.primary_key.columns)).name
    refs = _self_references(table)
    done: set[Any] = set()
    waiting = rows
    while waiting:
        later = []
        for row in waiting:
            if all(row[c] is None or row[c] in done or row[c] == row[pk] for c in refs):
                done.add(row[pk])
                yield row
            else:
                later.append(row)
        if len(later) == len(waiting):  # a parent that is not there: keep the rows as they are
            yield from later
            return
        waiting = later


def write_rows(conn: Connection, table: Table, rows: Iterable[dict[str, Any]], batch: int = BATCH,
               progress: Callable[[int], None] | None = None) -> int:
    """Insert rows in batches; returns how many."""
    written = 0
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            conn.execute(table.insert(), chunk)
            written += len(chunk)
            if progress:
                progress(len(chunk))
            chunk = []
    if chunk:
        conn.execute(table.insert(), chunk)
        written += len(chunk)
        if progress:
            progress(len(chunk))
    return written


def reset_sequences(conn: Connection) -> None:
    """On PostgreSQL, move each integer key's sequence past the copied rows (SQLite needs nothing)."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables():
        for column in table.primary_key.columns:
            if column.autoincrement in (True, "auto") and _is_int(column.type):
                top = conn.scalar(select(func.max(column)))
                conn.execute(text("SELECT setval(pg_get_serial_sequence(:t, :c), :v, :called)"),
                             {"t": table.name, "c": column.name, "v": top or 1, "called": top is not None})


def _is_int(kind: Any) -> bool:
    try:
        return kind.python_type is int
    except NotImplementedError:
        return False


def copy_all(source: Engine, target: Engine, batch: int = BATCH,
             progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy every table from one registry into another (already migrated and empty), in one
    transaction on the target; returns the rows copied per table."""
    copied: dict[str, int] = {}
    with source.connect() as src, target.begin() as dst:
        for table in tables():
            step = (lambda n, name=table.name: progress(name, n)) if progress else None
            copied[table.name] = write_rows(dst, table, read_rows(src, table, batch), batch, step)
        reset_sequences(dst)
    return copied


# --- rows as JSON lines (backups) -----------------------------------------------------------------


def encode(value: Any) -> Any:
    """A column value as JSON; types JSON lacks are tagged so that `decode` gives them back."""
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith("$"):
        return {"$json": value}  # a JSON column whose content looks like a tag
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        tag, raw = next(iter(value.items()))
        if tag == "$datetime":
            return datetime.fromisoformat(raw)
        if tag == "$date":
            return date.fromisoformat(raw)
        if tag == "$decimal":
            return Decimal(raw)
        if tag == "$bytes":
            return base64.b64decode(raw)
        if tag == "$json":
            return raw
    return value
