"""The public copy of a tabular file: its preview, statistics and queryable rows, per file version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

#: Names of the tables holding files' queryable rows (made at run time, not by migrations).
ROWS_TABLE_PREFIX = "rows_"


def is_rows_table(name: str | None) -> bool:
    """A file's rows table, which migrations and their comparisons leave alone."""
    return bool(name and name.startswith(ROWS_TABLE_PREFIX))


class PublicFile(Base):
    """What `services.public_files.prepare` made of a distribution's stored file (one file version).

    `fields` lists the columns the public may receive, each with the type it is served as and, when
    its values did not all parse as the declared type, the fallback to text and how many failed."""

    __tablename__ = "public_file"

    distribution_id: Mapped[str] = mapped_column(
        ForeignKey("distribution.id", ondelete="CASCADE"), primary_key=True)
    #: The file version (its SHA-256) this copy was made from.
    checksum: Mapped[str] = mapped_column(String(64))
    #: ready, or failed (with `message`): a file that cannot be read at all.
    status: Mapped[str] = mapped_column(String(16), default="ready")
    message: Mapped[str | None] = mapped_column(Text)
    #: The table holding the queryable copy in the registry's database (None until imported).
    table_name: Mapped[str | None] = mapped_column(String(63))
    #: [{name, column, type, declared_type, fallback, bad, example}]
    fields: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    #: The first rows as written, public columns only.
    preview: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    #: [{name, count, empty, distinct, min, max, top: [[value, n]]}]
    stats: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)


class TypeOverride(Base):
    """A steward's choice of type for one column of a file: kept when the file is imported again."""

    __tablename__ = "type_override"

    distribution_id: Mapped[str] = mapped_column(
        ForeignKey("distribution.id", ondelete="CASCADE"), primary_key=True)
    field: Mapped[str] = mapped_column(String(300), primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
