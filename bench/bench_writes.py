"""Concurrent writers through the web app: 20 clients register datasets through the API at once,
under gunicorn (2 workers), on SQLite and on PostgreSQL. Figures: creations per second, and that
nothing is lost (every 201 is a row; every other answer is counted as an error)."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from .bench_web import ROOT, _serve
from .figures import Figure

WRITERS = 20
PG_SERVER = os.environ.get("CATALOG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _flask(env: dict[str, str], *args: str) -> str:
    flask = str(Path(sys.executable).parent / "flask")
    return subprocess.run([flask, "--app", "catalog", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout


def _prepare(instance: Path, database_url: str | None) -> tuple[dict[str, str], str]:
    env = {**os.environ, "CATALOG_INSTANCE_PATH": str(instance), "CATALOG_SECRET_KEY": "bench",
           "CATALOG_LOG_LEVEL": "WARNING", "CATALOG_RATELIMIT_ENABLED": "false", "CATALOG_QUALITY_AUTO": "false"}
    if database_url:
        env["CATALOG_DATABASE_URL"] = database_url
    _flask(env, "db", "upgrade")
    _flask(env, "seed", "load")
    email = "bench-writer@example.vn"
    code = ("import sys; from catalog import create_app; from catalog.db import registry_db; "
            "from catalog.models import User; "
            "app = create_app(); s = registry_db(app).session_factory(); "
            "u = User(email=sys.argv[1], name='bench', is_admin=True); s.add(u); s.commit()")
    subprocess.run([sys.executable, "-c", code, email], cwd=ROOT, env=env, check=True, capture_output=True)
    scopes = ("--scope", "read", "--scope", "write", "--scope", "admin")
    token = _flask(env, "users", "token", email, *scopes).splitlines()[0].strip()
    return env, token


def _write(port: int, token: str, seconds: float) -> tuple[int, int, float]:
    ok = [0] * WRITERS
    errors = [0] * WRITERS
    stop = time.perf_counter() + seconds

    def writer(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        n = 0
        while time.perf_counter() < stop:
            n += 1
            body = json.dumps({"title_vi": f"Tập dữ liệu ghi đồng thời {i}-{n}", "publisher": "BTC",
                               "access_level": "restricted", "description_vi": "Đo tốc độ ghi."})
            try:
                conn.request("POST", "/api/v1/datasets", body=body, headers={
                    "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                if response.status == 201:
                    ok[i] += 1
                else:
                    errors[i] += 1
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.close()

    pool = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    started = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(ok), sum(errors), time.perf_counter() - started


def _stored(env: dict[str, str]) -> int:
    code = ("from sqlalchemy import func, select; from catalog import create_app; from catalog.db import registry_db; "
            "from catalog.models import Dataset; app = create_app(); s = registry_db(app).session_factory(); "
            "print(s.scalar(select(func.count()).select_from(Dataset).where(Dataset.title_vi.like('Tập dữ liệu ghi "
            "đồng thời%'))))")
    return int(subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True,
                              text=True).stdout.strip())


def _pg_database() -> tuple[str, str] | None:
    from sqlalchemy import create_engine, make_url, text

    try:
        admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        name = f"bench_writes_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception:  # no server: the PostgreSQL figure is left out and says so
        return None
    return name, make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)


def _drop(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _measure(label: str, database_url: str | None, seconds: float) -> list[Figure]:
    instance = Path(tempfile.mkdtemp(prefix="bench-writes-"))
    try:
        env, token = _prepare(instance, database_url)
        proc, port = _serve("catalog:create_app()", env)
        try:
            created, errors, elapsed = _write(port, token, seconds)
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        stored = _stored(env)
    finally:
        shutil.rmtree(instance, ignore_errors=True)
    return [
        Figure(f"{WRITERS} concurrent writers, {label}: datasets created", created / elapsed, "/s",
               "informative (3.5/s on SQLite before WAL and the chain lock)"),
        Figure(f"{WRITERS} concurrent writers, {label}: failed requests", errors, "", "0", errors == 0),
        Figure(f"{WRITERS} concurrent writers, {label}: 201 answers not stored", created - stored, "", "0",
               created == stored),
    ]


def run(quick: bool = False) -> list[Figure]:
    seconds = 5.0 if quick else 30.0
    rows = _measure("SQLite", None, seconds)
    pg = _pg_database()
    if pg is None:
        rows.append(Figure("concurrent writers, PostgreSQL: no server at CATALOG_TEST_POSTGRES_URL", 0, "", ""))
        return rows
    name, url = pg
    try:
        rows.extend(_measure("PostgreSQL", url, seconds))
    finally:
        _drop(name)
    return rows
