"""A mixed public load held for 5 minutes (20 s in quick mode) while a harvest writes into the same
catalogue: search, dataset pages, downloads, feeds and the CKAN API under gunicorn (2 workers).
Figures: requests per second, p95 per route, errors (target 0), and the web workers' memory at the
start and at the end (it must stay flat)."""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote_plus

from .bench_harvest import _free_port, write_pages
from .bench_web import ROOT, _serve
from .figures import Figure

CLIENTS = 8
HARVEST_RECORDS = 20_000


def _routes(port: int) -> dict[str, list[str]]:
    """Paths of each kind, read from the running catalogue (its own API), so the load is real."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/api/v1/datasets?per_page=50&access_level=open")
    datasets = json.loads(conn.getresponse().read())["items"]
    downloads = []
    for ds in datasets:
        conn.request("GET", f"/api/v1/datasets/{ds['slug']}/distributions")
        for dist in json.loads(conn.getresponse().read()).get("items", []):
            downloads.append(f"/distributions/{dist['id']}/download")
    conn.close()
    words = ["dân số", "dan so", "ngân sách", "giao thong", "y tế", "doanh nghiep", "đất đai", "giáo dục"]
    return {
        "search page": [f"/search?q={quote_plus(w)}" for w in words],
        "search API": [f"/api/v1/search?q={quote_plus(w)}" for w in words],
        "dataset page": [f"/datasets/{ds['slug']}" for ds in datasets],
        "download": downloads or ["/datasets"],
        "DCAT feed": ["/catalog.ttl?page=1", "/catalog.jsonld?page=1"],
        "CKAN package_search": [f"/api/3/action/package_search?q={quote_plus(w)}&rows=10" for w in words],
        "Atom feed": ["/feeds/datasets.atom"],
    }


def _load(port: int, routes: dict[str, list[str]], seconds: float) -> dict[str, dict]:
    kinds = list(routes)
    stats: dict[str, dict] = {k: {"times": [], "errors": 0, "codes": {}} for k in kinds}
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(seed: int) -> None:
        rnd = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop:
            kind = kinds[rnd.randrange(len(kinds))]
            path = rnd.choice(routes[kind])
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - started
            with lock:
                entry = stats[kind]
                entry["times"].append(elapsed)
                if status == 0 or status >= 400:
                    entry["errors"] += 1
                    entry["codes"][status] = entry["codes"].get(status, 0) + 1
        conn.close()

    pool = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return stats


def _workers_rss_mb(master: int) -> float:
    """Resident memory of gunicorn's workers (the children of the master), summed."""
    total = 0
    for task in Path(f"/proc/{master}/task").iterdir():
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for pid in children:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000 if ordered else 0.0


def run(quick: bool = False) -> list[Figure]:
    seconds = 20.0 if quick else 300.0
    records = 2_000 if quick else HARVEST_RECORDS
    work = Path(tempfile.mkdtemp(prefix="bench-mixed-"))
    ckan = harvest = web = None
    try:
        instance = work / "instance"
        env = {**os.environ, "CATALOG_INSTANCE_PATH": str(instance), "CATALOG_SECRET_KEY": "bench",
               "CATALOG_LOG_LEVEL": "WARNING", "CATALOG_RATELIMIT_ENABLED": "false"}
        flask = str(Path(sys.executable).parent / "flask")
        for cmd in (["db", "upgrade"], ["seed", "load"], ["harvest", "demo"],
                    ["quality", "run", "--offline", "--quiet"], ["publish", "demo"]):
            subprocess.run([flask, "--app", "catalog", *cmd], cwd=ROOT, env={**env, "CATALOG_QUALITY_AUTO": "false"},
                           check=True, capture_output=True)
        pages = work / "pages"
        pages.mkdir()
        write_pages(pages, records)
        ckan_port = _free_port()
        ckan = subprocess.Popen([sys.executable, "-m", "bench.ckan_server", str(pages), str(ckan_port)], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True)
        assert ckan.stdout is not None
        ckan.stdout.readline()  # "ready"
        web, port = _serve("catalog:create_app()", env)
        routes = _routes(port)
        _load(port, routes, 2.0)  # warm every route once
        rss_start = _workers_rss_mb(web.pid)
        harvest = subprocess.Popen([sys.executable, "-m", "bench.harvest_child", "harvest", str(instance),
                                    f"http://127.0.0.1:{ckan_port}"], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started = time.perf_counter()
        stats = _load(port, routes, seconds)
        elapsed = time.perf_counter() - started
        rss_end = _workers_rss_mb(web.pid)
        harvest_running = harvest.poll() is None
    finally:
        for proc in (harvest, web, ckan):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        shutil.rmtree(work, ignore_errors=True)
    requests = sum(len(s["times"]) for s in stats.values())
    errors = sum(s["errors"] for s in stats.values())
    span = f"{seconds:.0f} s"
    rows = [
        Figure(f"mixed public load for {span} during a harvest ({CLIENTS} clients)", requests / elapsed, "req/s",
               "informative"),
        Figure("mixed public load: failed requests", errors, "", "0", errors == 0),
        Figure("mixed public load: harvest still running at the end (load overlapped it throughout)",
               float(harvest_running), "", "informative"),
        Figure("mixed public load: web workers' memory at the start", rss_start, "MB"),
        Figure("mixed public load: web workers' memory at the end", rss_end, "MB", "< start x 1.5 (flat)",
               rss_end < rss_start * 1.5),
    ]
    for kind, entry in stats.items():
        detail = f" ({entry['codes']})" if entry["errors"] else ""
        rows.append(Figure(f"mixed public load: p95 {kind}{detail}", _p95(entry["times"]), "ms", "informative"))
    return rows
