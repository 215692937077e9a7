"""The audit chain is anchored outside its table: removing the newest events is detected, and
concurrent writers never fork or break the chain (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select, text

from catalog.db import registry_db
from catalog.models import AuditEvent
from catalog.services import audit, audit_checkpoint
from catalog.services.actor import system_actor

from .helpers import dataset


def _append(app, n: int) -> None:
    s = registry_db(app).session_factory()
    for i in range(n):
        audit.record(s, system_actor("test"), "note", "test", str(i), label=f"sự kiện {i}")
        s.commit()
    s.close()


def _drop_newest(app, n: int) -> None:
    """Someone with database access removes the newest events, behind the application's back."""
    with registry_db(app).engine.begin() as conn:
        ids = [r[0] for r in conn.execute(text("select id from audit_event order by id desc limit :n"), {"n": n})]
        for event_id in ids:
            conn.execute(text("delete from audit_event where id = :i"), {"i": event_id})


def _head_id(app) -> int:
    with registry_db(app).engine.connect() as conn:
        return conn.execute(text("select max(id) from audit_event")).scalar()


def _check_truncation_is_detected(app) -> None:
    _append(app, 5)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.output, ok.output
    head = _head_id(app)
    _drop_newest(app, 2)
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"the log ends at event {head - 2} but the checkpoint says {head}" in broken.output
    # appending again after the cut does not hide it
    _append(app, 3)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1


def test_removing_the_newest_events_is_detected(app):
    _check_truncation_is_detected(app)


@pytest.mark.postgres
def test_removing_the_newest_events_is_detected_on_postgres(pg_app):
    _check_truncation_is_detected(pg_app)


def test_the_checkpoint_is_signed_with_the_secret_key(app):
    _append(app, 2)
    path = audit_checkpoint.path_for(app)
    data = json.loads(path.read_text())
    assert data["head_id"] == _head_id(app) and len(data["head_hash"]) == 64
    # a forged checkpoint (moved back to hide the cut) is refused
    _drop_newest(app, 1)
    data.update(head_id=data["head_id"] - 1)
    path.write_text(json.dumps(data))
    out = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 1 and "signature" in out.output


def test_a_missing_checkpoint_is_reported_not_ignored(app):
    _append(app, 2)
    audit_checkpoint.path_for(app).unlink()
    out = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 1 and "no checkpoint" in out.output.lower()


def test_the_checkpoint_command_prints_the_head_and_anchors_an_unanchored_log(app):
    _append(app, 3)
    audit_checkpoint.path_for(app).unlink()
    runner = app.test_cli_runner()
    out = runner.invoke(args=["audit", "checkpoint"])
    assert out.exit_code == 0, out.output
    head = json.loads(out.output.strip().splitlines()[-1])
    assert head["head_id"] == _head_id(app) and head["events"] == 3 and head["signature"]
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    # it refuses to bless a cut log
    _drop_newest(app, 1)
    refused = runner.invoke(args=["audit", "checkpoint"])
    assert refused.exit_code == 1 and "checkpoint says" in refused.output


def test_replaced_events_after_a_cut_are_detected(app):
    """On SQLite a removed id is reused: the event at the checkpoint's id then has another hash."""
    _append(app, 3)
    head = _head_id(app)
    _drop_newest(app, 1)
    # the attacker re-appends a valid-looking chain through the application
    _append(app, 1)
    assert _head_id(app) >= head
    out = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 1


def test_a_rolled_back_change_does_not_move_the_checkpoint(app):
    _append(app, 1)
    before = audit_checkpoint.path_for(app).read_text()
    s = registry_db(app).session_factory()
    audit.record(s, system_actor("test"), "note", "test", "x")
    s.rollback()
    s.close()
    assert audit_checkpoint.path_for(app).read_text() == before
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


def _race(app, writers: int = 20) -> list[BaseException]:
    """Each writer appends one event as the first write of its transaction, all at once."""
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        s = registry_db(app).session_factory()
        try:
            with app.app_context():
                barrier.wait()
                audit.record(s, system_actor("test"), "note", "test", str(i))
                s.commit()
        except BaseException as exc:
            errors.append(exc)
        finally:
            s.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _check_race(app) -> None:
    s = registry_db(app).session_factory()
    start = s.scalar(select(func.count()).select_from(AuditEvent))
    for _round in range(3):
        assert _race(app) == []
    assert s.scalar(select(func.count()).select_from(AuditEvent)) == start + 60
    assert audit.verify_chain(s).ok
    s.close()
    out = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 0, out.output


def test_twenty_concurrent_writers_on_sqlite_all_succeed(app):
    _check_race(app)


@pytest.mark.postgres
def test_twenty_concurrent_writers_on_postgres_all_succeed(pg_app):
    _check_race(pg_app)


def test_changes_through_the_services_keep_the_checkpoint_at_the_head(session, seeded_app):
    dataset(session, "BTC")
    data = json.loads(audit_checkpoint.path_for(seeded_app).read_text())
    assert data["head_id"] == _head_id(seeded_app)


def test_a_checkpoint_that_cannot_be_written_is_logged_and_the_change_kept(app, caplog):
    path = audit_checkpoint.path_for(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.mkdir()  # a folder where the file should be: the rename fails
    _append(app, 1)
    assert _head_id(app) == 1
    assert any("audit checkpoint" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)
