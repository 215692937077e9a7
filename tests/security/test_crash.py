"""Crash safety: a harvest killed with SIGKILL mid-run (the command a cron job or a worker runs)
leaves the registry consistent, and running it again ends with every record once, nothing lost
or doubled, the search index agreeing with the registry and the audit chain intact."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.bench_harvest import write_pages
from catalog.config import PROJECT_ROOT
from catalog.db import registry_db
from catalog.models import Dataset, Distribution, HarvestJob, HarvestRecord
from catalog.services import harvest as harvest_service
from catalog.services.actor import system_actor

TOTAL = 2_000


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ckan_portal(tmp_path: Path):
    pages = tmp_path / "pages"
    pages.mkdir()
    write_pages(pages, TOTAL)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "bench.ckan_server", str(pages), str(port)], cwd=PROJECT_ROOT,
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)


def _count(session, *what) -> int:
    return session.scalar(select(func.count()).select_from(*what)) or 0


def test_a_harvest_killed_with_sigkill_resumes_with_nothing_lost_or_doubled(seeded_app, ckan_portal):
    cfg = seeded_app.config["CATALOG"]
    s = registry_db(seeded_app).session_factory()
    with seeded_app.app_context():
        src = harvest_service.create_source(s, system_actor("test"), {
            "name": "Cổng CKAN thử", "protocol": "ckan", "organization": "BTC", "url": ckan_portal,
            "default_licence": "CC-BY-4.0", "auto_publish": True}, seeded_app.config["SECRET_KEY"])
        s.commit()
    env = {**os.environ, "CATALOG_INSTANCE_PATH": cfg["INSTANCE_PATH"], "CATALOG_DATABASE_URL": cfg["DATABASE_URL"],
           "CATALOG_SECRET_KEY": "test-secret",
           "CATALOG_ALLOW_PRIVATE_URLS": "true", "CATALOG_QUALITY_AUTO": "false", "CATALOG_HARVEST_BATCH_SIZE": "100",
           "CATALOG_HARVEST_STALE_MINUTES": "0", "CATALOG_LOG_LEVEL": "WARNING", "CATALOG_SCHEDULER": "false"}
    flask = [sys.executable, "-m", "flask", "--app", "catalog"]
    victim = subprocess.Popen([*flask, "harvest", "run", src.slug], cwd=PROJECT_ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # kill it somewhere in the middle: after a random number of records has been written
    target = random.Random().randint(150, TOTAL - 300)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and victim.poll() is None:
        s.expire_all()
        if _count(s, HarvestRecord) >= target:
            break
        time.sleep(0.05)
    assert victim.poll() is None, "the harvest ended before it could be killed"
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    s.expire_all()
    written = _count(s, HarvestRecord)
    assert 0 < written < TOTAL

    again = subprocess.run([*flask, "harvest", "run", src.slug], cwd=PROJECT_ROOT, env=env, capture_output=True,
                           text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    s.expire_all()
    assert _count(s, HarvestRecord) == TOTAL
    assert s.scalar(select(func.count(func.distinct(HarvestRecord.remote_id)))) == TOTAL
    harvested = select(Dataset.id).where(Dataset.harvest_source_id == src.id)
    assert _count(s, harvested.subquery()) == TOTAL
    assert s.scalar(select(func.count(func.distinct(Dataset.slug))).where(Dataset.harvest_source_id == src.id)) \
        == TOTAL
    assert s.scalar(select(func.count()).select_from(Distribution).where(
        Distribution.dataset_id.in_(harvested))) == 2 * TOTAL
    # no job is left "running"; the killed one says it did not finish
    jobs = s.scalars(select(HarvestJob).where(HarvestJob.source_id == src.id).order_by(HarvestJob.id)).all()
    assert [j.status for j in jobs][-1] == "succeeded"
    assert all(j.status != "running" for j in jobs)
    # the search index agrees with the registry (kept current by the harvest that completed it)
    found = seeded_app.test_client().get("/api/v1/search?type=dataset&organization=BTC&per_page=1").json
    assert found["total"] == s.scalar(select(func.count()).select_from(Dataset).where(
        Dataset.publisher_id == src.organization_id, Dataset.status == "published", Dataset.access_level == "open"))
    verify = subprocess.run([*flask, "audit", "verify"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    s.close()
