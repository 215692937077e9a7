"""Rate limits per address (429 with Retry-After, shared between processes through Redis) and the
sign-in pause that slows an address instead of locking out everyone behind it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from catalog import limits
from catalog.models import LoginAttempt
from catalog.services import users

from .conftest import _dispose, build_app
from .helpers import PASSWORD, make_user
from .test_tasks import redis_url  # noqa: F401  (fixture)


def _limited_app(instance, **settings):
    return build_app(instance, RATELIMIT_API="3 per minute", RATELIMIT_SEARCH="2 per minute",
                     RATELIMIT_SIGNIN="4 per minute", **settings)


def test_routes_are_classed_by_address():
    assert limits.class_of("/api/v1/datasets")[0] == "api"
    assert limits.class_of("/api/v1/search")[0] == "search"
    assert limits.class_of("/search")[0] == "search"
    assert limits.class_of("/catalog.ttl")[0] == "feeds"
    assert limits.class_of("/api/3/action/<action>")[0] == "feeds"
    assert limits.class_of("/login")[0] == "signin"
    assert limits.class_of("/datasets") is None


def test_past_the_limit_the_api_answers_429_with_retry_after(seeded_app, tmp_path):
    app = _limited_app(seeded_app.config["CATALOG"]["INSTANCE_PATH"])
    try:
        client = app.test_client()
        for _ in range(3):
            assert client.get("/api/v1/datasets").status_code == 200
        r = client.get("/api/v1/organizations")  # one limit for the whole API
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) > 0
        assert r.json["error"] == "too_many_requests" and r.json["message"]
        # pages are not counted with the API; search has its own limit
        assert client.get("/datasets").status_code == 200
        assert client.get("/search?q=dan+cu").status_code == 200
        assert client.get("/search?q=dan+cu").status_code == 200
        page = client.get("/search?q=dan+cu", headers={"Accept-Language": "vi"})
        assert page.status_code == 429 and "Retry-After" in page.headers
        assert "Quá nhiều yêu cầu" in page.text
        # another address has its own count
        assert client.get("/api/v1/datasets", environ_base={"REMOTE_ADDR": "198.51.100.9"}).status_code == 200
    finally:
        _dispose(app)


def test_sign_in_forms_are_limited_per_address(seeded_app):
    app = _limited_app(seeded_app.config["CATALOG"]["INSTANCE_PATH"])
    try:
        client = app.test_client()
        codes = [client.post("/login", data={"email": f"x{i}@hn.gov.vn", "password": "bad"}).status_code
                 for i in range(5)]
        assert codes[-1] == 429
        assert client.get("/login").status_code == 200  # reading the form is not counted
    finally:
        _dispose(app)


def test_limits_can_be_switched_off(seeded_app):
    app = _limited_app(seeded_app.config["CATALOG"]["INSTANCE_PATH"], RATELIMIT_ENABLED=False)
    try:
        client = app.test_client()
        assert all(client.get("/api/v1/datasets").status_code == 200 for _ in range(5))
    finally:
        _dispose(app)


def test_two_processes_share_the_counts_through_redis(seeded_app, redis_url):  # noqa: F811
    instance = seeded_app.config["CATALOG"]["INSTANCE_PATH"]
    one = _limited_app(instance, RATELIMIT_STORAGE_URL=redis_url)
    two = _limited_app(instance, RATELIMIT_STORAGE_URL=redis_url)
    try:
        a, b = one.test_client(), two.test_client()
        assert [a.get("/api/v1/datasets").status_code, b.get("/api/v1/datasets").status_code,
                a.get("/api/v1/datasets").status_code] == [200, 200, 200]
        assert b.get("/api/v1/datasets").status_code == 429
    finally:
        _dispose(one)
        _dispose(two)


# --- the sign-in pause ----------------------------------------------------------------------------


def test_address_delay_grows_and_is_capped():
    assert [users.address_delay(n, 5) for n in (0, 4, 5, 6, 7, 10, 30)] == [0, 0, 1, 2, 4, 32, 60]


def _later(session, seconds: int = 61) -> None:
    """Time passes: every recorded sign-in attempt moves back."""
    for attempt in session.scalars(select(LoginAttempt)):
        attempt.at = attempt.at - timedelta(seconds=seconds)
    session.commit()


def test_one_noisy_address_slows_but_never_locks_out_a_colleague(client, session):
    make_user(session, "colleague@hn.gov.vn")
    # over ten minutes, eleven people behind the agency's NAT address mistype their passwords
    for i in range(11):
        assert client.post("/login", data={"email": f"p{i}@hn.gov.vn", "password": "wrong"}).status_code == 401
        if i < 10:
            _later(session)
    # right after the last failure, the address waits (it is not locked: the wait is seconds)
    r = client.post("/login", data={"email": "colleague@hn.gov.vn", "password": PASSWORD})
    assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 60
    assert "giây" in r.text
    _later(session)
    r = client.post("/login", data={"email": "colleague@hn.gov.vn", "password": PASSWORD})
    assert r.status_code == 302


def test_the_failing_account_itself_is_paused(client, session):
    make_user(session, "o@hn.gov.vn")
    for i in range(5):
        client.post("/login", data={"email": "o@hn.gov.vn", "password": "wrong"},
                    environ_base={"REMOTE_ADDR": f"198.51.100.{i + 1}"})
    r = client.post("/login", data={"email": "o@hn.gov.vn", "password": PASSWORD},
                    environ_base={"REMOTE_ADDR": "198.51.100.99"})
    assert r.status_code == 429  # from any address, until the pause ends


def test_the_remember_me_cookie_is_bounded_and_guarded(seeded_app, session):
    from email.utils import parsedate_to_datetime

    from catalog.models import utcnow

    instance = seeded_app.config["CATALOG"]["INSTANCE_PATH"]
    for secure in (False, True):
        app = build_app(instance, SESSION_COOKIE_SECURE=secure)
        try:
            if secure:
                app.config["SERVER_NAME"] = None
            make_user(session, f"r{int(secure)}@hn.gov.vn")
            r = app.test_client().post("/login", data={"email": f"r{int(secure)}@hn.gov.vn", "password": PASSWORD,
                                                       "remember": "on"}, base_url="https://catalog.test")
            [cookie] = [c for c in r.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
            assert ("Secure" in cookie) is secure
            expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
            assert 13 <= (expires - utcnow()).days <= 14
        finally:
            _dispose(app)
