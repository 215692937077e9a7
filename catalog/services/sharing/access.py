"""What agreements give: the access policy asks here, on every request, which datasets and columns
a user's agencies hold under an agreement in force.

Access is decided from the agreement's dates and suspension at the moment of the request, not
from its stored status (which a periodic job keeps tidy), so an expiry, a suspension or a
termination cuts access at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from ... import policy
from ...models import SharingAgreement, SharingRequest, utcnow
from ...workdays import local_date

#: Stored statuses under which an agreement may still be in force (dates decide the rest).
LIVE_STATUSES = ("active", "suspended")


def effective_status(agreement: SharingAgreement, now: datetime | None = None) -> str:
    """active, scheduled (not started), suspended, expired or terminated, as of `now`."""
    now = now or utcnow()
    today = local_date(now)
    if agreement.status == "terminated":
        return "terminated"
    if agreement.status == "expired" or (agreement.end_date is not None and today > agreement.end_date):
        return "expired"
    if is_suspended(agreement, now):
        return "suspended"
    if today < agreement.start_date:
        return "scheduled"
    return "active"


def is_suspended(agreement: SharingAgreement, now: datetime) -> bool:
    start, until = agreement.suspended_from, agreement.suspended_until
    return start is not None and start <= now and (until is None or now < until)


def in_force(session: Session, org_ids: Iterable[str], now: datetime | None = None) -> list[SharingAgreement]:
    """Agreements of these requesting agencies that give access right now."""
    org_ids = list(org_ids)
    if not org_ids:
        return []
    now = now or utcnow()
    today = local_date(now)
    q = (select(SharingAgreement)
         .where(SharingAgreement.requester_org_id.in_(org_ids), SharingAgreement.status.in_(LIVE_STATUSES),
                SharingAgreement.start_date <= today,
                or_(SharingAgreement.end_date.is_(None), SharingAgreement.end_date >= today))
         .options(selectinload(SharingAgreement.request).selectinload(SharingRequest.items)))
    return [a for a in session.scalars(q) if not is_suspended(a, now)]


def grants_for_orgs(session: Session, org_ids: Iterable[str], now: datetime | None = None) -> policy.Grants:
    """dataset id -> granted columns (None: all), merged over every agreement in force."""
    merged: dict[str, frozenset[str] | None] = {}
    for agreement in in_force(session, org_ids, now):
        for dataset_id, cols in agreement.grants().items():
            if dataset_id in merged and merged[dataset_id] is None:
                continue
            if cols is None:
                merged[dataset_id] = None
            else:
                merged[dataset_id] = (merged.get(dataset_id) or frozenset()) | cols
    return merged


def grant_provider(session: Session, user: Any) -> policy.Grants:
    """The policy's grant provider: what the user's agencies hold under agreements in force."""
    return grants_for_orgs(session, [m.organization_id for m in user.memberships])


def agreement_for(session: Session, reader: policy.Reader, dataset_id: str) -> SharingAgreement | None:
    """The agreement under which the reader receives a dataset, for the download log."""
    if dataset_id not in reader.grants:
        return None
    for agreement in in_force(session, list(reader.roles)):
        if dataset_id in agreement.grants():
            return agreement
    return None


def agreements_for_dataset(session: Session, reader: policy.Reader,
                           dataset_id: str) -> list[tuple[SharingAgreement, frozenset[str] | None]]:
    """The agreements in force under which the reader's agencies receive a dataset, with the columns
    each grants (None: all), for the requester's view of the dataset page."""
    if dataset_id not in reader.grants:
        return []
    return [(agreement, agreement.grants()[dataset_id]) for agreement in in_force(session, list(reader.roles))
            if dataset_id in agreement.grants()]


def install() -> None:
    """Plug agreements into the access policy (called when the app is built)."""
    policy.set_grant_provider(grant_provider)
