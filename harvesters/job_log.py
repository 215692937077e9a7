"""A harvest job's bookkeeping: its summary, its per-record log, the counts of a source's records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import (
    HarvestError,
    HarvestJob,
    HarvestRecord,
    HarvestSource,
    utcnow,
)

from .base import LogText

#: At most this many warnings are stored per job, one line per record and problem; beyond it they are
#: still counted (HarvestJob.warnings) and the job ends with one line saying how many were not stored.
#: Errors are all kept.
MAX_STORED_WARNINGS = 50_000


@dataclass
class Summary:
    job_id: int
    source: str
    status: str
    counts: dict[str, int]
    duration_s: float
    message: str | None = None
    gather_complete: bool = False
    #: What the job could not keep (harvesters.fidelity); None for protocols that do not say.
    fidelity: dict[str, Any] | None = None


# --- the job log --------------------------------------------------------------------------------


class JobLog:
    """Errors and warnings of one job, written in bulk with each batch: one line per record and problem,
    so the warnings a job counts are the lines it stored (up to `max_warnings`, then said so)."""

    def __init__(self, job: HarvestJob, max_warnings: int | None = None) -> None:
        self.job = job
        self.pending: list[dict[str, Any]] = []
        self.max_warnings = MAX_STORED_WARNINGS if max_warnings is None else max_warnings
        self.stored_warnings = 0
        self.not_stored = 0

    @staticmethod
    def _coded(message: str) -> dict[str, Any]:
        return {"code": getattr(message, "code", None), "params": getattr(message, "params", None)}

    def error(self, remote_id: str | None, kind: str, message: str) -> None:
        self.pending.append({"job_id": self.job.id, "remote_id": (remote_id or None) and remote_id[:500],
                             "level": "error", "kind": kind[:32], "message": str(message), "at": utcnow(),
                             **self._coded(message)})

    def warn(self, remote_id: str | None, kind: str, message: str) -> None:
        self.job.warnings += 1
        if self.stored_warnings >= self.max_warnings:
            self.not_stored += 1
            return
        self.stored_warnings += 1
        self.pending.append({"job_id": self.job.id, "remote_id": (remote_id or None) and remote_id[:500],
                             "level": "warning", "kind": kind[:32], "message": str(message), "at": utcnow(),
                             **self._coded(message)})

    def close(self) -> None:
        """At the end of the job: say how many warnings were counted but not stored, if any."""
        self.job.warnings_not_stored = self.not_stored
        if self.not_stored:
            message = LogText("warnings_not_stored", "{count} more warnings were counted but not stored (this job "
                              "stores at most {limit})", count=self.not_stored, limit=self.max_warnings)
            self.pending.append({"job_id": self.job.id, "remote_id": None, "level": "info", "kind": "not_stored",
                                 "message": str(message), "at": utcnow(), **self._coded(message)})

    def flush(self, session: Session) -> None:
        if self.pending:
            session.execute(HarvestError.__table__.insert(), self.pending)
            self.pending = []


def summary(job: HarvestJob, source: HarvestSource) -> Summary:
    return Summary(job.id, source.slug, job.status, job.counts(), job.duration_s or 0.0, job.message,
                   job.gather_complete, job.fidelity)


def count_records(session: Session, source_id: str) -> dict[str, int]:
    rows = session.execute(select(HarvestRecord.state, func.count()).where(HarvestRecord.source_id == source_id)
                           .group_by(HarvestRecord.state)).all()
    return dict(rows)
