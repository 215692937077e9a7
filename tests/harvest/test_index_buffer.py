"""A harvest writes the search index in bulk after its batches (within seconds), not once per batch,
and every record it wrote is searchable when the job ends."""

from __future__ import annotations

from sqlalchemy import select

from catalog.models import Dataset
from catalog.search import backend_for
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
