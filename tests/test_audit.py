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


def test_the_audit_page_filters_and_exports_what_it_shows(client, session):
    import csv
    import io
    from datetime import timedelta

    from catalog.policy import reader_for
    from catalog.services.actor import Actor

    from .helpers import login, make_user

    admin = make_user(session, "admin@catalog.gov.vn", admin=True)
    steward = make_user(session, "steward@mof.gov.vn", roles={"BTC": "steward"})
    ds = dataset(session, "BTC", title_vi="Thu chi ngân sách")
    by_steward = Actor(reader=reader_for(session, steward), label=steward.email)
    datasets.update_dataset(session, by_steward, ds, {"title_vi": "Thu chi ngân sách 2025"})
    other = dataset(session, "HN-STC", title_vi="Giá đất Hà Nội")
    datasets.update_dataset(session, system_actor("test"), other, {"title_vi": "Giá đất Hà Nội 2025"})
    old = session.scalars(select(AuditEvent).where(AuditEvent.object_id == other.id)).first()
    session.commit()
    login(client, admin.email)
    args = "actor=STEWARD@mof&agency=BTC&object_type=dataset&action=update"
    page = client.get(f"/admin/audit?{args}&lang=en").get_data(as_text=True)
    assert "Thu chi ngân sách 2025" in page and "Giá đất Hà Nội" not in page
    assert '<option value="update" selected>Changed</option>' in page  # labels, not codes
    assert f"/admin/audit.csv?{args}" in page.replace("&amp;", "&") and "Export what is shown (CSV)" in page
    rows = list(csv.DictReader(io.StringIO(client.get(f"/admin/audit.csv?{args}").data.decode("utf-8-sig"))))
    assert [(r["action"], r["object_label"], r["actor_label"]) for r in rows] == [
        ("update", "Thu chi ngân sách 2025", "steward@mof.gov.vn")]
    # the period: whole days in Vietnam time
    day = (old.at + timedelta(hours=7)).date()
    within = client.get(f"/admin/audit.csv?since={day}&until={day}&agency=HN-STC").data.decode("utf-8-sig")
    assert "Giá đất Hà Nội 2025" in within
    after = client.get(f"/admin/audit.csv?since={day + timedelta(days=1)}&agency=HN-STC").data.decode("utf-8-sig")
    assert "Giá đất" not in after
    # bad input is named, never a 500
    bad = client.get("/admin/audit?since=hôm-qua&lang=en")
    assert bad.status_code == 400 and 'id="e-since"' in bad.get_data(as_text=True)
    reversed_period = client.get(f"/admin/audit?since={day}&until={day - timedelta(days=1)}&lang=en")
    shown = reversed_period.get_data(as_text=True)
    assert reversed_period.status_code == 400 and "The period ends before it starts." in shown, shown[
        shown.find("<main"):][:1500]
    unknown = client.get("/admin/audit?agency=KHONG-CO&lang=en")
    assert unknown.status_code == 400 and "No agency has this code." in unknown.get_data(as_text=True)
    assert client.get("/admin/audit.csv?until=x").status_code == 400
