"""Harvesting with 1 and with 2 Celery workers (issue 16: the work spreads over workers).

Server mode as shipped: the registry on PostgreSQL with its full-text search, Celery on the Redis at
127.0.0.1:6379, the automatic quality checks on. The records are split over four CKAN-style sources
(each a local server answering from pages written beforehand, as in `bench harvest`), so that there
is work for two workers: one job holds one source at a time. The same four jobs are sent to one
worker, then, on a fresh registry, to two; the time is from sending the jobs to the last one ending.
Each worker runs the solo pool (one job at a time, in the worker process itself), so its peak
resident memory (VmHWM) is the job's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from .bench_harvest import _free_port, write_pages
from .bench_search import PG_URL, _pg_available
from .figures import Figure

ROOT = Path(__file__).resolve().parent.parent
SOURCES = 4
REDIS_URL = os.environ.get("CATALOG_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.exceptions.RedisError:
        return False


def _peak_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _round(workers: int, urls: list[str], total: int, work: Path) -> tuple[float, float, dict]:
    """(seconds for the four jobs, the largest worker peak in MB, the jobs' counts) on a fresh registry."""
    name = f"bench_hw_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    queue = f"catalog-bench-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "CATALOG_INSTANCE_PATH": str(work / f"instance-{workers}"), "CATALOG_SECRET_KEY": "bench",
           "CATALOG_DATABASE_URL": url, "CATALOG_CELERY_BROKER_URL": REDIS_URL, "CATALOG_CELERY_QUEUE": queue,
           "CATALOG_ALLOW_PRIVATE_URLS": "1", "CATALOG_QUALITY_AUTO": "1", "CATALOG_SCHEDULER": "false",
           "CATALOG_LOG_LEVEL": "WARNING"}
    procs: list[subprocess.Popen] = []
    try:
        flask = str(Path(sys.executable).parent / "flask")
        for cmd in (["db", "upgrade"], ["seed", "load"]):
            subprocess.run([flask, "--app", "catalog", *cmd], cwd=ROOT, env=env, check=True, capture_output=True)
        celery = str(Path(sys.executable).parent / "celery")
        for _ in range(workers):
            procs.append(subprocess.Popen(
                [celery, "-A", "catalog.worker", "worker", "--pool", "solo", "--concurrency", "1", "-Q", queue,
                 "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING",
                 "-n", f"{uuid.uuid4().hex[:8]}@bench"], cwd=ROOT, env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(3)  # the workers connect to the broker
        limit = 30 + total / 10  # seconds: generous (10 records/s), but bounded
        out = subprocess.run([sys.executable, "-m", "bench.harvest_workers_child", json.dumps(urls), str(limit)],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=limit + 60)
        if out.returncode != 0:
            raise RuntimeError(f"harvest with {workers} worker(s) failed: {out.stderr[-2000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        peak = max(_peak_mb(p.pid) for p in procs)
        return result["seconds"], peak, result["counts"]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        import redis

        redis.Redis.from_url(REDIS_URL).delete(queue)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(quick: bool = False) -> list[Figure]:
    if not (_pg_available() and _redis_available()):
        return [Figure("harvest with Celery workers: PostgreSQL or Redis did not answer, not measured", 0, "")]
    total = 4_000 if quick else 100_000
    per_source = total // SOURCES
    work = Path(tempfile.mkdtemp(prefix="bench-harvest-workers-"))
    servers: list[subprocess.Popen] = []
    try:
        urls = []
        for k in range(SOURCES):
            folder = work / f"source-{k}"
            folder.mkdir()
            write_pages(folder, per_source, first=k * per_source)
            port = _free_port()
            server = subprocess.Popen([sys.executable, "-m", "bench.ckan_server", str(folder), str(port)], cwd=ROOT,
                                      stdout=subprocess.PIPE, text=True)
            servers.append(server)
            assert server.stdout is not None
            server.stdout.readline()  # "ready"
            urls.append(f"http://127.0.0.1:{port}")
        one_s, one_mb, one_counts = _round(1, urls, total, work)
        two_s, two_mb, two_counts = _round(2, urls, total, work)
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    for counts in (one_counts, two_counts):
        if counts.get("new") != total:
            raise RuntimeError(f"unexpected counts: {counts}")
    size = f"{total:,} CKAN records in {SOURCES} sources"
    load = f"load {os.getloadavg()[0]:.1f}"
    speedup = one_s / two_s
    return [
        Figure(f"harvest, 1 Celery worker, {size}", total / one_s, "records/s", load),
        Figure(f"harvest, 2 Celery workers, {size}", total / two_s, "records/s",
               f"x{speedup:.2f} of 1 worker (> 1.3: the work spreads)", speedup > 1.3),
        Figure("harvest with workers: peak memory of a worker", max(one_mb, two_mb), "MB", "< 400",
               max(one_mb, two_mb) < 400),
    ]
