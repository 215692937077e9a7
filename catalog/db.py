"""The registry's engine and sessions (plain SQLAlchemy 2.x, one scoped session per app).

Services take a `Session` argument so that web requests, CLI commands, harvest runs and
Celery tasks all use the same code; web code gets its session from `db_session()`.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from .search.folding import SQLITE_FUNCTION, sqlite_fold

EXTENSION_KEY = "catalog_db"


class RegistryDB:
    """Engine + session factory of one app."""

    def __init__(self, url: str, app: Flask | None = None) -> None:
        self.url = url
        self.engine = make_engine(url)
        # `info` travels with every session; records_changed receivers find the app there.
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False, info={"app": app})
        self.scoped = scoped_session(self.session_factory)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"


def make_engine(url: str) -> Engine:
    """An engine with the settings each backend needs (SQLite: WAL, foreign keys, busy wait)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            # list filters compare folded text (catalog/search/folding.py)
            dbapi_conn.create_function(SQLITE_FUNCTION, 1, sqlite_fold, deterministic=True)

        count_changes(engine)
        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    count_changes(engine)
    return engine


#: set on a connection (its `info`) once its transaction wrote something
WROTE = "catalog_wrote"
#: statements that change nothing, and writes to tables no page for the public shows: the page cache
#: itself, periodic jobs' slots, sign-in throttling, tokens' last use (a token's request is never cached)
_READS = ("SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "SHOW", "SET ", "EXPLAIN")
_NOT_CONTENT = re.compile(
    r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(page_cache|job_run|login_attempt|api_token)"?\s', re.IGNORECASE)
#: a statement that starts with a common table expression writes only when one of its parts does (the
#: PostgreSQL search is one `WITH ... SELECT`: counted as a write, every search raised the counter and
#: emptied the page cache)
_CTE_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
_BUMP = "UPDATE change_counter SET generation = generation + 1 WHERE id = 1"


def count_changes(engine: Engine) -> None:
    """Raise the catalogue's change counter in every transaction that wrote something, just before it
    commits, so that it commits with the change (the anonymous page cache, catalog/web/page_cache.py,
    serves a page only while the counter has the value the page was rendered under). Whatever writes
    (a form, the API, a harvest with bulk statements, a CLI command) goes through here."""
    has_counter: dict[str, bool] = {}

    @event.listens_for(engine, "after_cursor_execute")
    def _note_write(conn: Any, _cursor: Any, statement: str, _params: Any, _ctx: Any, _many: bool) -> None:
        if conn.info.get(WROTE):
            return
        head = statement.lstrip()[:9].upper()
        if head.startswith("WITH") and not _CTE_WRITES.search(statement):
            return
        if not head.startswith(_READS) and not _NOT_CONTENT.match(statement):
            conn.info[WROTE] = True

    @event.listens_for(engine, "commit")
    def _bump(conn: Any) -> None:
        if not conn.info.pop(WROTE, False):
            return
        cursor = conn.connection.cursor()  # the driver's own cursor: no event, no autobegin
        try:
            if not has_counter.get("yes"):
                cursor.execute(_COUNTER_EXISTS[engine.dialect.name])
                if cursor.fetchone() in (None, (None,)):
                    return  # before the migration that makes it
                has_counter["yes"] = True
            cursor.execute(_BUMP)
            if cursor.rowcount == 0:  # the row was removed (a truncated registry): start it again
                cursor.execute(_RESTART[engine.dialect.name], (counter_start(),))
        finally:
            cursor.close()

    @event.listens_for(engine, "rollback")
    def _forget(conn: Any) -> None:
        conn.info.pop(WROTE, None)


def counter_start() -> int:
    """A random first value for a new change counter. Processes keep values keyed by (registry URL,
    counter value); a registry dropped and made again under the same URL would otherwise count
    1, 2, 3 again and meet values kept for the old one. Starting anywhere in 2**40 makes that a
    one-in-a-trillion event rather than a certainty."""
    return secrets.randbits(40) + 1


_RESTART = {
    "sqlite": "INSERT INTO change_counter (id, generation) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
    "postgresql": "INSERT INTO change_counter (id, generation) VALUES (1, %s) ON CONFLICT (id) DO NOTHING",
}
_COUNTER_EXISTS = {
    "sqlite": "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'change_counter'",
    "postgresql": "SELECT to_regclass('change_counter')",
}


def init_app(app: Flask) -> RegistryDB:
    from . import signals  # noqa: F401 - installs the change announcements on every session

    registry = RegistryDB(app.config["CATALOG"]["DATABASE_URL"], app)
    app.extensions[EXTENSION_KEY] = registry

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        registry.scoped.remove()

    return registry


def registry_db(app: Flask | None = None) -> RegistryDB:
    return (app or current_app).extensions[EXTENSION_KEY]


def db_session() -> Session:
    """The session of the current app context (removed when the context ends)."""
    return registry_db().scoped()


@contextmanager
def session_scope(app: Flask | None = None) -> Iterator[Session]:
    """A fresh session for background work: commits on success, rolls back on error."""
    session = registry_db(app).session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
