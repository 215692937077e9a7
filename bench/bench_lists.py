"""Lists at scale: p50/p95 of `/datasets`, `/api/v1/datasets`, the home page and CKAN's
`package_search` on a registry of 10,000 and 100,000 datasets, SQLite and PostgreSQL (issue 16).

The requests go through the whole app in-process (Flask's test client: routing, policy, queries,
templates; no network), as a visitor who is not signed in, with the anonymous page cache switched
off so that every request does the list's work. Pages 1-3 and a filter by agency are asked in turn.
Target (issue 16): p95 under 30 ms at 100,000 datasets on both registries.
"""


from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url

from .bench_search import PG_URL, _generate, _pg_available
from .figures import Figure

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 30.0
ROUNDS = 60


def fill(app: Any, n: int) -> None:
    """Seed + `n` generated published datasets, with creation dates spread over years (list orders)."""
    from catalog import migrate
    from catalog.db import registry_db
    from catalog.models import Dataset
    from catalog.services.seed import load_seed

    migrate.upgrade(app)
    with app.app_context():
        s = registry_db(app).session_factory()
        load_seed(s, ROOT / "seed", app.config["CATALOG"])
        s.commit()
        _generate(s, n, random.Random(n))
        start = datetime(2020, 1, 1, tzinfo=UTC)
        ids = list(s.scalars(select(Dataset.id).where(Dataset.slug.like("bench-%")).order_by(Dataset.slug)))
        rnd = random.Random(1)
        for i in range(0, len(ids), 5000):
            s.execute(update(Dataset), [{"id": d, "created_at": start + timedelta(minutes=rnd.randint(0, 3_000_000)),
                                         "updated_at": start + timedelta(minutes=rnd.randint(0, 3_000_000))}
                                        for d in ids[i:i + 5000]])
        s.commit()
        if registry_db(app).is_postgres:
            s.execute(text("ANALYZE"))
            s.commit()
        s.close()


PATHS = [
    ("/datasets page 1-3", ["/datasets", "/datasets?page=2", "/datasets?page=3", "/datasets?organization=BTC"]),
    ("/api/v1/datasets", ["/api/v1/datasets?per_page=20", "/api/v1/datasets?per_page=20&page=3",
                          "/api/v1/datasets?per_page=20&organization=BTC"]),
    ("home page", ["/"]),
    ("package_search", ["/api/3/action/package_search?rows=20", "/api/3/action/package_search?rows=20&start=40",
                        "/api/3/action/package_search?rows=20&fq=organization:btc"]),
]


def _time(app: Any, paths: list[str]) -> tuple[float, float, float]:
    client = app.test_client()
    for p in paths:  # warm both sides alike: first requests fill caches and compile templates
        r = client.get(p)
        if r.status_code != 200:
            raise RuntimeError(f"{p} answered {r.status_code}")
    times, cpu = [], []
    for i in range(ROUNDS):
        p = paths[i % len(paths)]
        started, cpu_started = time.perf_counter(), time.process_time()
        r = client.get(p)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        if r.status_code != 200:
            raise RuntimeError(f"{p} answered {r.status_code}")
    times.sort()
    cpu.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], cpu[int(len(cpu) * 0.95) - 1]


def _measure(label: str, app: Any) -> list[Figure]:
    rows = []
    for name, paths in PATHS:
        p50, p95, cpu95 = _time(app, paths)
        # the wall time counts the waits for the cores other processes hold (the load average is
        # printed); the CPU time of the request itself is printed beside it
        rows.append(Figure(f"lists {label}: {name}", p95, "ms p95",
                           f"< {TARGET_MS:.0f} ms (p50 {p50:.1f} ms; CPU p95 {cpu95:.1f} ms; "
                           f"load {os.getloadavg()[0]:.1f})", p95 < TARGET_MS))
    return rows


def _size(n: int, with_pg: bool) -> list[Figure]:
    from catalog import create_app
    from catalog.db import registry_db

    rows: list[Figure] = []
    # no periodic jobs in the measured process (in a deployment, Celery beat runs them elsewhere)
    settings = {"SECRET_KEY": "bench", "LOG_LEVEL": "WARNING", "PAGE_CACHE_SECONDS": 0, "RATELIMIT_ENABLED": False,
                "QUALITY_AUTO": False, "SCHEDULER": False}
    with tempfile.TemporaryDirectory(prefix="bench-lists-") as tmp:
        app = create_app({"INSTANCE_PATH": tmp, **settings})
        fill(app, n)
        rows += _measure(f"{n:,} SQLite", app)
        registry_db(app).engine.dispose()
        if with_pg:
            name = f"bench_lists_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
            try:
                pg_app = create_app({"INSTANCE_PATH": str(Path(tmp) / "pg"), "DATABASE_URL": url, **settings})
                fill(pg_app, n)
                rows += _measure(f"{n:,} PostgreSQL", pg_app)
                registry_db(pg_app).engine.dispose()
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    return rows


def run(quick: bool = False) -> list[Figure]:
    with_pg = _pg_available()
    rows: list[Figure] = []
    for n in ((10_000,) if quick else (10_000, 100_000)):
        rows.extend(_size(n, with_pg))
    if not with_pg:
        rows.append(Figure("lists: PostgreSQL: no server answered, not measured", 0, ""))
    return rows
