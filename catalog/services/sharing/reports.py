"""Who shares and who does not: per-agency counts of requests sent and received, decisions,
delays and the datasets most asked for, for one agency or the whole country.

Definitions (the README repeats them): a request counts once it is submitted (drafts never count);
"received" requests are those addressed to the agency as provider; "overdue" are received requests
still waiting for a decision after their deadline; "answered late" were decided after it; days to
decide are working days from submission to the latest decision (pauses for information included).
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ... import policy
from ...models import (
    DECIDED_STATUSES,
    PENDING_STATUSES,
    Dataset,
    Organization,
    SharingAgreement,
    SharingRequest,
    SharingRequestItem,
    utcnow,
)
from ...workdays import local_date, working_days_between

WAITING = (*PENDING_STATUSES, "info_requested")


@dataclass
class AgencyFigures:
    organization: Organization
    sent: int = 0
    received: int = 0
    approved: int = 0
    partially_approved: int = 0
    refused: int = 0
    withdrawn: int = 0
    waiting: int = 0
    overdue: int = 0
    answered_late: int = 0
    agreements_as_provider: int = 0
    agreements_as_requester: int = 0
    days_to_decide: list[int] = field(default_factory=list)

    @property
    def median_days_to_decide(self) -> float | None:
        return statistics.median(self.days_to_decide) if self.days_to_decide else None

    @property
    def decided(self) -> int:
        return self.approved + self.partially_approved + self.refused

    @property
    def approval_rate(self) -> float | None:
        return (self.approved + self.partially_approved) / self.decided if self.decided else None

    def as_row(self) -> dict[str, Any]:
        median = self.median_days_to_decide
        return {
            "organization": self.organization.code, "name": self.organization.name_vi, "sent": self.sent,
            "received": self.received, "approved": self.approved, "partially_approved": self.partially_approved,
            "refused": self.refused, "withdrawn": self.withdrawn, "waiting": self.waiting, "overdue": self.overdue,
            "answered_late": self.answered_late, "median_working_days_to_decide": median,
            "agreements_as_provider": self.agreements_as_provider,
            "agreements_as_requester": self.agreements_as_requester,
        }


def scope_for(reader: policy.Reader) -> list[str] | None:
    """Administrators see the whole country (None); officers the figures of their own agencies."""
    if reader.is_admin:
        return None
    policy.require(reader.is_agency_member)
    return list(reader.roles)


def figures(session: Session, org_ids: list[str] | None = None, now: datetime | None = None) -> list[AgencyFigures]:
    """Figures per agency (these agencies, or every agency with any request), busiest first."""
    now = now or utcnow()
    submitted = SharingRequest.status != "draft"
    table: dict[str, AgencyFigures] = {}
    orgs: dict[str, Organization] = {}

    def row(org_id: str) -> AgencyFigures:
        if org_id not in table:
            org = orgs.get(org_id) or session.get(Organization, org_id)
            assert org is not None
            table[org_id] = AgencyFigures(org)
        return table[org_id]

    def scoped(column: Any) -> Any:
        return column.in_(org_ids) if org_ids is not None else True

    if org_ids is not None:
        for org in session.scalars(select(Organization).where(Organization.id.in_(org_ids))):
            orgs[org.id] = org
            row(org.id)
    for org_id, n in session.execute(select(SharingRequest.requester_org_id, func.count()).where(
            submitted, scoped(SharingRequest.requester_org_id)).group_by(SharingRequest.requester_org_id)):
        row(org_id).sent = n
    for org_id, status, n in session.execute(select(
            SharingRequest.provider_org_id, SharingRequest.status, func.count()).where(
            submitted, scoped(SharingRequest.provider_org_id)).group_by(
            SharingRequest.provider_org_id, SharingRequest.status)):
        fig = row(org_id)
        fig.received += n
        if status in ("approved", "partially_approved", "refused", "withdrawn"):
            setattr(fig, status, getattr(fig, status) + n)
        elif status in WAITING:
            fig.waiting += n
    for org_id, n in session.execute(select(SharingRequest.provider_org_id, func.count()).where(
            SharingRequest.status.in_(PENDING_STATUSES), SharingRequest.due_at < now,
            scoped(SharingRequest.provider_org_id)).group_by(SharingRequest.provider_org_id)):
        row(org_id).overdue = n
    decided = select(SharingRequest.provider_org_id, SharingRequest.submitted_at, SharingRequest.decided_at,
                     SharingRequest.due_at).where(SharingRequest.status.in_(DECIDED_STATUSES),
                                                  SharingRequest.decided_at.is_not(None),
                                                  scoped(SharingRequest.provider_org_id))
    for org_id, submitted_at, decided_at, due_at in session.execute(decided):
        fig = row(org_id)
        if submitted_at is not None:
            fig.days_to_decide.append(working_days_between(local_date(submitted_at), local_date(decided_at)))
        if due_at is not None and decided_at > due_at:
            fig.answered_late += 1
    live = SharingAgreement.status.in_(("active", "suspended"))
    for column, attr in ((SharingAgreement.provider_org_id, "agreements_as_provider"),
                         (SharingAgreement.requester_org_id, "agreements_as_requester")):
        for org_id, n in session.execute(select(column, func.count()).where(live, scoped(column)).group_by(column)):
            setattr(row(org_id), attr, n)
    return sorted(table.values(), key=lambda f: (-(f.sent + f.received), f.organization.code))


def totals(rows: list[AgencyFigures]) -> dict[str, Any]:
    """Country-wide sums (each request counted once, on the provider's side)."""
    days = [d for r in rows for d in r.days_to_decide]
    return {
        "requests": sum(r.received for r in rows),
        "approved": sum(r.approved for r in rows),
        "partially_approved": sum(r.partially_approved for r in rows),
        "refused": sum(r.refused for r in rows),
        "withdrawn": sum(r.withdrawn for r in rows),
        "waiting": sum(r.waiting for r in rows),
        "overdue": sum(r.overdue for r in rows),
        "answered_late": sum(r.answered_late for r in rows),
        "median_working_days_to_decide": statistics.median(days) if days else None,
        "agreements_in_force": sum(r.agreements_as_provider for r in rows),
    }


def most_requested(session: Session, provider_org_id: str | None = None, limit: int = 10) -> list[tuple[Dataset, int]]:
    """Datasets named in the most submitted requests (of one provider, or of all)."""
    q = (select(SharingRequestItem.dataset_id, func.count(func.distinct(SharingRequestItem.request_id)))
         .join(SharingRequest, and_(SharingRequest.id == SharingRequestItem.request_id,
                                    SharingRequest.status != "draft"))
         .group_by(SharingRequestItem.dataset_id))
    if provider_org_id:
        q = q.where(SharingRequest.provider_org_id == provider_org_id)
    counts = Counter(dict(session.execute(q).all()))
    top = counts.most_common(limit)
    datasets = {d.id: d for d in session.scalars(select(Dataset).where(Dataset.id.in_([k for k, _ in top])))}
    return [(datasets[k], n) for k, n in top if k in datasets]


def monthly(session: Session, org_id: str | None = None, months: int = 12) -> list[tuple[str, int, int]]:
    """(YYYY-MM, submitted, decided) for the last months, for the trend chart."""
    sub: dict[str, int] = defaultdict(int)
    dec: dict[str, int] = defaultdict(int)
    q = select(SharingRequest.submitted_at, SharingRequest.decided_at).where(SharingRequest.status != "draft")
    if org_id:
        q = q.where((SharingRequest.provider_org_id == org_id) | (SharingRequest.requester_org_id == org_id))
    for submitted_at, decided_at in session.execute(q):
        if submitted_at:
            sub[local_date(submitted_at).strftime("%Y-%m")] += 1
        if decided_at:
            dec[local_date(decided_at).strftime("%Y-%m")] += 1
    today = local_date(utcnow())
    keys = []
    year, month = today.year, today.month
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return [(k, sub.get(k, 0), dec.get(k, 0)) for k in reversed(keys)]


def to_csv(rows: list[AgencyFigures]) -> str:
    out = io.StringIO()
    records = [r.as_row() for r in rows]
    header = list(records[0]) if records else list(AgencyFigures(Organization()).as_row())
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()
