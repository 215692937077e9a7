"""JSON that breaks naive servers (nested 10,000 deep, lone surrogates, `null` where a list is
expected) and deleting what others still refer to: each gets a clear 4xx naming the problem, and
nothing already stored changes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from catalog.models import Database, Dataset, Organization
from catalog.services.references import LABELS, referrers

from ..helpers import login, make_user, token_for


@pytest.fixture
def headers(seeded_app, session):
    user = make_user(session, "admin@example.vn", admin=True)
    return {"Authorization": f"Bearer {token_for(session, user)}", "Content-Type": "application/json"}


def _dataset(**extra):
    return {"title_vi": "Bộ dữ liệu thử", "organization": "BTC", "access_level": "open", **extra}


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("depth", [10_000, 150])
def test_json_nested_too_deep_is_a_400_naming_the_depth(seeded_app, session, headers, depth):
    before = _count(session, Dataset)
    slug = session.scalar(select(Dataset.slug).order_by(Dataset.slug))
    body = '{"title_vi": "x", "organization": "BTC", "keywords": ' + "[" * depth + "]" * depth + "}"
    for path, method in (("/api/v1/datasets", "post"), (f"/api/v1/datasets/{slug}", "patch")):
        r = getattr(seeded_app.test_client(), method)(path, data=body, headers=headers)
        assert r.status_code == 400, (path, r.status_code)
        assert r.json["error"] == "invalid_json" and "100" in r.json["message"]
    assert _count(session, Dataset) == before


def test_json_nested_too_deep_in_a_search_body_is_not_a_crash(seeded_app):
    body = "[" * 10_000 + "]" * 10_000
    r = seeded_app.test_client().post("/api/3/action/package_search", data=body,
                                      headers={"Content-Type": "application/json"})
    assert r.status_code < 500


def test_a_lone_surrogate_is_refused_and_nothing_is_stored(seeded_app, session, headers):
    before = _count(session, Dataset)
    body = '{"title_vi": "B\\ud800 d\\u1eef li\\u1ec7u", "organization": "BTC", "access_level": "open"}'
    r = seeded_app.test_client().post("/api/v1/datasets", data=body, headers=headers)
    assert r.status_code in (400, 422), r.status_code
    assert _count(session, Dataset) == before


def test_null_where_a_list_is_expected_is_an_empty_list_or_a_named_refusal(seeded_app, headers):
    r = seeded_app.test_client().post("/api/v1/datasets", data=json.dumps(_dataset(keywords=None, themes=None)),
                                      headers=headers)
    if r.status_code == 201:
        assert r.json["keywords"] == [] and r.json["themes"] == []
    else:
        assert r.status_code == 422 and {"keywords", "themes"} & set(r.json["errors"])


def test_deleting_an_agency_in_use_is_a_409_naming_what_refers_to_it(seeded_app, session, headers):
    org_id = session.scalar(select(Organization.id).where(Organization.code == "BTC"))
    r = seeded_app.test_client().delete("/api/v1/organizations/BTC", headers=headers)
    assert r.status_code == 409 and r.json["error"] == "in_use"
    assert r.json["referenced_by"]["dataset"] >= 1
    assert "tập dữ liệu (" in r.json["message"]
    session.expire_all()
    assert session.get(Organization, org_id) is not None


def test_deleting_a_database_that_a_connection_uses_is_a_409_not_a_crash(seeded_app, session, headers):
    client = seeded_app.test_client()
    codes = [d.code for d in session.scalars(select(Database))]
    answers = {}
    for code in codes:
        r = client.delete(f"/api/v1/databases/{code}", headers=headers)
        assert r.status_code in (204, 409), (code, r.status_code)
        answers[code] = r.status_code
        if r.status_code == 409:
            assert set(r.json["referenced_by"]) <= set(LABELS) and all(r.json["referenced_by"].values())
    assert 409 in answers.values()
    session.expire_all()
    kept = {d.code for d in session.scalars(select(Database))}
    assert kept == {c for c, s in answers.items() if s == 409}
    for db in session.scalars(select(Database)):
        assert referrers(session, db) or session.scalar(
            select(func.count()).where(Dataset.database_id == db.id))


def test_the_web_form_says_the_same_in_the_reader_s_language(seeded_app, session):
    make_user(session, "root@example.vn", admin=True)
    client = seeded_app.test_client()
    login(client, "root@example.vn")
    page = client.post("/organizations/BTC/delete?lang=en", follow_redirects=True).get_data(as_text=True)
    assert "other records refer to it" in page and "datasets (" in page


def test_every_table_that_can_block_a_delete_has_a_label():
    from catalog.models import Base

    blocking = {t.name for t in Base.metadata.sorted_tables for fk in t.foreign_keys
                if fk.ondelete not in ("CASCADE", "SET NULL")}
    assert blocking <= set(LABELS), blocking - set(LABELS)
