"""Is this instance able to serve? One cheap check per service it depends on, for /healthz.

Each check runs in its own thread with a time limit (`CATALOG_HEALTH_TIMEOUT_SECONDS`), so a
database that does not answer makes the probe fail quickly instead of hanging the load balancer.
Answers name what is down and the kind of error, never an address, a user or a password.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import text

#: The services checked, in the order they are reported.
SERVICES = ("database", "index", "broker", "storage")


@dataclass
class Check:
    ok: bool
    ms: float
    error: str | None = None
    detail: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": self.ok, "ms": round(self.ms, 1)}
        if self.detail:
            out["detail"] = self.detail
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class Health:
    checks: dict[str, Check] = field(default_factory=dict)

    @property
    def down(self) -> list[str]:
        return [name for name, check in self.checks.items() if not check.ok]

    def as_dict(self) -> dict[str, Any]:
        return {"status": "down" if self.down else "ok", "down": self.down,
                "checks": {name: check.as_dict() for name, check in self.checks.items()}}


def _database(app: Flask) -> str | None:
    from ..db import registry_db

    with registry_db(app).engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return None


def _index(app: Flask) -> str | None:
    from ..search import backend_for, journal

    backend_for(app).check()
    behind = len(journal.waiting(app, journal.REPLAY_AFTER_SECONDS))
    name = app.config["CATALOG"]["SEARCH_BACKEND"]
    # commits a crashed process never indexed; the periodic job `search.journal` indexes them
    return f"{name}, {behind} commits not yet indexed" if behind else name


def _broker(app: Flask) -> str | None:
    url = app.config["CATALOG"]["CELERY_BROKER_URL"]
    if not url:
        return "in-process"
    timeout = app.config["CATALOG"]["HEALTH_TIMEOUT_SECONDS"]
    if url.startswith(("redis://", "rediss://", "unix://")):
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
        return "redis"
    from kombu import Connection

    with Connection(url, connect_timeout=timeout) as conn:
        conn.ensure_connection(max_retries=1)
    return url.split(":", 1)[0]


def _storage(app: Flask) -> str | None:
    from .. import storage

    store = storage.for_folder(app.config["CATALOG"]["UPLOAD_FOLDER"])
    store.check()
    return "s3" if isinstance(store, storage.S3Storage) else "local"


CHECKS: dict[str, Callable[[Flask], str | None]] = {
    "database": _database, "index": _index, "broker": _broker, "storage": _storage,
}


def _run(app: Flask, fn: Callable[[Flask], str | None], timeout: float) -> Check:
    result: dict[str, Any] = {}
    start = time.perf_counter()

    def target() -> None:
        try:
            with app.app_context():
                result["detail"] = fn(app)
        except Exception as exc:
            result["error"] = type(exc).__name__

    thread = threading.Thread(target=target, name="healthz", daemon=True)
    thread.start()
    thread.join(timeout)
    ms = (time.perf_counter() - start) * 1000
    if thread.is_alive():
        return Check(False, ms, error=f"no answer within {timeout:g} s")
    if "error" in result:
        return Check(False, ms, error=result["error"])
    return Check(True, ms, detail=result.get("detail"))


def check_all(app: Flask) -> Health:
    """Every check, run side by side; the whole answer takes at most the time limit."""
    timeout = float(app.config["CATALOG"]["HEALTH_TIMEOUT_SECONDS"])
    health = Health()
    results: dict[str, Check] = {}

    def one(name: str) -> None:
        results[name] = _run(app, CHECKS[name], timeout)

    threads = [threading.Thread(target=one, args=(name,), daemon=True) for name in SERVICES]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 1)
    for name in SERVICES:
        health.checks[name] = results.get(name) or Check(False, timeout * 1000, error="no answer")
    return health
