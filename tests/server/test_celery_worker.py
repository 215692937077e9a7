"""Server mode for real: Celery workers (subprocesses) on the Redis at 127.0.0.1:6379 run a harvest,
the quality checks it queues, a reindex and the periodic jobs beat asks for; a worker killed with
SIGKILL mid-harvest leaves a lock that expires, and the job run again loses and doubles nothing.

Each test run uses its own Celery queue (CATALOG_CELERY_QUEUE) so that runs, and other workers on
the same Redis, never take each other's tasks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from catalog import tasks
from catalog.db import registry_db
from catalog.models import Dataset, HarvestJob, HarvestRecord, HarvestSource, JobRun, QualityReport
from catalog.search import backend_for
from harvesters.runner import queue_job

from ..conftest import REQUIRE_SERVICES, _dispose, build_app
from ..harvest.conftest import CkanPortal, make_source, package
from ..helpers import dataset
from ..httpserver import Reply, Seen

REDIS_URL = os.environ.get("CATALOG_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
PACKAGES = 40
PAGE = 5


@pytest.fixture(scope="module")
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        if REQUIRE_SERVICES:
            pytest.fail(f"Redis is required but {REDIS_URL} failed: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    return REDIS_URL


class Server:
    """The seeded instance in server mode: an app that sends tasks, and workers started on demand."""

    def __init__(self, instance: Path, redis_url: str) -> None:
        self.instance = instance
        self.queue = f"catalog-test-{uuid.uuid4().hex[:10]}"
        self.settings = {"CELERY_BROKER_URL": redis_url, "CELERY_QUEUE": self.queue, "ALLOW_PRIVATE_URLS": "1",
                         "HARVEST_BATCH_SIZE": str(PAGE), "HARVEST_STALE_MINUTES": "0.1", "QUALITY_AUTO": "1",
                         "SCHEDULER": "false", "LOG_LEVEL": "WARNING"}
        self.app = build_app(instance, CELERY_BROKER_URL=redis_url, CELERY_QUEUE=self.queue, ALLOW_PRIVATE_URLS=True,
                             HARVEST_BATCH_SIZE=PAGE, HARVEST_STALE_MINUTES=0.1, QUALITY_AUTO=True, SCHEDULER=False)
        self.workers: list[subprocess.Popen] = []

    def start_worker(self, queue: str | None = None) -> subprocess.Popen:
        env = {**os.environ, "CATALOG_INSTANCE_PATH": str(self.instance), "CATALOG_SECRET_KEY": "test-secret",
               "CATALOG_DATABASE_URL": self.app.config["CATALOG"]["DATABASE_URL"],
               **{f"CATALOG_{k}": v for k, v in self.settings.items()}}
        celery = os.path.join(os.path.dirname(sys.executable), "celery")
        worker = subprocess.Popen(
            [celery, "-A", "catalog.worker", "worker", "--pool", "solo", "--concurrency", "1",
             "-Q", queue or self.queue, "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel", "WARNING", "-n", f"{uuid.uuid4().hex[:8]}@test"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.workers.append(worker)
        return worker

    def session(self) -> Any:
        return registry_db(self.app).session_factory()

    def scalar(self, query: Any) -> Any:
        s = self.session()
        try:
            return s.scalar(query)
        finally:
            s.close()

    def wait(self, what: str, ready: Callable[[], Any], seconds: float = 90) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = ready()
            if value:
                return value
            dead = [w for w in self.workers if w.poll() is not None and w.returncode != -signal.SIGKILL]
            assert not dead, f"a worker died: {dead[0].stderr.read(3000) if dead[0].stderr else ''}"
            time.sleep(0.3)
        raise AssertionError(f"waited {seconds} s for {what}")

    def close(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.terminate()
        for worker in self.workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        celery = tasks.celery_for(self.app)
        with celery.connection_for_write() as conn:  # leave nothing behind in the shared Redis
            for queue in (self.queue, f"{self.queue}-beat"):
                conn.default_channel.queue_delete(queue)
        _dispose(self.app)


@pytest.fixture
def server(seeded_app: Flask, redis_url: str) -> Iterator[Server]:
    instance = Path(seeded_app.config["CATALOG"]["INSTANCE_PATH"])
    srv = Server(instance, redis_url)
    yield srv
    srv.close()


@pytest.fixture
def slow_portal(http_server) -> CkanPortal:
    """A CKAN portal that answers each page of five records in half a second."""
    portal = CkanPortal(http_server, [package(n) for n in range(PACKAGES)])
    fast = portal._search

    def slow(seen: Seen) -> Reply:
        reply = fast(seen)
        reply.delay = 0.5
        return reply

    http_server.handler("/api/3/action/package_search", slow)
    return portal


def _queue_harvest(srv: Server, source_id: str) -> int | None:
    """Queue a job of the source and send it to the workers; None while another job holds the source."""
    s = srv.session()
    try:
        job, created = queue_job(s, s.get(HarvestSource, source_id), "test", srv.app.config["CATALOG"])
        s.commit()
        job_id = job.id
    finally:
        s.close()
    if not created:
        return None
    sent = tasks.enqueue(srv.app, "harvest.run", source_id, job_id)
    assert isinstance(sent, str)  # a Celery task id: nothing runs in this process
    return job_id


def _job(srv: Server, job_id: int) -> HarvestJob:
    s = srv.session()
    try:
        job = s.get(HarvestJob, job_id)
        s.expunge(job)
        return job
    finally:
        s.close()


def _datasets(srv: Server, source_id: str) -> int:
    return srv.scalar(select(func.count()).select_from(Dataset).where(Dataset.harvest_source_id == source_id))


def test_a_worker_killed_mid_harvest_loses_and_doubles_nothing(server, slow_portal):
    source = make_source(server.app, url=slow_portal.url, filters={"rows": PAGE, "incremental": False})
    first = server.start_worker()
    first_job = _queue_harvest(server, source.id)
    assert first_job is not None
    server.wait("two batches written", lambda: _datasets(server, source.id) >= 2 * PAGE)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    written = _datasets(server, source.id)
    assert 0 < written < PACKAGES  # killed mid-harvest
    assert _job(server, first_job).status == "running"  # the dead job still holds its lease...

    assert _queue_harvest(server, source.id) is None  # ...for a few seconds (CATALOG_HARVEST_STALE_MINUTES)

    server.start_worker()
    again = server.wait("the lease to expire", lambda: _queue_harvest(server, source.id), seconds=30)
    job = server.wait("the job run again", lambda: (j := _job(server, again)).status in ("succeeded", "failed") and j)
    assert job.status == "succeeded", job.message
    assert _job(server, first_job).status == "failed"
    assert "stopped responding" in (_job(server, first_job).message or "")
    # nothing lost, nothing doubled
    assert _datasets(server, source.id) == PACKAGES
    assert server.scalar(select(func.count(func.distinct(Dataset.remote_id)))
                         .where(Dataset.harvest_source_id == source.id)) == PACKAGES
    assert server.scalar(select(func.count()).select_from(HarvestRecord)
                         .where(HarvestRecord.source_id == source.id)) == PACKAGES
    assert job.new + job.unchanged + job.updated == PACKAGES and job.new == PACKAGES - written

    # the harvest queued ONE quality job for the source, which the worker ran: every dataset checked
    def checked() -> bool:
        return server.scalar(select(func.count()).select_from(QualityReport).join(
            Dataset, Dataset.id == QualityReport.dataset_id).where(
            Dataset.harvest_source_id == source.id, QualityReport.status == "done")) == PACKAGES

    server.wait("the post-harvest quality checks", checked)
    # the killed job's records are searchable too (the next job healed the index)
    ids = set(registry_db(server.app).session_factory().scalars(
        select(Dataset.id).where(Dataset.harvest_source_id == source.id)))
    assert ids <= backend_for(server.app).ids()


def test_a_worker_runs_a_quality_check_and_a_reindex(server):
    server.start_worker()
    s = server.session()
    try:
        from catalog.quality import service as quality

        ds = dataset(s, "BTC", title_vi="Bộ dữ liệu không có liên kết")  # nothing to ask off this machine
        report, _created = quality.request_check(s, ds, "manual")
        s.commit()
        report_id = report.id
    finally:
        s.close()
    tasks.enqueue(server.app, "quality.run", report_id)
    server.wait("the quality check", lambda: server.scalar(
        select(QualityReport.status).where(QualityReport.id == report_id)) == "done")

    backend = backend_for(server.app)
    def emptied() -> bool:
        # the worker refreshes the checked dataset's entry just after the report says "done": empty the
        # index again until nothing comes back
        backend.update([], delete_ids=backend.ids())
        return not backend.ids()

    server.wait("an emptied index", emptied)  # an index that lost everything...
    tasks.enqueue(server.app, "search.reindex")  # ...rebuilt by a worker
    every = set(registry_db(server.app).session_factory().scalars(select(Dataset.id)))
    server.wait("the reindex", lambda: every <= backend.ids())


def _waiting(server: Server) -> int:
    with tasks.celery_for(server.app).connection_for_write() as conn:
        return conn.default_channel.client.llen(server.queue)


def test_beat_sends_run_due_which_queues_the_periodic_jobs_to_the_workers(server):
    celery = tasks.celery_for(server.app)
    assert celery.conf.beat_schedule == {"catalog-run-due": {"task": "catalog.run_due", "schedule": 60.0}}
    # A worker reads only run_due's queue here: the jobs it queues stay waiting, since they would ask
    # servers off this machine (link checks, connection probes); they are deleted with the queue.
    server.start_worker(queue=f"{server.queue}-beat")
    celery.send_task("catalog.run_due", queue=f"{server.queue}-beat")  # what beat sends every minute
    names = set(tasks.periodic_jobs())
    assert {"harvest.due", "quality.links", "quality.harvested", "sharing.housekeeping"} <= names
    server.wait("every periodic job claimed once", lambda: set(server.session().scalars(
        select(JobRun.name).where(JobRun.name.in_(names)))) == names)
    server.wait("the periodic jobs queued for the workers", lambda: _waiting(server) == len(names))
    celery.send_task("catalog.run_due", queue=f"{server.queue}-beat")  # beat again within the same slots
    time.sleep(2)
    assert _waiting(server) == len(names)  # nothing queued twice
