"""Dataset series for readers: a series is seen through the members a reader may see.

A series whose members are all hidden from a reader answers as missing (its title could name
restricted data); its members' neighbour links resolve only to datasets the reader may see.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import policy
from ..models import Dataset, DatasetSeries
from .common import NotFound

#: The links a dataset page shows, in order: the series' first and last, the member's neighbours.
LINKS = ("first", "prev", "next", "last")


def visible_members(session: Session, reader: policy.Reader, series: DatasetSeries) -> list[Dataset]:
    return list(session.scalars(select(Dataset).where(Dataset.series_id == series.id,
                                                      policy.dataset_visibility(reader))
                                .order_by(Dataset.issued, Dataset.temporal_start, Dataset.slug)))


def visible_series(session: Session, reader: policy.Reader, slug: str) -> tuple[DatasetSeries, list[Dataset]]:
    series = session.scalar(select(DatasetSeries).where(DatasetSeries.slug == slug))
    members = visible_members(session, reader, series) if series is not None else []
    if series is None or not members:
        raise NotFound(slug)
    return series, members


def neighbours(session: Session, reader: policy.Reader, ds: Dataset) -> dict[str, Dataset]:
    """first / prev / next / last of a member, as its source gave them, among datasets the reader sees."""
    given = dict(ds.series_links or {})
    if ds.series is not None:
        given.update({k: v for k, v in (("first", ds.series.first_uri), ("last", ds.series.last_uri)) if v})
    wanted = {v for v in given.values() if v}
    if not wanted:
        return {}
    found = {d.identifier: d for d in session.scalars(select(Dataset).where(
        Dataset.identifier.in_(wanted), policy.dataset_visibility(reader)))}
    return {k: found[given[k]] for k in LINKS if given.get(k) in found and found[given[k]].id != ds.id}
