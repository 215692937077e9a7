"""What time does to requests and agreements: deadlines pass, agreements end, suspensions start.

Access never waits for this (the policy reads dates on every request); this job records the change,
tells both sides once, and keeps stored statuses tidy for lists and reports. It runs every quarter
hour as a periodic job and on demand (`flask --app catalog sharing housekeeping`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import PENDING_STATUSES, SharingAgreement, SharingRequest, utcnow
from ...tasks import periodic
from ...workdays import local_date
from .. import audit
from ..actor import system_actor
from . import agreements, notices


@dataclass
class Housekeeping:
    overdue: int = 0
    expired: int = 0
    suspended: int = 0
    resumed: int = 0


def run(session: Session, now: datetime | None = None) -> Housekeeping:
    now = now or utcnow()
    today = local_date(now)
    actor = system_actor("sharing")
    done = Housekeeping()
    late = select(SharingRequest).where(SharingRequest.status.in_(PENDING_STATUSES), SharingRequest.due_at < now,
                                        SharingRequest.overdue_flagged_at.is_(None))
    for req in session.scalars(late):
        req.overdue_flagged_at = now
        audit.record(session, actor, "sharing.overdue", "sharing_request", req.id, label=req.number,
                     organization_id=req.provider_org_id,
                     after={"due_at": req.due_at.isoformat() if req.due_at else None,
                            "parties": [req.requester_org_id, req.provider_org_id]})
        notices.overdue(session, req)
        done.overdue += 1
    ending = select(SharingAgreement).where(SharingAgreement.status.in_(("active", "suspended")),
                                            SharingAgreement.end_date < today)
    for agreement in session.scalars(ending):
        agreements.expire(session, actor, agreement)
        done.expired += 1
    starting = select(SharingAgreement).where(SharingAgreement.status == "active",
                                              SharingAgreement.suspended_from <= now)
    for agreement in session.scalars(starting):
        if agreement.suspended_until is None or agreement.suspended_until > now:
            agreement.status = "suspended"
            audit.record(session, actor, "sharing.agreement.suspension_started", "sharing_agreement", agreement.id,
                         label=agreement.number, organization_id=agreement.provider_org_id,
                         after={"suspended_from": agreement.suspended_from.isoformat()})
            done.suspended += 1
    ended = select(SharingAgreement).where(SharingAgreement.suspended_until <= now,
                                           SharingAgreement.status.in_(("active", "suspended")))
    for agreement in session.scalars(ended):
        agreements.lift_suspension(session, actor, agreement)
        done.resumed += 1
    session.flush()
    return done


@periodic("sharing.housekeeping", every=timedelta(minutes=15))
def housekeeping_job() -> None:
    from ...db import db_session

    session = db_session()
    run(session)
    session.commit()
