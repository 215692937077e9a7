"""National, sectoral and local databases and information systems (cơ sở dữ liệu, hệ thống thông tin)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamps, UUIDPrimaryKey

if TYPE_CHECKING:
    from .dataset import Dataset
    from .organization import Organization

DATABASE_STATUSES = ("planned", "building", "operating", "retired")

#: Platforms a database can be connected to. NDXP: national data integration and sharing
#: platform; NDOP: the National Data Center's coordination platform; LGSP: a province's platform;
#: NPSP: the National Public Service Portal; VBQG: the national document exchange axis.
PLATFORMS = ("NDXP", "NDOP", "LGSP", "NPSP", "VBQG")


class Database(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "database"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    #: The document that created or governs it (law, decree, decision).
    legal_basis: Mapped[str | None] = mapped_column(Text)
    purpose_vi: Mapped[str | None] = mapped_column(Text)
    purpose_en: Mapped[str | None] = mapped_column(Text)
    scope_vi: Mapped[str | None] = mapped_column(Text)
    scope_en: Mapped[str | None] = mapped_column(Text)
    collection_method_vi: Mapped[str | None] = mapped_column(Text)
    collection_method_en: Mapped[str | None] = mapped_column(Text)
    update_method_vi: Mapped[str | None] = mapped_column(Text)
    update_method_en: Mapped[str | None] = mapped_column(Text)
    data_sources_vi: Mapped[str | None] = mapped_column(Text)
    data_sources_en: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="operating")
    hosting: Mapped[str | None] = mapped_column(String(300))
    platforms: Mapped[list[str]] = mapped_column(default=list)
    platforms_other: Mapped[str | None] = mapped_column(String(300))
    website: Mapped[str | None] = mapped_column(String(500))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(64))
    in_operation_since: Mapped[date | None]

    owner: Mapped[Organization] = relationship(back_populates="databases")
    datasets: Mapped[list[Dataset]] = relationship(back_populates="database", order_by="Dataset.title_vi")

    def name(self, locale: str) -> str:
        return (self.name_en if locale == "en" and self.name_en else None) or self.name_vi

    def text(self, field: str, locale: str) -> str | None:
        """A bilingual field in the reader's language, falling back to Vietnamese."""
        if locale == "en":
            value = getattr(self, f"{field}_en", None)
            if value:
                return value
        return getattr(self, f"{field}_vi")

    def __repr__(self) -> str:
        return f"<Database {self.code}>"
