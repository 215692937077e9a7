"""Background tasks and periodic jobs: in-process threads, and Celery workers on a real Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text

from catalog import tasks
from catalog.db import registry_db
from catalog.models import JobRun

from .conftest import REQUIRE_SERVICES, build_app


def _pings(app) -> list[str]:
    s = registry_db(app).session_factory()
    try:
        return list(s.scalars(select(JobRun.message).where(JobRun.name == "catalog.ping")))
    finally:
        s.close()


def test_enqueue_runs_in_a_thread_with_an_app_context(app):
    future = tasks.enqueue(app, "catalog.ping", "from a thread")
    future.result(timeout=10)
    assert _pings(app) == ["from a thread"]


def test_unknown_tasks_are_refused(app):
    with pytest.raises(KeyError):
        tasks.enqueue(app, "no.such.task")


def test_a_periodic_job_runs_once_per_slot_whoever_asks(app):
    runs = []

    @tasks.periodic("test.every-hour", every=timedelta(hours=1))
    def hourly() -> None:
        runs.append(1)

    try:
        first = tasks.run_due(app)
        second = tasks.run_due(app)  # another process asking in the same hour
        assert "test.every-hour" in first and "test.every-hour" not in second
        tasks.drain(app)
        assert runs == [1]
        s = registry_db(app).session_factory()
        assert s.scalar(select(func.count()).select_from(JobRun).where(JobRun.name == "test.every-hour")) == 1
        s.close()
    finally:
        tasks._TASKS.pop("test.every-hour", None)
        tasks._PERIODIC.pop("test.every-hour", None)


def test_jobs_cli_lists_and_runs(app):
    runner = app.test_cli_runner()
    assert "catalog.ping" in runner.invoke(args=["jobs", "list"]).output
    assert runner.invoke(args=["jobs", "run-due", "--wait"]).exit_code == 0


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("CATALOG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        if REQUIRE_SERVICES:
            pytest.fail(f"Redis is required but {url} failed: {exc}")
        pytest.skip(f"no Redis at {url}")
    redis.Redis.from_url(url).flushdb()
    return url


def test_a_celery_worker_on_redis_runs_the_task(app, redis_url, tmp_path):
    instance = app.config["CATALOG"]["INSTANCE_PATH"]
    env = {**os.environ, "CATALOG_INSTANCE_PATH": instance, "CATALOG_SECRET_KEY": "test-secret",
           "CATALOG_DATABASE_URL": app.config["CATALOG"]["DATABASE_URL"],
           "CATALOG_CELERY_BROKER_URL": redis_url, "CATALOG_LOG_LEVEL": "WARNING"}
    celery_bin = os.path.join(os.path.dirname(sys.executable), "celery")
    worker = subprocess.Popen(
        [celery_bin, "-A", "catalog.worker", "worker", "--pool", "solo", "--concurrency", "1", "-Q", "catalog",
         "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        server_app = build_app(app.config["CATALOG"]["INSTANCE_PATH"], CELERY_BROKER_URL=redis_url)
        task_id = tasks.enqueue(server_app, "catalog.ping", "from celery")
        assert isinstance(task_id, str)
        engine = create_engine(app.config["CATALOG"]["DATABASE_URL"])
        deadline = time.time() + 60
        found = []
        while time.time() < deadline and not found:
            with engine.connect() as conn:
                found = conn.execute(text("select message from job_run where name = 'catalog.ping'")).scalars().all()
            time.sleep(0.5)
        engine.dispose()
        assert found == ["from celery"], (worker.poll(), worker.stderr.read(2000) if worker.poll() else "")
    finally:
        worker.terminate()
        worker.wait(timeout=20)
