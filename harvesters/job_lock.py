"""A harvest job's lock on its source, its heartbeat and the dead jobs it takes over."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from catalog.models import (
    HarvestJob,
    HarvestSource,
    utcnow,
)

HEARTBEAT_EVERY = 30.0  # seconds, at most


def heartbeat_every(cfg: dict[str, Any]) -> float:
    """Seconds between heartbeats: a quarter of the lease (CATALOG_HARVEST_STALE_MINUTES), 30 s at most,
    so a live job never looks dead and a dead one frees its source within the lease."""
    return max(1.0, min(HEARTBEAT_EVERY, float(cfg["HARVEST_STALE_MINUTES"]) * 60 / 4))


class AlreadyRunning(Exception):
    """Another job of the same source holds the lock."""


class JobTimedOut(Exception):
    pass


class LostLock(Exception):
    pass


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


def queue_job(session: Session, source: HarvestSource, triggered_by: str,
              cfg: dict[str, Any] | None = None) -> tuple[HarvestJob, bool]:
    """(a new queued job, True), or (the job already queued or running, False). Given the settings,
    dead jobs (a worker killed mid-run) are marked failed first, so they do not block a new run."""
    if cfg is not None:
        reap_stale(session, cfg)
    current = session.scalar(select(HarvestJob).where(
        HarvestJob.source_id == source.id, HarvestJob.status.in_(("queued", "running"))).order_by(HarvestJob.id))
    if current is not None:
        return current, False
    job = HarvestJob(source_id=source.id, status="queued", triggered_by=triggered_by, created_at=utcnow())
    session.add(job)
    session.flush()
    return job, True


def acquire(session: Session, source_id: str, job: HarvestJob, cfg: dict[str, Any]) -> None:
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


def stale_before(cfg: dict[str, Any]) -> datetime:
    return utcnow() - timedelta(minutes=cfg["HARVEST_STALE_MINUTES"])


class LockMixin:
    """The job's hold on its source: time limit, heartbeat, and a commit that proves the lock is still held."""

    def _check_time(self) -> None:
        now = time.monotonic()
        if now - self.started > self.cfg["HARVEST_TIMEOUT_MINUTES"] * 60:
            raise JobTimedOut()
        if now - self.last_beat > heartbeat_every(self.cfg):
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
        buffer = self.session.info.get("index_buffer")
        if buffer is not None:
            buffer.flush_if_due()  # outside the batch's transaction, a few times per job
        if self.progress is not None:
            self.progress(self.job)
