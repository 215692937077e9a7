"""/healthz: 200 when every service answers, 503 naming what is down, never a secret."""

from __future__ import annotations

import shutil

import pytest

from ..conftest import _dispose, build_app
from .conftest import free_port

SERVICES = {"database", "index", "broker", "storage"}


@pytest.fixture
def make_app(empty_template, tmp_path):
    made = []

    def build(**overrides):
        instance = tmp_path / f"instance-{len(made)}"
        shutil.copytree(empty_template, instance)
        app = build_app(instance, SCHEDULER=False, **overrides)
        made.append(app)
        return app

    yield build
    for app in made:
        _dispose(app)


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def test_all_fine_answers_200_with_every_service(app):
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "ok" and body["down"] == []
    assert set(body["checks"]) == SERVICES and all(c["ok"] for c in body["checks"].values())
    assert body["checks"]["storage"]["detail"] == "local"
    assert answer.headers["Cache-Control"] == "no-store"


def test_an_unreachable_database_answers_503_naming_it_without_the_password(make_app):
    port = free_port()  # nothing listens there
    app = make_app(DATABASE_URL=f"postgresql+psycopg://catalog:s3cret-pw@127.0.0.1:{port}/catalog")
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["status"] == "down" and "database" in body["down"]
    assert body["checks"]["database"]["ok"] is False and body["checks"]["database"]["error"]
    assert body["checks"]["storage"]["ok"] is True  # what still works is said too
    text = answer.get_data(as_text=True)
    assert "s3cret-pw" not in text and "catalog:" not in text and str(port) not in text


def test_a_broker_that_is_down_answers_503_naming_only_the_broker(make_app):
    port = free_port()
    app = make_app(CELERY_BROKER_URL=f"redis://:broker-pw@127.0.0.1:{port}/0", RATELIMIT_STORAGE_URL="memory://")
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["down"] == ["broker"]
    assert "broker-pw" not in answer.get_data(as_text=True)


@pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379")
def test_a_redis_broker_that_answers_is_fine(make_app):
    app = make_app(CELERY_BROKER_URL="redis://127.0.0.1:6379/15", RATELIMIT_STORAGE_URL="memory://")
    body = app.test_client().get("/healthz").get_json()
    assert body["status"] == "ok" and body["checks"]["broker"]["detail"] == "redis"


def test_a_missing_bucket_is_storage_down(make_app, s3_settings):
    app = make_app(**{**s3_settings, "STORAGE_URL": "s3://bucket-that-is-not-there/x"})
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503 and answer.get_json()["down"] == ["storage"]
    app_ok = make_app(**s3_settings)
    body = app_ok.test_client().get("/healthz").get_json()
    assert body["status"] == "ok" and body["checks"]["storage"]["detail"] == "s3"


def test_probes_are_never_rate_limited(make_app):
    app = make_app(RATELIMIT_API="1 per hour", RATELIMIT_SEARCH="1 per hour", RATELIMIT_FEEDS="1 per hour")
    client = app.test_client()
    assert [client.get("/healthz").status_code for _ in range(5)] == [200] * 5
