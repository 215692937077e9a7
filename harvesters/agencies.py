"""Whose datasets a harvest source may write.

A source may update or take over only datasets of its own agency (or one of its units), or of an
agency that delegated its harvesting to it explicitly: the source option `delegated_by`, a list of
agency codes that only a site administrator may set. Any other clash (same identifier or landing
page as another agency's dataset) stays a duplicate to review and is never applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Organization

from .base import LogText
from .resolve import CodeLists

#: The source option (in `HarvestSource.filters`) listing the codes of agencies that delegated to it.
DELEGATION_OPTION = "delegated_by"


def delegated_codes(filters: Mapping[str, Any] | None) -> list[str]:
    """The agency codes a source's options name as having delegated to it (a text or a list)."""
    value = (filters or {}).get(DELEGATION_OPTION)
    if value in (None, "", []):
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return sorted({str(v).strip() for v in items if str(v).strip()})


def org_ids_of(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """code -> organisation id, for the codes that name an agency."""
    codes = list(codes)
    if not codes:
        return {}
    return dict(session.execute(select(Organization.code, Organization.id).where(Organization.code.in_(codes))).all())


class Writers:
    """Answers "may this source write a dataset of that agency?" for one harvest job."""

    def __init__(self, session: Session, codes: CodeLists, organization_id: str,
                 filters: Mapping[str, Any] | None) -> None:
        self.session = session
        self.codes = codes
        self.own = organization_id
        self.delegated = set(org_ids_of(session, delegated_codes(filters)).values())
        self._labels: dict[str, str] = {}
        self._delegations: dict[str, set[str]] = {}

    def may_write(self, org_id: str | None) -> bool:
        return self.allowed(org_id, self.own, self.delegated)

    def allowed(self, org_id: str | None, owner_id: str, delegated: Iterable[str]) -> bool:
        """The dataset's agency is the owner's (or a unit of it), or of an agency that delegated to it."""
        if org_id is None:
            return False
        return any(self.codes.is_within(org_id, boss) for boss in (owner_id, *delegated))

    def delegated_to(self, source_id: str, filters: Mapping[str, Any] | None) -> set[str]:
        """The agencies that delegated to another source (for hand-overs)."""
        if source_id not in self._delegations:
            self._delegations[source_id] = set(org_ids_of(self.session, delegated_codes(filters)).values())
        return self._delegations[source_id]

    def label(self, org_id: str | None) -> str:
        """"Name (CODE)" of an agency, as the job log names it."""
        if org_id is None:
            return "an unknown agency"
        if org_id not in self._labels:
            row = self.session.execute(select(Organization.name_vi, Organization.code)
                                       .where(Organization.id == org_id)).first()
            self._labels[org_id] = f"{row.name_vi} ({row.code})" if row else org_id
        return self._labels[org_id]

    def clash_message(self, value: str, matched_on: str, org_id: str | None) -> str:
        what = "identifier" if matched_on == "identifier" else "landing page"
        return LogText("agency_clash", "the {what} {value} belongs to a dataset of {other}; this source belongs to "
                       "{own}, which may not change it: recorded as a duplicate to review", what=what,
                       field=matched_on, value=value[:300], other=self.label(org_id), own=self.label(self.own))
