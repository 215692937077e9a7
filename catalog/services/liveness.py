"""The health view beyond connections: harvest sources and data services, in the same words.

A harvest source is the catalogue's own connection to an agency's system; its last finished job
says whether that link works: a complete, error-free run is up; a run that succeeded with failed
records or an incomplete gather, or a scheduled source whose last success is older than two of its
periods, is degraded; a failed run is down; a source never run is unknown. Data services carry the
health their probes gave them (services/service_health.py). Officers see these (policy).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from .. import policy
from ..models import DataService, HarvestJob, HarvestSource

PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
ORDER = {"down": 0, "degraded": 1, "unknown": 2, "maintenance": 3, "up": 4}


@dataclass(frozen=True)
class SourceLiveness:
    source: HarvestSource
    health: str
    job: HarvestJob | None

    @property
    def finished_at(self) -> datetime | None:
        return self.job.finished_at if self.job else None


def source_health(source: HarvestSource, job: HarvestJob | None, now: datetime) -> str:
    if job is None:
        return "unknown"
    if job.status == "failed":
        return "down"
    period = PERIODS.get(source.schedule)
    stale = period is not None and source.enabled and (
        source.last_success_at is None or now - source.last_success_at > 2 * period)
    if job.failed or not job.gather_complete or stale:
        return "degraded"
    return "up"


def harvest_sources(session: Session, reader: policy.Reader, now: datetime) -> list[SourceLiveness]:
    """Each harvest source with its last finished job and the health it gives, worst first."""
    if not policy.can_view_harvests(reader):
        return []
    last = (select(HarvestJob.source_id, func.max(HarvestJob.id).label("job_id"))
            .where(HarvestJob.status.in_(("succeeded", "failed"))).group_by(HarvestJob.source_id).subquery())
    jobs = {job.source_id: job for job in session.scalars(
        select(HarvestJob).join(last, HarvestJob.id == last.c.job_id))}
    sources = session.scalars(select(HarvestSource).options(selectinload(HarvestSource.organization))
                              .order_by(HarvestSource.name))
    out = [SourceLiveness(src, source_health(src, jobs.get(src.id), now), jobs.get(src.id)) for src in sources]
    return sorted(out, key=lambda row: ORDER.get(row.health, 9))


def data_services(session: Session, reader: policy.Reader, limit: int = 100) -> list[DataService]:
    """The probed data services the reader may see, worst first."""
    if not (reader.is_admin or reader.is_agency_member):
        return []
    rows = session.scalars(select(DataService).where(policy.dataservice_visibility(reader),
                                                     DataService.health_at.is_not(None))
                           .order_by(DataService.title_vi).limit(limit))
    return sorted(rows, key=lambda svc: ORDER.get(svc.health, 9))
