"""How often each file was downloaded: one counter row per file and form (the file itself, or its
CSV, JSON, XLSX or data-package conversion), incremented by the database in a single upsert per
download (no read-modify-write, no process-local state), so that every web process and machine
counts into the same number. A file's total is the sum of its forms."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .. import policy
from ..models import DOWNLOAD_KINDS, Dataset, Distribution, DownloadCount, utcnow
from . import memo


def record_download(session: Session, dist: Distribution, kind: str = "file") -> None:
    """Count one download of a file (`kind` "file") or of one of its conversions ("csv", "json",
    "xlsx", "zip"), in the caller's transaction."""
    if kind not in DOWNLOAD_KINDS:
        raise ValueError(f"unknown download kind {kind!r}")
    insert: Any = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    stmt = insert(DownloadCount).values(distribution_id=dist.id, kind=kind, dataset_id=dist.dataset_id, count=1,
                                        last_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=[DownloadCount.distribution_id, DownloadCount.kind],
                                      set_={"count": DownloadCount.count + 1, "last_at": now})
    session.execute(stmt)


def counts_for_dataset(session: Session, dataset_id: str) -> dict[str, int]:
    """Downloads per file of one dataset, all its forms together (files never downloaded are absent)."""
    return {dist_id: sum(kinds.values()) for dist_id, kinds in counts_by_kind(session, dataset_id).items()}


def counts_by_kind(session: Session, dataset_id: str) -> dict[str, dict[str, int]]:
    """Downloads per file and form of one dataset: {file id: {"file": n, "csv": n, ...}} (forms
    never downloaded are absent)."""
    rows = session.execute(select(DownloadCount.distribution_id, DownloadCount.kind, DownloadCount.count)
                           .where(DownloadCount.dataset_id == dataset_id))
    out: dict[str, dict[str, int]] = {}
    for dist_id, kind, n in rows:
        out.setdefault(dist_id, {})[kind] = int(n)
    return out


def counts_for_file(session: Session, dist_id: str) -> dict[str, int]:
    """Downloads of one file per form, every form present (0 when never downloaded)."""
    rows = session.execute(select(DownloadCount.kind, DownloadCount.count)
                           .where(DownloadCount.distribution_id == dist_id))
    counted = {kind: int(n) for kind, n in rows}
    return {kind: counted.get(kind, 0) for kind in DOWNLOAD_KINDS}


def totals_by_kind(by_file: dict[str, dict[str, int]]) -> dict[str, int]:
    """The dataset's downloads per form, summed over its files (every form present)."""
    return {kind: sum(kinds.get(kind, 0) for kinds in by_file.values()) for kind in DOWNLOAD_KINDS}


def most_downloaded(session: Session, limit: int = 5) -> list[tuple[Dataset, int]]:
    """The public datasets downloaded most, with their total: one grouped query on the counters, run
    once per change of the registry (catalog/services/memo.py; a download is a change)."""
    def ranking() -> tuple[tuple[str, int], ...]:
        totals = (select(DownloadCount.dataset_id, func.sum(DownloadCount.count).label("total"))
                  .where(DownloadCount.dataset_id.in_(policy.public_dataset_ids()))
                  .group_by(DownloadCount.dataset_id).order_by(func.sum(DownloadCount.count).desc(),
                                                               DownloadCount.dataset_id)
                  .limit(limit))
        return tuple((ds_id, int(total)) for ds_id, total in session.execute(totals))

    ranked = memo.kept(session, "most_downloaded", limit, ranking)
    found = {ds.id: ds for ds in session.scalars(select(Dataset).where(Dataset.id.in_([i for i, _ in ranked])))}
    return [(found[i], total) for i, total in ranked if i in found]
