"""Connection health at scale: a probe round over many connections, memory across rounds, and the
connection page with 30 days of probe history.

- 10,000 connections (1,000 with --quick), each with a health URL on a local HTTP server, are
  probed in one round through the guarded HTTP client with CATALOG_PROBE_CONCURRENCY requests at
  once; target (issue 15): the round finishes within the probe interval (5 minutes).
- The same round again: peak traced memory of the second round within 10% (or 5 MB) of the first
  (memory flat: nothing accumulates between rounds).
- 20 connections (5 with --quick) get 30 days of probes every 5 minutes (8,640 each, one failure
  in 50); `/connections/<id>` is read by an officer 50 times each; target: p95 under 100 ms.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import threading
import time
import tracemalloc
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import insert, select

from .figures import Figure

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench password long enough"  # noqa: S105 - a throw-away account in a temporary registry


class _Health(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = b'{"status":"ok"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)


def run(quick: bool = False) -> list[Figure]:
    from catalog import create_app, migrate
    from catalog.config import PROJECT_ROOT
    from catalog.db import registry_db
    from catalog.models import Connection, ConnectionCheck, Database, Membership, Organization, utcnow
    from catalog.services import connection_health as health
    from catalog.services import users
    from catalog.services.actor import system_actor
    from catalog.services.seed import load_seed

    n_conn = 1_000 if quick else 10_000
    n_hist = 5 if quick else 20
    folder = Path(tempfile.mkdtemp(prefix="bench-conn-"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/health"
    figures: list[Figure] = []
    try:
        app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench", "QUALITY_AUTO": False,
                          "ALLOW_PRIVATE_URLS": True, "SCHEDULER": False})
        app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
        migrate.upgrade(app)
        cfg = app.config["CATALOG"]
        with app.app_context():
            s = registry_db(app).session_factory()
            s.info["app"] = app
            load_seed(s, PROJECT_ROOT / "seed", cfg)
            s.commit()
            npsp = s.scalar(select(Database).where(Database.code == "NPSP"))
            dc = s.scalar(select(Database).where(Database.code == "DC"))
            confirmed = utcnow()
            rows = [{"id": f"bench-{i:06d}", "code": f"BENCH-{i:06d}", "consumer_id": npsp.id,
                     "provider_database_id": dc.id, "consumer_org_id": npsp.owner_id, "provider_org_id": dc.owner_id,
                     "items": [], "platform": "NDXP", "mode": "realtime_api", "status": "operating",
                     "probe_url": url, "probe_expected_status": 200, "probe_interval_minutes": 5,
                     "confirmed_at": confirmed} for i in range(n_conn)]
            s.execute(insert(Connection), rows)
            s.commit()
            now = utcnow()
            peaks = []
            for k in range(2):
                tracemalloc.start()
                started = time.perf_counter()
                asked = health.probe_round(s, cfg, now + timedelta(minutes=5 * k))
                s.commit()
                seconds = time.perf_counter() - started
                peaks.append(tracemalloc.get_traced_memory()[1] / 1e6)
                tracemalloc.stop()
                s.expunge_all()
                if k == 0:
                    figures.append(Figure(f"probe round, {asked:,} connections, concurrency "
                                          f"{cfg['PROBE_CONCURRENCY']}", seconds, "s", "< 300 s (the interval)",
                                          seconds < 300))
                    figures.append(Figure("probes per second", asked / seconds, "/s"))
            figures.append(Figure("peak traced memory, round 1", peaks[0], "MB"))
            figures.append(Figure("peak traced memory, round 2", peaks[1], "MB", "within 10% or 5 MB of round 1",
                                  peaks[1] <= max(peaks[0] * 1.1, peaks[0] + 5)))
            # 30 days of history on a few connections
            start = now - timedelta(days=30)
            history_ids = [f"bench-{i:06d}" for i in range(n_hist)]
            for conn_id in history_ids:
                batch = [{"connection_id": conn_id, "kind": "probe", "at": start + timedelta(minutes=5 * j),
                          "ok": j % 50 != 0, "status_code": 200 if j % 50 else 500, "latency_ms": 20 + j % 37,
                          "in_maintenance": False} for j in range(8640)]
                s.execute(insert(ConnectionCheck), batch)
            officer = users.create_user(s, system_actor("bench"), {
                "email": "bench@example.gov.vn", "name": "Bench", "password": PASSWORD})
            s.add(Membership(user_id=officer.id, organization_id=s.scalar(
                select(Organization.id).where(Organization.code == "HN")), role="editor"))
            s.commit()
            s.close()
        client = app.test_client()
        signed_in = client.post("/login", data={"email": "bench@example.gov.vn", "password": PASSWORD})
        if signed_in.status_code != 302:
            raise RuntimeError("could not sign in")
        timings = []
        for conn_id in history_ids:
            for _ in range(50):
                started = time.perf_counter()
                response = client.get(f"/connections/{conn_id}")
                timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200 or b"chart" not in response.data:
                    raise RuntimeError(f"/connections/{conn_id} answered {response.status_code} without its charts")
        p95 = statistics.quantiles(timings, n=20)[-1]
        figures.append(Figure("/connections/<id> with 30 days of history (8,640 probes), p50", statistics.median(
            timings), "ms"))
        figures.append(Figure("/connections/<id> with 30 days of history, p95", p95, "ms", "< 100 ms", p95 < 100))
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(folder, ignore_errors=True)
    return figures
