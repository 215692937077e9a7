"""Datasets (DCAT-AP `dcat:Dataset` plus what Vietnamese agencies need) and data services."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamps, UUIDPrimaryKey
from .multilingual import Multilingual

if TYPE_CHECKING:
    from .database import Database
    from .distribution import Distribution
    from .organization import Organization

DATASET_STATUSES = ("draft", "published", "withdrawn")

#: Update frequencies: the codes of the EU frequency vocabulary that DCAT-AP uses.
UPDATE_FREQUENCIES = (
    "CONT", "HOURLY", "DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY", "BIMONTHLY", "QUARTERLY", "BIANNUAL", "ANNUAL",
    "BIENNIAL", "TRIENNIAL", "QUINQUENNIAL", "IRREG", "NEVER", "UNKNOWN",
)

#: Where a record came from: typed into this catalogue, or brought by a harvest source.
ORIGINS = ("registered", "harvested")

dataservice_dataset = Table(
    "dataservice_dataset",
    Base.metadata,
    Column("dataservice_id", ForeignKey("dataservice.id", ondelete="CASCADE"), primary_key=True),
    Column("dataset_id", ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True),
)


class ProvenanceMixin:
    """Where a record came from; harvests fill these, local registration leaves them empty."""

    origin: Mapped[str] = mapped_column(String(16), default="registered")
    harvest_source_id: Mapped[str | None] = mapped_column(String(36), index=True)
    remote_id: Mapped[str | None] = mapped_column(String(500))
    source_url: Mapped[str | None] = mapped_column(String(1000))
    #: Names of fields a steward changed here; a re-harvest leaves them alone.
    local_edits: Mapped[list[str]] = mapped_column(default=list)


class Dataset(Multilingual, UUIDPrimaryKey, Timestamps, ProvenanceMixin, Base):
    __tablename__ = "dataset"
    __table_args__ = (
        Index("ix_dataset_visibility", "status", "access_level", "publisher_id"),
        Index("ix_dataset_remote", "harvest_source_id", "remote_id"),
        # Unique per publisher, not across the catalogue: whoever registers for an agency sees all of
        # its datasets, so "already used" never tells them about another agency's hidden record.
        UniqueConstraint("publisher_id", "identifier", name="uq_dataset_publisher_identifier"),
        Index("ix_dataset_identifier", "identifier"),
        # the list orders (catalog/services/listing.py DATASET_SORTS), read page by page at 100,000 rows
        Index("ix_dataset_status_created", "status", "created_at"),
        Index("ix_dataset_status_updated", "status", "updated_at"),
        Index("ix_dataset_status_title", "status", "title_vi"),
    )

    #: DCAT identifier (a URI or another globally unique id); stable across re-harvests; unique
    #: within its publisher (the harvester links the same identifier from elsewhere to one dataset).
    identifier: Mapped[str] = mapped_column(String(500))
    #: The URL key of the dataset page.
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title_vi: Mapped[str] = mapped_column(String(500))
    title_en: Mapped[str | None] = mapped_column(String(500))
    description_vi: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[list[str]] = mapped_column(default=list)
    themes: Mapped[list[str]] = mapped_column(default=list)
    publisher_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    database_id: Mapped[str | None] = mapped_column(ForeignKey("database.id", ondelete="SET NULL"), index=True)
    access_level: Mapped[str] = mapped_column(String(16), default="open")
    #: Only for restricted data: the owner hides even the existence of the dataset.
    unlisted: Mapped[bool] = mapped_column(Boolean, default=False)
    is_master_data: Mapped[bool] = mapped_column(Boolean, default=False)
    licence_code: Mapped[str | None] = mapped_column(ForeignKey("licence.code", ondelete="RESTRICT"))
    update_frequency: Mapped[str | None] = mapped_column(String(16))
    temporal_start: Mapped[date | None]
    temporal_end: Mapped[date | None]
    #: Administrative unit codes covered ("VN" for the whole country).
    spatial: Mapped[list[str]] = mapped_column(default=list)
    languages: Mapped[list[str]] = mapped_column(default=list)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(64))
    landing_page: Mapped[str | None] = mapped_column(String(1000))
    version: Mapped[str | None] = mapped_column(String(64))
    #: The publisher's own dates (dct:issued / dct:modified), never overwritten by harvest time.
    issued: Mapped[date | None]
    modified: Mapped[date | None]
    provenance: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    published_at: Mapped[datetime | None]
    #: The latest quality assessment ("đúng, đủ, sạch, sống, thống nhất, dùng chung"), kept here so
    #: that lists and search can filter and sort by it; the reports themselves live elsewhere.
    quality_grade: Mapped[str | None] = mapped_column(String(2), index=True)
    quality_score: Mapped[int | None] = mapped_column(Integer)
    quality_checked_at: Mapped[datetime | None]
    #: A withdrawn open dataset keeps a tombstone: when, why, and what replaces it (rules.TOMBSTONE_BASIS).
    withdrawn_at: Mapped[datetime | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    replaced_by_id: Mapped[str | None] = mapped_column(ForeignKey("dataset.id", ondelete="SET NULL"))
    #: Open data is reviewed by this date (rules.REVIEW_INTERVAL_DAYS), and was last reviewed then.
    next_review_on: Mapped[date | None] = mapped_column(index=True)
    reviewed_at: Mapped[datetime | None]

    #: Every language the source gave: {"title": {"de": …}, "description": {…}, "keywords": {"de": [...]}}.
    translations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The language of title_vi/description_vi when it is not Vietnamese (a harvested record with no
    #: Vietnamese text keeps its own there, labelled with this language); None means Vietnamese.
    title_lang: Mapped[str | None] = mapped_column(String(8))
    #: The source's own publisher when it is not one of our agencies (shown; the agency stays the owner).
    publisher_name: Mapped[str | None] = mapped_column(String(500))
    publisher_uri: Mapped[str | None] = mapped_column(String(1000))
    maintainer_name: Mapped[str | None] = mapped_column(String(200))
    maintainer_email: Mapped[str | None] = mapped_column(String(254))
    #: Spatial coverage as a GeoJSON geometry (a bounding box arrives as a Polygon).
    spatial_geojson: Mapped[dict[str, Any] | None] = mapped_column()
    spatial_resolution_m: Mapped[float | None] = mapped_column(Float)
    #: Other identifiers the source gives (adms:identifier, ISO identifiers), besides `identifier`.
    other_identifiers: Mapped[list[str]] = mapped_column(default=list)
    #: IRIs of the legislation the dataset is kept under (dcatap:applicableLegislation).
    applicable_legislation: Mapped[list[str]] = mapped_column(default=list)
    series_id: Mapped[str | None] = mapped_column(ForeignKey("dataset_series.id", ondelete="SET NULL"), index=True)
    #: The series neighbours as the source gave them: {"prev": IRI, "next": IRI}; never "fixed" here.
    series_links: Mapped[dict[str, Any]] = mapped_column(default=dict)

    publisher: Mapped[Organization] = relationship()
    database: Mapped[Database | None] = relationship(back_populates="datasets")
    series: Mapped[DatasetSeries | None] = relationship(back_populates="members")
    distributions: Mapped[list[Distribution]] = relationship(
        back_populates="dataset",
        cascade="all, delete-orphan",
        order_by="Distribution.position, Distribution.created_at",
    )
    services: Mapped[list[DataService]] = relationship(
        secondary=dataservice_dataset, back_populates="datasets"
    )

    def title(self, locale: str) -> str:
        return (self.title_en if locale == "en" and self.title_en else None) or self.title_vi

    def description(self, locale: str) -> str | None:
        return (self.description_en if locale == "en" and self.description_en else None) or self.description_vi

    @property
    def formats(self) -> list[str]:
        return sorted({d.format for d in self.distributions if d.format})

    def __repr__(self) -> str:
        return f"<Dataset {self.slug}>"


class DatasetSeries(Multilingual, UUIDPrimaryKey, Timestamps, Base):
    """A DCAT-AP 3 `dcat:DatasetSeries`: datasets published as parts of one series (yearly editions...)."""

    __tablename__ = "dataset_series"

    #: The series' IRI or identifier, global across sources (two sources naming it share one row).
    identifier: Mapped[str] = mapped_column(String(500), unique=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title_vi: Mapped[str] = mapped_column(String(500))
    title_en: Mapped[str | None] = mapped_column(String(500))
    title_lang: Mapped[str | None] = mapped_column(String(8))
    description_vi: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    translations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: dcat:first / dcat:last as the source gave them.
    first_uri: Mapped[str | None] = mapped_column(String(1000))
    last_uri: Mapped[str | None] = mapped_column(String(1000))
    harvest_source_id: Mapped[str | None] = mapped_column(String(36), index=True)

    members: Mapped[list[Dataset]] = relationship(back_populates="series", order_by="Dataset.issued, Dataset.slug")

    def title(self, locale: str) -> str:
        return (self.title_en if locale == "en" and self.title_en else None) or self.title_vi

    def description(self, locale: str) -> str | None:
        return (self.description_en if locale == "en" and self.description_en else None) or self.description_vi


class DataService(UUIDPrimaryKey, Timestamps, ProvenanceMixin, Base):
    """An API endpoint (DCAT `dcat:DataService`): a sharing service or an open API."""

    __tablename__ = "dataservice"

    slug: Mapped[str] = mapped_column(String(200), unique=True)
    #: A global identifier (a URI, an ISO fileIdentifier): the same service reached through two harvest
    #: sources is matched on it and stays one service. None for services registered here without one.
    identifier: Mapped[str | None] = mapped_column(String(500), index=True)
    title_vi: Mapped[str] = mapped_column(String(500))
    title_en: Mapped[str | None] = mapped_column(String(500))
    description_vi: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    publisher_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    database_id: Mapped[str | None] = mapped_column(ForeignKey("database.id", ondelete="SET NULL"), index=True)
    endpoint_url: Mapped[str] = mapped_column(String(1000))
    #: Where the machine-readable description (OpenAPI, WSDL, OData $metadata) lives.
    endpoint_description: Mapped[str | None] = mapped_column(String(1000))
    openapi_spec: Mapped[dict[str, Any] | None] = mapped_column()
    protocol: Mapped[str | None] = mapped_column(String(32))
    #: Which platform it is offered through (NDXP, LGSP, ...).
    platform: Mapped[str | None] = mapped_column(String(32))
    access_level: Mapped[str] = mapped_column(String(16), default="shared")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    #: When the service went into operation; the provider must publish it soon after (rules.py).
    in_operation_since: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    #: The service's own liveness, from the probe rounds (services/connection_health.py): its
    #: OpenAPI document or its endpoint is asked; connections through it without a probe of their
    #: own take its answers.
    health: Mapped[str] = mapped_column(String(16), default="unknown")
    health_at: Mapped[datetime | None]
    probe_status: Mapped[int | None] = mapped_column(Integer)
    probe_latency_ms: Mapped[int | None] = mapped_column(Integer)
    probe_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_probe_at: Mapped[datetime | None] = mapped_column(index=True)

    publisher: Mapped[Organization] = relationship()
    database: Mapped[Database | None] = relationship()
    datasets: Mapped[list[Dataset]] = relationship(secondary=dataservice_dataset, back_populates="services")

    def title(self, locale: str) -> str:
        return (self.title_en if locale == "en" and self.title_en else None) or self.title_vi

    def description(self, locale: str) -> str | None:
        return (self.description_en if locale == "en" and self.description_en else None) or self.description_vi
