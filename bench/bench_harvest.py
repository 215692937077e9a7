"""Harvesting CKAN-style records from a local server: the first run and a re-run with nothing changed,
next to only downloading and parsing the same JSON (the ceiling), each in its own process so that
its peak memory is its own. The registry is the embedded default (SQLite). An informative figure
also runs the harvester's mapping and the record schema's validation without writing anything:
the floor of a first run before the database is touched.

The harvest is the product as shipped: the search index kept current and the automatic quality
checks on (the harvest queues them as one job per source, or leaves them to the scheduled job when
run from the command line without workers; the bench times that job on a sample of datasets). The
harvest writes the search index in a forked process beside it (a second core), as shipped: that
process's peak memory is its own figure. Every
step has a time limit, so the bench fails with a message instead of hanging.

Targets (issue 3): first run at least a third of the ceiling's rate; the unchanged re-run at least
5,000 records/s; peak memory under 400 MB whatever the number of records. Next to the speed, the
fidelity of the first run (issue 14): the share of the generated packages' source fields the catalogue
kept, and the keys it did not (informative; the generated packages carry the keys real portals send).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from harvesters import fidelity

from .figures import Figure

ROOT = Path(__file__).resolve().parent.parent
PAGE = 1000
#: datasets of the post-harvest quality job timed (the job itself checks them all, bounded in memory)
CHECK_SAMPLE = 500
WORDS = ("dữ liệu", "ngân sách", "dân cư", "đất đai", "giáo dục", "y tế", "giao thông", "môi trường", "doanh nghiệp",
         "thống kê", "tài chính", "nông nghiệp", "lao động", "việc làm", "khoa học", "công nghệ", "văn hóa", "du lịch")
ORGS = [("so-tai-chinh", "Sở Tài chính"), ("so-xay-dung", "Sở Xây dựng"), ("so-y-te", "Sở Y tế"),
        ("so-giao-duc", "Sở Giáo dục và Đào tạo"), ("cuc-thong-ke", "Cục Thống kê")]
FORMATS = ("CSV", "XLSX", "JSON", "PDF")
MODIFIED = datetime(2025, 6, 7, 8, 9, 10)


def package(n: int, rnd: random.Random, revision: int = 0) -> dict:
    """A CKAN package shaped like real portal records (about 1.8 KB of JSON). A later `revision` changes
    its description and modification date (a re-harvest then updates every record)."""
    words = rnd.sample(WORDS, 4)
    revised = f" Bản sửa đổi {revision}." if revision else ""
    org = ORGS[n % len(ORGS)]
    return {
        "id": f"{n:08d}-7f3a-4c2e-9d1b-{rnd.getrandbits(48):012x}", "name": f"tap-du-lieu-{n}",
        "title": f"Tập dữ liệu {words[0]} và {words[1]} số {n}",
        "notes": f"Số liệu về {words[0]}, {words[1]} và {words[2]} do {org[1]} thu thập, cập nhật định kỳ "
                 f"và công bố trên cổng dữ liệu mở. Bản ghi số {n}.{revised}",
        "license_id": "cc-by", "license_title": "Creative Commons Attribution", "private": False, "state": "active",
        "maintainer": org[1], "maintainer_email": f"dulieu.{org[0]}@example.gov.vn", "author": None,
        "metadata_created": "2025-01-02T03:04:05.000000",
        "metadata_modified": (MODIFIED + timedelta(minutes=revision)).isoformat(timespec="microseconds"),
        "version": "1.0", "url": "", "type": "dataset", "num_tags": 3, "num_resources": 2,
        "organization": {"id": f"org-{n % len(ORGS)}", "name": org[0], "title": org[1], "type": "organization",
                         "is_organization": True, "state": "active"},
        "tags": [{"name": w, "display_name": w, "state": "active"} for w in words[:3]],
        "groups": [{"name": ("ECON", "SOCI", "GOVE", "EDUC")[n % 4], "title": "Nhóm"}],
        "extras": [{"key": "frequency", "value": "MONTHLY"}, {"key": "spatial_text", "value": "Hà Nội"},
                   {"key": "language", "value": "vi"}],
        "resources": [{"id": f"{n:08d}-r{k}", "package_id": f"{n:08d}", "name": f"Tệp {fmt} số {n}",
                       "description": f"Bản {fmt} của tập dữ liệu.", "format": fmt, "mimetype": None,
                       "url": f"https://data.example.gov.vn/files/{n}/{k}.{fmt.lower()}", "url_type": None,
                       "created": "2025-01-02T03:04:05", "last_modified": None, "size": 1000 + n, "position": k}
                      for k, fmt in enumerate(rnd.sample(FORMATS, 2))],
    }


def write_pages(folder: Path, total: int, revision: int = 0, first: int = 0) -> None:
    """`total` packages numbered from `first` (sources given distinct numbers hold distinct records)."""
    rnd = random.Random(47 + first)
    for start in range(0, total, PAGE):
        rows = [package(first + n, rnd, revision) for n in range(start, min(start + PAGE, total))]
        body = {"help": "https://data.example.gov.vn/api/3/action/help_show?name=package_search", "success": True,
                "result": {"count": total, "sort": "metadata_created asc", "results": rows}}
        (folder / f"page-{start}.json").write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    (folder / "count").write_text(str(total))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _child(*args: str, env: dict[str, str], limit: float) -> dict:
    try:
        out = subprocess.run([sys.executable, "-m", "bench.harvest_child", *args], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True, timeout=limit)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"harvest bench step {args[0]!r} did not end within {limit:.0f} s") from exc
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> list[Figure]:
    total = 5_000 if quick else 100_000
    work = Path(tempfile.mkdtemp(prefix="bench-harvest-"))
    server = None
    try:
        pages = work / "pages"
        pages.mkdir()
        write_pages(pages, total)
        instance = work / "instance"
        env = {**os.environ, "CATALOG_INSTANCE_PATH": str(instance), "CATALOG_SECRET_KEY": "bench",
               "CATALOG_LOG_LEVEL": "WARNING", "CATALOG_QUALITY_AUTO": "1", "CATALOG_CELERY_BROKER_URL": ""}
        limit = 30.0 + total / 20  # seconds per step: generous (20 records/s), but bounded
        flask = str(Path(sys.executable).parent / "flask")
        for cmd in (["db", "upgrade"], ["seed", "load"]):
            subprocess.run([flask, "--app", "catalog", *cmd], cwd=ROOT, env=env, check=True, capture_output=True)
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "bench.ckan_server", str(pages), str(port)], cwd=ROOT,
                                  stdout=subprocess.PIPE, text=True)
        assert server.stdout is not None
        server.stdout.readline()  # "ready"
        url = f"http://127.0.0.1:{port}"
        _child("ceiling", str(instance), url, env=env, limit=limit)  # warm the page cache and the server
        ceiling = _child("ceiling", str(instance), url, env=env, limit=limit)
        validated = _child("validate", str(instance), url, env=env, limit=limit)
        first = _child("harvest", str(instance), url, env=env, limit=limit)
        checks = _child("checks", str(instance), str(CHECK_SAMPLE), env=env, limit=60 + CHECK_SAMPLE)
        again = _child("harvest", str(instance), url, env=env, limit=limit)
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    if (first["counts"]["new"] != total or again["counts"]["unchanged"] != total
            or checks["records"] != min(total, CHECK_SAMPLE)):
        raise RuntimeError(f"unexpected counts: first {first}, checks {checks}, again {again}")
    ceiling_rate = ceiling["records"] / ceiling["seconds"]
    first_rate = total / first["seconds"]
    again_rate = total / again["seconds"]
    size = f"{total:,} CKAN records"
    report = first.get("fidelity") or validated.get("fidelity")  # the same mapping: the same figure
    lost = ", ".join(f"{k} ×{n:,}" for k, n in fidelity.not_kept(report, 4)) or "nothing"
    kept = fidelity.kept_percent(report)
    return [
        Figure(f"harvest: download + parse only, {size} (ceiling)", ceiling_rate, "records/s"),
        Figure(f"harvest: download, parse, map, validate only (no database), {size}",
               validated["records"] / validated["seconds"], "records/s"),
        Figure(f"harvest: first run, {size}", first_rate, "records/s", f">= {ceiling_rate / 3:,.0f} (1/3 ceiling)",
               first_rate >= ceiling_rate / 3),
        Figure(f"harvest: re-run, nothing changed, {size}", again_rate, "records/s", ">= 5,000",
               again_rate >= 5_000),
        # CPU time of the harvesting process (not its index process): steadier than wall time on a shared machine
        Figure(f"harvest: first run, CPU of the harvest process, {size}", total / first["cpu_seconds"],
               "records/CPU-s"),
        Figure(f"harvest: re-run, CPU of the harvest process, {size}", total / again["cpu_seconds"], "records/CPU-s"),
        Figure(f"harvest: post-harvest quality job (no network), first {checks['records']:,} datasets",
               checks["records"] / checks["seconds"], "datasets/s"),
        Figure("harvest: peak memory, first run", first["peak_mb"], "MB", "< 400", first["peak_mb"] < 400),
        Figure("harvest: peak memory, first run's search index process", first["children_peak_mb"], "MB", "< 400",
               first["children_peak_mb"] < 400),
        Figure("harvest: peak memory, quality job", checks["peak_mb"], "MB", "< 400", checks["peak_mb"] < 400),
        Figure("harvest: peak memory, re-run", again["peak_mb"], "MB", "< 400", again["peak_mb"] < 400),
        Figure("harvest: peak memory, download + parse only", ceiling["peak_mb"], "MB"),
        Figure(f"harvest: source fields kept, first run, {size} (not kept: {lost})",
               kept if kept is not None else 0.0, "%"),
    ]
