"""Quality reports ("đúng, đủ, sạch, sống, thống nhất, dùng chung") and remembered link checks.

A report is one run of the checks on one dataset. Reports are kept, not overwritten, so that scores
can be followed over time; the dataset carries its latest grade and score (`Dataset.quality_*`)
for lists and search. Findings are stored as JSON with a bounded number of examples each: every
problem is counted, only the first few are kept to show where they are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

#: queued: waiting for a worker; running: progress is being written; done; failed (see `message`).
REPORT_STATUSES = ("queued", "running", "done", "failed")
#: What started a run.
REPORT_TRIGGERS = ("upload", "edit", "harvest", "manual", "schedule", "cli")

_BigId = BigInteger().with_variant(Integer, "sqlite")


class QualityReport(Base):
    __tablename__ = "quality_report"
    __table_args__ = (Index("ix_quality_report_dataset_created", "dataset_id", "created_at"),)

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    trigger: Mapped[str] = mapped_column(String(16), default="manual")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None] = mapped_column(index=True)
    #: Written with the progress while running; a run silent for long is taken as dead.
    heartbeat_at: Mapped[datetime | None]
    #: Overall score 0-100 and grade A-E; None until the run is done.
    score: Mapped[int | None] = mapped_column(Integer)
    grade: Mapped[str | None] = mapped_column(String(2))
    #: One score per dimension (None: nothing in that dimension could be measured).
    score_dung: Mapped[int | None] = mapped_column(Integer)
    score_du: Mapped[int | None] = mapped_column(Integer)
    score_sach: Mapped[int | None] = mapped_column(Integer)
    score_song: Mapped[int | None] = mapped_column(Integer)
    score_thong_nhat: Mapped[int | None] = mapped_column(Integer)
    score_dung_chung: Mapped[int | None] = mapped_column(Integer)
    #: Data rows read so far / in all (an estimate while running, exact when done).
    rows_checked: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_expected: Mapped[int | None] = mapped_column(BigInteger)
    #: Every tabular file was read to its end (a report never hides that it covered less).
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    #: What the run is doing now (shown while it runs), or why it failed.
    message: Mapped[str | None] = mapped_column(Text)
    #: [{id, dimension, points, earned, status, detail}] in the order of the weights table.
    checks: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    #: [{check, code, distribution_id, count, params, examples: [{row, column, value}]}]
    findings: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    #: One summary per distribution: rows, encoding, inferred schema, personal data, fingerprint...
    files: Mapped[list[dict[str, Any]]] = mapped_column(default=list)

    def dimension_scores(self) -> dict[str, int | None]:
        from ..quality.scoring import DIMENSIONS

        return {d: getattr(self, f"score_{d}") for d in DIMENSIONS}

    @property
    def is_active(self) -> bool:
        return self.status in ("queued", "running")


class LinkCheck(Base):
    """The last answer of one address (a distribution's access or download URL, a landing page)."""

    __tablename__ = "link_check"

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    #: SHA-256 of the URL: a short unique key whatever the URL's length.
    url_hash: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(Text)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    final_url: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(128))
    #: catalog.http.FetchError kinds: timeout, http_status, connection, blocked_address, bad_url...
    error_kind: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(String(500))
    elapsed_ms: Mapped[int | None] = mapped_column(Integer)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_ok_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
