"""A mixed public load held for 5 minutes (20 s in quick mode; BENCH_MIXED_SECONDS sets it) while a
harvest writes into the same catalogue: search, dataset pages, downloads, feeds and the CKAN API under
gunicorn (2 workers).

The harvest runs the whole time: rounds of the same CKAN source run one after the other, each round's
pages revised so that every record is updated (written, re-indexed, the change counter raised per
batch) until the load stops. Periodic jobs are off in the web workers (CATALOG_SCHEDULER=false), as in
bench_web: a deployment runs them in Celery beat, and here they would check links off this machine.

BENCH_MIXED_PREFILL=1 runs the first round before the load, so that the load meets a catalogue of
constant size whose records are updated round after round.

Figures: requests per second, p95 per route, errors (target 0), records harvested, the share of the
load time a harvest was running, and the web workers' memory: each worker's series (start, every
minute, end) and "flat": the workers' total after the first minute (the caches filled, the harvest
started) may grow by less than 10 % up to its peak in the remaining minutes (issue 17).
"""

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
#: records of one harvest round (rounds repeat until the load stops)
HARVEST_RECORDS = 20_000
#: seconds between two readings of the workers' memory
SAMPLE_EVERY = 5.0
#: growth of the workers' memory allowed after the first minute, up to its peak (issue 17)
FLAT_GROWTH = 0.10


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


def _workers_rss_mb(master: int, field: str = "VmRSS") -> dict[int, float]:
    """Resident memory (MB) of each of gunicorn's workers (the children of the master). `RssAnon`: only
    the process's own memory, without the pages of files it maps (the search index's segments are
    mapped: they count in VmRSS while read, but the kernel shares them and takes them back)."""
    found: dict[int, float] = {}
    for task in Path(f"/proc/{master}/task").iterdir():
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for pid in children:
            try:
                lines = Path(f"/proc/{pid}/status").read_text().splitlines()
            except OSError:
                continue  # a worker that just exited
            for line in lines:
                if line.startswith(f"{field}:"):
                    found[int(pid)] = int(line.split()[1]) / 1024
    return found


class _Sampler(threading.Thread):
    """Reads the workers' memory every `SAMPLE_EVERY` seconds while the load runs."""

    def __init__(self, master: int) -> None:
        super().__init__(daemon=True)
        self.master = master
        self.started = time.perf_counter()
        self.samples: list[tuple[float, dict[int, float]]] = [(0.0, _workers_rss_mb(master))]
        self.anon: list[tuple[float, dict[int, float]]] = [(0.0, _workers_rss_mb(master, "RssAnon"))]
        self.done = threading.Event()

    def _sample(self) -> None:
        at = time.perf_counter() - self.started
        self.samples.append((at, _workers_rss_mb(self.master)))
        self.anon.append((at, _workers_rss_mb(self.master, "RssAnon")))

    def run(self) -> None:
        while not self.done.wait(SAMPLE_EVERY):
            self._sample()

    def stop(self) -> None:
        self.done.set()
        self.join()
        self._sample()

    def series(self) -> list[tuple[float, dict[int, float]]]:
        """The samples at the start, nearest each whole minute, and at the end."""
        marks = [self.samples[0]]
        minute = 60.0
        for at, rss in self.samples[1:-1]:
            if at >= minute:
                marks.append((at, rss))
                minute += 60.0
        marks.append(self.samples[-1])
        return marks

    def flat(self, anon: bool = False) -> tuple[float, float, float]:
        """The workers' total after the first minute (or the first sample of a short run), its peak
        afterwards, and the growth between them as a share."""
        after = [(at, sum(rss.values())) for at, rss in (self.anon if anon else self.samples)]
        mark = 60.0 if after[-1][0] >= 120.0 else after[-1][0] / 4
        base = next(total for at, total in after if at >= mark)
        peak = max(total for at, total in after if at >= mark)
        return base, peak, (peak - base) / base if base else 0.0


class _HarvestLoop(threading.Thread):
    """Harvest rounds one after the other until stopped, each over revised pages (every record updated)."""

    def __init__(self, pages: Path, records: int, instance: Path, url: str, env: dict[str, str],
                 revision: int = 0) -> None:
        super().__init__(daemon=True)
        self.pages, self.records, self.instance, self.url, self.env = pages, records, instance, url, env
        self.revision = revision
        self.stopping = threading.Event()
        self.proc: subprocess.Popen | None = None
        self.rounds: list[dict] = []
        self.running_seconds = 0.0
        self.failures: list[str] = []

    def run(self) -> None:
        revision = self.revision
        while not self.stopping.is_set():
            if revision:
                write_pages(self.pages, self.records, revision)
            started = time.perf_counter()
            self.proc = subprocess.Popen([sys.executable, "-m", "bench.harvest_child", "harvest", str(self.instance),
                                          self.url], cwd=ROOT, env=self.env, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True)
            out, err = self.proc.communicate()
            self.running_seconds += time.perf_counter() - started
            if self.stopping.is_set():
                break  # cut short by the end of the load: not counted
            if self.proc.returncode != 0:
                self.failures.append(err.strip().splitlines()[-1] if err.strip() else f"exit {self.proc.returncode}")
                break
            result = json.loads(out.strip().splitlines()[-1])
            self.rounds.append(result)
            print(f"  harvest round {revision + 1}: {result['counts']} in {result['seconds']:.0f} s",
                  file=sys.stderr, flush=True)
            revision += 1

    def stop(self) -> bool:
        """Stop the harvest; True when one was still running (the load overlapped it to the end)."""
        self.stopping.set()
        proc = self.proc
        running = proc is not None and proc.poll() is None
        if running:
            proc.terminate()
        self.join(60)
        return running

    def harvested(self) -> int:
        """Records written (new or updated) by the rounds that finished."""
        return sum(r["counts"].get("new", 0) + r["counts"].get("updated", 0) for r in self.rounds)


def _datasets(port: int) -> int:
    """Published datasets in the catalogue (how far the harvest got, the cut-short round included)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", "/api/v1/datasets?per_page=1")
    total = int(json.loads(conn.getresponse().read())["total"])
    conn.close()
    return total


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000 if ordered else 0.0


def run(quick: bool = False) -> list[Figure]:
    seconds = float(os.environ.get("BENCH_MIXED_SECONDS") or (20.0 if quick else 300.0))
    records = 2_000 if quick else HARVEST_RECORDS
    work = Path(tempfile.mkdtemp(prefix="bench-mixed-"))
    ckan = harvest = web = sampler = None
    try:
        instance = work / "instance"
        env = {**os.environ, "CATALOG_INSTANCE_PATH": str(instance), "CATALOG_SECRET_KEY": "bench",
               "CATALOG_LOG_LEVEL": "WARNING", "CATALOG_RATELIMIT_ENABLED": "false", "CATALOG_SCHEDULER": "false"}
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
        prefilled = os.environ.get("BENCH_MIXED_PREFILL", "") not in ("", "0", "false")
        if prefilled:  # the first round before the load: the load then runs on a catalogue of constant size
            subprocess.run([sys.executable, "-m", "bench.harvest_child", "harvest", str(instance),
                            f"http://127.0.0.1:{ckan_port}"], cwd=ROOT, env=env, check=True, capture_output=True)
            _load(port, routes, 2.0)
        harvest = _HarvestLoop(pages, records, instance, f"http://127.0.0.1:{ckan_port}", env, revision=int(prefilled))
        sampler = _Sampler(web.pid)
        sampler.start()
        harvest.start()
        started = time.perf_counter()
        stats = _load(port, routes, seconds)
        elapsed = time.perf_counter() - started
        sampler.stop()
        harvest_running = harvest.stop()
        in_catalogue = _datasets(port)
    finally:
        if harvest is not None and harvest.is_alive():
            harvest.stop()
        if sampler is not None and sampler.is_alive():
            sampler.done.set()
        for proc in (web, ckan):
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
    covered = min(1.0, harvest.running_seconds / elapsed)
    failed = f"; failed: {harvest.failures[0]}" if harvest.failures else ""
    base, peak, growth = sampler.flat()
    rows = [
        Figure(f"mixed public load for {span} during a harvest ({CLIENTS} clients)", requests / elapsed, "req/s",
               "informative"),
        Figure("mixed public load: failed requests", errors, "", "0", errors == 0),
        Figure(f"mixed public load: records harvested meanwhile ({len(harvest.rounds)} rounds of {records:,} finished"
               f"{', one cut short at the end' if harvest_running else ''}{failed})", harvest.harvested(), "",
               "informative"),
        Figure("mixed public load: datasets in the catalogue at the end", in_catalogue, "", "informative"),
        Figure("mixed public load: share of the load time a harvest was running", 100 * covered, "%", ">= 90 %",
               covered >= 0.9 and not harvest.failures),
    ]
    marks = sampler.series()
    pids = sorted({pid for _at, rss in marks for pid in rss})
    for n, pid in enumerate(pids, 1):
        values = " → ".join(f"{rss[pid]:.0f}" if pid in rss else "-" for _at, rss in marks)
        rows.append(Figure(f"mixed public load: worker {n} (pid {pid}) memory, start / each minute / end: {values} MB;"
                           " peak", max(rss.get(pid, 0.0) for _at, rss in sampler.samples), "MB", "informative"))
    rows.append(Figure(f"mixed public load: web workers' memory flat: peak {peak:.0f} MB after {base:.0f} MB at the"
                       " first minute, growth", 100 * growth, "%", f"< {100 * FLAT_GROWTH:.0f} %",
                       growth < FLAT_GROWTH))
    base, peak, growth = sampler.flat(anon=True)
    rows.append(Figure(f"mixed public load: web workers' own memory (RssAnon, without the mapped index files) flat:"
                       f" peak {peak:.0f} MB after {base:.0f} MB at the first minute, growth", 100 * growth, "%",
                       f"< {100 * FLAT_GROWTH:.0f} %", growth < FLAT_GROWTH))
    for kind, entry in stats.items():
        detail = f" ({entry['codes']})" if entry["errors"] else ""
        rows.append(Figure(f"mixed public load: p95 {kind}{detail}", _p95(entry["times"]), "ms", "informative"))
    return rows
