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
