"""A live SQL database, read-only: its tables and views become datasets of a registered `Database`.

- Introspection only, through SQLAlchemy `inspect`: names, columns and types, nullability, primary
  and foreign keys, comments, and row counts (PostgreSQL's planner estimate for large tables, an
  exact count otherwise; none for views). No row of data is read.
- The connection is read-only where the server allows it (PostgreSQL `default_transaction_read_only`,
  SQLite opened with `mode=ro`), with connect and statement time limits.
- Each table's fully qualified name "database.schema.table" (the registered database's code) is its
  identifier and a keyword, so searches find it by that name.
- Every place the driver would connect to goes through the same guard as web addresses: the URL's
  host and the hosts, `hostaddr`es and sockets of its options (`?host=a,b`, `?hostaddr=`, `?host=/run/..`);
  no private or loopback server or local socket unless `CATALOG_ALLOW_PRIVATE_URLS` is set, and
  PostgreSQL is pinned to the checked addresses. Options that could redirect the driver or make it
  read local files (`service`, `passfile`, `unix_socket`, `read_default_file`, `odbc_connect`, ...)
  are refused: only `connections.ACCEPTED_OPTIONS` are taken. SQLite files are read only under seed/
  unless private addresses are allowed.
- Filters: `schemas` (list; default every non-system schema), `exclude` (name patterns like "tmp_*").
"""

from __future__ import annotations

import datetime as dt
import decimal
import fnmatch
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import sqltypes

from catalog.config import PROJECT_ROOT

from . import connections, fidelity
from .base import Harvester, HarvestFailed, LogText, Problem, Record
from .options import SqlOptions

SYSTEM_SCHEMAS = {"information_schema", "pg_catalog", "pg_toast", "sys", "mysql", "performance_schema",
                  "INFORMATION_SCHEMA", "guest", "db_owner", "db_accessadmin"}
EXACT_COUNT_BELOW = 200_000

# --- what this harvester maps (the fidelity report counts every other property as not kept) ------
#: What introspection tells of a table, and what becomes of it: the name, comment and row count make
#: the dataset and its summary; each column's name, type, NOT NULL and comment, the primary key,
#: foreign keys and one-column unique constraints make the distribution's Table Schema.
KNOWN = frozenset({"table", "table.comment", "table.rows", "column.name", "column.type", "column.not_null",
                   "column.comment", "primary_key", "foreign_key", "unique"})
#: Not kept (no place in a Table Schema): column defaults, computed columns, unique constraints over
#: several columns, check constraints and indexes. Declared so the list is read in one place.
NOT_MAPPED = frozenset({"column.default", "column.computed", "unique.columns", "check", "index"})
STATEMENT_TIMEOUT_MS = 60_000


def _error(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0][:300]


def field_type(sql_type: Any) -> str:
    """The Table Schema type of a column type (`any` when SQLAlchemy cannot tell)."""
    if isinstance(sql_type, sqltypes.JSON):
        return "object"
    if isinstance(sql_type, sqltypes.ARRAY):
        return "array"
    try:
        py = sql_type.python_type
    except (NotImplementedError, AttributeError):
        return "any"
    if py is bool:
        return "boolean"
    if py is int:
        return "integer"
    if py in (float, decimal.Decimal):
        return "number"
    if py is dt.datetime:
        return "datetime"
    if py is dt.date:
        return "date"
    if py is dt.time:
        return "time"
    if py is dict:
        return "object"
    if py is list:
        return "array"
    if py in (str, uuid.UUID):
        return "string"
    return "any"


def _type_name(sql_type: Any) -> str:
    try:
        return str(sql_type)
    except Exception:
        return type(sql_type).__name__


def _optional(method: Any, name: str, schema: str) -> list[dict[str, Any]]:
    """What an introspection method returns, or nothing where the dialect does not implement it."""
    try:
        return list(method(name, schema=schema) or [])
    except NotImplementedError:
        return []


class SqlDbHarvester(Harvester):
    options = SqlOptions
    protocol = "sqldb"

    def gather(self) -> Iterator[Record | Problem]:
        if not self.ctx.connection_url:
            raise HarvestFailed("the source has no database connection", "source")
        if not self.ctx.database_code:
            raise HarvestFailed("choose on the source the registered database its tables belong to", "source")
        url = connections.parse(self.ctx.connection_url)
        engine = self._engine(url)
        try:
            try:
                insp = inspect(engine)
                schemas = self._schemas(insp)
                names = [(s, n, kind) for s in schemas
                         for kind, listing in (("table", insp.get_table_names), ("view", insp.get_view_names))
                         for n in sorted(listing(schema=s))]
            except SQLAlchemyError as exc:
                raise HarvestFailed(f"cannot read the database: {_error(exc)}", "fetch") from exc
            patterns = [str(p) for p in self.ctx.filters.get("exclude") or []]
            names = [x for x in names if not any(fnmatch.fnmatch(x[1], p) for p in patterns)]
            self.ctx.set_total(len(names))
            with engine.connect() as conn:
                for schema, name, kind in names:
                    try:
                        yield self._record(insp, conn, schema, name, kind)
                    except SQLAlchemyError as exc:
                        conn.rollback()
                        yield Problem(f"{schema}.{name}", LogText(
                            "table_unreadable", "cannot read {table}: {reason}", table=f"{schema}.{name}",
                            reason=_error(exc)), "fetch")
        finally:
            engine.dispose()

    # connecting -----------------------------------------------------------------------------------

    def _engine(self, url: URL) -> Engine:
        backend = url.get_backend_name()
        if backend == "sqlite":
            path = Path(url.database or "")
            path = (path if path.is_absolute() else PROJECT_ROOT / path).resolve()
            local_ok = self.ctx.allow_private or self.ctx.allow_loopback
            if not local_ok and (PROJECT_ROOT / "seed").resolve() not in path.parents:
                raise HarvestFailed("refused: SQLite files are read only under the seed folder "
                                    "(set CATALOG_ALLOW_PRIVATE_URLS to read others)", "fetch")
            if not path.is_file():
                raise HarvestFailed(f"no SQLite database at {path.name}", "fetch")
            return create_engine("sqlite://", poolclass=NullPool,
                                 creator=lambda: sqlite3.connect(f"file:{path}?mode=ro", uri=True))
        refused = connections.refused_option(url)
        if refused:
            raise HarvestFailed(f"refused: {refused}", "source")
        args: dict[str, Any] = {}
        if backend == "postgresql":
            args = {"connect_timeout": 10,
                    "options": f"-c default_transaction_read_only=on -c statement_timeout={STATEMENT_TIMEOUT_MS}"}
        elif backend in ("mysql", "mariadb"):
            args = {"connect_timeout": 10}
        try:
            engine = self._guarded_engine(url, args)
            with engine.connect() as conn:
                if backend in ("mysql", "mariadb"):
                    conn.execute(text("SET SESSION TRANSACTION READ ONLY"))
        except SQLAlchemyError as exc:
            raise HarvestFailed(f"cannot connect to the database: {_error(exc)}", "fetch") from exc
        except ModuleNotFoundError as exc:
            raise HarvestFailed(f"the driver for {backend} is not installed here ({exc.name})", "source") from exc
        return engine

    def _guarded_engine(self, url: URL, args: dict[str, Any]) -> Engine:
        """An engine whose every target (the URL's host, and the hosts, addresses and sockets its options
        name) passed the address guard; PostgreSQL is then told the checked addresses (`hostaddr`)."""
        engine = create_engine(url, poolclass=NullPool, connect_args=args)
        driver_args = {**engine.dialect.create_connect_args(url)[1], **args}
        pinned = connections.check_targets(url, driver_args, allow_private=self.ctx.allow_private,
                                           allow_loopback=self.ctx.allow_loopback)
        if url.get_backend_name() == "postgresql" and all(pinned) and not driver_args.get("hostaddr"):
            engine.dispose()
            engine = create_engine(url, poolclass=NullPool, connect_args={**args, "hostaddr": ",".join(pinned)})
        return engine

    def _schemas(self, insp: Any) -> list[str]:
        wanted = self.ctx.filters.get("schemas")
        if isinstance(wanted, str):
            wanted = [w.strip() for w in wanted.split(",") if w.strip()]
        available = insp.get_schema_names()
        if wanted:
            missing = [w for w in wanted if w not in available]
            if missing:
                raise HarvestFailed(f"the database has no schema {', '.join(missing)}", "source")
            return list(wanted)
        return [s for s in available if s not in SYSTEM_SCHEMAS and not s.startswith("pg_")]

    # one table ------------------------------------------------------------------------------------

    def _rows(self, conn: Any, schema: str, name: str, kind: str) -> int | None:
        if kind == "view":
            return None
        dialect = conn.dialect.name
        if dialect == "postgresql":
            estimate = conn.execute(text(
                "SELECT c.reltuples::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :s AND c.relname = :t"), {"s": schema, "t": name}).scalar()
            if estimate is not None and estimate >= EXACT_COUNT_BELOW:
                return int(estimate)
        target = table(name, schema=None if dialect == "sqlite" and schema == "main" else schema)
        return int(conn.execute(select(func.count()).select_from(target)).scalar() or 0)

    def _record(self, insp: Any, conn: Any, schema: str, name: str, kind: str) -> Record:
        columns = insp.get_columns(name, schema=schema)
        try:
            comment = (insp.get_table_comment(name, schema=schema) or {}).get("text")
        except NotImplementedError:
            comment = None
        pk = (insp.get_pk_constraint(name, schema=schema) or {}).get("constrained_columns") or []
        fks = [] if kind == "view" else insp.get_foreign_keys(name, schema=schema)
        uniques = _optional(insp.get_unique_constraints, name, schema) if kind == "table" else []
        single_unique = {u["column_names"][0] for u in uniques if len(u.get("column_names") or []) == 1}
        keys = ["table"] + (["table.comment"] if comment else []) + ["table.rows"] * (kind == "table")
        fields = []
        for col in columns:
            keys += ["column.name", "column.type"]
            described = f"SQL: {_type_name(col['type'])}"
            if col.get("comment"):
                described += f". {col['comment']}"
                keys.append("column.comment")
            field: dict[str, Any] = {"name": str(col["name"])[:200], "type": field_type(col["type"]),
                                     "description": described}
            constraints: dict[str, Any] = {}
            if not col.get("nullable", True):
                constraints["required"] = True
                keys.append("column.not_null")
            if col["name"] in single_unique:
                constraints["unique"] = True
            if constraints:
                field["constraints"] = constraints
            if col.get("default") is not None:
                keys.append("column.default")
            if col.get("computed"):
                keys.append("column.computed")
            fields.append(field)
        schema_doc: dict[str, Any] = {"fields": fields}
        if pk:
            schema_doc["primaryKey"] = list(pk)
            keys.append("primary_key")
        foreign = [{"fields": fk["constrained_columns"],
                    "reference": {"resource": ".".join(filter(None, (fk.get("referred_schema"),
                                                                     fk["referred_table"]))),
                                  "fields": fk["referred_columns"]}}
                   for fk in fks if fk.get("constrained_columns")]
        if foreign:
            schema_doc["foreignKeys"] = foreign
        keys += ["foreign_key"] * len(foreign)
        keys += ["unique" if len(u.get("column_names") or []) == 1 else "unique.columns" for u in uniques]
        if kind == "table":
            keys += ["check"] * len(_optional(insp.get_check_constraints, name, schema))
            # indexes that only back a unique constraint or the primary key say nothing more
            unique_names = {u.get("name") for u in uniques}
            keys += ["index" for ix in _optional(insp.get_indexes, name, schema)
                     if ix.get("name") not in unique_names and not ix.get("duplicates_constraint")]
        rows = self._rows(conn, schema, name, kind)
        qualified = f"{self.ctx.database_code}.{schema}.{name}"
        summary_vi = f"{'Khung nhìn' if kind == 'view' else 'Bảng'} {schema}.{name}: {len(fields)} cột"
        summary_en = f"{'View' if kind == 'view' else 'Table'} {schema}.{name}: {len(fields)} columns"
        if rows is not None:
            summary_vi += f", khoảng {rows:,} dòng".replace(",", ".")
            summary_en += f", about {rows:,} rows"
        title = (comment or "").strip().splitlines()[0][:500] if comment and comment.strip() else name
        return fidelity.note({
            "kind": "dataset",
            "remote_id": f"{schema}.{name}",
            "identifier": qualified,
            "title_vi": title,
            "description_vi": comment,
            "keywords": [qualified, name],
            "database": self.ctx.database_code,
            "distributions": [{
                "remote_id": f"{schema}.{name}", "title_vi": f"{schema}.{name}",
                "description_vi": summary_vi + ".", "description_en": summary_en + ".",
                "format": "SQL VIEW" if kind == "view" else "SQL TABLE", "table_schema": schema_doc,
            }],
        }, keys, KNOWN)


HARVESTER = SqlDbHarvester
