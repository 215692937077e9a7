"""Keeping the search index in step with the registry.

Every commit that touches a dataset, distribution, database, organisation or data service
announces it (`catalog.signals.records_changed`); the receiver here re-reads those records and
the records whose documents quote them (a renamed agency changes its datasets' documents) and
updates the index before the request returns, so a saved change is searchable at once.
`reindex` rebuilds everything from the registry, then applies what changed meanwhile.

Bulk writers (the harvest runner) put an `IndexBuffer` in their session's `info["index_buffer"]`:
their commits are then gathered and indexed in bulk after the batch, outside the write transaction,
at most every `IndexBuffer.max_seconds` seconds or `max_records` records: a harvested record is
searchable within seconds, not at once, and the index is written a few times per job instead of
once per batch. A job killed before its buffer was written is healed by the next job of the source.
With `IndexBuffer(app, worker=True)` (the harvest runner, `CATALOG_HARVEST_INDEX_PROCESS`) the
updates due during the job are written by a forked process beside the writer (`index_worker`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import crashpoints
from ..db import registry_db
from ..models import Database, DataService, Dataset, Organization
from ..models.base import utcnow
from ..signals import records_changed
from ..tasks import periodic, task
from . import backend_for, journal
from .documents import all_documents, count_records, documents_for
from .index_worker import IndexWorker, can_fork

_MODELS = {"dataset": Dataset, "database": Database, "organization": Organization, "dataservice": DataService}


def _dependents(session: Session, changes: dict[str, set[str]]) -> dict[str, set[str]]:
    """The records whose documents quote a changed organisation or database."""
    wanted = {kind: set(ids) for kind, ids in changes.items() if kind in _MODELS}
    orgs = changes.get("organization") or set()
    dbs = set(changes.get("database") or set())
    if orgs:
        org_list = list(orgs)
        wanted.setdefault("dataset", set()).update(
            session.scalars(select(Dataset.id).where(Dataset.publisher_id.in_(org_list))))
        wanted.setdefault("dataservice", set()).update(
            session.scalars(select(DataService.id).where(DataService.publisher_id.in_(org_list))))
        wanted.setdefault("organization", set()).update(
            session.scalars(select(Organization.id).where(Organization.parent_id.in_(org_list))))
        owned = set(session.scalars(select(Database.id).where(Database.owner_id.in_(org_list))))
        wanted.setdefault("database", set()).update(owned)
    if dbs:
        db_list = list(dbs)
        wanted.setdefault("dataset", set()).update(
            session.scalars(select(Dataset.id).where(Dataset.database_id.in_(db_list))))
        wanted.setdefault("dataservice", set()).update(
            session.scalars(select(DataService.id).where(DataService.database_id.in_(db_list))))
    return wanted


def refresh(app: Flask, changes: dict[str, Iterable[str]]) -> int:
    """Re-index these records (and their dependents); records gone from the registry leave the index."""
    backend = backend_for(app)
    session = registry_db(app).session_factory()
    try:
        wanted = _dependents(session, {k: set(v) for k, v in changes.items()})
        docs: list[dict[str, Any]] = []
        gone: list[str] = []
        for kind, ids in wanted.items():
            found = list(documents_for(session, kind, ids))
            docs.extend(found)
            gone.extend(set(ids) - {d["id"] for d in found})
        backend.update(docs, delete_ids=gone)
        return len(docs) + len(gone)
    finally:
        session.close()


class IndexBuffer:
    """Changes gathered from a bulk writer's commits, indexed together when `due()` or at `flush()`."""

    #: a buffered change is searchable at most this many seconds after its commit (README: "Harvesting")
    max_seconds = 5.0
    max_records = 5_000

    def __init__(self, app: Flask, worker: bool = False) -> None:
        self.app = app
        self.pending: dict[str, set[str]] = {}
        self.since: float | None = None
        #: the journal notes of the gathered commits, removed once they are indexed
        self.notes: list[Path] = []
        #: with `worker`, updates due during the job go to a forked index process (`index_worker`),
        #: started at the first one: a small job that is only indexed at its end never forks
        self.use_worker = worker and can_fork()
        self.worker: IndexWorker | None = None

    def add(self, changes: dict[str, set[str]], note: Path | None = None) -> None:
        if note is not None:
            self.notes.append(note)
        for kind, ids in changes.items():
            if kind in _MODELS and ids:
                self.pending.setdefault(kind, set()).update(ids)
                if self.since is None:
                    self.since = time.monotonic()

    def due(self) -> bool:
        if self.since is None:
            return False
        return (time.monotonic() - self.since >= self.max_seconds
                or sum(len(ids) for ids in self.pending.values()) >= self.max_records)

    def flush(self) -> int:
        """Index what is pending, and wait for the index process if there is one (the end of a job);
        returns the records written here."""
        pending, self.pending, self.since = self.pending, {}, None
        notes, self.notes = self.notes, []
        lost: list[dict[str, set[str]]] = []
        if self.worker is not None:
            if pending:
                lost.extend(self.worker.send(pending))
                pending = {}
            lost.extend(self.worker.close())
            self.worker = None
        written = sum(refresh(self.app, changes) for changes in [*lost, pending] if changes)
        # the notes of what went to the index process are kept until it has finished (here)
        for note in notes:
            journal.done(note)
        return written

    def flush_if_due(self) -> int:
        """During a job: hand what is due to the index process (started now if need be), else index it here."""
        if not self.due():
            return 0
        if not self.use_worker:
            return self.flush()
        pending, self.pending, self.since = self.pending, {}, None
        if self.worker is None:
            worker = IndexWorker(self.app)
            if not worker.start():
                self.use_worker = False
                return refresh(self.app, pending)
            self.worker = worker
        lost = self.worker.send(pending)
        return sum(refresh(self.app, changes) for changes in lost)


_buffer: ContextVar[IndexBuffer | None] = ContextVar("index_buffer", default=None)


@contextmanager
def buffered(app: Flask) -> Iterator[IndexBuffer]:
    """Gather the index updates of every commit made in this context (any session) and write them
    in bulk, when due and at the end: for bulk jobs that commit record by record (quality checks)."""
    buffer = IndexBuffer(app)
    token = _buffer.set(buffer)
    try:
        yield buffer
    finally:
        _buffer.reset(token)
        buffer.flush()


@records_changed.connect
def _follow_registry(session_info: dict[str, Any], changes: dict[str, set[str]], reason: str) -> None:
    app = session_info.get("app")
    note = journal.take(session_info)
    if app is None or not any(kind in _MODELS for kind in changes):
        journal.done(note)
        return
    buffer = session_info.get("index_buffer")
    if isinstance(buffer, IndexBuffer):
        buffer.add(changes, note)
        return
    buffer = _buffer.get()
    if buffer is not None and buffer.app is app:
        buffer.add(changes, note)
        buffer.flush_if_due()
        return
    crashpoints.reached("search.before_refresh")
    refresh(app, changes)
    journal.done(note)  # kept when the refresh failed: `journal.replay` indexes it later


def reindex(app: Flask, progress: Callable[[int], None] | None = None,
            on_total: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the registry into a new index, swap it in, then catch up.

    Records changed while the rebuild ran were indexed into the old index; they are re-read
    from the registry after the swap, and documents of records deleted meanwhile are removed.
    """
    backend = backend_for(app)
    started: datetime = utcnow() - timedelta(seconds=2)
    session = registry_db(app).session_factory()
    try:
        if on_total:
            on_total(count_records(session))
        count = backend.rebuild(all_documents(session), progress=progress)
        changed = {kind: set(session.scalars(select(model.id).where(model.updated_at >= started)))
                   for kind, model in _MODELS.items()}
        present = set()
        for model in _MODELS.values():
            present.update(session.scalars(select(model.id)))
    finally:
        session.close()
    stale = backend.ids() - present
    if any(changed.values()):
        refresh(app, changed)
    if stale:
        backend.update([], delete_ids=stale)
    return count


@task("search.reindex")
def reindex_task() -> int:
    """Rebuild the index in the background (a worker in server mode); returns the records indexed."""
    from flask import current_app

    return reindex(current_app._get_current_object())


@dataclass
class IndexCheck:
    """How the index differs from the registry: notes of unindexed commits, records it lacks or
    holds in excess; `fixed` when they were indexed or removed."""

    notes: int = 0
    missing: set[str] = field(default_factory=set)
    extra: set[str] = field(default_factory=set)
    fixed: bool = False

    @property
    def consistent(self) -> bool:
        return not (self.notes or self.missing or self.extra)


def check(app: Flask, *, fix: bool = False) -> IndexCheck:
    """Compare the index with the registry (after a crash); with `fix`, replay every journal note,
    index what it lacks and drop what the registry no longer holds."""
    result = IndexCheck(notes=len(journal.waiting(app)))
    session = registry_db(app).session_factory()
    try:
        present: dict[str, set[str]] = {kind: set(session.scalars(select(model.id)))
                                        for kind, model in _MODELS.items()}
    finally:
        session.close()
    indexed = backend_for(app).ids()
    every = set().union(*present.values())
    result.missing, result.extra = every - indexed, indexed - every
    if fix and not result.consistent:
        journal.replay(app, older_than=0)
        lacking = {kind: ids & result.missing for kind, ids in present.items() if ids & result.missing}
        if lacking:
            refresh(app, lacking)
        if result.extra:
            backend_for(app).update([], delete_ids=result.extra)
        result.fixed = True
    return result


@periodic("search.journal", every=timedelta(minutes=1))
def replay_journal() -> int:
    """Index the changes a crashed process committed but never indexed (README "Crash safety")."""
    from flask import current_app

    return journal.replay(current_app._get_current_object())
