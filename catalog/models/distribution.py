"""Distributions: a file kept by the catalogue or a link to one elsewhere (DCAT `dcat:Distribution`)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamps, UUIDPrimaryKey
from .multilingual import Multilingual

if TYPE_CHECKING:
    from .dataset import Dataset
    from .publishing import DistributionVersion


class Distribution(Multilingual, UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "distribution"

    dataset_id: Mapped[str] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title_vi: Mapped[str] = mapped_column(String(500))
    title_en: Mapped[str | None] = mapped_column(String(500))
    description_vi: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    #: An external location (dcat:accessURL); empty when the file is stored here.
    access_url: Mapped[str | None] = mapped_column(String(1000))
    download_url: Mapped[str | None] = mapped_column(String(1000))
    #: Path of the stored file, relative to the upload folder.
    file_path: Mapped[str | None] = mapped_column(String(500))
    file_name: Mapped[str | None] = mapped_column(String(300))
    format: Mapped[str | None] = mapped_column(String(32))
    media_type: Mapped[str | None] = mapped_column(String(128))
    byte_size: Mapped[int | None] = mapped_column(BigInteger)
    checksum_sha256: Mapped[str | None] = mapped_column(String(64))
    #: A Frictionless Table Schema; each field carries a `classification` (rules.FIELD_CLASSES).
    table_schema: Mapped[dict[str, Any] | None] = mapped_column()
    issued: Mapped[date | None]
    modified: Mapped[date | None]
    remote_id: Mapped[str | None] = mapped_column(String(500))
    #: The identifier the source gives the distribution (`dct:identifier`) when its remote id is an IRI.
    identifier: Mapped[str | None] = mapped_column(String(500))
    #: Every language the source gave: {"title": {"de": …}, "description": {…}}.
    translations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: A checksum other than SHA-256 as the source gave it: {"algorithm": "md5", "value": "…"}.
    checksum: Mapped[dict[str, Any] | None] = mapped_column()

    dataset: Mapped[Dataset] = relationship(back_populates="distributions")
    #: The files it held before, newest first; read-only here (services.distributions keeps them),
    #: so that a page of datasets loads them in one query instead of one per file.
    versions: Mapped[list[DistributionVersion]] = relationship(
        viewonly=True, order_by="DistributionVersion.number.desc()")

    @property
    def is_stored(self) -> bool:
        return bool(self.file_path)

    def title(self, locale: str) -> str:
        return (self.title_en if locale == "en" and self.title_en else None) or self.title_vi

    def schema_fields(self) -> list[dict[str, Any]]:
        return list((self.table_schema or {}).get("fields") or [])
