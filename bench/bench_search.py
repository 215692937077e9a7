"""Search at 10,000 and 100,000 datasets: build time, index size, p50/p95 query latency.

For each size a registry (SQLite) is filled with generated datasets (Vietnamese and English text,
agencies and themes from seed/), its search documents are read once through the same code as
`search reindex`, and each backend builds its index from them: Whoosh, PostgreSQL (when a server
answers at CATALOG_TEST_POSTGRES_URL or the local default) and, as the reference, SQLite FTS5 on
the same folded text with the same access filter, facet counts and page. 300 mixed queries (1-4
words, with and without diacritics, a third with a filter, all with facet counts, as the public
or as an agency officer) run on each; the ratio to FTS5 is printed next to each figure.

Targets (issues 4 and 16): Whoosh p95 under 100 ms at 10,000 datasets with facets; PostgreSQL p95
under 50 ms at 100,000 with facets; the Whoosh rebuild of 100,000 datasets under 3 minutes, timed
as the real `flask --app catalog search reindex` run as a subprocess; a Whoosh serving process
under 300 MB and its first query after an index change under 150 ms at 100,000. CPU times are
printed next to wall times (the PostgreSQL server's read from /proc), and the load average.

BENCH_SEARCH_SIZES=10000,100000 picks the sizes; BENCH_SEARCH_CACHE=/some/folder keeps each
generated registry there and reuses it in later runs (100,000 datasets take minutes to generate).
"""

# ruff: noqa: S608 -- the reference queries are built from constants and `?` placeholders
from __future__ import annotations

import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from .figures import Figure

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("CATALOG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

SUBJECTS = [
    ("dân cư", "population"), ("đất đai", "land"), ("giáo dục", "education"), ("y tế", "health"),
    ("giao thông", "transport"), ("doanh nghiệp", "enterprises"), ("thuế", "taxes"),
    ("bảo hiểm xã hội", "social insurance"), ("hộ tịch", "civil status"), ("khoáng sản", "minerals"),
    ("môi trường", "environment"), ("nông nghiệp", "agriculture"), ("thủy sản", "fisheries"),
    ("lao động", "labour"), ("việc làm", "employment"), ("du lịch", "tourism"), ("văn hóa", "culture"),
    ("tài chính", "finance"), ("ngân sách", "budget"), ("đầu tư công", "public investment"),
    ("xây dựng", "construction"), ("quy hoạch", "planning"), ("tài nguyên nước", "water resources"),
    ("khí tượng thủy văn", "hydrometeorology"), ("rừng", "forests"), ("điện lực", "electricity"),
    ("bưu chính viễn thông", "telecommunications"), ("hộ nghèo", "poor households"),
    ("trường học", "schools"), ("bệnh viện", "hospitals"), ("đường bộ", "roads"), ("cảng biển", "seaports"),
]
KINDS = [("Danh mục", "Register of"), ("Danh sách", "List of"), ("Số liệu thống kê", "Statistics on"),
         ("Cơ sở dữ liệu", "Database of"), ("Báo cáo", "Report on"), ("Bản đồ", "Map of"), ("Hồ sơ", "Records of")]
SENTENCES = [
    "Dữ liệu được thu thập từ các đơn vị cấp xã và tổng hợp định kỳ.",
    "Số liệu phục vụ công tác quản lý nhà nước và xây dựng chính sách.",
    "Bộ dữ liệu được cập nhật sau mỗi kỳ báo cáo và chia sẻ qua nền tảng NDXP.",
    "Thông tin được chuẩn hóa theo danh mục dùng chung của cơ quan chủ quản.",
    "Dữ liệu mở có thể tải về ở định dạng CSV và XLSX.",
]
FORMATS = ["CSV", "XLSX", "JSON", "PDF", "SHP", "XML"]
COLUMNS = ["ma_tinh", "ten_tinh", "ma_xa", "nam", "so_luong", "gia_tri", "ghi_chu", "ngay_cap_nhat"]


def _generate(session: Any, n: int, rnd: random.Random) -> None:
    """`n` published datasets with one or two distributions each, written with bulk inserts."""
    from catalog.models import AdminUnit, Database, Dataset, Distribution, Licence, Organization, Theme

    orgs = list(session.execute(select(Organization.id, Organization.name_vi)))
    dbs = list(session.scalars(select(Database.id)))
    themes = list(session.scalars(select(Theme.code)))
    licences = list(session.scalars(select(Licence.code)))
    units = list(session.scalars(select(AdminUnit.name_vi)))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    datasets, dists = [], []
    for i in range(n):
        subj = rnd.sample(SUBJECTS, 2)
        kind = rnd.choice(KINDS)
        unit = rnd.choice(units)
        year = rnd.randint(2015, 2026)
        ds_id = str(uuid.UUID(int=rnd.getrandbits(128)))
        access = rnd.choices(["open", "shared", "restricted"], [6, 3, 1])[0]
        datasets.append({
            "id": ds_id, "identifier": f"urn:bench:{i}", "slug": f"bench-{i}",
            "title_vi": f"{kind[0]} {subj[0][0]} và {subj[1][0]} {unit} năm {year}",
            "title_en": f"{kind[1]} {subj[0][1]} and {subj[1][1]}, {year}",
            "description_vi": " ".join(rnd.sample(SENTENCES, 3)) + f" Phạm vi: {unit}; chủ đề {subj[0][0]}.",
            "description_en": f"{kind[1]} {subj[0][1]} collected by communes and published yearly.",
            "keywords": [subj[0][0], subj[1][0]], "themes": rnd.sample(themes, rnd.randint(1, 2)),
            "publisher_id": rnd.choice(orgs)[0], "database_id": rnd.choice(dbs) if rnd.random() < 0.5 else None,
            "access_level": access, "unlisted": access == "restricted" and rnd.random() < 0.3,
            "licence_code": rnd.choice(licences) if access == "open" else None,
            "update_frequency": rnd.choice(["ANNUAL", "MONTHLY", "QUARTERLY", "IRREG"]),
            "status": "published", "issued": (now - timedelta(days=rnd.randint(0, 3000))).date(),
            "quality_grade": rnd.choice(["A", "B", "C", "D", None]), "quality_score": rnd.randint(20, 100),
            "created_at": now, "updated_at": now,
        })
        for k in range(rnd.randint(1, 2)):
            dists.append({
                "id": str(uuid.UUID(int=rnd.getrandbits(128))), "dataset_id": ds_id, "position": k,
                "title_vi": f"Tệp {k + 1}", "format": rnd.choice(FORMATS), "created_at": now, "updated_at": now,
                "table_schema": {"fields": [{"name": c} for c in rnd.sample(COLUMNS, 4)]} if k == 0 else None,
            })
    for i in range(0, n, 5000):
        session.execute(insert(Dataset), datasets[i:i + 5000])
    for i in range(0, len(dists), 5000):
        session.execute(insert(Distribution), dists[i:i + 5000])
    session.commit()


def _queries(rnd: random.Random, org_codes: list[str], themes: list[str]) -> list[dict[str, Any]]:
    from catalog.text import fold

    vocabulary = [w for s, _ in SUBJECTS for w in s.split()] + ["năm", "danh", "mục", "thống", "kê", "hà", "nội"]
    queries = []
    for i in range(300):
        words = rnd.sample(vocabulary, rnd.randint(1, 4))
        q = " ".join(words)
        if i % 2:
            q = fold(q)
        filters: dict[str, list[str]] = {}
        if i % 3 == 0:
            facet = rnd.choice(["theme", "access", "organization"])
            filters[facet] = [rnd.choice({"theme": themes, "access": ["open", "shared"],
                                          "organization": org_codes}[facet])]
        queries.append({"q": q, "filters": filters, "officer": i % 4 == 0})
    return queries


def _after_changes(backend: Any, docs: list[dict[str, Any]], queries: list[dict[str, Any]]) -> list[float]:
    """The first query after each of 30 index changes (one document rewritten, as an edit does)."""
    from catalog import policy
    from catalog.search.base import AccessFilter, SearchRequest
    from catalog.search.text import parse_query

    public = AccessFilter.for_reader(policy.ANONYMOUS)
    times = []
    for n, spec in enumerate(queries[:30]):
        doc = dict(docs[(n * 7919) % len(docs)])
        doc["title_vi"] = f"{doc['title_vi']} (sửa {n})"
        backend.update([doc])
        req = SearchRequest(query=parse_query(spec["q"]), access=public, filters=spec["filters"])
        started = time.perf_counter()
        backend.search(req)
        times.append(time.perf_counter() - started)
    return times


def _worker_memory(folder: Path, docs: list[dict[str, Any]], queries: list[dict[str, Any]],
                   tmp: str) -> tuple[float, float]:
    """Peak resident memory and peak own memory (RssAnon, without the mapped index files), in MB, of
    a separate process serving the queries and changes from the index."""
    import json
    import pickle
    import subprocess
    import sys

    qpath, cpath = Path(tmp) / "queries.json", Path(tmp) / "changes.pickle"
    qpath.write_text(json.dumps(queries))
    cpath.write_bytes(pickle.dumps(docs[:30]))
    out = subprocess.run([sys.executable, "-m", "bench.search_child", str(folder), str(qpath), str(cpath)],
                         cwd=ROOT, capture_output=True, text=True, check=True, timeout=1800)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    return found["peak_mb"], found["anon_peak_mb"]


def _percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times) * 1000, times[int(len(times) * 0.95) - 1] * 1000


def _server_cpu(backend: Any) -> float:
    """CPU seconds used so far by the PostgreSQL server processes serving this backend's connections
    (same machine: read from /proc), so that the database's own work is counted next to ours; 0 for
    an embedded backend."""
    engine = getattr(backend, "engine", None)
    if engine is None:
        return 0.0
    with engine.connect() as conn:
        pids = list(conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                      "AND backend_type = 'client backend'")))
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a server on another machine, or a connection gone meanwhile
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _run_backend(backend: Any, queries: list[dict[str, Any]], officer_roles: dict[str, str]) -> list[float]:
    from catalog import policy
    from catalog.search.base import AccessFilter, SearchRequest
    from catalog.search.text import parse_query

    public = AccessFilter.for_reader(policy.ANONYMOUS)
    officer = AccessFilter.for_reader(policy.Reader(user_id="u", roles=officer_roles))
    times = []
    for spec in queries[:20]:  # warm caches the way a running server has them
        backend.search(SearchRequest(query=parse_query(spec["q"]), access=public, filters=spec["filters"]))
    for spec in queries:
        req = SearchRequest(query=parse_query(spec["q"]), access=officer if spec["officer"] else public,
                            filters=spec["filters"])
        started = time.perf_counter()
        backend.search(req)
        times.append(time.perf_counter() - started)
    return times


class Fts5:
    """The reference: SQLite FTS5 on the same folded text, same filter, facets and page."""

    FACETS = ("organization", "database", "theme", "format", "access", "licence", "frequency", "grade")

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path)
        self.path = path

    def build(self, docs: list[dict[str, Any]]) -> None:
        from catalog.text import fold

        c = self.conn
        c.execute("CREATE VIRTUAL TABLE fts USING fts5(title, keywords, names, description, "
                  "tokenize='unicode61 remove_diacritics 2')")
        c.execute("CREATE TABLE doc (rowid INTEGER PRIMARY KEY, id TEXT, kind TEXT, vis TEXT, newest INTEGER)")
        c.execute("CREATE TABLE facet (rowid INTEGER, facet TEXT, value TEXT)")
        c.execute("CREATE INDEX facet_row ON facet(rowid)")
        for n, d in enumerate(docs, 1):
            c.execute("INSERT INTO fts(rowid, title, keywords, names, description) VALUES (?,?,?,?,?)",
                      (n, fold(d["title_vi"] + " " + d["title_en"]), fold(" ".join(d["keywords"])), fold(d["names"]),
                       fold(d["description_vi"] + " " + d["description_en"] + " " + d["columns"])))
            c.execute("INSERT INTO doc VALUES (?,?,?,?,?)", (n, d["id"], d["kind"], " ".join(d["vis"]), d["newest"]))
            c.executemany("INSERT INTO facet VALUES (?,?,?)", [(n, f, v) for f in self.FACETS for v in d[f]])
        c.commit()

    def search(self, q: str, filters: dict[str, list[str]], tokens: set[str]) -> tuple[int, list[str]]:
        from catalog.search.text import parse_query

        parsed = parse_query(q)
        match = " AND ".join('"' + " ".join(u) + '"' for u in parsed.units)
        vis = " OR ".join("(' ' || doc.vis || ' ') LIKE ?" for _ in tokens)
        where = f"fts MATCH ? AND doc.kind = 'dataset' AND (' ' || doc.vis || ' ') LIKE '% published %' AND ({vis})"
        params: list[Any] = [match, *(f"% {t} %" for t in tokens)]
        for facet, values in filters.items():
            marks = ",".join("?" * len(values))
            where += f" AND doc.rowid IN (SELECT rowid FROM facet WHERE facet = ? AND value IN ({marks}))"
            params += [facet, *values]
        base = f"SELECT doc.rowid AS r FROM fts JOIN doc ON doc.rowid = fts.rowid WHERE {where}"
        c = self.conn
        c.execute("CREATE TEMP TABLE IF NOT EXISTS m (r INTEGER PRIMARY KEY)")
        c.execute("DELETE FROM m")
        c.execute(f"INSERT INTO m {base}", params)
        total = c.execute("SELECT count(*) FROM m").fetchone()[0]
        c.execute("SELECT facet, value, count(*) FROM facet JOIN m ON m.r = facet.rowid "
                  "GROUP BY facet, value").fetchall()
        page = [r[0] for r in c.execute(
            f"SELECT doc.id FROM fts JOIN doc ON doc.rowid = fts.rowid WHERE {where} ORDER BY "
            f"bm25(fts, 6.0, 3.0, 2.0, 1.0) LIMIT 20", params)]
        return total, page

    def size(self) -> int:
        self.conn.commit()
        return os.path.getsize(self.path)


def _run_fts(fts: Fts5, queries: list[dict[str, Any]], officer_org_id: str) -> list[float]:
    times = []
    for spec in queries:
        tokens = {"public"} | ({"agency", f"org:{officer_org_id}"} if spec["officer"] else set())
        started = time.perf_counter()
        fts.search(spec["q"], spec["filters"], tokens)
        times.append(time.perf_counter() - started)
    return times


def _pg_available() -> bool:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def _backend_figures(label: str, name: str, backend: Any, docs: list[dict[str, Any]], queries: list[dict[str, Any]],
                     officer_roles: dict[str, str], fts: tuple[float, float, float],
                     p95_target: float | None, built: tuple[float, float] | None = None) -> list[Figure]:
    """Build one backend's index (or take the times of the command that built it: `built`, wall
    and CPU seconds), run the queries, and compare with FTS5."""
    fts_build, fts_p50, fts_p95 = fts
    if built is None:
        started, cpu = time.perf_counter(), time.process_time()
        backend.rebuild(docs)
        build, build_cpu = time.perf_counter() - started, time.process_time() - cpu
        rows = [Figure(f"{label}: {name} build from the documents in memory", build, "s",
                       f"CPU {build_cpu:.0f} s (+ the database's); x{build / fts_build:.1f} FTS5")]
    else:
        build, build_cpu = built
        rows = [Figure(f"{label}: {name} rebuild, `flask search reindex` timed as a subprocess", build, "s",
                       f"CPU {build_cpu:.0f} s; " + ("< 180 s" if len(docs) >= 100_000 else ""),
                       build < 180 if len(docs) >= 100_000 else None)]
    server, cpu = _server_cpu(backend), time.process_time()
    p50, p95 = _percentiles(_run_backend(backend, queries, officer_roles))
    per_query = ((time.process_time() - cpu) + (_server_cpu(backend) - server)) / len(queries) * 1000
    _c50, changed95 = _percentiles(_after_changes(backend, docs, queries))
    rows.append(Figure(f"{label}: {name} size", backend.size_bytes() / 1e6, "MB"))
    rows.append(Figure(f"{label}: {name} p50", p50, "ms", f"x{p50 / fts_p50:.1f} FTS5"))
    rows.append(Figure(f"{label}: {name} mean CPU per query (this process + the database server's)", per_query,
                       "ms", "wall time is noisy on a shared machine; CPU time is not"))
    target = f"< {p95_target:.0f} ms; " if p95_target else ""
    rows.append(Figure(f"{label}: {name} p95 with facets", p95, "ms", f"{target}x{p95 / fts_p95:.1f} FTS5",
                       p95 < p95_target if p95_target else None))
    big = len(docs) >= 100_000
    rows.append(Figure(f"{label}: {name} p95 of the first query after an index change", changed95, "ms",
                       "< 150 ms at 100,000" if name == "Whoosh" else "", changed95 < 150 if big and name == "Whoosh"
                       else None))
    return rows


def _fill_registry(folder: Path, n: int) -> None:
    """A SQLite registry in `folder` (an instance folder): the seed plus `n` generated datasets."""
    from catalog import create_app, migrate
    from catalog.db import registry_db
    from catalog.services.seed import load_seed

    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
    migrate.upgrade(app)
    with app.app_context():
        s = registry_db(app).session_factory()
        load_seed(s, ROOT / "seed", app.config["CATALOG"])
        s.commit()
        _generate(s, n, random.Random(n))
        s.close()
    registry_db(app).engine.dispose()


def _registry(n: int, tmp: str) -> Path:
    """The instance folder of a registry of `n` datasets. Building 100,000 takes minutes, so with
    BENCH_SEARCH_CACHE set it is built once there and reused (the data is the same for a given `n`)."""
    cache = os.environ.get("BENCH_SEARCH_CACHE")
    if not cache:
        folder = Path(tmp) / "registry"
        folder.mkdir()
        _fill_registry(folder, n)
        return folder
    folder = Path(cache) / f"registry-{n}"
    if not (folder / "READY").exists():
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        _fill_registry(folder, n)
        (folder / "READY").write_text("built by bench.bench_search\n")
    return folder


def _reindex_command(folder: Path, index_dir: Path) -> tuple[float, float]:
    """Wall and CPU seconds of the real `flask --app catalog search reindex` (Whoosh) on a registry.

    Timed from outside as a subprocess: reading the registry, building and swapping the index and
    the interpreter's start-up, exactly what an operator waits for."""
    env = {**os.environ, "CATALOG_INSTANCE_PATH": str(folder), "CATALOG_SEARCH_INDEX_DIR": str(index_dir),
           "CATALOG_SEARCH_BACKEND": "whoosh", "CATALOG_SECRET_KEY": "bench", "CATALOG_LOG_LEVEL": "WARNING"}
    env.pop("CATALOG_DATABASE_URL", None)
    flask = Path(sys.executable).with_name("flask")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([str(flask), "--app", "catalog", "search", "reindex"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=3600)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _size(n: int, with_pg: bool) -> list[Figure]:
    from catalog import create_app, migrate
    from catalog.db import registry_db
    from catalog.models import Organization, Theme
    from catalog.search.documents import all_documents
    from catalog.search.postgres_backend import PostgresBackend
    from catalog.search.whoosh_backend import WhooshBackend

    label = f"{n:,}"
    rows: list[Figure] = [Figure(f"{label}: load average (1 min) at the start", os.getloadavg()[0], "")]
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        folder = _registry(n, tmp)
        app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
        with app.app_context():
            s = registry_db(app).session_factory()
            org_codes = list(s.scalars(select(Organization.code)))
            officer_org = s.scalar(select(Organization).where(Organization.code == "BTP"))
            officer_roles = {officer_org.id: "member"}
            themes = list(s.scalars(select(Theme.code)))
            started = time.perf_counter()
            docs = list(all_documents(s))
            read_s = time.perf_counter() - started
            s.close()
        registry_db(app).engine.dispose()
        queries = _queries(random.Random(7), org_codes, themes)
        rows.append(Figure(f"{label}: read documents from the registry", len(docs) / read_s, "docs/s"))

        fts = Fts5(str(Path(tmp) / "fts.sqlite"))
        started = time.perf_counter()
        fts.build(docs)
        fts_build = time.perf_counter() - started
        cpu = time.process_time()
        fts_p50, fts_p95 = _percentiles(_run_fts(fts, queries, officer_org.id))
        fts_cpu = (time.process_time() - cpu) / len(queries) * 1000
        rows.append(Figure(f"{label}: FTS5 build (reference)", fts_build, "s"))
        rows.append(Figure(f"{label}: FTS5 size", fts.size() / 1e6, "MB"))
        rows.append(Figure(f"{label}: FTS5 p50 / p95 (reference)", fts_p95, "ms p95",
                           f"p50 {fts_p50:.1f} ms"))
        rows.append(Figure(f"{label}: FTS5 mean CPU per query (reference)", fts_cpu, "ms"))

        fts_figures = (fts_build, fts_p50, fts_p95)
        built = _reindex_command(folder, Path(tmp) / "whoosh")
        whoosh = WhooshBackend(Path(tmp) / "whoosh")
        rows += _backend_figures(label, "Whoosh", whoosh, docs, queries, officer_roles, fts_figures,
                                 p95_target=100 if n <= 10_000 else None, built=built)
        rows.append(Figure(f"{label}: Whoosh cached bitmaps after the queries", whoosh.cache_bytes() / 1e6, "MB"))
        rss, anon = _worker_memory(Path(tmp) / "whoosh", docs, queries, tmp)
        rows.append(Figure(f"{label}: Whoosh serving process, peak memory", rss, "MB", "< 300 MB at 100,000",
                           rss < 300 if n >= 100_000 else None))
        rows.append(Figure(f"{label}: Whoosh serving process, peak own memory (RssAnon, without the mapped "
                           "index)", anon, "MB", "the index's pages are shared between workers"))

        if with_pg:
            name = f"bench_search_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
            try:
                pg_app = create_app({"INSTANCE_PATH": tmp, "DATABASE_URL": url, "SECRET_KEY": "bench",
                                     "LOG_LEVEL": "WARNING"})
                migrate.upgrade(pg_app)
                rows += _backend_figures(label, "PostgreSQL", PostgresBackend(registry_db(pg_app).engine), docs,
                                         queries, officer_roles, fts_figures,
                                         p95_target=50 if n >= 100_000 else None)
                registry_db(pg_app).engine.dispose()
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
        registry_db(app).engine.dispose()
    return rows


def run(quick: bool = False) -> list[Figure]:
    with_pg = _pg_available()
    rows: list[Figure] = []
    sizes = os.environ.get("BENCH_SEARCH_SIZES")  # e.g. "10000,30000" to see the growth on a busy machine
    for n in ([int(x) for x in sizes.split(",")] if sizes else (2_000, 10_000) if quick else (10_000, 100_000)):
        rows.extend(_size(n, with_pg))
    if not with_pg:
        rows.append(Figure("PostgreSQL: no server answered, not measured", 0, ""))
    return rows
