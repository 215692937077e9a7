"""Model invariants: what the registry itself guarantees, whoever writes to it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from catalog.models import AuditEvent, AuditLogIsAppendOnly, Dataset, Organization
from catalog.services.common import org_by_code

from .helpers import dataset


def test_datetimes_come_back_aware_utc(session):
    ds = dataset(session, "BTC")
    session.expire_all()
    loaded = session.get(Dataset, ds.id)
    assert loaded.created_at.tzinfo is not None
    assert loaded.created_at.utcoffset().total_seconds() == 0


def test_naive_datetimes_are_refused(session):
    ds = dataset(session, "BTC")
    ds.published_at = datetime(2025, 1, 1)
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()


def test_audit_events_cannot_be_changed_or_deleted(session):
    dataset(session, "BTC")
    ev = session.scalars(select(AuditEvent)).first()
    ev.action = "something else"
    with pytest.raises(AuditLogIsAppendOnly):
        session.flush()
    session.rollback()
    ev = session.scalars(select(AuditEvent)).first()
    session.delete(ev)
    with pytest.raises(AuditLogIsAppendOnly):
        session.flush()


def test_codes_and_slugs_are_unique(session):
    session.add(Organization(code="BTC", name_vi="Trùng mã", kind="ministry"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    ds = dataset(session, "BTC")
    session.add(Dataset(identifier="x", slug=ds.slug, title_vi="t", publisher_id=ds.publisher_id))
    with pytest.raises(IntegrityError):
        session.flush()


def test_foreign_keys_are_enforced_on_sqlite(session):
    session.add(Dataset(identifier="y", slug="y", title_vi="t", publisher_id="no-such-org"))
    with pytest.raises(IntegrityError):
        session.flush()


def test_deleting_a_dataset_deletes_its_distributions(seeded_app, session):
    ds = session.scalar(select(Dataset).where(Dataset.slug == "don-vi-hanh-chinh-cap-tinh-2025"))
    assert ds.distributions
    session.delete(ds)
    session.commit()
    assert session.execute(text("select count(*) from distribution where dataset_id = :i"), {"i": ds.id}).scalar() == 0


def test_organization_ancestors_stop_at_a_cycle(session):
    a = org_by_code(session, "BCA-C06")
    assert [o.code for o in a.ancestors()] == ["BCA"]
    top = org_by_code(session, "BCA")
    top.parent = a  # a cycle written behind the services' back
    assert [o.code for o in a.ancestors()] == ["BCA"]
    session.rollback()


def test_utc_column_round_trip_keeps_the_instant(session):
    ds = dataset(session, "BTC")
    moment = datetime(2025, 7, 1, 1, 2, 3, tzinfo=UTC)
    ds.published_at = moment
    session.commit()
    session.expire_all()
    assert session.get(Dataset, ds.id).published_at == moment
