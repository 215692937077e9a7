"""A harvest writes the search index in bulk after its batches (within seconds), not once per batch,
and every record it wrote is searchable when the job ends."""

from __future__ import annotations

import os
import signal
import time

from sqlalchemy import select

from catalog.models import Dataset
from catalog.search import backend_for, indexer
from catalog.search.index_worker import IndexWorker
from catalog.search.indexer import IndexBuffer

from .conftest import CkanPortal, make_source, package, run, session_of


def test_a_harvest_indexes_in_bulk_and_everything_is_searchable_at_the_end(happ, http_server, monkeypatch):
    portal = CkanPortal(http_server, [package(n) for n in range(1, 21)])  # 20 records, batches of 3
    backend = backend_for(happ)
    writes: list[int] = []
    real_update = backend.update

    def counting_update(documents, delete_ids=()):
        documents = list(documents)
        writes.append(len(documents))
        return real_update(documents, delete_ids=delete_ids)

    monkeypatch.setattr(backend, "update", counting_update)
    monkeypatch.setattr(IndexBuffer, "max_seconds", 3600.0)  # only the end of the job is due here
    src = make_source(happ, url=portal.url, filters={"incremental": False, "rows": 5})
    summary = run(happ, src)
    assert summary.counts["new"] == 20
    assert len(writes) == 1 and writes[0] >= 20  # seven batches, one index write
    s = session_of(happ)
    try:
        ids = set(s.scalars(select(Dataset.id).where(Dataset.harvest_source_id == src.id)))
    finally:
        s.close()
    assert len(ids) == 20 and ids <= backend.ids()


def test_the_buffer_writes_when_its_records_or_seconds_are_due(happ, monkeypatch):
    buffer = IndexBuffer(happ)
    written: list[dict] = []
    monkeypatch.setattr("catalog.search.indexer.refresh", lambda app, changes: written.append(changes) or 0)
    buffer.add({"dataset": {"a", "b"}, "distribution": {"x"}})
    assert not buffer.due() and buffer.flush_if_due() == 0 and written == []
    monkeypatch.setattr(IndexBuffer, "max_records", 2)
    assert buffer.due()
    buffer.flush_if_due()
    assert written == [{"dataset": {"a", "b"}}]  # only the kinds the index holds
    assert not buffer.due() and buffer.pending == {}


def _searchable(happ, src) -> tuple[set[str], set[str]]:
    s = session_of(happ)
    try:
        ids = set(s.scalars(select(Dataset.id).where(Dataset.harvest_source_id == src.id)))
    finally:
        s.close()
    return ids, backend_for(happ).ids()


def _no_child_left() -> bool:
    """Every process this test process forked has been reaped."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_updates_due_during_a_job_are_written_by_the_index_process(happ, http_server, monkeypatch):
    happ.config["CATALOG"]["HARVEST_INDEX_PROCESS"] = True  # off by default
    portal = CkanPortal(http_server, [package(n) for n in range(1, 21)])
    monkeypatch.setattr(IndexBuffer, "max_records", 1)  # every batch is due: the index process starts
    started: list[int] = []
    written: list[int] = []
    real_start, real_close = IndexWorker.start, IndexWorker.close

    def counting_start(self):
        ok = real_start(self)
        started.append(self.pid)
        return ok

    def counting_close(self):
        lost = real_close(self)
        written.append(self.written)
        return lost

    monkeypatch.setattr(IndexWorker, "start", counting_start)
    monkeypatch.setattr(IndexWorker, "close", counting_close)
    src = make_source(happ, url=portal.url, filters={"incremental": False, "rows": 5})
    summary = run(happ, src)
    assert summary.counts["new"] == 20
    assert len(started) == 1 and started[0] not in (None, os.getpid())  # one child for the whole job
    assert written and written[0] >= 18  # the child wrote all but (at most) the last batch's records
    ids, indexed = _searchable(happ, src)
    assert len(ids) == 20 and ids <= indexed
    assert _no_child_left()


def test_what_the_index_process_could_not_write_is_written_by_the_harvest(happ, http_server, monkeypatch, caplog):
    happ.config["CATALOG"]["HARVEST_INDEX_PROCESS"] = True  # off by default
    portal = CkanPortal(http_server, [package(n) for n in range(1, 13)])
    monkeypatch.setattr(IndexBuffer, "max_records", 1)
    harvest_pid = os.getpid()
    real_refresh = indexer.refresh

    def failing_in_the_child(app, changes):
        if os.getpid() != harvest_pid:
            raise RuntimeError("index unavailable")
        return real_refresh(app, changes)

    monkeypatch.setattr(indexer, "refresh", failing_in_the_child)
    src = make_source(happ, url=portal.url, filters={"incremental": False, "rows": 4})
    summary = run(happ, src)
    assert summary.counts["new"] == 12
    ids, indexed = _searchable(happ, src)
    assert len(ids) == 12 and ids <= indexed
    assert _no_child_left()


def test_the_index_process_ends_when_its_harvest_is_gone(happ):
    """A killed harvest closes its end of the pipe: the child ends instead of living on."""
    worker = IndexWorker(happ)
    assert worker.start()
    assert worker.conn is not None and worker.pid is not None
    pid = worker.pid
    worker.conn.close()  # what the kernel does when the harvesting process is killed
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError("the index process did not end after its harvest was gone")


def test_a_dead_index_process_hands_back_what_it_had_not_acknowledged(happ):
    worker = IndexWorker(happ)
    assert worker.start()
    assert worker.pid is not None
    os.kill(worker.pid, signal.SIGKILL)
    os.waitpid(worker.pid, 0)
    worker.pid = None  # reaped here
    lost = worker.send({"dataset": {"a"}}) + worker.send({"dataset": {"b"}}) + worker.close()
    assert {x for changes in lost for x in changes["dataset"]} == {"a", "b"}
