"""Profiles: each adds its part of a dataset's description to one graph, run in the order of
`CATALOG_DCAT_PROFILES` (default `dcat_ap_3,vn`), like ckanext-dcat's stackable profiles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, URIRef
from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import policy
from ...models import AdminUnit, Dataset, Licence, Theme

#: (graph, dataset node, dataset, context) -> None
DatasetProfile = Callable[[Graph, URIRef, Dataset, "FeedContext"], None]


@dataclass
class FeedContext:
    """What every profile needs, loaded once per document rather than once per dataset."""

    session: Session
    reader: policy.Reader = policy.ANONYMOUS
    licences: dict[str, Licence] = field(default_factory=dict)
    themes: dict[str, Theme] = field(default_factory=dict)
    units: dict[str, AdminUnit] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, reader: policy.Reader = policy.ANONYMOUS) -> FeedContext:
        return cls(
            session=session, reader=reader,
            licences={lc.code: lc for lc in session.scalars(select(Licence))},
            themes={t.code: t for t in session.scalars(select(Theme))},
            units={u.code: u for u in session.scalars(select(AdminUnit))},
        )


def profiles_named(names: str) -> list[DatasetProfile]:
    """The profiles a comma-separated setting names; an unknown name is a configuration error."""
    from . import dcat_ap_3, vn

    known: dict[str, Any] = {"dcat_ap_3": dcat_ap_3.dataset_graph, "vn": vn.dataset_graph}
    chosen = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise ValueError(f"CATALOG_DCAT_PROFILES names unknown profiles: {', '.join(unknown)} "
                         f"(known: {', '.join(known)})")
    return [known[n] for n in chosen]
