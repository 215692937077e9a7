"""migrate-data: SQLite → PostgreSQL → SQLite, every table's rows equal, the audit chain verifies,
sequences continue after the copied rows."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from catalog.db import registry_db
from catalog.services import audit, transfer

from ..conftest import _dispose, build_app
from ..helpers import dataset
from ..sharing.conftest import make_world


@pytest.fixture
def pg_empty(pg_server_url):
    """A new, empty PostgreSQL database (no schema at all), dropped after the test."""
    name = f"catalog_migrate_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(pg_server_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _rows(url: str) -> dict[str, list]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                    for t in transfer.tables()}
    finally:
        engine.dispose()


def test_a_round_trip_through_postgresql_keeps_every_row_and_the_audit_chain(seeded_app, pg_empty, tmp_path):
    world = make_world(seeded_app)
    world.request()
    world.session.close()
    source_url = seeded_app.config["CATALOG"]["DATABASE_URL"]
    runner = seeded_app.test_cli_runner()

    result = runner.invoke(args=["migrate-data", "--from", source_url, "--to", pg_empty, "--batch", "50"])
    assert result.exit_code == 0, result.output
    assert "Copying rows" in result.output and "audit chain intact" in result.output
    original = _rows(source_url)
    assert sum(len(v) for v in original.values()) > 100
    assert _rows(pg_empty) == original

    engine = create_engine(pg_empty)
    with Session(engine) as s:
        assert audit.verify_chain(s).ok and audit.verify_chain(s).checked == len(original["audit_event"])
    engine.dispose()

    # the copy is a working registry: new rows take ids after the copied ones
    app = build_app(tmp_path / "pg-instance", DATABASE_URL=pg_empty)
    try:
        with app.app_context():
            s = registry_db(app).session_factory()
            dataset(s, "BTC", "open", title_vi="Sau khi chuyển")
            s.close()
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        _dispose(app)

    back = f"sqlite:///{tmp_path / 'back.db'}"
    result = runner.invoke(args=["migrate-data", "--from", pg_empty, "--to", back, "--no-reindex"])
    assert result.exit_code == 0, result.output
    again = _rows(back)
    assert {k: v for k, v in again.items() if k not in ("dataset", "audit_event")} == \
        {k: v for k, v in original.items() if k not in ("dataset", "audit_event")}
    assert again["audit_event"][:len(original["audit_event"])] == original["audit_event"]
    assert len(again["dataset"]) == len(original["dataset"]) + 1


def test_a_target_with_rows_is_refused_unless_forced(seeded_app, pg_empty):
    source_url = seeded_app.config["CATALOG"]["DATABASE_URL"]
    runner = seeded_app.test_cli_runner()
    assert runner.invoke(args=["migrate-data", "--from", source_url, "--to", pg_empty,
                               "--no-reindex"]).exit_code == 0
    refused = runner.invoke(args=["migrate-data", "--from", source_url, "--to", pg_empty, "--no-reindex"])
    assert refused.exit_code == 1 and "already holds rows" in refused.output
    forced = runner.invoke(args=["migrate-data", "--from", source_url, "--to", pg_empty, "--force",
                                 "--no-reindex"])
    assert forced.exit_code == 0, forced.output
    assert _rows(pg_empty) == _rows(source_url)
    bad = runner.invoke(args=["migrate-data", "--from", source_url, "--to", pg_empty, "--batch", "0"])
    assert bad.exit_code == 1 and "--batch" in bad.output
