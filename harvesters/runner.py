"""The harvest runner: one job of one source, from the lock to the summary.

1. Take the source's lock (an atomic UPDATE on its row; a lock whose heartbeat is stale is taken
   over and the dead job marked failed), so two jobs of one source never run at once.
2. Read the harvester's records in batches. For each record compare (source, remote id) and the
   content hash with what the source said last time: unchanged records cost one bulk UPDATE of
   "last seen"; new and changed ones are validated (one schema, lenient code lists) and written.
   Every batch is one transaction, so a killed job leaves whole batches and the next run carries on:
   nothing is lost or doubled.
3. Only after a complete, successful gather, records the source no longer lists are withdrawn
   (never deleted); they come back if they reappear.
4. Fields a steward edited here (`local_edits`) are never overwritten.
5. The same dataset reached through two sources (same identifier or landing page) stays one
   dataset: the first source, or the authoritative one, writes it; the other is kept as a second
   provenance.

The audit log gets one event when a job starts and one when it ends (with its counts); the
per-record story is in HarvestRecord and HarvestError.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from marshmallow import ValidationError
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from catalog import rules
from catalog.config import PROJECT_ROOT
from catalog.db import registry_db
from catalog.http import Fetcher, FetchError, FetchPolicy, policy_from_config
from catalog.models import (
    DataService,
    Dataset,
    Distribution,
    HarvestError,
    HarvestJob,
    HarvestRecord,
    HarvestSource,
    utcnow,
)
from catalog.models.base import new_id
from catalog.schemas.base import field_errors
from catalog.search.indexer import refresh
from catalog.services import audit
from catalog.services.actor import system_actor
from catalog.services.common import unique_slug
from catalog.signals import note_changes
from catalog.text import slugify

from . import connections
from .agencies import Writers
from .base import (
    HarvestContext,
    HarvestFailed,
    LogText,
    Problem,
    Record,
    RecordSchema,
    Seen,
    content_hash,
    harvester_class,
    load_record,
    tidy,
)
from .jsonld_contexts import contexts_for
from .resolve import CodeLists

log = logging.getLogger(__name__)

#: Bump when the mapping from records to catalogue fields changes: every record is then rewritten once.
RUNNER_VERSION = "1"
#: At most this many warnings are stored per job (all are counted); errors are all kept.
MAX_STORED_WARNINGS = 500
HEARTBEAT_EVERY = 30.0  # seconds

DATASET_FIELDS = (
    "title_vi", "title_en", "description_vi", "description_en", "keywords", "themes", "spatial", "languages",
    "publisher_id", "database_id", "access_level", "licence_code", "update_frequency", "temporal_start",
    "temporal_end", "contact_name", "contact_email", "contact_phone", "landing_page", "version", "issued",
    "modified", "provenance", "is_master_data",
)
SERVICE_FIELDS = (
    "title_vi", "title_en", "description_vi", "description_en", "publisher_id", "database_id", "endpoint_url",
    "endpoint_description", "openapi_spec", "protocol", "platform", "access_level",
)
DIST_FIELDS = ("title_vi", "title_en", "description_vi", "description_en", "access_url", "download_url", "format",
               "media_type", "byte_size", "table_schema", "issued", "modified")


class AlreadyRunning(Exception):
    """Another job of the same source holds the lock."""


class JobTimedOut(Exception):
    pass


class LostLock(Exception):
    pass


@dataclass
class Summary:
    job_id: int
    source: str
    status: str
    counts: dict[str, int]
    duration_s: float
    message: str | None = None
    gather_complete: bool = False


# --- the lock, heartbeats and dead jobs -----------------------------------------------------------


def reap_stale(session: Session, cfg: dict[str, Any]) -> list[int]:
    """Mark jobs whose heartbeat stopped (or that never started) as failed, and free their sources."""
    now = utcnow()
    stale_before = now - timedelta(minutes=cfg["HARVEST_STALE_MINUTES"])
    queued_before = now - timedelta(minutes=cfg["HARVEST_TIMEOUT_MINUTES"])
    dead = list(session.scalars(select(HarvestJob).where(or_(
        and_(HarvestJob.status == "running",
             or_(HarvestJob.heartbeat_at < stale_before, HarvestJob.heartbeat_at.is_(None))),
        and_(HarvestJob.status == "queued", HarvestJob.created_at < queued_before),
    ))))
    for job in dead:
        was = job.status
        job.status = "failed"
        job.finished_at = now
        job.message = (
            f"stopped responding (no sign of life since {job.heartbeat_at:%Y-%m-%d %H:%M} UTC); run it again"
            if was == "running" and job.heartbeat_at else "never started; run it again"
        )
        session.execute(update(HarvestSource).where(HarvestSource.id == job.source_id,
                                                    HarvestSource.running_job_id == job.id)
                        .values(running_job_id=None, heartbeat_at=None, last_status="failed"))
    if dead:
        session.flush()
    return [j.id for j in dead]


def queue_job(session: Session, source: HarvestSource, triggered_by: str) -> tuple[HarvestJob, bool]:
    """(a new queued job, True), or (the job already queued or running, False)."""
    current = session.scalar(select(HarvestJob).where(
        HarvestJob.source_id == source.id, HarvestJob.status.in_(("queued", "running"))).order_by(HarvestJob.id))
    if current is not None:
        return current, False
    job = HarvestJob(source_id=source.id, status="queued", triggered_by=triggered_by, created_at=utcnow())
    session.add(job)
    session.flush()
    return job, True


def _acquire(session: Session, source_id: str, job: HarvestJob, cfg: dict[str, Any]) -> None:
    now = utcnow()
    stale_before = now - timedelta(minutes=cfg["HARVEST_STALE_MINUTES"])
    taken = session.execute(
        update(HarvestSource)
        .where(HarvestSource.id == source_id,
               or_(HarvestSource.running_job_id.is_(None), HarvestSource.heartbeat_at < stale_before))
        .values(running_job_id=job.id, heartbeat_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        holder = session.scalar(select(HarvestSource.running_job_id).where(HarvestSource.id == source_id))
        raise AlreadyRunning(f"job {holder} of this source is running")


# --- the job log --------------------------------------------------------------------------------


class JobLog:
    """Errors and warnings of one job, written with each batch. Repeated warnings are counted once."""

    def __init__(self, job: HarvestJob) -> None:
        self.job = job
        self.pending: list[dict[str, Any]] = []
        self.warning_messages: set[str] = set()
        self.stored_warnings = 0

    @staticmethod
    def _coded(message: str) -> dict[str, Any]:
        return {"code": getattr(message, "code", None), "params": getattr(message, "params", None)}

    def error(self, remote_id: str | None, kind: str, message: str) -> None:
        self.pending.append({"job_id": self.job.id, "remote_id": (remote_id or None) and remote_id[:500],
                             "level": "error", "kind": kind[:32], "message": str(message), "at": utcnow(),
                             **self._coded(message)})

    def warn(self, remote_id: str | None, kind: str, message: str) -> None:
        self.job.warnings += 1
        if message in self.warning_messages or self.stored_warnings >= MAX_STORED_WARNINGS:
            return
        self.warning_messages.add(message)
        self.stored_warnings += 1
        self.pending.append({"job_id": self.job.id, "remote_id": (remote_id or None) and remote_id[:500],
                             "level": "warning", "kind": kind[:32], "message": str(message), "at": utcnow(),
                             **self._coded(message)})

    def flush(self, session: Session) -> None:
        if self.pending:
            session.execute(HarvestError.__table__.insert(), self.pending)
            self.pending = []


# --- the run ------------------------------------------------------------------------------------


@dataclass
class _Batch:
    records: list[Record] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.records) + len(self.seen) + len(self.problems)


Progress = Callable[[HarvestJob], None]


def run_source(
    app: Flask,
    source_id: str,
    *,
    job_id: int | None = None,
    triggered_by: str = "cli",
    policy: FetchPolicy | None = None,
    progress: Progress | None = None,
    full: bool = False,
) -> Summary:
    """Run one job of a source here and now; raises AlreadyRunning if another job holds the source."""
    session = registry_db(app).session_factory()
    try:
        return _Run(app, session, source_id, job_id, triggered_by, policy, progress, full).run()
    finally:
        session.close()


class _Run:
    def __init__(self, app: Flask, session: Session, source_id: str, job_id: int | None, triggered_by: str,
                 policy: FetchPolicy | None, progress: Progress | None, full: bool) -> None:
        self.app = app
        self.cfg = app.config["CATALOG"]
        self.session = session
        self.source_id = source_id
        self.job_id = job_id
        self.triggered_by = triggered_by
        self.policy = policy
        self.progress = progress
        self.full = full
        self.batch_size = max(1, int(self.cfg["HARVEST_BATCH_SIZE"]))
        self.schema = RecordSchema()
        self.seen_ids: set[str] = set()
        self.last_beat = 0.0
        self.started = 0.0

    # lifecycle ----------------------------------------------------------------------------------

    def run(self) -> Summary:
        s = self.session
        reap_stale(s, self.cfg)
        source = s.get(HarvestSource, self.source_id)
        if source is None:
            raise LookupError(f"no harvest source {self.source_id}")
        job = s.get(HarvestJob, self.job_id) if self.job_id else None
        if job is not None and job.status == "running":
            raise AlreadyRunning(f"job {job.id} is running")  # delivered twice: the first delivery runs it
        if job is not None and job.status != "queued":
            return _summary(job, source)  # already done: running a task twice changes nothing
        if job is None:
            job = HarvestJob(source_id=source.id, status="queued", triggered_by=self.triggered_by,
                             created_at=utcnow())
            s.add(job)
            s.flush()
        try:
            _acquire(s, source.id, job, self.cfg)
        except AlreadyRunning as exc:
            holder = s.scalar(select(HarvestSource.running_job_id).where(HarvestSource.id == source.id))
            if holder == job.id:  # the same job delivered twice: leave it to the delivery that runs it
                s.rollback()
                raise
            job.status, job.finished_at, job.message = "failed", utcnow(), f"not started: {exc}"
            s.commit()
            raise
        s.refresh(source)
        self.source, self.job = source, job
        self.started = time.monotonic()
        job.status, job.started_at, job.heartbeat_at = "running", utcnow(), utcnow()
        source.last_job_at = job.started_at
        self.actor = system_actor(f"harvest:{source.slug} ({job.triggered_by or 'cli'})")
        audit.record(s, self.actor, "harvest_start", "harvest_job", str(job.id), label=source.name,
                     organization_id=source.organization_id, after={"source": source.slug, "protocol": source.protocol})
        s.commit()

        self.log = JobLog(job)
        self._heal_index(source.id, job.id)
        self.codes = CodeLists(s)
        self.writers = Writers(s, self.codes, source.organization_id, source.filters)
        self.clashes = 0
        self.salt = "|".join(str(x) for x in (
            RUNNER_VERSION, source.organization_id, source.database_id, source.default_access_level,
            source.default_licence_code, source.auto_publish, source.authoritative)) + "|"
        status, message = "failed", None
        harvester = None
        batch = _Batch()
        fetcher = Fetcher(self.policy or policy_from_config(self.cfg))
        try:
            harvester = harvester_class(source.protocol)(self._context(fetcher))
            for item in harvester.gather():
                self._check_time()
                if isinstance(item, Problem):
                    batch.problems.append(item)
                elif isinstance(item, Seen):
                    batch.seen.append(item.remote_id)
                else:
                    batch.records.append(item)
                if len(batch) >= self.batch_size:
                    self._write(batch)
                    batch = _Batch()
            self._write(batch)
            batch = _Batch()
            job.gather_complete = bool(harvester.complete)
            if harvester.not_modified:
                job.not_modified = True
                self._all_unchanged()
            elif job.gather_complete:
                self._withdraw_vanished()
            status = "succeeded"
        except (HarvestFailed, FetchError) as exc:
            message = exc.message if isinstance(exc, HarvestFailed) else f"{exc.message} ({exc.url})"
            self._salvage(batch)
        except JobTimedOut:
            message = f"stopped: ran longer than {self.cfg['HARVEST_TIMEOUT_MINUTES']} minutes"
            self._salvage(batch)
        except LostLock:
            message = "stopped: another job took over this source after this one stopped responding"
            s.rollback()
        except Exception as exc:  # a bug or a database failure must still end the job cleanly
            log.exception("harvest job %s of %s failed", job.id, source.slug)
            message = f"internal error: {type(exc).__name__}: {exc}"[:2000]
            s.rollback()
        finally:
            fetcher.close()
        return self._finish(status, message, harvester)

    def _heal_index(self, source_id: str, job_id: int) -> None:
        """A job killed mid-run (its process gone: `duration_s` is set only by a job that ended)
        committed batches whose search documents may never have been written: re-index what the
        source holds before this job goes on, so that its unchanged records are findable too."""
        s = self.session
        last = s.scalar(select(HarvestJob).where(HarvestJob.source_id == source_id, HarvestJob.id < job_id)
                        .order_by(HarvestJob.id.desc()).limit(1))
        if last is None or last.started_at is None or last.duration_s is not None:
            return
        changes = {kind: list(s.scalars(select(model.id).where(model.harvest_source_id == source_id)))
                   for kind, model in (("dataset", Dataset), ("dataservice", DataService))}
        refresh(self.app, changes)
        count = sum(len(ids) for ids in changes.values())
        self.log.warn(None, "index", LogText("index_healed", "job {job} stopped before it finished; the search index "
                                             "was brought up to date for the source's {count} records",
                                             job=last.id, count=count))

    def _context(self, fetcher: Fetcher) -> HarvestContext:
        source = self.source
        since = None
        if source.last_success_at and not self.full:
            since = source.last_success_at - timedelta(hours=1)  # margin for clocks and slow commits
        connection = None
        if source.protocol == "sqldb":
            connection = connections.with_password(source.url, source.secret, self.app.config["SECRET_KEY"])
        database_code = source.database.code if source.database else None
        return HarvestContext(
            url=source.url, fetcher=fetcher, filters=dict(source.filters or {}), since=since,
            state=dict(source.state or {}) if not self.full else {}, file_root=PROJECT_ROOT / "seed",
            connection_url=connection, database_code=database_code,
            allow_private=fetcher.policy.allow_private, allow_loopback=fetcher.policy.allow_loopback,
            jsonld_contexts=contexts_for(self.cfg) if source.protocol == "dcat" else None,
            warn=self.log.warn, known=self._known, set_total=self._set_total,
        )

    def _set_total(self, n: int) -> None:
        self.job.total = n

    def _known(self, remote_ids: list[str]) -> set[str]:
        rows = self.session.scalars(select(HarvestRecord.remote_id).where(
            HarvestRecord.source_id == self.source.id, HarvestRecord.remote_id.in_(remote_ids),
            HarvestRecord.content_hash.is_not(None)))
        return set(rows)

    def _check_time(self) -> None:
        now = time.monotonic()
        if now - self.started > self.cfg["HARVEST_TIMEOUT_MINUTES"] * 60:
            raise JobTimedOut()
        if now - self.last_beat > HEARTBEAT_EVERY:
            self._beat()
            self.session.commit()

    def _beat(self) -> None:
        now = utcnow()
        held = self.session.execute(
            update(HarvestSource).where(HarvestSource.id == self.source.id,
                                        HarvestSource.running_job_id == self.job.id)
            .values(heartbeat_at=now).execution_options(synchronize_session=False)).rowcount
        if held != 1:
            raise LostLock()
        self.job.heartbeat_at = now
        self.last_beat = time.monotonic()

    def _commit(self) -> None:
        self._beat()
        self.log.flush(self.session)
        self.session.info["change_reason"] = "harvest"
        self.session.commit()
        if self.progress is not None:
            self.progress(self.job)

    def _salvage(self, batch: _Batch) -> None:
        """Keep what was read before the source failed."""
        try:
            self._write(batch)
        except (LostLock, JobTimedOut):
            self.session.rollback()
        except Exception:
            log.exception("could not write the last batch of a failed harvest")
            self.session.rollback()

    def _finish(self, status: str, message: str | None, harvester: Any) -> Summary:
        s = self.session
        job = s.get(HarvestJob, self.job.id)
        source = s.get(HarvestSource, self.source.id)
        assert job is not None and source is not None
        now = utcnow()
        if message:
            self.log.error(None, "source", message)
        self.log.flush(s)
        job.status = status
        job.message = message
        job.finished_at = now
        job.heartbeat_at = now
        job.duration_s = round(time.monotonic() - self.started, 3)
        source.last_status = status
        if status == "succeeded":
            if harvester is not None:
                source.state = dict(harvester.ctx.state)
            if job.gather_complete:
                source.last_success_at = job.started_at
        s.execute(update(HarvestSource).where(HarvestSource.id == source.id, HarvestSource.running_job_id == job.id)
                  .values(running_job_id=None, heartbeat_at=None).execution_options(synchronize_session=False))
        audit.record(s, self.actor, "harvest_finish", "harvest_job", str(job.id), label=source.name,
                     organization_id=source.organization_id,
                     after={"source": source.slug, "status": status, **job.counts(),
                            "gather_complete": job.gather_complete, "duration_s": job.duration_s,
                            "message": message, "agency_clashes": self.clashes})
        s.info["change_reason"] = "harvest"
        s.commit()
        return _summary(job, source)

    # one batch ------------------------------------------------------------------------------------

    def _write(self, batch: _Batch) -> None:
        if not len(batch):
            return
        s = self.session
        job = self.job
        records: list[tuple[Record, str, str]] = []
        for rec in batch.records:
            rid = str(rec.get("remote_id") or "").strip()
            if not rid:
                title = str(rec.get("title_vi"))[:200]
                self.log.error(None, "invalid", LogText("no_id", "a record without an id was left out: {title}",
                                                        title=title))
                job.failed += 1
                continue
            if rid in self.seen_ids:
                self.log.warn(rid, "duplicate", LogText(
                    "listed_twice", "the source lists {id} twice; the first one is kept", id=rid[:200]))
                continue
            self.seen_ids.add(rid)
            rec["remote_id"] = rid
            records.append((rec, rid, content_hash(rec, self.salt)))
        ids = [rid for _rec, rid, _h in records] + batch.seen + [p.remote_id for p in batch.problems if p.remote_id]
        existing = {row.remote_id: row for row in s.execute(select(
            HarvestRecord.id, HarvestRecord.remote_id, HarvestRecord.content_hash, HarvestRecord.state,
            HarvestRecord.dataset_id, HarvestRecord.dataservice_id, HarvestRecord.role, HarvestRecord.kind,
            HarvestRecord.status_before_withdrawal, HarvestRecord.matched_on,
        ).where(HarvestRecord.source_id == self.source.id, HarvestRecord.remote_id.in_(ids)))} if ids else {}

        touched: list[int] = []
        for problem in batch.problems:
            self.log.error(problem.remote_id, problem.kind, problem.message)
            job.failed += 1
            row = existing.get(problem.remote_id or "")
            if row is not None:
                touched.append(row.id)  # still at the source: never withdrawn for a passing problem
        changed: list[tuple[Record, str, Any]] = []
        for rid in batch.seen:
            row = existing.get(rid)
            if row is None or rid in self.seen_ids:
                continue
            self.seen_ids.add(rid)
            if row.state == "active":
                touched.append(row.id)
                job.unchanged += 1
        for rec, rid, digest in records:
            row = existing.get(rid)
            if (row is not None and not self.full and row.content_hash == digest and row.state == "active"
                    and (row.role == "duplicate" or row.dataset_id or row.dataservice_id)):
                touched.append(row.id)
                job.unchanged += 1
            else:
                changed.append((rec, digest, row))
        if touched:
            s.execute(update(HarvestRecord).where(HarvestRecord.id.in_(touched))
                      .values(last_seen_job_id=job.id).execution_options(synchronize_session=False))
        valid: list[tuple[Record, str, Any]] = []
        for rec, digest, row in changed:
            rid = rec["remote_id"]
            try:
                data = load_record(self.schema, tidy(rec, self.log.warn), self.log.warn)
            except ValidationError as err:
                errors = field_errors(err)
                problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())
                self.log.error(rid, "invalid", LogText("not_taken", "not taken: {problems}", problems=problems,
                                                       errors=errors))
                job.failed += 1
                if row is not None:
                    s.execute(update(HarvestRecord).where(HarvestRecord.id == row.id)
                              .values(last_seen_job_id=job.id).execution_options(synchronize_session=False))
                continue
            valid.append((data, digest, row))
        datasets = [v for v in valid if v[0]["kind"] == "dataset"]
        services = [v for v in valid if v[0]["kind"] == "dataservice"]
        if datasets:
            self._write_datasets(datasets)
        if services:
            self._write_services(services)
        self._commit()

    # datasets ------------------------------------------------------------------------------------

    def _values(self, data: Record) -> dict[str, Any]:
        """Catalogue columns from a validated record (code lists resolved, source defaults applied)."""
        rid, warn, codes, source = data["remote_id"], self.log.warn, self.codes, self.source
        licence = codes.licence_of(data.get("licence"), rid, warn) or source.default_licence_code
        return {
            "title_vi": data["title_vi"], "title_en": data.get("title_en"),
            "description_vi": data.get("description_vi"), "description_en": data.get("description_en"),
            "keywords": data.get("keywords") or [],
            "themes": codes.themes_of(data.get("themes") or [], rid, warn),
            "spatial": codes.spatial_of(data.get("spatial") or [], rid, warn),
            "languages": codes.languages_of(data.get("languages") or [], rid, warn),
            "publisher_id": codes.publisher_of(data.get("publisher"), source.organization_id, rid, warn),
            "database_id": codes.database_of(data.get("database"), source.database_id, rid, warn),
            "access_level": data.get("access_level") or source.default_access_level,
            "licence_code": licence,
            "update_frequency": codes.frequency_of(data.get("update_frequency"), rid, warn),
            "temporal_start": data.get("temporal_start"), "temporal_end": data.get("temporal_end"),
            "contact_name": data.get("contact_name"), "contact_email": data.get("contact_email"),
            "contact_phone": data.get("contact_phone"), "landing_page": data.get("landing_page"),
            "version": data.get("version"), "issued": data.get("issued"), "modified": data.get("modified"),
            "provenance": data.get("provenance"), "is_master_data": bool(data.get("is_master_data")),
        }

    def _gaps(self, values: dict[str, Any]) -> list[str]:
        """What rules.REQUIRED_TO_PUBLISH still misses (the same rule the registration forms apply)."""
        gaps = []
        for name in rules.REQUIRED_TO_PUBLISH.get(values["access_level"], ()):
            if name == "contact":
                present = values.get("contact_name") or values.get("contact_email") or values.get("contact_phone")
            else:
                present = values.get(name)
            if not present:
                gaps.append(name)
        if (values["access_level"] == rules.ACCESS_OPEN and values.get("licence_code")
                and values["licence_code"] not in self.codes.open_licences):
            gaps.append("licence_code")
        return gaps

    def _status_for(self, values: dict[str, Any], rid: str, has_data: bool = True) -> str:
        """Published when the source may publish and nothing required is missing. Open data must
        also give something to download (a file or a data link, as the registration forms ask):
        a record that only describes open data stays a draft, off the home page and the open lists."""
        if not self.source.auto_publish:
            return "draft"
        gaps = self._gaps(values)
        if values["access_level"] == rules.ACCESS_OPEN and not has_data:
            gaps.append("distribution")
        if gaps:
            names = ", ".join({"licence_code": "licence", "contact": "contact point",
                               "distribution": "a file or a data link"}.get(g, g) for g in gaps)
            self.log.warn(rid, "draft", LogText("draft_until", "kept as a draft until it has: {names}", names=names,
                                                fields=gaps))
            return "draft"
        return "published"

    def _write_datasets(self, items: list[tuple[Record, str, Any]]) -> None:
        new = [(d, h) for d, h, row in items if row is None]
        old = [(d, h, row) for d, h, row in items if row is not None]
        if new:
            self._create_datasets(new)
        if old:
            self._update_datasets(old)

    def _matches(self, new: list[tuple[Record, str]]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Datasets already in the catalogue with the same identifier, or (from elsewhere) landing page."""
        s = self.session
        identifiers = [self._identifier(d) for d, _h in new]
        by_identifier: dict[str, Any] = {}
        for r in s.execute(select(
            Dataset.id, Dataset.identifier, Dataset.harvest_source_id, Dataset.origin, Dataset.remote_id,
            Dataset.publisher_id, Dataset.landing_page,
        ).where(Dataset.identifier.in_(identifiers)).order_by(Dataset.created_at, Dataset.id)):
            # identifiers are unique per publisher: of several agencies' datasets, one this source may
            # write wins, else the first registered (a clash the link step then logs, never applies)
            known = by_identifier.get(r.identifier)
            if known is None or (not self.writers.may_write(known.publisher_id)
                                 and self.writers.may_write(r.publisher_id)):
                by_identifier[r.identifier] = r
        pages = [d["landing_page"] for d, _h in new if _specific_page(d.get("landing_page"))]
        by_page: dict[str, Any] = {}
        if pages:
            rows = s.execute(select(Dataset.id, Dataset.landing_page, Dataset.harvest_source_id, Dataset.origin,
                                    Dataset.remote_id, Dataset.publisher_id, Dataset.identifier)
                             .where(Dataset.landing_page.in_(pages))).all()
            counts: dict[str, int] = {}
            for r in rows:
                counts[r.landing_page] = counts.get(r.landing_page, 0) + 1
            by_page = {r.landing_page: r for r in rows
                       if counts[r.landing_page] == 1 and r.harvest_source_id != self.source.id}
        return by_identifier, by_page

    def _identifier(self, data: Record) -> str:
        value = (data.get("identifier") or data.get("source_url")
                 or f"urn:harvest:{self.source.slug}:{data['remote_id']}")
        return value[:500]

    def _create_datasets(self, new: list[tuple[Record, str]]) -> None:
        s, job, source = self.session, self.job, self.source
        by_identifier, by_page = self._matches(new)
        taken_slugs = self._taken_slugs([slugify(d["title_vi"]) for d, _h in new])
        rows: list[dict[str, Any]] = []
        dists: list[dict[str, Any]] = []
        records: list[dict[str, Any]] = []
        batch_identifiers: dict[str, str] = {}
        now = utcnow()
        for data, digest in new:
            rid = data["remote_id"]
            identifier = self._identifier(data)
            match, matched_on = by_identifier.get(identifier), "identifier"
            if match is None and data.get("landing_page") in by_page:
                match, matched_on = by_page[data["landing_page"]], "landing_page"
            if identifier in batch_identifiers:
                self._same_source_clash(rid, batch_identifiers[identifier])
                continue
            if match is not None:
                if match.harvest_source_id == source.id:
                    self._same_source_clash(rid, match.remote_id)
                    continue
                self._link_existing(data, digest, match, matched_on)
                continue
            batch_identifiers[identifier] = rid
            values = self._values(data)
            ds_id = new_id()
            slug = self._free_slug(slugify(values["title_vi"]), taken_slugs)
            taken_slugs.add(slug)
            status = self._status_for(values, rid, _gives_data(data.get("distributions") or []))
            rows.append({**values, "id": ds_id, "slug": slug, "identifier": identifier, "status": status,
                         "published_at": now if status == "published" else None, "origin": "harvested",
                         "harvest_source_id": source.id, "remote_id": rid, "source_url": data.get("source_url"),
                         "local_edits": [], "unlisted": False})
            dists.extend(_dist_rows(ds_id, data.get("distributions") or []))
            records.append(self._record_row(data, digest, dataset_id=ds_id))
        if rows:
            s.execute(Dataset.__table__.insert(), rows)
            note_changes(s, "dataset", [r["id"] for r in rows])
        if dists:
            s.execute(Distribution.__table__.insert(), dists)
            note_changes(s, "distribution", [d["id"] for d in dists])
        if records:
            s.execute(HarvestRecord.__table__.insert(), records)
        job.new += len(rows)

    def _record_row(self, data: Record, digest: str, **target: Any) -> dict[str, Any]:
        return {"source_id": self.source.id, "remote_id": data["remote_id"], "kind": data["kind"],
                "title": data["title_vi"][:500], "content_hash": digest, "state": "active",
                "role": target.pop("role", "primary"), "matched_on": target.pop("matched_on", None),
                "first_job_id": self.job.id, "last_seen_job_id": self.job.id, "last_changed_job_id": self.job.id,
                "dataset_id": None, "dataservice_id": None, **target}

    def _same_source_clash(self, rid: str, other: str | None) -> None:
        self.log.error(rid, "duplicate", LogText(
            "same_identifier", "has the same identifier as record {other} of this source; not taken", other=other))
        self.job.failed += 1

    def _taken_slugs(self, bases: list[str]) -> set[str]:
        if not bases:
            return set()
        return set(self.session.scalars(select(Dataset.slug).where(Dataset.slug.in_(set(bases)))))

    def _free_slug(self, base: str, taken: set[str]) -> str:
        if base not in taken:
            return base
        in_db = set(self.session.scalars(select(Dataset.slug).where(Dataset.slug.like(f"{base}-%"))))
        n = 2
        while f"{base}-{n}" in taken or f"{base}-{n}" in in_db:
            n += 1
        return f"{base}-{n}"

    def _owner_is_authoritative(self, source_id: str | None) -> bool:
        if source_id is None:
            return False
        return bool(self.session.scalar(select(HarvestSource.authoritative).where(HarvestSource.id == source_id)))

    def _link_existing(self, data: Record, digest: str, match: Any, matched_on: str) -> None:
        """The dataset is already catalogued (from another source or registered here): one dataset,
        two provenances. An authoritative source takes over a dataset another source brought."""
        s, rid = self.session, data["remote_id"]
        foreign = not self.writers.may_write(match.publisher_id)
        takeover = (match.origin == "harvested" and self.source.authoritative and not foreign
                    and not self._owner_is_authoritative(match.harvest_source_id))
        if takeover:
            self._take_over(match.id)
            s.execute(HarvestRecord.__table__.insert(), [self._record_row(data, digest, dataset_id=match.id)])
            ds = s.scalar(select(Dataset).where(Dataset.id == match.id).options(selectinload(Dataset.distributions)))
            if ds is not None:
                self._apply_dataset(ds, data, SimpleNamespace(state="active", status_before_withdrawal=None))
            self.job.new += 1
            self.log.warn(rid, "duplicate", LogText(
                "taken_over", "already catalogued from another source (matched on {field}); "
                "this authoritative source now keeps it", field=matched_on))
            return
        row = self._record_row(data, digest, dataset_id=match.id, role="duplicate", matched_on=matched_on)
        s.execute(HarvestRecord.__table__.insert(), [row])
        self.job.new += 1
        if foreign:
            self._agency_clash(rid, match, matched_on)
            return
        if match.origin != "harvested":
            self.log.warn(rid, "duplicate", LogText(
                "already_registered", "the same dataset is already registered in this catalogue (matched on {field}); "
                "recorded as a second source of it", field=matched_on))
        else:
            self.log.warn(rid, "duplicate", LogText(
                "already_harvested", "the same dataset is already brought by another source (matched on {field}); "
                "recorded as a second source of it", field=matched_on))

    def _agency_clash(self, rid: str, ds: Any, matched_on: str | None) -> None:
        """Another agency's dataset: logged and counted, never written (issue 17)."""
        value = ds.landing_page if matched_on == "landing_page" else ds.identifier
        self.clashes += 1
        self.log.warn(rid, "agency_clash", self.writers.clash_message(str(value), matched_on or "identifier",
                                                                      ds.publisher_id))

    def _take_over(self, dataset_id: str) -> None:
        s = self.session
        s.execute(update(HarvestRecord).where(HarvestRecord.dataset_id == dataset_id,
                                              HarvestRecord.source_id != self.source.id,
                                              HarvestRecord.role == "primary")
                  .values(role="duplicate", matched_on="identifier").execution_options(synchronize_session=False))

    def _update_datasets(self, old: list[tuple[Record, str, Any]]) -> None:
        s = self.session
        ids = [row.dataset_id for _d, _h, row in old if row.dataset_id]
        found = {ds.id: ds for ds in s.scalars(select(Dataset).where(Dataset.id.in_(ids))
                                               .options(selectinload(Dataset.distributions)))} if ids else {}
        recreate: list[tuple[Record, str, Any]] = []
        for data, digest, row in old:
            ds = found.get(row.dataset_id) if row.dataset_id else None
            if row.role == "duplicate":
                owner = ds.harvest_source_id if ds is not None else None
                foreign = ds is not None and not self.writers.may_write(ds.publisher_id)
                if foreign:
                    self._agency_clash(data["remote_id"], ds, row.matched_on)
                if (ds is not None and ds.origin == "harvested" and self.source.authoritative and not foreign
                        and owner != self.source.id and not self._owner_is_authoritative(owner)):
                    self._take_over(ds.id)
                    s.execute(update(HarvestRecord).where(HarvestRecord.id == row.id)
                              .values(role="primary").execution_options(synchronize_session=False))
                    self._apply_dataset(ds, data, row)
                    self.log.warn(data["remote_id"], "duplicate", LogText(
                        "now_keeps", "this authoritative source now keeps the dataset"))
                elif ds is None:
                    recreate.append((data, digest, row))
                    continue
                self._mark_record(row.id, data, digest)
                self.job.updated += 1
                continue
            if ds is None:
                recreate.append((data, digest, row))
                continue
            if ds.publisher_id is not None and not self.writers.may_write(ds.publisher_id):
                # kept under a delegation since withdrawn (or moved to another agency here): not written
                self._agency_clash(data["remote_id"], ds, "identifier")
                self._mark_record(row.id, data, digest)
                continue
            self._apply_dataset(ds, data, row)
            self._mark_record(row.id, data, digest)
            self.job.updated += 1
        s.flush()
        if recreate:
            # the dataset was deleted here; the source still has it, so it comes back
            s.execute(delete(HarvestRecord).where(HarvestRecord.id.in_([r.id for _d, _h, r in recreate])))
            self._create_datasets([(d, h) for d, h, _r in recreate])

    def _mark_record(self, record_id: int, data: Record, digest: str) -> None:
        self.session.execute(update(HarvestRecord).where(HarvestRecord.id == record_id).values(
            content_hash=digest, state="active", status_before_withdrawal=None, title=data["title_vi"][:500],
            last_seen_job_id=self.job.id, last_changed_job_id=self.job.id,
        ).execution_options(synchronize_session=False))

    def _apply_dataset(self, ds: Dataset, data: Record, row: Any) -> None:
        """Write the source's values, except the fields a steward changed here."""
        values = self._values(data)
        if ds.publisher_id and not self.codes.is_within(ds.publisher_id, self.source.organization_id):
            values["publisher_id"] = ds.publisher_id  # a delegating agency's dataset stays its own
        kept = set(ds.local_edits or [])
        for name in DATASET_FIELDS:
            if name in kept:
                continue
            if getattr(ds, name) != values[name]:
                setattr(ds, name, values[name])
        ds.origin = "harvested"
        ds.harvest_source_id = self.source.id
        ds.remote_id = data["remote_id"]
        ds.source_url = data.get("source_url")
        if "status" in kept:
            # a steward set the status here: only undo the withdrawal this harvest made
            if row.state == "withdrawn" and ds.status == "withdrawn":
                ds.status = row.status_before_withdrawal or "draft"
        else:
            effective = {**values, **{k: getattr(ds, k) for k in kept if k in values}}
            local = any(d.file_path or d.download_url or d.access_url for d in ds.distributions if not d.remote_id)
            ds.status = self._status_for(effective, data["remote_id"],
                                         local or _gives_data(data.get("distributions") or []))
        if ds.status == "published" and ds.published_at is None:
            ds.published_at = utcnow()
        _sync_distributions(self.session, ds, data.get("distributions") or [])

    # data services ---------------------------------------------------------------------------------

    def _service_values(self, data: Record) -> dict[str, Any]:
        rid, warn, codes, source = data["remote_id"], self.log.warn, self.codes, self.source
        return {
            "title_vi": data["title_vi"], "title_en": data.get("title_en"),
            "description_vi": data.get("description_vi"), "description_en": data.get("description_en"),
            "publisher_id": codes.publisher_of(data.get("publisher"), source.organization_id, rid, warn),
            "database_id": codes.database_of(data.get("database"), source.database_id, rid, warn),
            "endpoint_url": data["endpoint_url"], "endpoint_description": data.get("endpoint_description"),
            "openapi_spec": data.get("openapi_spec"), "protocol": data.get("protocol"),
            "platform": data.get("platform"), "access_level": data.get("access_level") or source.default_access_level,
        }

    def _write_services(self, items: list[tuple[Record, str, Any]]) -> None:
        s = self.session
        ids = [row.dataservice_id for _d, _h, row in items if row is not None and row.dataservice_id]
        found = {svc.id: svc for svc in s.scalars(select(DataService).where(DataService.id.in_(ids)))} if ids else {}
        status = "published" if self.source.auto_publish else "draft"
        for data, digest, row in items:
            values = self._service_values(data)
            svc = found.get(row.dataservice_id) if row is not None and row.dataservice_id else None
            if svc is None:
                svc = DataService(id=new_id(), origin="harvested", harvest_source_id=self.source.id,
                                  remote_id=data["remote_id"], source_url=data.get("source_url"), local_edits=[],
                                  status=status, published_at=utcnow() if status == "published" else None)
                for name, value in values.items():
                    setattr(svc, name, value)
                with s.no_autoflush:
                    svc.slug = unique_slug(s, DataService, slugify(values["title_vi"]))
                s.add(svc)
                s.flush()
                if row is None:
                    s.execute(HarvestRecord.__table__.insert(), [self._record_row(data, digest, dataservice_id=svc.id)])
                    self.job.new += 1
                else:
                    s.execute(update(HarvestRecord).where(HarvestRecord.id == row.id).values(
                        dataservice_id=svc.id).execution_options(synchronize_session=False))
                    self._mark_record(row.id, data, digest)
                    self.job.updated += 1
                continue
            kept = set(svc.local_edits or [])
            for name, value in values.items():
                if name not in kept and getattr(svc, name) != value:
                    setattr(svc, name, value)
            svc.source_url = data.get("source_url")
            if "status" not in kept:
                svc.status = status
            elif row.state == "withdrawn" and svc.status == "withdrawn":
                svc.status = row.status_before_withdrawal or status
            if svc.status == "published" and svc.published_at is None:
                svc.published_at = utcnow()
            self._mark_record(row.id, data, digest)
            self.job.updated += 1
        s.flush()

    # after the gather ----------------------------------------------------------------------------

    def _all_unchanged(self) -> None:
        s = self.session
        n = s.execute(update(HarvestRecord).where(HarvestRecord.source_id == self.source.id,
                                                  HarvestRecord.state == "active")
                      .values(last_seen_job_id=self.job.id).execution_options(synchronize_session=False)).rowcount
        self.job.unchanged += n or 0
        self._commit()

    def _withdraw_vanished(self) -> None:
        """Records the source no longer lists: withdrawn here, with their status kept for a comeback."""
        s, job, source = self.session, self.job, self.source
        last_id = 0
        while True:
            rows = s.execute(select(HarvestRecord.id, HarvestRecord.dataset_id, HarvestRecord.dataservice_id,
                                    HarvestRecord.role, HarvestRecord.remote_id).where(
                HarvestRecord.source_id == source.id, HarvestRecord.state == "active", HarvestRecord.id > last_id,
                or_(HarvestRecord.last_seen_job_id.is_(None), HarvestRecord.last_seen_job_id != job.id),
            ).order_by(HarvestRecord.id).limit(self.batch_size)).all()
            if not rows:
                return
            last_id = rows[-1].id
            primary_ds = [r.dataset_id for r in rows if r.role == "primary" and r.dataset_id]
            heirs = self._heirs(primary_ds)
            status_of = dict(s.execute(select(Dataset.id, Dataset.status).where(Dataset.id.in_(primary_ds))).all()
                             ) if primary_ds else {}
            svc_ids = [r.dataservice_id for r in rows if r.dataservice_id]
            svc_status = dict(s.execute(select(DataService.id, DataService.status)
                                        .where(DataService.id.in_(svc_ids))).all()) if svc_ids else {}
            record_updates, dataset_updates, service_updates = [], [], []
            for r in rows:
                before = None
                if r.role == "primary" and r.dataset_id:
                    heir = heirs.get(r.dataset_id)
                    if heir is not None:
                        self._hand_over(r.dataset_id, heir)
                        record_updates.append({"id": r.id, "state": "withdrawn", "role": "duplicate",
                                               "status_before_withdrawal": None})
                        continue
                    before = status_of.get(r.dataset_id)
                    if before and before != "withdrawn":
                        dataset_updates.append({"id": r.dataset_id, "status": "withdrawn"})
                if r.dataservice_id:
                    before = svc_status.get(r.dataservice_id)
                    if before and before != "withdrawn":
                        service_updates.append({"id": r.dataservice_id, "status": "withdrawn"})
                record_updates.append({"id": r.id, "state": "withdrawn", "role": r.role,
                                       "status_before_withdrawal": before})
            s.execute(update(HarvestRecord), record_updates)
            if dataset_updates:
                s.execute(update(Dataset), [{**u, "updated_at": utcnow()} for u in dataset_updates])
                note_changes(s, "dataset", [u["id"] for u in dataset_updates])
            if service_updates:
                s.execute(update(DataService), [{**u, "updated_at": utcnow()} for u in service_updates])
                note_changes(s, "dataservice", [u["id"] for u in service_updates])
            job.withdrawn += len(rows)
            self._commit()

    def _heirs(self, dataset_ids: list[str]) -> dict[str, Any]:
        """For datasets this source withdraws: an active record of another source that can keep them."""
        if not dataset_ids:
            return {}
        rows = self.session.execute(select(HarvestRecord.id, HarvestRecord.dataset_id, HarvestRecord.source_id,
                                           HarvestRecord.remote_id, HarvestSource.authoritative,
                                           HarvestSource.organization_id, HarvestSource.filters)
                                    .join(HarvestSource, HarvestSource.id == HarvestRecord.source_id)
                                    .where(HarvestRecord.dataset_id.in_(dataset_ids),
                                           HarvestRecord.source_id != self.source.id,
                                           HarvestRecord.state == "active")
                                    .order_by(HarvestSource.authoritative.desc(), HarvestRecord.id)).all()
        publisher_of = dict(self.session.execute(select(Dataset.id, Dataset.publisher_id)
                                                 .where(Dataset.id.in_(dataset_ids))).all())
        heirs: dict[str, Any] = {}
        for r in rows:
            # only a source that may write the dataset's agency keeps it (issue 17)
            if self.writers.allowed(publisher_of.get(r.dataset_id), r.organization_id,
                                    self.writers.delegated_to(r.source_id, r.filters)):
                heirs.setdefault(r.dataset_id, r)
        return heirs

    def _hand_over(self, dataset_id: str, heir: Any) -> None:
        s = self.session
        s.execute(update(HarvestRecord).where(HarvestRecord.id == heir.id)
                  .values(role="primary", content_hash=None).execution_options(synchronize_session=False))
        s.execute(update(Dataset).where(Dataset.id == dataset_id)
                  .values(harvest_source_id=heir.source_id, remote_id=heir.remote_id, updated_at=utcnow())
                  .execution_options(synchronize_session=False))
        note_changes(s, "dataset", [dataset_id])
        self.log.warn(None, "duplicate", LogText(
            "kept_by_other", "a dataset this source no longer lists stays in the catalogue: "
            "another source ({id}) still has it", id=heir.remote_id))


# --- helpers ------------------------------------------------------------------------------------


def _summary(job: HarvestJob, source: HarvestSource) -> Summary:
    return Summary(job.id, source.slug, job.status, job.counts(), job.duration_s or 0.0, job.message,
                   job.gather_complete)


def _specific_page(url: str | None) -> bool:
    """Only a page address with a path identifies a dataset (a portal's home page does not)."""
    if not url:
        return False
    return len(urlsplit(url).path.strip("/")) > 0


def _dist_key(dist: dict[str, Any], n: int) -> str:
    key = dist.get("remote_id") or dist.get("download_url") or dist.get("access_url") or f"#{n}"
    return str(key)[:500]


def _gives_data(dists: Iterable[dict[str, Any]]) -> bool:
    """Does a record's list of distributions give the data itself (a download or access address)?"""
    return any(d.get("download_url") or d.get("access_url") for d in dists)


def _dist_rows(dataset_id: str, dists: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for n, dist in enumerate(dists):
        row = {name: dist.get(name) for name in DIST_FIELDS}
        if not row["access_url"]:
            row["access_url"] = row["download_url"]
        rows.append({**row, "id": new_id(), "dataset_id": dataset_id, "position": n, "remote_id": _dist_key(dist, n)})
    return rows


def _sync_distributions(session: Session, ds: Dataset, dists: list[dict[str, Any]]) -> None:
    """Harvested distributions follow the source; files and links added here (no remote id) stay."""
    wanted = {_dist_key(d, n): (n, d) for n, d in enumerate(dists)}
    current = {d.remote_id: d for d in ds.distributions if d.remote_id}
    for key, dist in current.items():
        if key not in wanted:
            ds.distributions.remove(dist)
    for key, (n, data) in wanted.items():
        values = {name: data.get(name) for name in DIST_FIELDS}
        if not values["access_url"]:
            values["access_url"] = values["download_url"]
        values["position"] = n
        dist = current.get(key)
        if dist is None:
            ds.distributions.append(Distribution(id=new_id(), remote_id=key, **values))
            continue
        for name, value in values.items():
            if getattr(dist, name) != value:
                setattr(dist, name, value)


def source_path_allowed(path: str) -> bool:
    """Demo sources may point to files under the project's seed/ folder, and nowhere else."""
    root = (PROJECT_ROOT / "seed").resolve()
    target = Path(path[7:] if path.startswith("file://") else path)
    target = (target if target.is_absolute() else PROJECT_ROOT / target).resolve()
    return root in target.parents


def count_records(session: Session, source_id: str) -> dict[str, int]:
    rows = session.execute(select(HarvestRecord.state, func.count()).where(HarvestRecord.source_id == source_id)
                           .group_by(HarvestRecord.state)).all()
    return dict(rows)


def stale_before(cfg: dict[str, Any]) -> datetime:
    return utcnow() - timedelta(minutes=cfg["HARVEST_STALE_MINUTES"])
