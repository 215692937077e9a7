"""Absurd paging and NUL bytes never give a 500: the API answers 400 naming the parameter, pages
show a clamped page; every list route of the app is tried."""

from __future__ import annotations

import pytest

from catalog.web.params import MAX_PAGE

from .helpers import login, make_user, token_for

BAD = [("page", "99999999999999999999"), ("page", "-3"), ("page", "0"), ("page", "abc"), ("page", "1e3"),
       ("per_page", "99999999999999999999"), ("per_page", "-5"), ("per_page", "0"), ("per_page", "x"),
       ("page", str(MAX_PAGE + 1))]
#: Values for the path variables of list routes (routes with other variables are not lists).
KNOWN = {"code": "BTC"}
#: Routes that are not lists or that change something on GET.
SKIP = {"auth.logout", "static"}
#: Feeds for other portals' programs: a bad page is a 400 naming it, as in the API (tested below).
FEEDS = {"feeds.negotiated_catalog", "feeds.catalog", "public_feeds.atom", "public_feeds.sitemap_index",
         "public_feeds.sitemap_pages", "public_feeds.robots"}


def _routes(app, api: bool) -> list[str]:
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIP | FEEDS or rule.rule.startswith("/api/") != api:
            continue
        if not set(rule.arguments) <= set(KNOWN):
            continue
        out.append(rule.build({k: KNOWN[k] for k in rule.arguments})[1])
    return sorted(out)


@pytest.fixture
def admin(seeded_app, session):
    user = make_user(session, "admin@example.vn", admin=True)
    return token_for(session, user)


def test_every_api_list_answers_400_naming_the_bad_parameter(seeded_app, admin):
    client = seeded_app.test_client()
    headers = {"Authorization": f"Bearer {admin}"}
    routes = _routes(seeded_app, api=True)
    lists = []
    for path in routes:
        normal = client.get(path, headers=headers)
        assert normal.status_code < 500, path
        paged = normal.is_json and isinstance(normal.json, dict) and "per_page" in normal.json
        if paged and "search" not in path:  # search is forgiving by design (tests/search)
            lists.append(path)
        for name, value in BAD:
            r = client.get(path, headers=headers, query_string={name: value})
            assert r.status_code < 500, (path, name, value)
            if path in lists:
                assert r.status_code == 400, (path, name, value, r.status_code)
                assert r.json["error"] == "invalid_parameter" and r.json["parameter"] == name
                assert name in r.json["message"]
    assert {"/api/v1/datasets", "/api/v1/organizations", "/api/v1/dataservices", "/api/v1/harvest-sources",
            "/api/v1/sharing/requests"} <= set(lists)


def test_every_list_page_shows_a_clamped_page(seeded_app, session):
    make_user(session, "admin@example.vn", admin=True)
    client = seeded_app.test_client()
    login(client, "admin@example.vn")
    routes = _routes(seeded_app, api=False)
    assert "/datasets" in routes and "/organizations/BTC" in routes
    for path in routes:
        normal = client.get(path).status_code
        assert normal < 500, path
        for name, value in BAD:
            r = client.get(path, query_string={name: value})
            assert r.status_code == normal, (path, name, value, r.status_code)


def test_a_page_past_the_end_is_empty_not_an_error(client):
    r = client.get("/datasets", query_string={"page": "99999999999999999999"})
    assert r.status_code == 200
    r = client.get("/api/v1/datasets", query_string={"page": str(MAX_PAGE)})
    assert r.status_code == 200 and r.json["items"] == [] and r.json["page"] == MAX_PAGE


NUL_REQUESTS = [
    ("get", "/datasets", {"query_string": {"q": "a\x00b"}}),
    ("get", "/search", {"query_string": {"q": "a\x00b"}}),
    ("get", "/api/v1/datasets", {"query_string": {"organization": "BTC\x00"}}),
    ("get", "/api/v1/search", {"query_string": {"q": "\x00"}}),
    ("get", "/datasets/abc%00def", {}),
    ("get", "/api/v1/datasets/abc%00def", {}),
]


def _check_nul(app, session) -> None:
    token = token_for(session, make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"}))
    client = app.test_client()
    for method, path, kwargs in NUL_REQUESTS:
        r = getattr(client, method)(path, **kwargs)
        assert r.status_code == 400, (path, r.status_code)
        if path.startswith("/api/"):
            assert r.json["error"] == "invalid_parameter"
    headers = {"Authorization": f"Bearer {token}"}
    r = client.post("/api/v1/datasets", headers=headers, json={
        "title_vi": "Tên\x00lạ", "publisher": "BTC", "access_level": "shared"})
    assert r.status_code == 400 and r.json["parameter"] == "body"
    r = client.patch("/api/v1/organizations/BTC", headers=headers, json={"keywords": ["a", {"b\x00": 1}]})
    assert r.status_code == 400
    web = app.test_client()
    login(web, "st@mof.gov.vn")
    r = web.post("/datasets/new", data={"title_vi": "x\x00y", "publisher": "BTC"})
    assert r.status_code == 400 and "title_vi" in r.get_data(as_text=True)


def test_nul_bytes_are_refused_on_sqlite(seeded_app, session):
    _check_nul(seeded_app, session)


@pytest.mark.postgres
def test_nul_bytes_are_refused_on_postgres(pg_seeded_app):
    from catalog.db import registry_db

    s = registry_db(pg_seeded_app).session_factory()
    try:
        _check_nul(pg_seeded_app, s)
    finally:
        s.close()


def test_a_file_with_nul_bytes_still_uploads(client, session):
    """Files are not fields: binary content is kept as it is."""
    import io

    from .helpers import dataset

    token = token_for(session, make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"}))
    ds = dataset(session, "BTC")
    r = client.post(f"/api/v1/datasets/{ds.slug}/distributions", headers={"Authorization": f"Bearer {token}"},
                    data={"file": (io.BytesIO(b"PK\x03\x04\x00\x00binary"), "data.zip"),
                          "metadata": '{"title_vi": "Tệp nén"}'}, content_type="multipart/form-data")
    assert r.status_code == 201, r.json


@pytest.mark.parametrize("path", ["/catalog.ttl", "/catalog.jsonld", "/catalog"])
def test_feeds_refuse_a_bad_page_naming_it(client, path):
    assert client.get(path).status_code == 200
    for value in ("99999999999999999999", "-3", "0", "abc", str(MAX_PAGE + 1)):
        r = client.get(path, query_string={"page": value})
        assert r.status_code == 400 and "page" in r.get_data(as_text=True), (path, value)
