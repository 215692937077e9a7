"""Rendered anonymous pages, shared by every web process, and the catalogue's change counter.

The counter (one row) goes up with every committed write to the registry, so a page stored under an
older value is never served again: a withdrawal or an access change hides the page at once, in every
process (catalog/web/page_cache.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class ChangeCounter(Base):
    __tablename__ = "change_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)


class PageCacheEntry(Base):
    __tablename__ = "page_cache"

    #: a digest of (locale, host, path with query, day)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger)
    headers: Mapped[str] = mapped_column(Text)  # JSON list of [name, value]
    body: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True), default=utcnow)
