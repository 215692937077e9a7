"""Two web processes on one registry and one index: what one changes, the other sees at once.

Nothing another process needs lives in a process: the registry (sign-in throttling counts failed
attempts there), the search index (each process checks the index generation before it answers and
drops its bitmap caches when another process wrote), rate limits (Redis: tests/test_limits.py), and
sessions (signed cookies: any process with the secret key reads them).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from catalog.db import registry_db

from ..conftest import _dispose, build_app
from ..helpers import PASSWORD, dataset, login, make_user


@pytest.fixture
def two(seeded_app: Flask) -> Iterator[tuple[Flask, Flask]]:
    """Two app instances on the same instance folder (two gunicorn workers, or two machines)."""
    instance = Path(seeded_app.config["CATALOG"]["INSTANCE_PATH"])
    one = build_app(instance, LOGIN_MAX_FAILURES=4, RATELIMIT_ENABLED=False)
    other = build_app(instance, LOGIN_MAX_FAILURES=4, RATELIMIT_ENABLED=False)
    yield one, other
    _dispose(one)
    _dispose(other)


def _search(app: Flask, q: str = "", **filters: str) -> dict:
    response = app.test_client().get("/api/v1/search", query_string={"q": q, "type": "dataset", **filters})
    assert response.status_code == 200, response.data[:300]
    return response.get_json()


def _facet(page: dict, facet: str, value: str) -> int:
    return next((v["count"] for v in page["facets"].get(facet, []) if v["value"] == value), 0)


def test_a_dataset_added_through_one_process_is_found_by_the_other_at_once(two):
    one, other = two
    before = _search(other)  # the other process has read the index: its caches are warm
    word_before = _search(other, "khinhkhicau")
    assert word_before["total"] == 0
    btc_before = _facet(before, "organization", "BTC")

    s = registry_db(one).session_factory()
    try:
        ds = dataset(s, "BTC", title_vi="Khinhkhicau: số liệu khí tượng thử nghiệm")
        slug = ds.slug
    finally:
        s.close()

    found = _search(other, "khinhkhicau")
    assert [r["slug"] for r in found["results"]] == [slug]
    after = _search(other)
    assert after["total"] == before["total"] + 1
    assert _facet(after, "organization", "BTC") == btc_before + 1
    assert other.test_client().get(f"/datasets/{slug}").status_code == 200

    # and a withdrawal through the other process leaves the first one's results at once
    s = registry_db(other).session_factory()
    try:
        from catalog.models import Dataset

        row = s.query(Dataset).filter_by(slug=slug).one()
        s.delete(row)
        s.commit()
    finally:
        s.close()
    assert _search(one, "khinhkhicau")["total"] == 0
    assert _facet(_search(one), "organization", "BTC") == btc_before


def test_sign_in_throttling_counts_the_failures_of_both_processes(two):
    one, other = two
    s = registry_db(one).session_factory()
    try:
        make_user(s, "hai.process@example.gov.vn")
    finally:
        s.close()
    a, b = one.test_client(), other.test_client()
    for client in (a, b, a, b):  # four failures, two through each process
        response = client.post("/login", data={"email": "hai.process@example.gov.vn", "password": "sai mật khẩu"})
        assert response.status_code in (200, 400, 401)
    refused = a.post("/login", data={"email": "hai.process@example.gov.vn", "password": PASSWORD})
    assert refused.status_code == 429  # paused, though this process saw only two failures


def test_a_session_opened_on_one_process_is_valid_on_the_other(two):
    one, other = two
    s = registry_db(one).session_factory()
    try:
        make_user(s, "phien@example.gov.vn")
    finally:
        s.close()
    a = one.test_client()
    login(a, "phien@example.gov.vn")
    cookie = a.get_cookie("session", domain="catalog.test")
    assert cookie is not None
    b = other.test_client()
    b.set_cookie("session", cookie.value, domain="catalog.test")
    assert b.get("/account").status_code == 200
    assert other.test_client().get("/account").status_code in (302, 401)  # without the cookie: not signed in
