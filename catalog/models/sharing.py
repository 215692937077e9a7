"""Sharing between agencies: requests, the agreements they lead to, and the inbox of notifications.

A `SharingRequest` is what one agency asks of another (Decree 47/2020 Art. 35): which datasets and
columns (`SharingRequestItem`), for which application and purpose, how often, through which
service. The provider's decision turns an approved request into a `SharingAgreement`, whose
granted columns and dates the access policy reads on every request, so expiry, suspension and
termination take effect at once. The history of each is the audit log (object types
"sharing_request" and "sharing_agreement"), which is append-only and hash-chained.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamps, UUIDPrimaryKey, utcnow

if TYPE_CHECKING:
    from .dataset import DataService, Dataset
    from .organization import Organization
    from .user import User

#: Where a request stands. `escalated`: a refusal is being reconsidered along the dispute path.
REQUEST_STATUSES = (
    "draft", "submitted", "info_requested", "approved", "partially_approved", "refused", "escalated", "withdrawn",
)
#: Requests waiting for a decision (their deadline runs, except while information is asked for).
PENDING_STATUSES = ("submitted", "escalated")
DECIDED_STATUSES = ("approved", "partially_approved", "refused")
AGREEMENT_STATUSES = ("active", "suspended", "expired", "terminated")


class SharingRequest(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "sharing_request"
    __table_args__ = (
        Index("ix_sharing_request_provider_status", "provider_org_id", "status", "due_at"),
        Index("ix_sharing_request_requester_status", "requester_org_id", "status"),
    )

    #: A short reference people quote in letters, e.g. "YC-2026-000012".
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    requester_org_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    provider_org_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    created_by_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    submitted_by_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    # What the law asks a request to state (rules.REQUEST_ITEMS).
    #: The requesting agency's electronic identifier code (Decision 20/2020/QĐ-TTg).
    requester_identifier: Mapped[str | None] = mapped_column(String(64))
    application: Mapped[str | None] = mapped_column(String(300))
    purpose: Mapped[str | None] = mapped_column(Text)
    intended_use: Mapped[str | None] = mapped_column(Text)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("dataservice.id", ondelete="SET NULL"))
    frequency: Mapped[str | None] = mapped_column(String(16))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(64))

    # What a special request adds for its agreement (rules.AGREEMENT_ITEMS).
    #: Why default sharing cannot serve this need.
    special_reason: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    methods: Mapped[list[str]] = mapped_column(default=list)
    limits_of_use: Mapped[str | None] = mapped_column(Text)
    protection_commitment: Mapped[bool] = mapped_column(Boolean, default=False)
    security_measures: Mapped[str | None] = mapped_column(Text)
    retention_deletion: Mapped[str | None] = mapped_column(Text)

    #: The official letter (PDF) kept with the request.
    attachment_path: Mapped[str | None] = mapped_column(String(500))
    attachment_name: Mapped[str | None] = mapped_column(String(300))
    attachment_size: Mapped[int | None] = mapped_column(BigInteger)
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))

    # The clock: due_at is end of the last working day; paused while information is asked for.
    submitted_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    paused_at: Mapped[datetime | None]
    #: Working days left on the clock when it paused.
    remaining_working_days: Mapped[int | None] = mapped_column(Integer)
    info_request: Mapped[str | None] = mapped_column(Text)
    info_response: Mapped[str | None] = mapped_column(Text)

    # The decision.
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decision_reasons: Mapped[str | None] = mapped_column(Text)
    decision_legal_basis: Mapped[str | None] = mapped_column(Text)
    #: When the decision came after the deadline, or the deadline passed without one.
    overdue_flagged_at: Mapped[datetime | None]

    # The dispute path (rules.ESCALATION_STEPS): 0 none, 1 provider, 2 IT unit, 3 minister/chair.
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalation_reason: Mapped[str | None] = mapped_column(Text)

    #: A renewal asks to extend this agreement (no foreign key: the two tables refer to each other).
    renewal_of_id: Mapped[str | None] = mapped_column(String(36), index=True)

    requester: Mapped[Organization] = relationship(foreign_keys=[requester_org_id])
    provider: Mapped[Organization] = relationship(foreign_keys=[provider_org_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    service: Mapped[DataService | None] = relationship()
    items: Mapped[list[SharingRequestItem]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="SharingRequestItem.position")
    agreement: Mapped[SharingAgreement | None] = relationship(
        back_populates="request", foreign_keys="SharingAgreement.request_id", uselist=False)
    renewal_of: Mapped[SharingAgreement | None] = relationship(
        primaryjoin="foreign(SharingRequest.renewal_of_id) == SharingAgreement.id", viewonly=True)

    @property
    def item_count(self) -> int:
        """The number of data items asked for: columns, or every column of a whole dataset."""
        return sum(item.item_count for item in self.items)

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.is_pending and self.due_at is not None and (now or utcnow()) > self.due_at

    def __repr__(self) -> str:
        return f"<SharingRequest {self.number} {self.status}>"


class SharingRequestItem(Base):
    """One dataset asked for, with the columns wanted (None: all) and those granted."""

    __tablename__ = "sharing_request_item"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("sharing_request.id", ondelete="CASCADE"), index=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: Column names asked for; None asks for the whole dataset.
    columns: Mapped[list[str] | None] = mapped_column()
    #: Set by the decision: False for an item refused in a partial approval.
    granted: Mapped[bool | None] = mapped_column(Boolean)
    #: Columns granted; None grants every column asked for.
    granted_columns: Mapped[list[str] | None] = mapped_column()

    request: Mapped[SharingRequest] = relationship(back_populates="items")
    dataset: Mapped[Dataset] = relationship()

    @property
    def item_count(self) -> int:
        if self.columns:
            return len(self.columns)
        fields: list[Any] = []
        for dist in self.dataset.distributions:
            fields.extend(dist.schema_fields())
        return len({f.get("name") for f in fields}) or 1


class SharingAgreement(UUIDPrimaryKey, Timestamps, Base):
    """The terms an approved request grants; access follows it while it is in force."""

    __tablename__ = "sharing_agreement"
    __table_args__ = (Index("ix_sharing_agreement_requester_status", "requester_org_id", "status"),)

    number: Mapped[str] = mapped_column(String(32), unique=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("sharing_request.id", ondelete="RESTRICT"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    requester_org_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    provider_org_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    start_date: Mapped[date]
    #: None: until terminated (default sharing of shared data has no end).
    end_date: Mapped[date | None]
    methods: Mapped[list[str]] = mapped_column(default=list)
    frequency: Mapped[str | None] = mapped_column(String(16))
    limits_of_use: Mapped[str | None] = mapped_column(Text)
    security_measures: Mapped[str | None] = mapped_column(Text)
    retention_deletion: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime]
    decision_note: Mapped[str | None] = mapped_column(Text)
    #: A connection account or other access details the provider gives the requester.
    connection_details: Mapped[str | None] = mapped_column(Text)

    # Suspension: from `suspended_from` (now for a breach, 7 working days ahead for maintenance).
    suspension_reason: Mapped[str | None] = mapped_column(String(16))
    suspension_note: Mapped[str | None] = mapped_column(Text)
    suspended_from: Mapped[datetime | None]
    suspended_until: Mapped[datetime | None]
    suspension_announced_at: Mapped[datetime | None]

    ended_at: Mapped[datetime | None]
    termination_ground: Mapped[str | None] = mapped_column(String(32))
    termination_note: Mapped[str | None] = mapped_column(Text)
    #: The requester's statement that the data received was deleted at the end.
    deletion_confirmed_at: Mapped[datetime | None]
    renewed_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Set once the requester was told of the end (expiry and its deletion obligation).
    end_notified_at: Mapped[datetime | None]

    request: Mapped[SharingRequest] = relationship(back_populates="agreement", foreign_keys=[request_id])
    requester: Mapped[Organization] = relationship(foreign_keys=[requester_org_id])
    provider: Mapped[Organization] = relationship(foreign_keys=[provider_org_id])

    def grants(self) -> dict[str, frozenset[str] | None]:
        """dataset id -> columns granted (None: all), for the items the decision granted."""
        out: dict[str, frozenset[str] | None] = {}
        for item in self.request.items:
            if item.granted is False:
                continue
            cols = item.granted_columns if item.granted_columns is not None else item.columns
            out[item.dataset_id] = frozenset(cols) if cols else None
        return out

    def __repr__(self) -> str:
        return f"<SharingAgreement {self.number} {self.status}>"


class Notification(Base):
    """An in-app message; its text is rendered in the reader's language when shown or e-mailed."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(48))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]
