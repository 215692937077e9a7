"""The audit chain: every change is logged, and a changed or removed event is detected."""

from __future__ import annotations

from sqlalchemy import func, select, text

from catalog.models import AuditEvent
from catalog.services import audit, datasets
from catalog.services.actor import system_actor

from .helpers import dataset


def test_each_change_is_one_event_with_before_and_after(session):
    ds = dataset(session, "BTC", title_vi="Ngân sách nhà nước")
    datasets.update_dataset(session, system_actor("test"), ds, {"title_vi": "Ngân sách nhà nước 2025"})
    session.commit()
    events = session.scalars(select(AuditEvent).where(AuditEvent.object_id == ds.id).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].before == {"title_vi": "Ngân sách nhà nước"}
    assert events[1].after == {"title_vi": "Ngân sách nhà nước 2025"}
    assert events[1].organization_id == ds.publisher_id


def test_no_change_writes_no_event(session):
    ds = dataset(session, "BTC")
    count = session.scalar(select(func.count()).select_from(AuditEvent))
    assert datasets.update_dataset(session, system_actor("test"), ds, {"title_vi": ds.title_vi}) == []
    session.commit()
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == count


def test_chain_verifies_and_detects_tampering(session):
    dataset(session, "BTC")
    assert audit.verify_chain(session).ok
    target = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id).offset(5).limit(1))
    # tamper behind the ORM's back, as someone with database access could
    session.execute(text("update audit_event set actor_label = 'someone else' where id = :i"), {"i": target})
    session.commit()
    report = audit.verify_chain(session)
    assert not report.ok and report.broken_at == target


def test_chain_detects_a_removed_event(session):
    dataset(session, "BTC")
    target = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id).offset(3).limit(1))
    session.execute(text("delete from audit_event where id = :i"), {"i": target})
    session.commit()
    report = audit.verify_chain(session)
    assert not report.ok and report.broken_at == target + 1


def test_the_chain_cannot_fork(session):
    """Two events claiming the same predecessor are refused by the database itself."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    dataset(session, "BTC")
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    twin = AuditEvent(at=last.at, actor_label="racer", action="create", object_type="dataset",
                      prev_hash=last.prev_hash, hash="f" * 64)
    session.add(twin)
    with pytest.raises(IntegrityError):
        session.flush()
