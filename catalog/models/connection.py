"""Connections between systems (kết nối, liên thông): which system takes which data from which.

A `Connection` links a consuming system (a `Database`, usually of kind `information_system`) to
the provider's data service or database, with the data items exchanged, the platform it runs
through, its mode, its legal basis and its status. Its health is derived from `ConnectionCheck`
rows (probes the catalogue makes, heartbeats the systems push); failures open
`ConnectionIncident`s; announced `ConnectionMaintenance` windows are shown as maintenance, not as
incidents. `ReuseMark` records a steward's answer to a "typed twice" finding.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamps, UUIDPrimaryKey, utcnow

if TYPE_CHECKING:
    from .database import Database
    from .dataset import DataService
    from .organization import Organization
    from .sharing import SharingAgreement

#: The platform an exchange runs through; "direct" is a point-to-point link.
CONNECTION_PLATFORMS = ("NDXP", "NDOP", "LGSP", "direct")
#: Real-time API calls, a scheduled synchronisation (with its interval), or file transfer.
CONNECTION_MODES = ("realtime_api", "scheduled_sync", "file_transfer")
CONNECTION_STATUSES = ("planned", "testing", "operating", "suspended", "retired")
#: Derived health of a connection.
HEALTH_STATES = ("up", "degraded", "down", "maintenance", "unknown")
CHECK_KINDS = ("probe", "heartbeat")
INCIDENT_CAUSES = ("failures", "lag")
REUSE_DECISIONS = ("intended", "reused")


class Connection(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "connection"
    __table_args__ = (
        Index("ix_connection_orgs", "consumer_org_id", "provider_org_id"),
    )

    #: A short stable key for seeds and links, e.g. "NPSP-HN-TTHC".
    code: Mapped[str] = mapped_column(String(64), unique=True)
    consumer_id: Mapped[str] = mapped_column(ForeignKey("database.id", ondelete="RESTRICT"), index=True)
    provider_database_id: Mapped[str | None] = mapped_column(ForeignKey("database.id", ondelete="RESTRICT"),
                                                             index=True)
    provider_service_id: Mapped[str | None] = mapped_column(ForeignKey("dataservice.id", ondelete="SET NULL"),
                                                            index=True)
    #: The owners of both sides, kept here so that visibility is a plain SQL condition.
    consumer_org_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    provider_org_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    #: The data items exchanged: [{"name", "label_vi", "label_en", "dataset", "classification", "concept"}].
    items: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    platform: Mapped[str] = mapped_column(String(16), default="direct")
    mode: Mapped[str] = mapped_column(String(20), default="realtime_api")
    #: The expected interval between synchronisations (scheduled sync and file transfer).
    sync_interval_minutes: Mapped[int | None] = mapped_column(Integer)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    agreement_id: Mapped[str | None] = mapped_column(ForeignKey("sharing_agreement.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="planned", index=True)
    description_vi: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    consumer_contact_name: Mapped[str | None] = mapped_column(String(200))
    consumer_contact_email: Mapped[str | None] = mapped_column(String(254))
    provider_contact_name: Mapped[str | None] = mapped_column(String(200))
    provider_contact_email: Mapped[str | None] = mapped_column(String(254))
    #: Where the fact comes from (a letter, a decision, a news report) and whether it was confirmed.
    source: Mapped[str | None] = mapped_column(Text)
    unconfirmed_fact: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Set when the connection was read from an API gateway's subscriptions (harvesters/openapi.py):
    #: the harvest keeps it up to date and retires it when the subscription goes.
    harvest_source_id: Mapped[str | None] = mapped_column(ForeignKey("harvest_source.id", ondelete="SET NULL"),
                                                          index=True)

    # Registration by one side, confirmation by the other.
    registered_by_org_id: Mapped[str | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    # Health: a probe the catalogue asks, a heartbeat the systems push.
    probe_url: Mapped[str | None] = mapped_column(String(1000))
    probe_expected_status: Mapped[int] = mapped_column(Integer, default=200)
    #: None: CATALOG_PROBE_INTERVAL_MINUTES.
    probe_interval_minutes: Mapped[int | None] = mapped_column(Integer)
    next_probe_at: Mapped[datetime | None] = mapped_column(index=True)
    heartbeat_token_hash: Mapped[str | None] = mapped_column(String(64))
    last_sync_at: Mapped[datetime | None]
    #: Derived state, kept so that the map and lists need no per-row computation.
    health: Mapped[str] = mapped_column(String(16), default="unknown")
    health_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)

    consumer: Mapped[Database] = relationship(foreign_keys=[consumer_id])
    provider_database: Mapped[Database | None] = relationship(foreign_keys=[provider_database_id])
    provider_service: Mapped[DataService | None] = relationship()
    consumer_org: Mapped[Organization] = relationship(foreign_keys=[consumer_org_id])
    provider_org: Mapped[Organization] = relationship(foreign_keys=[provider_org_id])
    agreement: Mapped[SharingAgreement | None] = relationship()
    incidents: Mapped[list[ConnectionIncident]] = relationship(
        back_populates="connection", cascade="all, delete-orphan", order_by="ConnectionIncident.opened_at.desc()")
    maintenance: Mapped[list[ConnectionMaintenance]] = relationship(
        back_populates="connection", cascade="all, delete-orphan", order_by="ConnectionMaintenance.starts_at")

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    def provider_name(self, locale: str) -> str:
        if self.provider_service is not None:
            return self.provider_service.title(locale)
        return self.provider_database.name(locale) if self.provider_database else "—"

    def description(self, locale: str) -> str | None:
        return (self.description_en if locale == "en" and self.description_en else None) or self.description_vi

    def __repr__(self) -> str:
        return f"<Connection {self.code}>"


class ConnectionCheck(Base):
    """One probe answer or one heartbeat; the history health is computed from."""

    __tablename__ = "connection_check"
    __table_args__ = (Index("ix_connection_check_conn_at", "connection_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connection.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    #: Inside an announced maintenance window: neither counted against availability nor an incident.
    in_maintenance: Mapped[bool] = mapped_column(Boolean, default=False)
    # Heartbeats: what the system reports of its last synchronisation.
    synced_at: Mapped[datetime | None]
    records_sent: Mapped[int | None] = mapped_column(BigInteger)
    records_received: Mapped[int | None] = mapped_column(BigInteger)
    records_failed: Mapped[int | None] = mapped_column(BigInteger)


class ConnectionDaily(Base):
    """One finished day of a connection's probes, rolled up (UTC days), so that the 7- and 30-day
    figures and the daily chart read 30 rows instead of 8,640 probes. `known_seconds` is the time
    the state was known outside maintenance, `up_seconds` the part of it the connection answered."""

    __tablename__ = "connection_daily"

    connection_id: Mapped[str] = mapped_column(ForeignKey("connection.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    up_seconds: Mapped[float] = mapped_column(Float)
    known_seconds: Mapped[float] = mapped_column(Float)


class ConnectionIncident(Base):
    __tablename__ = "connection_incident"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connection.id", ondelete="CASCADE"), index=True)
    cause: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    detail: Mapped[str | None] = mapped_column(Text)

    connection: Mapped[Connection] = relationship(back_populates="incidents")

    def duration_seconds(self, now: datetime | None = None) -> int:
        end = self.closed_at or now or utcnow()
        return int((end - self.opened_at).total_seconds())


class ConnectionMaintenance(Base):
    """Planned maintenance announced with the legal notice (rules.MAINTENANCE_NOTICE)."""

    __tablename__ = "connection_maintenance"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connection.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    announced_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    connection: Mapped[Connection] = relationship(back_populates="maintenance")


class ReuseMark(UUIDPrimaryKey, Timestamps, Base):
    """A steward's answer to a "typed twice" finding: intended (with a reason), or now reused."""

    __tablename__ = "reuse_mark"
    __table_args__ = (Index("ix_reuse_mark_key", "database_id", "concept", unique=True),)

    database_id: Mapped[str] = mapped_column(ForeignKey("database.id", ondelete="CASCADE"))
    concept: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    connection_id: Mapped[str | None] = mapped_column(ForeignKey("connection.id", ondelete="SET NULL"))
    marked_by_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
