"""What the public side keeps: an agency's planned open data, the public's feedback, and how often
each file was downloaded (one counter row per file, updated in the database, never in a process)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamps, UUIDPrimaryKey

if TYPE_CHECKING:
    from .dataset import Dataset
    from .organization import Organization

#: What a steward records for a planned entry; "open" and "overdue" are worked out (rules.py).
PLAN_STATUSES = ("planned", "in_preparation")
#: A problem reported on a dataset, or a request that an agency open a dataset.
FEEDBACK_KINDS = ("problem", "open_request")
FEEDBACK_STATUSES = ("awaiting", "answered")


class OpenDataPlan(UUIDPrimaryKey, Timestamps, Base):
    """A dataset an agency plans to open (its open-data list, danh mục dữ liệu mở)."""

    __tablename__ = "open_data_plan"
    __table_args__ = (Index("ix_open_data_plan_org_date", "organization_id", "planned_date"),)

    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    title_vi: Mapped[str] = mapped_column(String(500))
    title_en: Mapped[str | None] = mapped_column(String(500))
    description_vi: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    themes: Mapped[list[str]] = mapped_column(default=list)
    planned_date: Mapped[date]
    update_frequency: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(20), default="planned")
    #: The dataset that carries the plan out once registered; shown only when it is public.
    dataset_id: Mapped[str | None] = mapped_column(ForeignKey("dataset.id", ondelete="SET NULL"), index=True)

    organization: Mapped[Organization] = relationship()
    dataset: Mapped[Dataset | None] = relationship()

    def title(self, locale: str) -> str:
        return (self.title_en if locale == "en" and self.title_en else None) or self.title_vi


class PublicFeedback(UUIDPrimaryKey, Timestamps, Base):
    """A problem reported by anyone, or a request to open data; its answer is public."""

    __tablename__ = "public_feedback"
    __table_args__ = (Index("ix_public_feedback_org_status", "organization_id", "status"),)

    kind: Mapped[str] = mapped_column(String(16))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    dataset_id: Mapped[str | None] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    #: How the sender signs (public); the e-mail address is for the answer only, never shown.
    author_name: Mapped[str | None] = mapped_column(String(100))
    author_email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16), default="awaiting")
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    organization: Mapped[Organization] = relationship()
    dataset: Mapped[Dataset | None] = relationship()


#: What a download counter counts: the file as published, or one of its conversions.
DOWNLOAD_KINDS = ("file", "csv", "json", "xlsx", "zip")


class DownloadCount(Base):
    """Downloads of one file in one form (the file itself or a conversion), counted by the
    database (an upsert per download)."""

    __tablename__ = "download_count"

    distribution_id: Mapped[str] = mapped_column(ForeignKey("distribution.id", ondelete="CASCADE"),
                                                 primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True, default="file", server_default="file")
    dataset_id: Mapped[str] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), index=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    last_at: Mapped[datetime | None]
