"""Code lists every record must draw from: themes, licences, administrative units."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Theme(Base):
    """A data theme (the DCAT-AP data-theme vocabulary, with Vietnamese names)."""

    __tablename__ = "theme"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    uri: Mapped[str | None] = mapped_column(String(300))

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi


class Licence(Base):
    __tablename__ = "licence"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    title_vi: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(300))
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_vi


class AdminUnit(Base):
    """A province-level administrative unit (after the 1 July 2025 merger), or "VN" for the country."""

    __tablename__ = "admin_unit"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    merged_from: Mapped[str | None] = mapped_column(Text)
    area_km2: Mapped[float | None] = mapped_column(Float)
    population: Mapped[int | None] = mapped_column(Integer)
    legal_basis: Mapped[str | None] = mapped_column(String(300))

    def name(self, locale: str) -> str:
        return (self.name_en if locale == "en" and self.name_en else None) or self.name_vi
