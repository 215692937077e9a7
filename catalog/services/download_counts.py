"""How often each file was downloaded: one counter row per file, incremented by the database in a
single upsert per download (no read-modify-write, no process-local state), so that every web
process and machine counts into the same number."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .. import policy
from ..models import Dataset, Distribution, DownloadCount, utcnow
from . import memo


def record_download(session: Session, dist: Distribution) -> None:
    """Count one download of a file, in the caller's transaction."""
    insert: Any = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    stmt = insert(DownloadCount).values(distribution_id=dist.id, dataset_id=dist.dataset_id, count=1, last_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=[DownloadCount.distribution_id],
                                      set_={"count": DownloadCount.count + 1, "last_at": now})
    session.execute(stmt)


def counts_for_dataset(session: Session, dataset_id: str) -> dict[str, int]:
    """Downloads per file of one dataset (files never downloaded are absent)."""
    rows = session.execute(select(DownloadCount.distribution_id, DownloadCount.count)
                           .where(DownloadCount.dataset_id == dataset_id))
    return {dist_id: int(n) for dist_id, n in rows}


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
