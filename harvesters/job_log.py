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

#: At most this many warnings are stored per job (all are counted); errors are all kept.
MAX_STORED_WARNINGS = 500


@dataclass
class Summary:
    job_id: int
    source: str
    status: str
    counts: dict[str, int]
    duration_s: float
    message: str | None = None
    gather_complete: bool = False


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


def summary(job: HarvestJob, source: HarvestSource) -> Summary:
    return Summary(job.id, source.slug, job.status, job.counts(), job.duration_s or 0.0, job.message,
                   job.gather_complete)


def count_records(session: Session, source_id: str) -> dict[str, int]:
    rows = session.execute(select(HarvestRecord.state, func.count()).where(HarvestRecord.source_id == source_id)
                           .group_by(HarvestRecord.state)).all()
    return dict(rows)
