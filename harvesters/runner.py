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

The parts: `job_lock` (lock, heartbeat, dead jobs), `batch_diff` (new / changed / unchanged),
`dataset_writer` and `service_writer` (create, link, take over, apply), `withdrawer` (vanished
records and their heirs), `job_log` (summary, per-record log, counts); this module runs a job
through them, behind the one `run_source` call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog.config import PROJECT_ROOT
from catalog.db import registry_db
from catalog.http import Fetcher, FetchError, FetchPolicy, policy_from_config
from catalog.models import (
    DataService,
    Dataset,
    HarvestJob,
    HarvestSource,
    utcnow,
)
from catalog.search.indexer import IndexBuffer, refresh
from catalog.services import audit
from catalog.services.actor import system_actor
from catalog.signals import harvest_finished

from . import connections, fidelity
from .agencies import Writers
from .base import HarvestContext, HarvestFailed, LogText, Problem, Seen, harvester_class
from .batch_diff import Batch as _Batch
from .batch_diff import BatchMixin
from .dataset_writer import DatasetWriterMixin
from .job_lock import (  # noqa: F401  (the runner's public names)
    AlreadyRunning,
    JobTimedOut,
    LockMixin,
    LostLock,
    acquire,
    queue_job,
    reap_stale,
    stale_before,
)
from .job_log import JobLog, Summary, count_records, summary  # noqa: F401
from .jsonld_contexts import contexts_for
from .record import record_loader
from .resolve import CodeLists
from .series import SeriesBook
from .service_writer import ServiceWriterMixin
from .withdrawer import WithdrawerMixin

log = logging.getLogger(__name__)

RUNNER_VERSION = "1"


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
    queue_checks: bool = True,
) -> Summary:
    """Run one job of a source here and now; raises AlreadyRunning if another job holds the source.

    `queue_checks=False` (a CLI run without workers) queues no follow-up work, so the process exits
    when its job is done; the quality checks it leaves pending run with the `quality.harvested` job."""
    session = registry_db(app).session_factory()
    try:
        return _Run(app, session, source_id, job_id, triggered_by, policy, progress, full, queue_checks).run()
    finally:
        session.close()


def content_salt(source: HarvestSource) -> str:
    """What goes into every record's content hash besides the record: a change of the source's
    defaults rewrites its records on the next run."""
    return "|".join(str(x) for x in (
        RUNNER_VERSION, source.organization_id, source.database_id, source.default_access_level,
        source.default_licence_code, source.auto_publish, source.authoritative)) + "|"


class _Run(LockMixin, BatchMixin, DatasetWriterMixin, ServiceWriterMixin, WithdrawerMixin):
    def __init__(self, app: Flask, session: Session, source_id: str, job_id: int | None, triggered_by: str,
                 policy: FetchPolicy | None, progress: Progress | None, full: bool, queue_checks: bool = True) -> None:
        self.app = app
        self.cfg = app.config["CATALOG"]
        self.session = session
        self.source_id = source_id
        self.job_id = job_id
        self.triggered_by = triggered_by
        self.policy = policy
        self.progress = progress
        self.full = full
        self.queue_checks = queue_checks
        self.batch_size = max(1, int(self.cfg["HARVEST_BATCH_SIZE"]))
        self.schema = record_loader()
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
            return summary(job, source)  # already done: running a task twice changes nothing
        if job is None:
            job = HarvestJob(source_id=source.id, status="queued", triggered_by=self.triggered_by,
                             created_at=utcnow())
            s.add(job)
            s.flush()
        try:
            acquire(s, source.id, job, self.cfg)
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
        self.fidelity = fidelity.Fidelity()
        self._heal_index(source.id, job.id)
        self.index_buffer = IndexBuffer(self.app, worker=bool(self.cfg["HARVEST_INDEX_PROCESS"]))
        s.info["index_buffer"] = self.index_buffer
        self.codes = CodeLists(s)
        self.writers = Writers(s, self.codes, source.organization_id, source.filters)
        self.series = SeriesBook(s, source.id, self.log.warn)
        self.clashes = 0
        self.salt = content_salt(source)
        status, message = "failed", None
        harvester = None
        batch = _Batch()
        fetcher = Fetcher(self.policy or policy_from_config(self.cfg))
        try:
            harvester = harvester_class(source.protocol)(self._context(fetcher))
            yielded = 0
            for item in harvester.gather():
                self._check_time()
                yielded += 1
                if isinstance(item, Problem):
                    batch.problems.append(item)
                elif isinstance(item, Seen):
                    batch.seen.append(item.remote_id)
                else:
                    self.fidelity.add(fidelity.take(item))
                    batch.records.append(item)
                if len(batch) >= self.batch_size:
                    self._write(batch)
                    batch = _Batch()
            self._write(batch)
            batch = _Batch()
            if not yielded and not harvester.not_modified and not harvester.announced_empty \
                    and harvester.ctx.bytes_read:
                raise HarvestFailed(LogText(
                    "nothing_read", "the source answered {bytes} bytes but no record could be read from them; "
                    "nothing was taken or withdrawn", bytes=harvester.ctx.bytes_read), "parse")
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
        self.log.close()
        self.log.flush(s)
        job.fidelity = self.fidelity.as_json()
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
        self._index_pending()
        done = summary(job, source)
        try:
            harvest_finished.send(self.app, source_id=source.id, counts=job.counts(), queue_checks=self.queue_checks)
        except Exception:  # the job is done and saved; its follow-ups are caught up by the scheduled jobs
            log.exception("follow-up work of harvest job %s could not be queued", job.id)
        return done

    def _index_pending(self) -> None:
        """Index what the last batches changed; a failure is logged and healed by the next job."""
        buffer = self.session.info.pop("index_buffer", None)
        if buffer is None:
            return
        try:
            buffer.flush()
        except Exception:
            log.exception("indexing the last records of harvest job %s failed", self.job.id)


def source_path_allowed(path: str) -> bool:
    """Demo sources may point to files under the project's seed/ folder, and nowhere else."""
    root = (PROJECT_ROOT / "seed").resolve()
    target = Path(path[7:] if path.startswith("file://") else path)
    target = (target if target.is_absolute() else PROJECT_ROOT / target).resolve()
    return root in target.parents
