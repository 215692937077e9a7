"""Publishing open data: requests that pass the gates, decisions on personal data, file versions.

A publication request records who asked, who decided and the gates as they stood, so that an
auditor sees why a dataset became public. Old files of a distribution are kept as versions, each
downloadable at a stable address with its date and checksum.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UUIDPrimaryKey, utcnow
from .distribution import Distribution

#: pending: waiting for a steward; approved: the dataset is open and published; refused (with a
#: reason); cancelled: replaced by a newer request or the dataset changed access level.
PUBLICATION_STATUSES = ("pending", "approved", "refused", "cancelled")


class PublicationRequest(UUIDPrimaryKey, Base):
    __tablename__ = "publication_request"
    __table_args__ = (Index("ix_publication_request_dataset_status", "dataset_id", "status"),)

    dataset_id: Mapped[str] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    submitted_by_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    submitted_by_label: Mapped[str] = mapped_column(String(254))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_by_label: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None]
    #: The submitter's note, and the steward's reason when refusing.
    note: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    #: The gates' results at submission and at the decision: [{gate, passed, detail}].
    gates: Mapped[list[dict[str, Any]]] = mapped_column(default=list)


class PersonalDataDecision(UUIDPrimaryKey, Base):
    """A steward's recorded decision that a column flagged as personal data may be opened, and why."""

    __tablename__ = "personal_data_decision"
    __table_args__ = (UniqueConstraint("distribution_id", "column_name"),)

    distribution_id: Mapped[str] = mapped_column(ForeignKey("distribution.id", ondelete="CASCADE"), index=True)
    column_name: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_by_label: Mapped[str] = mapped_column(String(254))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class DistributionVersion(UUIDPrimaryKey, Base):
    """A file a distribution held before it was replaced, kept at `/distributions/<id>/versions/<number>`."""

    __tablename__ = "distribution_version"
    __table_args__ = (UniqueConstraint("distribution_id", "number"),)

    distribution_id: Mapped[str] = mapped_column(ForeignKey("distribution.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    file_path: Mapped[str] = mapped_column(String(500))
    file_name: Mapped[str | None] = mapped_column(String(300))
    format: Mapped[str | None] = mapped_column(String(32))
    media_type: Mapped[str | None] = mapped_column(String(128))
    byte_size: Mapped[int | None] = mapped_column(BigInteger)
    checksum_sha256: Mapped[str | None] = mapped_column(String(64))
    #: The column names and classes the file had (trimming a download reads them).
    table_schema: Mapped[dict[str, Any] | None] = mapped_column()
    #: When this file became current, and when a newer one replaced it.
    valid_from: Mapped[datetime]
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)

    distribution: Mapped[Distribution] = relationship()
