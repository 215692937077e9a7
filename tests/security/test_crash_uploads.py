"""Crash safety of uploads and publications: the web app runs under gunicorn in its own process
group; an upload of a large CSV, or the approval of a publication (which prepares the public
copy: conversions and the rows table), is stopped at a named point (`catalog/crashpoints.py`) or
after a random delay and the whole group is killed with SIGKILL. Then, before any repair: no
distribution names a missing or partial file, checksums match, a public copy is either absent,
pending or complete (its table holds every row, its conversions are whole), the publication is
either not done or done. After the documented repairs (`files check --fix`, `search check --fix`,
`public-files build` or the periodic resume) nothing is left over, the search index agrees with
the registry and the audit chain verifies; running the upload or the approval again completes it."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import queue
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from catalog import policy, storage
from catalog.config import PROJECT_ROOT
from catalog.models import Dataset, Distribution, PublicationRequest, PublicFile
from catalog.models.tabular import is_rows_table
from catalog.search import journal
from catalog.search.service import SearchParams, search
from catalog.services import public_files, publishing
from catalog.services.actor import Actor
from catalog.services.tabular import store as rows_store

from ..helpers import csv_distribution, dataset, make_user, token_for

#: Rows of the file a publication prepares (six import batches of `rows_store.BATCH`).
PUBLISH_ROWS = 6 * rows_store.BATCH
#: Rows of the uploaded file (about 8 MB).
UPLOAD_ROWS = 120_000


def _csv(rows: int, seed: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["ma_xa", "ten_xa", "so_ho", "ngay_cap_nhat"])
    rnd = random.Random(seed)
    names = ["Phường Hàng Bạc", "Xã Đông Hưng", "Thị trấn Đắk Mil", "Phường Bến Nghé", "Xã Ia Grai"]
    for i in range(rows):
        writer.writerow([f"{i:06d}", f"{rnd.choice(names)} {i}", rnd.randint(50, 9000), f"2025-{i % 12 + 1:02d}-15"])
    return out.getvalue().encode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving the app on a loopback port, in a process group of its own."""

    def __init__(self, app: Flask, **env: str) -> None:
        cfg = app.config["CATALOG"]
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {**os.environ, "CATALOG_INSTANCE_PATH": cfg["INSTANCE_PATH"],
                    "CATALOG_DATABASE_URL": cfg["DATABASE_URL"], "CATALOG_SECRET_KEY": "test-secret",
                    "CATALOG_QUALITY_AUTO": "false", "CATALOG_SCHEDULER": "false", "CATALOG_LOG_LEVEL": "WARNING",
                    **env}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4", "--timeout", "300",
             "--bind", f"127.0.0.1:{self.port}", "catalog:create_app()"],
            cwd=PROJECT_ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=15).status_code in (200, 503):
                    return
            except requests.RequestException:
                time.sleep(0.2)
        self.kill()
        raise AssertionError("the server did not start")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def paused(self, timeout: float = 120) -> str:
        """Wait until the worker stops at its pause point; returns the point's name."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if line.startswith("paused "):
                return line.split(" ", 1)[1]
        raise AssertionError("the server never reached its pause point")

    def kill(self) -> None:
        """SIGKILL the whole group: master, worker and any helper process (a machine losing power)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()


class Background:
    """A request sent from a thread, so that the test can kill the server while it is answered."""

    def __init__(self, fn: Any) -> None:
        self.result: Any = None
        self.thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self.thread.start()

    def _run(self, fn: Any) -> None:
        try:
            self.result = fn()
        except requests.RequestException as exc:
            self.result = exc

    def join(self) -> Any:
        self.thread.join(120)
        return self.result


def _sha256(store: Any, key: str) -> str:
    digest = hashlib.sha256()
    with store.open(key) as stream:
        while chunk := stream.read(1 << 16):
            digest.update(chunk)
    return digest.hexdigest()


def _assert_consistent(app: Flask, s: Session) -> None:
    """What a reader could see right after the crash, before any repair."""
    cfg = app.config["CATALOG"]
    store = storage.for_folder(cfg["UPLOAD_FOLDER"])
    s.expire_all()
    for dist in s.scalars(select(Distribution).where(Distribution.file_path.is_not(None))):
        assert store.exists(dist.file_path), f"{dist.id} names a missing file"
        assert store.size(dist.file_path) == dist.byte_size
        assert _sha256(store, dist.file_path) == dist.checksum_sha256
    tables = {t for t in inspect(s.connection()).get_table_names() if is_rows_table(t)}
    named = set()
    for record in s.scalars(select(PublicFile)):
        if record.status != "ready":
            assert record.status == public_files.PENDING and record.table_name is None
            continue
        named.add(record.table_name)
        assert record.table_name in tables, "a ready copy without its rows table"
        count = s.execute(select(func.count()).select_from(rows_store.table_for(record.table_name, []))).scalar()
        assert count == record.row_count
        dist = s.get(Distribution, record.distribution_id)
        folder = public_files.conversion_folder(cfg, dist, public_files.public_columns(dist))
        with open(folder / "data.csv", encoding="utf-8") as converted:
            assert sum(1 for _ in converted) == record.row_count + 1
        assert len(json.loads((folder / "data.json").read_text(encoding="utf-8"))) == record.row_count
    assert tables <= named, f"rows tables no public copy names: {tables - named}"
    s.rollback()


def _repair_and_check(app: Flask, s: Session) -> None:
    """The documented repairs leave nothing over; the index and the audit chain agree."""
    cli = app.test_cli_runner()
    fixed = cli.invoke(args=["files", "check", "--fix", "--grace-minutes", "0"])
    assert fixed.exit_code == 0, fixed.output
    again = cli.invoke(args=["files", "check", "--grace-minutes", "0"])
    assert again.exit_code == 0 and "0 missing, 0 changed, 0 leftovers" in again.output, again.output
    cfg = app.config["CATALOG"]
    s.expire_all()
    named = set(s.scalars(select(Distribution.file_path).where(Distribution.file_path.is_not(None))))
    stored = {item.key for item in storage.for_folder(cfg["UPLOAD_FOLDER"]).list()}
    assert stored == named, "a stored file without a row"
    for root in (cfg["UPLOAD_FOLDER"], cfg["PUBLIC_FILES_FOLDER"]):
        left = [p for p in Path(root).rglob("*") if p.name.endswith(".part") or p.name.startswith(".build-")]
        assert left == [], left
    s.rollback()
    index = cli.invoke(args=["search", "check", "--fix"])
    assert index.exit_code == 0, index.output
    clean = cli.invoke(args=["search", "check"])
    assert clean.exit_code == 0 and clean.output.startswith("0 unindexed commits"), clean.output
    verify = cli.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output


def _found(app: Flask, s: Session, reader: policy.Reader, words: str) -> set[str]:
    with app.test_request_context():
        page = search(s, reader, SearchParams(q=words, kind="dataset"))
    s.rollback()
    return {r.record.id for r in page.results}


# --- uploads -------------------------------------------------------------------------------------

UPLOAD_POINTS = ["upload.chunk", "upload.stored", "search.before_refresh", "random delay", "random delay"]


@pytest.mark.parametrize("point", UPLOAD_POINTS)
def test_an_upload_killed_with_sigkill_leaves_no_partial_file_and_can_be_run_again(seeded_app, session, tmp_path,
                                                                                  point):
    ds = dataset(session, "BTC", "shared", title_vi="Số hộ theo xã")
    steward = make_user(session, "st@btc.gov.vn", roles={"BTC": "steward"})
    token = token_for(session, steward)
    content = _csv(UPLOAD_ROWS, 1)
    rnd = random.Random()
    chunks = len(content) // (1 << 16)
    pause = f"upload.chunk:{rnd.randint(2, chunks - 2)}" if point == "upload.chunk" else point
    env = {} if point == "random delay" else {"CATALOG_TEST_PAUSE_AT": pause}

    def upload(url: str, title: str) -> requests.Response:
        return requests.post(f"{url}/api/v1/datasets/{ds.slug}/distributions",
                             headers={"Authorization": f"Bearer {token}"},
                             files={"file": ("so-ho-theo-xa.csv", content, "text/csv")},
                             data={"metadata": json.dumps({"title_vi": title})}, timeout=120)

    server = Server(seeded_app, **env)
    try:
        sent = Background(lambda: upload(server.url, "Tệp khongdau thứ nhất"))
        if point == "random delay":
            time.sleep(rnd.uniform(0.05, 2.0))
        else:
            assert server.paused() == pause.split(":")[0]
    finally:
        server.kill()
    answer = sent.join()
    assert isinstance(answer, (requests.RequestException, requests.Response))

    _assert_consistent(seeded_app, session)
    admin = policy.Reader(user_id="admin", is_admin=True)
    kept = session.scalars(select(Distribution).where(Distribution.dataset_id == ds.id)).all()
    assert len(kept) <= 1  # the upload committed whole, or not at all
    if point in ("upload.chunk", "upload.stored"):
        assert kept == []
    if point == "search.before_refresh":
        assert len(kept) == 1
        assert len(journal.waiting(seeded_app)) >= 1  # the commit the index missed is on record
        stale = seeded_app.test_cli_runner().invoke(args=["search", "check"])
        assert stale.exit_code == 1, stale.output
        assert _found(seeded_app, session, admin, "khongdau") == set()  # the index is behind: the test can tell
    session.rollback()
    _repair_and_check(seeded_app, session)
    assert _found(seeded_app, session, admin, "khongdau") == ({ds.id} if kept else set())

    # running the upload again completes it
    server = Server(seeded_app)
    try:
        again = upload(server.url, "Tệp khongdau thứ hai")
    finally:
        server.stop()
    assert again.status_code == 201, again.text
    _assert_consistent(seeded_app, session)
    session.expire_all()
    dist = session.get(Distribution, again.json()["id"])
    assert dist.checksum_sha256 == hashlib.sha256(content).hexdigest() and dist.byte_size == len(content)
    _repair_and_check(seeded_app, session)


# --- publications --------------------------------------------------------------------------------

#: (pause point, CATALOG_PUBLIC_FILES_INLINE_MB): 20 prepares the copy inside the approval, 0 after it
PUBLISH_POINTS = [
    ("public_files.converted", "20"),
    ("rows.batch:3", "20"),
    ("public_files.rows_imported", "20"),
    ("search.before_refresh", "20"),
    ("public_files.task", "0"),
    ("rows.batch:2", "0"),
    ("random delay", "20"),
]


@pytest.mark.parametrize(("point", "inline_mb"), PUBLISH_POINTS)
def test_a_publication_killed_with_sigkill_is_either_not_done_or_done_and_resumes(seeded_app, session, point,
                                                                                 inline_mb):
    folder = seeded_app.config["CATALOG"]["UPLOAD_FOLDER"]
    with seeded_app.test_request_context():
        ds = dataset(session, "BTC", "open", status="draft", update_frequency="MONTHLY",
                     title_vi="Số hộ gia đình theo xã phường")
        dist = csv_distribution(session, ds, folder, _csv(PUBLISH_ROWS, 2))
        ds.quality_grade = "B"  # the quality gate is tested elsewhere
        session.commit()
        editor = make_user(session, "ed@btc.gov.vn", roles={"BTC": "editor"})
        steward = make_user(session, "st@btc.gov.vn", roles={"BTC": "steward"})
        publishing.submit(session, Actor(reader=policy.reader_for(session, editor), label=editor.email), ds)
        session.commit()
    token = token_for(session, steward)

    def approve(url: str) -> requests.Response:
        return requests.post(f"{url}/api/v1/datasets/{ds.slug}/publication/approve", json={},
                             headers={"Authorization": f"Bearer {token}"}, timeout=120)

    env = {"CATALOG_PUBLIC_FILES_INLINE_MB": inline_mb}
    if point != "random delay":
        env["CATALOG_TEST_PAUSE_AT"] = point
    server = Server(seeded_app, **env)
    try:
        sent = Background(lambda: approve(server.url))
        if point == "random delay":
            time.sleep(random.Random().uniform(0.1, 3.0))
        else:
            assert server.paused() == point.split(":")[0]
    finally:
        server.kill()
    sent.join()

    _assert_consistent(seeded_app, session)
    session.expire_all()
    request = session.scalars(select(PublicationRequest).where(PublicationRequest.dataset_id == ds.id)).one()
    shown = session.get(Dataset, ds.id)
    record = session.get(PublicFile, dist.id)
    # either not done at all, or done: never published without its request approved, or the reverse
    assert (request.status, shown.status, shown.access_level) in (
        ("pending", "draft", "open"), ("approved", "published", "open"))
    if request.status == "pending":
        assert record is None
    elif inline_mb == "20":
        assert record is not None and record.status == "ready"
    else:
        assert record is not None and record.status in (public_files.PENDING, "ready")
    if point.startswith(("public_files.converted", "rows.batch", "public_files.rows_imported")) and inline_mb == "20":
        assert request.status == "pending"
    if point in ("search.before_refresh", "public_files.task", "rows.batch:2"):
        assert request.status == "approved"
    approved_now = request.status == "approved"
    session.rollback()

    _repair_and_check(seeded_app, session)
    words = "hộ gia đình xã phường"
    assert _found(seeded_app, session, policy.ANONYMOUS, words) == ({ds.id} if approved_now else set())

    # run it again: approve what was not approved, finish a copy left pending
    if not approved_now:
        server = Server(seeded_app, CATALOG_PUBLIC_FILES_INLINE_MB=inline_mb)
        try:
            answer = approve(server.url)
            assert answer.status_code == 200, answer.text
        finally:
            server.stop()
    session.expire_all()
    record = session.get(PublicFile, dist.id)
    if record.status == public_files.PENDING:
        assert public_files.resume_pending(seeded_app, older_than=timedelta(0)) == 1
    session.expire_all()
    record = session.get(PublicFile, dist.id)
    assert record.status == "ready" and record.row_count == PUBLISH_ROWS
    _assert_consistent(seeded_app, session)
    _repair_and_check(seeded_app, session)
    assert _found(seeded_app, session, policy.ANONYMOUS, words) == {ds.id}
    rows = seeded_app.test_client().get(f"/api/v1/datasets/{ds.slug}/rows?resource={dist.id}&limit=1")
    assert rows.status_code == 200 and rows.json["total"] == PUBLISH_ROWS, rows.get_data(as_text=True)
