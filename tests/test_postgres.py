"""The core on PostgreSQL (server mode): seed, API writes, the policy in SQL, JSON columns."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog import policy
from catalog.db import registry_db
from catalog.models import Dataset
from catalog.services import audit

from .helpers import make_user, token_for

pytestmark = pytest.mark.postgres


def test_seed_api_and_policy_on_postgres(pg_seeded_app):
    app = pg_seeded_app
    s = registry_db(app).session_factory()
    steward = make_user(s, "st@mof.gov.vn", roles={"BTC": "steward"})
    token = token_for(s, steward)
    client = app.test_client()
    body = {"title_vi": "Dữ liệu giá", "publisher": "BTC", "access_level": "shared", "themes": ["ECON"],
            "keywords": ["giá"], "description_vi": "Giá.", "contact_name": "Cục Quản lý giá", "status": "published"}
    r = client.post("/api/v1/datasets", json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.json
    assert client.get(f"/api/v1/datasets/{r.json['slug']}").status_code == 404
    assert client.get("/api/v1/datasets?theme=ECON", headers={"Authorization": f"Bearer {token}"}).json["total"] >= 1
    officer = policy.reader_for(s, make_user(s, "o@hn.gov.vn", roles={"HN": "member"}))
    visible = set(s.scalars(select(Dataset.slug).where(policy.dataset_visibility(officer))))
    assert r.json["slug"] in visible
    assert visible == {d.slug for d in s.scalars(select(Dataset)) if policy.can_view_dataset(officer, d)}
    assert audit.verify_chain(s).ok
    s.close()


def test_seed_twice_on_postgres(pg_seeded_app):
    from catalog.config import PROJECT_ROOT
    from catalog.services.seed import load_seed

    s = registry_db(pg_seeded_app).session_factory()
    report = load_seed(s, PROJECT_ROOT / "seed", pg_seeded_app.config["CATALOG"])
    s.commit()
    assert all(c.get("created", 0) == 0 and c.get("updated", 0) == 0 for c in report.values())
    s.close()


def test_audit_filter_home_order_and_province_default_on_postgres(pg_seeded_app):
    """Issue 18 and 12 on PostgreSQL: the audit filter's period (timestamptz against Vietnam days),
    the home page's order by what gives data, a provincial agency's default area."""
    from datetime import timedelta

    from catalog.models import AuditEvent
    from catalog.services import listing

    from .helpers import dataset

    app = pg_seeded_app
    s = registry_db(app).session_factory()
    try:
        ds = dataset(s, "HN-STC", "open", title_vi="Giá đất")
        assert ds.spatial == ["01"]
        event = s.scalars(select(AuditEvent).where(AuditEvent.object_id == ds.id)).one()
        day = (event.at + timedelta(hours=7)).date()
        shown = s.scalars(audit.filtered(s, audit.AuditFilter(actor="TEST", agency="HN-STC", object_type="dataset",
                                                              action="create", since=day, until=day))).all()
        assert [e.id for e in shown] == [event.id]
        assert s.scalars(audit.filtered(s, audit.AuditFilter(since=day + timedelta(days=1)))).all() == []
        first = listing.list_datasets(s, policy.ANONYMOUS, listing.DatasetFilters(), sort="downloadable").items
        assert first[0].id != ds.id and any(d.file_path for d in first[0].distributions)
    finally:
        s.close()
