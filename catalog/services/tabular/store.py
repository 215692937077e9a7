"""The queryable copy of a file: one table per file version in the registry's own database.

Columns are typed from the served schema (`types.final_fields`), named c0, c1... (a header may
hold any text), with an index each for filters and sorts, and `_fold`, the row's words folded
like search folds them (`text.fold`), for `q` (a word matches the start of a word). Rows go in by
batches inside the caller's transaction (under a savepoint), so a failed import leaves the
previous copy in place."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    inspect,
)
from sqlalchemy.orm import Session

from ... import crashpoints
from ...models.tabular import ROWS_TABLE_PREFIX
from ...text import fold
from . import source, types

#: SQL type of each served type (datetimes keep their text, which sorts as ISO 8601 does).
SQL_TYPES: dict[str, Any] = {"string": Text, "integer": BigInteger, "year": Integer, "number": Float,
                             "boolean": Boolean, "date": Date, "datetime": Text}
BATCH = 5000
#: Distinct cells whose folded words are remembered during one import.
FOLD_CACHE = 50_000
#: Columns that get an index (a very wide file gets indexes on its first ones only).
MAX_INDEXES = 32
PREFIX = ROWS_TABLE_PREFIX


def table_name(distribution_id: str, checksum: str) -> str:
    """A name for a file version's table, short enough for PostgreSQL (63 characters)."""
    return PREFIX + hashlib.sha256(f"{distribution_id}:{checksum}".encode()).hexdigest()[:24]


def table_for(name: str, fields: list[dict[str, Any]]) -> Table:
    """The table object of a stored copy (a MetaData of its own: these tables are not the registry's models)."""
    columns = [Column("_row", Integer, primary_key=True, autoincrement=False), Column("_fold", Text)]
    columns += [Column(f["column"], SQL_TYPES.get(f["type"], Text)) for f in fields]
    return Table(name, MetaData(), *columns)


def drop(session: Session, name: str | None) -> None:
    if name and name.startswith(PREFIX) and inspect(session.connection()).has_table(name):
        Table(name, MetaData()).drop(session.connection())


_NON_WORD = re.compile(r"[^\w]+")


def folded_words(cells: list[str], cache: dict[str, str] | None = None) -> str:
    """The row's words folded and lower-cased, each after a space, so that `q` matches word starts.
    `cache` keeps each cell's words across rows (a file repeats its names and places)."""
    parts = []
    for cell in cells:
        if not cell:
            continue
        if cell.isalnum() and cell.isascii():  # a code or an integer: one word already
            parts.append(cell.lower())
            continue
        words = cache.get(cell) if cache is not None else None
        if words is None:
            words = _cell_words(cell)
            if cache is not None and len(cache) < FOLD_CACHE:
                cache[cell] = words
        if words:
            parts.append(words)
    return " " + " ".join(parts) + " " if parts else "  "


def _cell_words(cell: str) -> str:
    """One cell's folded words, space-separated (cells are folded alone: a space between two cells
    always separates words, so the row's words are its cells' words in order)."""
    if cell.isascii():
        if cell.isalnum():
            return cell.lower()
        return " ".join(_NON_WORD.sub(" ", cell.lower()).split())
    return " ".join(_NON_WORD.sub(" ", fold(cell)).split())


def _datetime_text(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def import_rows(session: Session, name: str, path: Any, fmt: str, fields: list[dict[str, Any]],
                header_index: list[int]) -> int:
    """Create the table and load every row; `fields` carry their `column`, `header_index` where
    each field is in the file. Returns the number of rows."""
    drop(session, name)
    table = table_for(name, fields)
    conn = session.connection()
    table.create(conn)
    convert = [types.checked_converter(f) for f in fields]
    keys = ["_row", "_fold", *(f["column"] for f in fields)]
    as_text = [f["type"] == "datetime" for f in fields]
    insert = _inserter(conn, table, keys)
    count = 0
    cache: dict[str, str] = {}
    with source.open_rows(path, fmt) as (_header, rows):
        for batch in _batches(rows):
            records = []
            for row in batch:
                count += 1
                cells = [row[i] for i in header_index]
                records.append([count, folded_words(cells, cache),
                                *((_datetime_text(conv(cell)) if t else conv(cell))
                                  for conv, cell, t in zip(convert, cells, as_text, strict=True))])
            insert(records)
            crashpoints.reached("rows.batch")
    for fld in fields[:MAX_INDEXES]:
        Index(f"ix_{name}_{fld['column']}", table.c[fld["column"]]).create(conn)
    return count


def _inserter(conn: Any, table: Table, keys: list[str]) -> Callable[[list[list[Any]]], None]:
    """A batch insert of rows given as values in `keys` order. On SQLite the driver's executemany
    with the columns' own bind processors (the values stored exactly as SQLAlchemy stores them, at a
    third of the cost of its per-row parameter handling); elsewhere SQLAlchemy's insert, which
    batches rows into multi-row statements (PostgreSQL)."""
    if conn.dialect.name != "sqlite":
        def by_dicts(records: list[list[Any]]) -> None:
            conn.execute(table.insert(), [dict(zip(keys, rec, strict=True)) for rec in records])
        return by_dicts
    compiled = table.insert().compile(dialect=conn.dialect)
    order = [keys.index(name) for name in compiled.positiontup or []]
    processed = [(n, proc) for n, k in enumerate(keys)
                 if (proc := table.c[k].type.bind_processor(conn.dialect)) is not None]
    sql = str(compiled)
    in_order = order == list(range(len(keys)))

    def by_driver(records: list[list[Any]]) -> None:
        for rec in records:
            for n, proc in processed:
                if rec[n] is not None:
                    rec[n] = proc(rec[n])
        conn.exec_driver_sql(sql, [tuple(rec) for rec in records] if in_order
                             else [tuple(rec[n] for n in order) for rec in records])
    return by_driver


def _batches(rows: Iterator[list[str]]) -> Iterator[list[list[str]]]:
    batch: list[list[str]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
