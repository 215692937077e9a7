"""Harvest fidelity of a DCAT-AP 3 catalogue (issue 14): does the catalogue keep everything it says it reads?

A catalogue is generated (`bench/dcat_catalogue.py`) in which every dataset says every DCAT-AP property
the DCAT harvester declares it reads (`DATASET_PREDICATES`, `DISTRIBUTION_PREDICATES` in
harvesters/dcat.py), in Vietnamese and English, with two distributions saying every declared
distribution property, a contact point, a publisher, a coverage box, a period, and series links. It is
served from a loopback HTTP server and harvested as `harvest run` does, in a process of its own.

Figures, each beside its target:
- the job's own fidelity report: the share of source properties it kept (target: 100 %);
- read back from the registry: the share of (dataset, property) pairs whose generated value is stored
  (target: 100 %; the properties that missed are named) - the report says what was mapped, this says
  what arrived;
- the first run's speed in records/s (target: at least 50 records/s for these large records, about 50
  triples each plus two distributions of about 15);
- informative: the same report for a catalogue saying every property of the DCAT-AP 3 Dataset and
  Distribution shapes, with the properties the catalogue does not keep.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from harvesters import fidelity

from . import dcat_catalogue
from .figures import Figure

ROOT = Path(__file__).resolve().parent.parent
MIN_RATE = 50.0


def _server(documents: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = documents.get(self.path.split("?", 1)[0])
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/turtle; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _child(instance: Path, url: str, slug: str, env: dict[str, str], limit: float) -> dict[str, Any]:
    try:
        out = subprocess.run([sys.executable, "-m", "bench.fidelity_child", str(instance), url, slug], cwd=ROOT,
                             env=env, capture_output=True, text=True, check=True, timeout=limit)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"fidelity bench harvest {slug!r} did not end within {limit:.0f} s") from exc
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"fidelity bench harvest {slug!r} failed: {exc.stderr[-2000:]}") from exc
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> list[Figure]:
    total = 100 if quick else 2_000
    declared_ds, declared_dist = dcat_catalogue.declared()
    every_ds, every_dist = dcat_catalogue.every()
    documents = {
        "/declared.ttl": dcat_catalogue.catalogue(total, declared_ds, declared_dist).encode("utf-8"),
        "/every.ttl": dcat_catalogue.catalogue(total, every_ds, every_dist).encode("utf-8"),
    }
    work = Path(tempfile.mkdtemp(prefix="bench-fidelity-"))
    server = _server(documents)
    try:
        instance = work / "instance"
        env = {**os.environ, "CATALOG_INSTANCE_PATH": str(instance), "CATALOG_SECRET_KEY": "bench",
               "CATALOG_LOG_LEVEL": "WARNING", "CATALOG_QUALITY_AUTO": "0", "CATALOG_CELERY_BROKER_URL": ""}
        flask = str(Path(sys.executable).parent / "flask")
        for cmd in (["db", "upgrade"], ["seed", "load"]):
            subprocess.run([flask, "--app", "catalog", *cmd], cwd=ROOT, env=env, check=True, capture_output=True)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        limit = 60.0 + total / 5
        declared = _child(instance, f"{base}/declared.ttl", "bench-dcat-declared", env, limit)
        every = _child(instance, f"{base}/every.ttl", "bench-dcat-every", env, limit)
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(work, ignore_errors=True)
    for name, result in (("declared", declared), ("every", every)):
        if result["counts"]["new"] != total:
            raise RuntimeError(f"fidelity bench ({name}): expected {total} new datasets, got {result['counts']} "
                               f"({result['message']})")
    report = declared["fidelity"]
    kept = fidelity.kept_percent(report) or 0.0
    lost = ", ".join(f"{k} ×{n:,}" for k, n in fidelity.not_kept(report, 4)) or "nothing"
    expected, stored = declared["expected"], declared["stored"]
    arrived = 100.0 * sum(stored.values()) / max(sum(expected.values()), 1)
    missed = sorted(p for p in expected if stored.get(p, 0) < expected[p])
    rate = declared["records"] / declared["seconds"]
    every_kept = fidelity.kept_percent(every["fidelity"]) or 0.0
    every_lost = len(fidelity.not_kept(every["fidelity"]))
    size = f"{total:,} DCAT-AP 3 datasets"
    props = f"{len(declared_ds)} dataset + {len(declared_dist)} distribution properties"
    return [
        Figure(f"fidelity: source properties kept (job report), {size}, the {props} the mapping reads "
               f"(not kept: {lost})", kept, "%", "= 100 %", kept == 100.0),
        Figure(f"fidelity: generated values found stored, read back ({sum(expected.values()):,} checks; "
               f"missed: {', '.join(missed) or 'none'})", arrived, "%", "= 100 %", not missed),
        Figure(f"fidelity: first run, {size} with every declared property", rate, "records/s",
               f">= {MIN_RATE:.0f}", rate >= MIN_RATE),
        Figure(f"fidelity: every DCAT-AP 3 Dataset/Distribution property ({len(every_ds)} + {len(every_dist)}), "
               f"source properties kept ({every_lost} properties not kept)", every_kept, "%"),
        Figure(f"fidelity: first run, {size} with every DCAT-AP 3 property", every["records"] / every["seconds"],
               "records/s"),
    ]
