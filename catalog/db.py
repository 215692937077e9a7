"""The registry's engine and sessions (plain SQLAlchemy 2.x, one scoped session per app).

Services take a `Session` argument so that web requests, CLI commands, harvest runs and
Celery tasks all use the same code; web code gets its session from `db_session()`.
"""

from __future__ import annotations

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

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


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
