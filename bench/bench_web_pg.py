"""Web requests per second with 1 and with 2 gunicorn workers on PostgreSQL, next to a bare Flask
"hello" served with as many workers in the same run (issue 16: the work spreads over processes).

The registry is on PostgreSQL with its full-text search, filled as `bench web` fills SQLite (the
seed opened through the publication procedure, then 10,000 generated datasets). Each route is
measured with 1 worker and with 2, the hello app in turn with the same worker count; the anonymous
page cache stays on, as shipped. The ratio 2 workers / 1 worker shows whether a second process adds
throughput (on two cores it can at most double; wrk and PostgreSQL share those cores).
"""

from __future__ import annotations

import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from .bench_search import PG_URL, _pg_available
from .bench_web import _load, _prepare, _serve, generator
from .figures import Figure

ROUTES = [
    ("dataset page", "/datasets/don-vi-hanh-chinh-cap-tinh-2025"),
    ("API dataset list", "/api/v1/datasets?per_page=20"),
    ("search page (dân cư)", "/search?q=d%C3%A2n%20c%C6%B0"),
]


def _measure(env: dict[str, str], workers: int, seconds: float) -> tuple[float, dict[str, float]]:
    hello, hello_port = _serve("bench.hello_app:app", env, workers)
    catalog, port = _serve("catalog:create_app()", {**env, "CATALOG_SCHEDULER": "false"}, workers)
    try:
        _load(hello_port, "/", 1.0)
        for _name, path in ROUTES:
            _load(port, path, 1.0)  # warm both sides alike
        ceilings, rates = [], {}
        for name, path in ROUTES:  # baseline and catalogue in turn
            ceilings.append(_load(hello_port, "/", seconds)[0])
            rates[name] = _load(port, path, seconds)[0]
        ceilings.append(_load(hello_port, "/", seconds)[0])
        return sorted(ceilings)[len(ceilings) // 2], rates
    finally:
        for proc in (hello, catalog):
            proc.terminate()
            proc.wait()


def run(quick: bool = False) -> list[Figure]:
    if not _pg_available():
        return [Figure("web on PostgreSQL: no server answered, not measured", 0, "")]
    import tempfile
    from pathlib import Path

    seconds = 3.0 if quick else 8.0
    n = 2_000 if quick else 10_000
    name = f"bench_webpg_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    saved = os.environ.get("CATALOG_DATABASE_URL")
    os.environ["CATALOG_DATABASE_URL"] = url  # _prepare's commands and the served apps read it
    try:
        with tempfile.TemporaryDirectory(prefix="bench-webpg-") as tmp:
            env = _prepare(Path(tmp), n)
            one = _measure(env, 1, seconds)
            two = _measure(env, 2, seconds)
    finally:
        if saved is None:
            os.environ.pop("CATALOG_DATABASE_URL", None)
        else:
            os.environ["CATALOG_DATABASE_URL"] = saved
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    how = f"{generator()}, {n:,} datasets, PostgreSQL search, load {os.getloadavg()[0]:.1f}"
    figures = [
        Figure("web PG: bare Flask hello, 1 worker", one[0], "req/s", how),
        Figure("web PG: bare Flask hello, 2 workers", two[0], "req/s", f"x{two[0] / max(one[0], 1e-9):.2f}"),
    ]
    for route, _path in ROUTES:
        r1, r2 = one[1][route], two[1][route]
        figures.append(Figure(f"web PG: {route}, 1 worker", r1, "req/s", f"{100 * r1 / one[0]:.1f}% of hello"))
        figures.append(Figure(f"web PG: {route}, 2 workers", r2, "req/s",
                              f"x{r2 / max(r1, 1e-9):.2f} of 1 worker (> 1.3: the work spreads); "
                              f"{100 * r2 / two[0]:.1f}% of hello", r2 / max(r1, 1e-9) > 1.3))
    return figures
