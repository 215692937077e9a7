"""Agencies: the tree of ministries, government agencies, provinces and their units."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamps, UUIDPrimaryKey

if TYPE_CHECKING:
    from .database import Database


class Organization(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "organization"

    #: Short, stable, URL-safe code chosen by the catalogue (e.g. "BCA", "HN").
    code: Mapped[str] = mapped_column(String(64), unique=True)
    #: Electronic identifier code under Decision 20/2020/QĐ-TTg (e.g. "000.00.00.G01").
    identifier: Mapped[str | None] = mapped_column(String(64), unique=True)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    acronym: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    admin_unit_code: Mapped[str | None] = mapped_column(String(16))
    description_vi: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(500))
    #: The agency's published focal officer for data (Decree 47/2020 Art. 7(1)).
    focal_officer_name: Mapped[str | None] = mapped_column(String(200))
    focal_officer_title: Mapped[str | None] = mapped_column(String(200))
    focal_officer_email: Mapped[str | None] = mapped_column(String(254))
    focal_officer_phone: Mapped[str | None] = mapped_column(String(64))

    parent: Mapped[Organization | None] = relationship(remote_side="Organization.id", back_populates="children")
    children: Mapped[list[Organization]] = relationship(
        back_populates="parent", order_by="Organization.name_vi"
    )
    databases: Mapped[list[Database]] = relationship(back_populates="owner", order_by="Database.name_vi")

    def name(self, locale: str) -> str:
        return (self.name_en if locale == "en" and self.name_en else None) or self.name_vi

    def ancestors(self) -> list[Organization]:
        """Parents from the nearest up; stops at a cycle rather than looping."""
        seen: set[str] = {self.id}
        out: list[Organization] = []
        node = self.parent
        while node is not None and node.id not in seen:
            out.append(node)
            seen.add(node.id)
            node = node.parent
        return out

    def __repr__(self) -> str:
        return f"<Organization {self.code}>"
