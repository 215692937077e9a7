"""Fixtures: real SQLite files (a migrated template copied per test) and a real PostgreSQL database.

PostgreSQL tests run against CATALOG_TEST_POSTGRES_URL (default: the local server). They are
skipped only when no server answers, and never in CI: `.ci/run` sets CATALOG_TEST_REQUIRE_SERVICES=1,
which turns an absent server into a failure.

With CATALOG_TEST_DATABASE=postgres the whole suite runs with the registry on PostgreSQL: the
templates are PostgreSQL databases (migrated; migrated and seeded) made once per session, and each
copy of a template's instance folder gets its own database cloned from the template
(`CREATE DATABASE … TEMPLATE …`) the first time an app is built on it, dropped after the test.
"""

from __future__ import annotations

import gc
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from catalog import create_app, migrate
from catalog.config import PROJECT_ROOT
from catalog.db import registry_db
from catalog.models import Base
from catalog.search.indexer import all_documents, backend_for
from catalog.services.publish_demo import open_seed
from catalog.services.seed import load_seed

from .httpserver import LocalServer

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REQUIRE_SERVICES = os.environ.get("CATALOG_TEST_REQUIRE_SERVICES") == "1"
#: the whole suite on PostgreSQL (see the module's docstring)
ON_POSTGRES = os.environ.get("CATALOG_TEST_DATABASE", "sqlite") == "postgres"
#: for tests of the embedded Whoosh backend itself: they run in the SQLite pass (the PostgreSQL pass
#: searches with the PostgreSQL backend, as `CATALOG_SEARCH_BACKEND=auto` does)
whoosh_only = pytest.mark.skipif(ON_POSTGRES, reason="Whoosh backend test: runs in the SQLite pass")
_PG_MARKER = ".test-postgres-template"  # in an instance folder: the database its copies are cloned from
_pg_databases: dict[str, str] = {}  # instance folder -> its database URL
_pg_clones: list[str] = []  # databases cloned during the current test
_PG_PREFIX = f"catalog_t{uuid.uuid4().hex[:8]}"


def _pg_server() -> str:
    return os.environ.get("CATALOG_TEST_POSTGRES_URL") or DEFAULT_PG


def _pg_admin(sql: str) -> None:
    engine = create_engine(_pg_server(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def _pg_url(name: str) -> str:
    return make_url(_pg_server()).set(database=name).render_as_string(hide_password=False)


def _pg_database_for(instance: Path) -> str | None:
    """The PostgreSQL registry of an instance folder: its own, or a new clone of its template's."""
    key = str(Path(instance).resolve())
    if key in _pg_databases:
        return _pg_databases[key]
    marker = Path(instance) / _PG_MARKER
    if not marker.exists():
        return None
    name = f"{_PG_PREFIX}_{len(_pg_clones)}_{uuid.uuid4().hex[:6]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{marker.read_text().strip()}"')
    _pg_clones.append(name)
    _pg_databases[key] = _pg_url(name)
    return _pg_databases[key]


def build_app(instance: Path, **overrides: Any) -> Flask:
    # Quality checks after uploads and harvests are switched off unless a test asks for them
    # (tests/quality does): background checks would otherwise outlive the test that started them.
    if ON_POSTGRES and "DATABASE_URL" not in overrides:
        url = _pg_database_for(instance)
        if url:
            overrides["DATABASE_URL"] = url
    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "test-secret", "QUALITY_AUTO": False,
                      **overrides})
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False, SERVER_NAME="catalog.test")
    return app


def _dispose(app: Flask) -> None:
    registry_db(app).scoped.remove()
    engine = registry_db(app).engine
    if engine.pool.checkedout():
        # a connection the test dropped without closing is handed back by its finalizer when the
        # garbage collector next runs: make that happen now, while its database still exists. Later,
        # the finalizer's rollback fails on the dropped database and logs a traceback, and Python
        # 3.11 formats that with ast.parse, which, re-entered from inside another ast.parse (werkzeug
        # compiling a route), raises "AST constructor recursion depth mismatch" (CI, stop 21)
        gc.collect()
    engine.dispose()


def _pg_template(folder: Path, name: str, source: str | None = None) -> None:
    """Make `folder`'s registry the PostgreSQL database `name` (empty, or a copy of `source`)."""
    _pg_admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{source}"' if source else ""))
    _pg_databases[str(folder.resolve())] = _pg_url(name)


@pytest.fixture(scope="session")
def _pg_templates() -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in [*_pg_clones, *reversed(names)]:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def _pg_drop_clones() -> Iterator[None]:
    """Drop the databases a test cloned (after its apps were disposed: this fixture ends last)."""
    yield
    while ON_POSTGRES and _pg_clones:
        name = _pg_clones.pop()
        for key in [k for k, v in _pg_databases.items() if v.endswith(f"/{name}")]:
            del _pg_databases[key]
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory: pytest.TempPathFactory, _pg_templates: list[str]) -> Path:
    """An instance folder with a migrated, empty registry (SQLite, or PostgreSQL: see above)."""
    folder = tmp_path_factory.mktemp("empty-template")
    if ON_POSTGRES:
        _pg_templates.append(f"{_PG_PREFIX}_empty")
        _pg_template(folder, _pg_templates[-1])
    app = build_app(folder)
    migrate.upgrade(app)
    _dispose(app)
    if ON_POSTGRES:
        (folder / _PG_MARKER).write_text(_pg_templates[-1])
    return folder


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory, empty_template: Path,
                    _pg_templates: list[str]) -> Path:
    """An instance folder with the registry migrated and seed/ loaded (files included)."""
    folder = tmp_path_factory.mktemp("seeded-template") / "instance"
    shutil.copytree(empty_template, folder)
    if ON_POSTGRES:
        _pg_templates.append(f"{_PG_PREFIX}_seeded")
        _pg_template(folder, _pg_templates[-1], source=f"{_PG_PREFIX}_empty")
    app = build_app(folder)
    with app.app_context():
        s = registry_db(app).session_factory()
        load_seed(s, PROJECT_ROOT / "seed", app.config["CATALOG"])
        s.commit()
        # the seed's open data is opened through the publication procedure, then the index rebuilt, as
        # `make run` does (publish-demo, then search-index)
        open_seed(app, s, PROJECT_ROOT / "seed")
        s.commit()
        # a clean rebuild: Whoosh keeps the replaced documents' terms counted until a merge, which
        # would skew "did you mean" (reindex's catch-up re-adds every record changed seconds ago)
        backend_for(app).rebuild(all_documents(s))
        s.close()
    _dispose(app)
    if ON_POSTGRES:
        (folder / _PG_MARKER).write_text(_pg_templates[-1])
    return folder


def _app_from(template: Path, tmp_path: Path) -> Iterator[Flask]:
    instance = tmp_path / "instance"
    shutil.copytree(template, instance)
    app = build_app(instance)
    yield app
    _dispose(app)


@pytest.fixture
def app(empty_template: Path, tmp_path: Path) -> Iterator[Flask]:
    """The app on its own copy of an empty, migrated SQLite registry."""
    yield from _app_from(empty_template, tmp_path)


@pytest.fixture
def seeded_app(seeded_template: Path, tmp_path: Path) -> Iterator[Flask]:
    """The app on its own copy of a seeded registry."""
    yield from _app_from(seeded_template, tmp_path)


@pytest.fixture
def client(seeded_app: Flask) -> FlaskClient:
    return seeded_app.test_client()


@pytest.fixture
def session(seeded_app: Flask) -> Iterator[Session]:
    """A session on the seeded registry. No app context is held open: requests made by the test
    client must each get their own, as in production (otherwise `g` leaks between them)."""
    s = registry_db(seeded_app).session_factory()
    yield s
    s.close()


# --- a local HTTP server -------------------------------------------------------------------------


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """A real HTTP server on a loopback port; see tests/httpserver.py."""
    server = LocalServer()
    yield server
    server.close()


# --- PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    url = os.environ.get("CATALOG_TEST_POSTGRES_URL") or DEFAULT_PG
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:
        if REQUIRE_SERVICES:
            pytest.fail(f"PostgreSQL is required (CATALOG_TEST_REQUIRE_SERVICES=1) but {url} failed: {exc}")
        pytest.skip(f"no PostgreSQL server at {url}")
    return url


@pytest.fixture(scope="session")
def pg_database(pg_server_url: str) -> Iterator[str]:
    """A fresh database for this test session (parallel runs never share one), dropped at the end."""
    name = f"catalog_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_server_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_migrated(pg_database: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    app = build_app(tmp_path_factory.mktemp("pg-instance"), DATABASE_URL=pg_database)
    migrate.upgrade(app)
    _dispose(app)
    return pg_database


def truncate_all(url: str) -> None:
    engine = create_engine(url)
    tables = [t.name for t in Base.metadata.sorted_tables] + ["search_document", "search_word"]
    names = ", ".join(f'"{name}"' for name in tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    # the change counter starts again with the emptied tables, so values this process kept under the
    # same database and counter value belong to an earlier test's data
    from catalog.services import memo
    from catalog.web import page_cache

    memo.clear()
    page_cache.clear_local()


@pytest.fixture
def pg_app(pg_migrated: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on PostgreSQL with empty tables."""
    truncate_all(pg_migrated)
    app = build_app(tmp_path / "instance", DATABASE_URL=pg_migrated)
    yield app
    _dispose(app)


@pytest.fixture
def pg_seeded_app(pg_app: Flask) -> Flask:
    with pg_app.app_context():
        s = registry_db(pg_app).session_factory()
        load_seed(s, PROJECT_ROOT / "seed", pg_app.config["CATALOG"])
        s.commit()
        open_seed(pg_app, s, PROJECT_ROOT / "seed")
        s.commit()
        s.close()
    return pg_app
