"""Dataset series (DCAT-AP 3 `dcat:DatasetSeries`) met while harvesting: one row per series IRI.

A series is global across sources (like a dataset's URI): the first source that names it creates
it, later ones only fill what it lacks. Members' `dcat:prev`/`dcat:next` are stored as the source
gave them; when two datasets' links contradict each other (A says its next is B, but B says its
previous is C), both are kept and the job log says so: nothing here "fixes" a source.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Dataset, DatasetSeries
from catalog.models.base import new_id
from catalog.text import slugify

from .base import LogText, Warn

_OPPOSITE = {"prev": "next", "next": "prev"}
_DISAGREES = {
    "next": "its next dataset in the series is {other}, but {other} names {theirs} as its previous one; both kept "
            "as the sources give them",
    "prev": "its previous dataset in the series is {other}, but {other} names {theirs} as its next one; both kept "
            "as the sources give them",
}
_CLAIMED = {
    "prev": "its previous dataset in the series is {mine}, but {other} names it as its next one; both kept as the "
            "sources give them",
    "next": "its next dataset in the series is {mine}, but {other} names it as its previous one; both kept as the "
            "sources give them",
}


class SeriesBook:
    """Finds or creates the series of one job's records, and checks their neighbour links."""

    def __init__(self, session: Session, source_id: str, warn: Warn) -> None:
        self.session = session
        self.source_id = source_id
        self.warn = warn
        self._ids: dict[str, str] = {}

    def series_of(self, given: dict[str, Any] | None, rid: str) -> str | None:
        if not given or not given.get("identifier"):
            return None
        identifier = str(given["identifier"])[:500]
        if identifier in self._ids:
            return self._ids[identifier]
        row = self.session.scalar(select(DatasetSeries).where(DatasetSeries.identifier == identifier))
        title = given.get("title_vi") or given.get("title_en") or identifier.rstrip("/").rsplit("/", 1)[-1]
        if row is None:
            row = DatasetSeries(id=new_id(), identifier=identifier, slug=self._slug(title), title_vi=title[:500],
                                title_en=given.get("title_en"), title_lang=given.get("title_lang"),
                                description_vi=given.get("description_vi"), description_en=given.get("description_en"),
                                translations=given.get("translations") or {}, first_uri=given.get("first"),
                                last_uri=given.get("last"), harvest_source_id=self.source_id)
            self.session.add(row)
            self.session.flush()
        elif row.harvest_source_id == self.source_id:
            for name, value in (("title_en", given.get("title_en")), ("description_vi", given.get("description_vi")),
                                ("description_en", given.get("description_en")), ("first_uri", given.get("first")),
                                ("last_uri", given.get("last"))):
                if value and getattr(row, name) != value:
                    setattr(row, name, value)
            if given.get("title_vi") and row.title_vi != given["title_vi"]:
                row.title_vi = given["title_vi"][:500]
        self._ids[identifier] = row.id
        return row.id

    def _slug(self, title: str) -> str:
        base = slugify(title)[:180] or "series"
        taken = set(self.session.scalars(select(DatasetSeries.slug).where(DatasetSeries.slug.like(f"{base}%"))))
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        return slug

    def check_links(self, series_id: str | None, identifier: str, links: dict[str, str], rid: str) -> None:
        """Warn when this member's links and another member's disagree (A says its next is B, but B
        says its previous is C); both stay as the sources give them."""
        if not series_id:
            return
        rows = self.session.execute(select(Dataset.identifier, Dataset.series_links)
                                    .where(Dataset.series_id == series_id, Dataset.identifier != identifier)).all()
        said: list[LogText] = []
        for row in rows:
            theirs = row.series_links or {}
            for side, back in _OPPOSITE.items():
                mine = (links or {}).get(side)
                if mine == row.identifier and theirs.get(back) and theirs[back] != identifier:
                    # "its next is B, but B names C as its previous"
                    said.append(LogText(f"series_{side}_disagrees", _DISAGREES[side], other=row.identifier[:300],
                                        theirs=str(theirs[back])[:300]))
                if theirs.get(side) == identifier and (links or {}).get(back) and links[back] != row.identifier:
                    # "its previous is C, but B names it as its next"
                    said.append(LogText(f"series_{back}_claimed", _CLAIMED[back], mine=str(links[back])[:300],
                                        other=row.identifier[:300]))
        for text in said:
            self.warn(rid, "series", text)
