"""Harvest sources, their jobs, the per-record log that makes re-harvests incremental, and job errors.

A `HarvestRecord` remembers, for one source and one remote id, which catalogue record it became
and the hash of what the source said last time: the next run skips unchanged records by comparing
hashes, withdraws the ones that vanished (only after a complete gather) and restores them if they
come back. When two sources bring the same dataset, both records point to one dataset: the
`primary` record writes it, the `duplicate` one only records the second provenance.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamps, UUIDPrimaryKey, utcnow
from .dataset import Dataset

if TYPE_CHECKING:
    from .database import Database
    from .organization import Organization

#: One module of `harvesters/` per protocol.
PROTOCOLS = ("ckan", "dcat", "csw", "spreadsheet", "sqldb", "datapackage", "openapi")
SCHEDULES = ("manual", "daily", "weekly")
JOB_STATUSES = ("queued", "running", "succeeded", "failed")
RECORD_STATES = ("active", "withdrawn")
#: primary: this source writes the record; duplicate: another source (or a steward) keeps it.
RECORD_ROLES = ("primary", "duplicate")

_BIGINT = BigInteger().with_variant(Integer, "sqlite")

# Harvests of other sources match new records on the landing page: look it up by index.
Index("ix_dataset_landing_page", Dataset.landing_page)


class HarvestSource(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "harvest_source"

    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    protocol: Mapped[str] = mapped_column(String(32))
    #: An http(s) address, a file under seed/ (demo sources), or a database URL without its password.
    url: Mapped[str] = mapped_column(String(1000))
    #: The password of a database URL, encrypted with a key derived from the app's secret key.
    secret: Mapped[str | None] = mapped_column(Text)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    #: The database or information system the harvested datasets belong to (SQL sources need one).
    database_id: Mapped[str | None] = mapped_column(ForeignKey("database.id", ondelete="SET NULL"))
    default_access_level: Mapped[str] = mapped_column(String(16), default="open")
    default_licence_code: Mapped[str | None] = mapped_column(ForeignKey("licence.code", ondelete="SET NULL"))
    #: Publish harvested records that meet the publishing requirements (others stay drafts).
    auto_publish: Mapped[bool] = mapped_column(Boolean, default=True)
    schedule: Mapped[str] = mapped_column(String(16), default="manual")
    #: Protocol-specific narrowing (CKAN organizations, tags, groups; SQL schemas; ...).
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: When two sources bring the same dataset, the authoritative one writes it.
    authoritative: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)
    #: What the harvester keeps between runs (ETag, Last-Modified...).
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The lock: the job running now and its last sign of life.
    running_job_id: Mapped[int | None] = mapped_column(_BIGINT)
    heartbeat_at: Mapped[datetime | None]
    last_job_at: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(16))
    #: Start of the last complete, successful gather (CKAN asks only for changes since then).
    last_success_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship()
    database: Mapped[Database | None] = relationship()
    jobs: Mapped[list[HarvestJob]] = relationship(
        back_populates="source", cascade="all, delete-orphan", passive_deletes=True,
        order_by="HarvestJob.id.desc()",
    )

    def __repr__(self) -> str:
        return f"<HarvestSource {self.slug}>"


class HarvestJob(Base):
    __tablename__ = "harvest_job"
    __table_args__ = (Index("ix_harvest_job_source_started", "source_id", "id"),)

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("harvest_source.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    #: Who asked: "schedule", "cli", or the e-mail of the steward who pressed "run now".
    triggered_by: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    duration_s: Mapped[float | None] = mapped_column(Float)
    #: The harvester went through everything the source lists (only then are vanished records withdrawn).
    gather_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The source answered "not modified": every record stays as it was.
    not_modified: Mapped[bool] = mapped_column(Boolean, default=False)
    total: Mapped[int | None] = mapped_column(Integer)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    #: Why a job failed as a whole (the source could not be read, a timeout, ...).
    message: Mapped[str | None] = mapped_column(Text)
    #: Warnings counted but not stored as lines once the job's cap was reached (0 if all were stored).
    warnings_not_stored: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: What the job could not keep of its source records (harvesters.fidelity.Fidelity.as_json):
    #: {"records": n, "fields": n, "not_kept": {source key: count}}; None for protocols that do not say.
    fidelity: Mapped[dict[str, Any] | None]

    source: Mapped[HarvestSource] = relationship(back_populates="jobs")

    @property
    def seen(self) -> int:
        return self.new + self.updated + self.unchanged + self.failed

    def counts(self) -> dict[str, int]:
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                "withdrawn": self.withdrawn, "failed": self.failed, "warnings": self.warnings}


class HarvestRecord(Base):
    __tablename__ = "harvest_record"
    __table_args__ = (UniqueConstraint("source_id", "remote_id"),)

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("harvest_source.id", ondelete="CASCADE"))
    remote_id: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(16), default="dataset")
    dataset_id: Mapped[str | None] = mapped_column(ForeignKey("dataset.id", ondelete="SET NULL"), index=True)
    dataservice_id: Mapped[str | None] = mapped_column(ForeignKey("dataservice.id", ondelete="SET NULL"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="primary")
    #: For a duplicate: what matched ("identifier", "landing_page").
    matched_on: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str | None] = mapped_column(String(500))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="active")
    #: The catalogue status a withdrawn record had, restored if it comes back.
    status_before_withdrawal: Mapped[str | None] = mapped_column(String(16))
    first_job_id: Mapped[int | None] = mapped_column(_BIGINT)
    last_seen_job_id: Mapped[int | None] = mapped_column(_BIGINT)
    last_changed_job_id: Mapped[int | None] = mapped_column(_BIGINT)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class HarvestError(Base):
    """One line of a job's log: a record that failed (level error) or was taken with a change (warning)."""

    __tablename__ = "harvest_error"

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("harvest_job.id", ondelete="CASCADE"), index=True)
    remote_id: Mapped[str | None] = mapped_column(String(500))
    level: Mapped[str] = mapped_column(String(16), default="error")
    #: fetch, parse, invalid, duplicate, unknown_code, draft, source, internal ...
    kind: Mapped[str] = mapped_column(String(32))
    #: The line in English, for the command line, the API and the server log.
    message: Mapped[str] = mapped_column(Text)
    #: What the line says, as a code and its parameters: pages say it in the reader's language
    #: (catalog/web/harvest_messages.py). Older lines and free-text failures have none.
    code: Mapped[str | None] = mapped_column(String(48))
    params: Mapped[dict[str, Any] | None]
    at: Mapped[datetime] = mapped_column(default=utcnow)
