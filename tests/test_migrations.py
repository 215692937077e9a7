"""Migrations: an empty database upgrades to head, and head matches the models exactly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from catalog import migrate
from catalog.db import registry_db
from catalog.models import Base
from catalog.models.tabular import is_rows_table

from .conftest import build_app

#: Tables the PostgreSQL search backend keeps outside the models (raw SQL: tsvector, GIN).
SEARCH_TABLES = {"search_document", "search_word"}


def _diff(url: str) -> list:
    engine = create_engine(url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={
            "compare_type": True,
            "include_name": lambda name, type_, _parents: not (
                type_ == "table" and (name in SEARCH_TABLES or is_rows_table(name))),
        })
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    return diff


def test_empty_sqlite_upgrades_to_head_and_matches_models(tmp_path):
    app = build_app(tmp_path / "instance")
    migrate.upgrade(app)
    url = app.config["CATALOG"]["DATABASE_URL"]
    registry_db(app).engine.dispose()
    tables = set(inspect(create_engine(url)).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    assert _diff(url) == []


def test_downgrade_to_base_and_up_again(tmp_path):
    app = build_app(tmp_path / "instance")
    migrate.upgrade(app)
    migrate.downgrade(app, "base")
    url = app.config["CATALOG"]["DATABASE_URL"]
    assert set(inspect(create_engine(url)).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(app)
    assert _diff(url) == []


@pytest.mark.postgres
def test_postgres_upgrades_to_head_and_matches_models(pg_migrated):
    assert _diff(pg_migrated) == []
    tables = set(inspect(create_engine(pg_migrated)).get_table_names())
    assert tables >= SEARCH_TABLES
