"""Harvests as background tasks (threads when embedded, Celery in server mode) and their schedule."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import select

from catalog.db import registry_db
from catalog.models import HarvestJob, HarvestSource, utcnow
from catalog.tasks import enqueue, periodic, task

from .runner import AlreadyRunning, queue_job, reap_stale, run_source

log = logging.getLogger(__name__)

#: How long after the last job a scheduled source is due again.
PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


@task("harvest.run")
def run_task(source_id: str, job_id: int | None = None) -> None:
    """Run one queued job (a second job of a busy source ends at once as "not started")."""
    try:
        run_source(current_app._get_current_object(), source_id, job_id=job_id, triggered_by="task")
    except AlreadyRunning as exc:
        log.info("harvest of %s not started: %s", source_id, exc)


def start(app: Flask, job: HarvestJob) -> None:
    """Send a committed queued job to the workers."""
    enqueue(app, "harvest.run", job.source_id, job.id)


@periodic("harvest.due", every=timedelta(minutes=15))
def harvest_due() -> list[int]:
    """Mark dead jobs failed, then queue every enabled source whose daily or weekly run is due."""
    app = current_app._get_current_object()
    session = registry_db(app).session_factory()
    queued: list[HarvestJob] = []
    try:
        reap_stale(session, app.config["CATALOG"])
        now = utcnow()
        sources = session.scalars(select(HarvestSource).where(HarvestSource.enabled.is_(True),
                                                               HarvestSource.schedule.in_(list(PERIODS))))
        for src in sources:
            last = src.last_job_at
            if src.running_job_id is None and (last is None or now - last >= PERIODS[src.schedule]):
                job, created = queue_job(session, src, "schedule")
                if created:
                    queued.append(job)
        session.commit()
        for job in queued:
            start(app, job)
        return [job.id for job in queued]
    finally:
        session.close()
