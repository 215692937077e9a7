"""Agreements in force: how they start, are suspended, resumed, renewed, terminated and expire.

An approval brings an agreement into force with the terms the request stated (or fewer, for a
partial approval). The provider may suspend it: for planned maintenance only with at least
rules.MAINTENANCE_NOTICE of notice, for a breach at once (the consumer is told at once, well within
rules.BREACH_NOTICE). Either side may end it on one of rules.TERMINATION_GROUNDS; it expires by
itself on its end date, and the requester is reminded to delete the data it received.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import policy, rules
from ...dates import format_date
from ...models import SharingAgreement, SharingRequest, SharingRequestItem, utcnow
from ...models.base import new_id
from ...schemas.sharing import RenewInput, SuspendInput, TerminateInput
from ...workdays import add_working_days, deadline, end_of_day, local_date
from .. import audit
from ..actor import Actor
from ..common import NotFound, field_error, load
from ..listing import Page, paginate
from . import notices
from .access import effective_status
from .requests import next_number


def state(agreement: SharingAgreement) -> dict[str, Any]:
    return {
        "number": agreement.number, "status": agreement.status, "kind": agreement.kind,
        "requester_org_id": agreement.requester_org_id, "provider_org_id": agreement.provider_org_id,
        "start_date": agreement.start_date, "end_date": agreement.end_date, "methods": agreement.methods,
        "grants": {k: sorted(v) if v is not None else None for k, v in agreement.grants().items()},
        "suspended_from": agreement.suspended_from, "suspended_until": agreement.suspended_until,
        "parties": [agreement.requester_org_id, agreement.provider_org_id],
    }


def _log(session: Session, actor: Actor, agreement: SharingAgreement, action: str,
         before: dict[str, Any] | None, **extra: Any) -> None:
    audit.record(session, actor, f"sharing.agreement.{action}", "sharing_agreement", agreement.id,
                 label=agreement.number, organization_id=agreement.provider_org_id, before=before,
                 after={**state(agreement), **extra})


def bring_into_force(
    session: Session,
    actor: Actor,
    req: SharingRequest,
    *,
    partial: bool,
    end_date: date | None = None,
    methods: list[str] | None = None,
    connection_details: str | None = None,
) -> SharingAgreement:
    """The agreement an approval creates; a renewal extends the agreement it renews instead."""
    now = utcnow()
    today = local_date(now)
    if req.renewal_of_id:
        agreement = session.get(SharingAgreement, req.renewal_of_id)
        if agreement is None:
            raise NotFound(req.renewal_of_id)
        before = state(agreement)
        agreement.end_date = end_date or req.end_date
        agreement.renewed_count += 1
        if agreement.status == "expired":
            agreement.status, agreement.ended_at, agreement.end_notified_at = "active", None, None
        _log(session, actor, agreement, "renew", before, request=req.number)
        notices.agreement_event(session, agreement, "agreement_renewed", {})
        return agreement
    agreement = SharingAgreement(
        id=new_id(),
        number=next_number(session, SharingAgreement, "TT", now),
        request_id=req.id,
        kind=req.kind,
        status="active",
        requester_org_id=req.requester_org_id,
        provider_org_id=req.provider_org_id,
        partial=partial,
        start_date=max(req.start_date or today, today),
        end_date=end_date or req.end_date,
        methods=list(methods) if methods else list(req.methods or []),
        frequency=req.frequency,
        limits_of_use=req.limits_of_use,
        security_measures=req.security_measures,
        retention_deletion=req.retention_deletion,
        decided_at=now,
        decision_note=req.decision_reasons,
        connection_details=connection_details,
    )
    agreement.request = req
    session.add(agreement)
    session.flush()
    _log(session, actor, agreement, "create", None, request=req.number, partial=partial)
    return agreement


def agreement_by_id(session: Session, reader: policy.Reader, key: str) -> SharingAgreement:
    agreement = session.get(SharingAgreement, key) or session.scalar(
        select(SharingAgreement).where(SharingAgreement.number == key))
    if agreement is None or not policy.can_view_agreement(reader, agreement):
        raise NotFound(key)
    return agreement


def list_agreements(session: Session, reader: policy.Reader, org_id: str | None = None, page: int = 1,
                    per_page: int = 20) -> Page[SharingAgreement]:
    """Agreements of the reader's agencies (or of one of them), newest decision first; admins: all."""
    q = select(SharingAgreement).order_by(SharingAgreement.decided_at.desc())
    orgs = None if reader.is_admin else list(reader.roles)
    if org_id is not None:
        orgs = [org_id] if orgs is None or org_id in orgs else []
    if orgs is not None:
        q = q.where(SharingAgreement.requester_org_id.in_(orgs) | SharingAgreement.provider_org_id.in_(orgs))
    return paginate(session, q, page, per_page)


def _require_live(agreement: SharingAgreement) -> None:
    if effective_status(agreement) in ("expired", "terminated"):
        raise field_error("status", gettext("This agreement has ended."))


def suspend(session: Session, actor: Actor, agreement: SharingAgreement, raw: Mapping[str, Any]) -> None:
    """Planned maintenance needs the legal notice; a breach or an incident suspends at once."""
    policy.require(policy.can_manage_agreement_as_provider(actor.reader, agreement))
    _require_live(agreement)
    data = load(SuspendInput(), raw)
    now = utcnow()
    starts: datetime = now
    if data["reason"] == "maintenance":
        earliest = add_working_days(local_date(now), rules.MAINTENANCE_NOTICE.count)
        if data["starts_at"] is None or local_date(data["starts_at"]) < earliest:
            raise field_error("starts_at", gettext(
                "Planned maintenance must be announced at least %(n)s working days ahead: start on %(day)s or "
                "later.", n=rules.MAINTENANCE_NOTICE.count, day=format_date(earliest)))
        starts = data["starts_at"]
    until = data.get("until")
    if until is not None and until <= starts:
        raise field_error("until", gettext("The suspension must end after it starts."))
    before = state(agreement)
    agreement.suspension_reason = data["reason"]
    agreement.suspension_note = data["note"]
    agreement.suspended_from = starts
    agreement.suspended_until = until
    agreement.suspension_announced_at = now
    if starts <= now:
        agreement.status = "suspended"
    session.flush()
    _log(session, actor, agreement, "suspend", before, reason=data["reason"], note=data["note"])
    notices.agreement_event(session, agreement, "agreement_suspended", {
        "from_at": starts.isoformat(), "reason": data["reason"], "note": data["note"]})


def resume(session: Session, actor: Actor, agreement: SharingAgreement) -> None:
    policy.require(policy.can_manage_agreement_as_provider(actor.reader, agreement))
    if agreement.suspended_from is None:
        raise field_error("status", gettext("This agreement is not suspended."))
    _require_live(agreement)
    lift_suspension(session, actor, agreement)


def lift_suspension(session: Session, actor: Actor, agreement: SharingAgreement) -> None:
    """End a suspension (the provider resumes, or its announced end has come)."""
    before = state(agreement)
    agreement.suspended_from = agreement.suspended_until = None
    agreement.suspension_reason = agreement.suspension_note = None
    agreement.status = "active"
    session.flush()
    _log(session, actor, agreement, "resume", before)
    notices.agreement_event(session, agreement, "agreement_resumed", {})


def terminate(session: Session, actor: Actor, agreement: SharingAgreement, raw: Mapping[str, Any]) -> None:
    """Either side ends the agreement on a legal ground; access stops at once."""
    reader = actor.reader
    provider_side = policy.can_manage_agreement_as_provider(reader, agreement)
    policy.require(provider_side or reader.is_member_of(agreement.requester_org_id))
    _require_live(agreement)
    data = load(TerminateInput(), raw)
    before = state(agreement)
    agreement.status = "terminated"
    agreement.ended_at = utcnow()
    agreement.termination_ground = data["ground"]
    agreement.termination_note = data["note"]
    agreement.end_notified_at = agreement.ended_at
    session.flush()
    by = agreement.provider if provider_side else agreement.requester
    _log(session, actor, agreement, "terminate", before, ground=data["ground"], note=data["note"])
    notices.agreement_event(session, agreement, "agreement_terminated", {
        "ground": data["ground"], "note": data["note"], "by": {"vi": by.name_vi, "en": by.name("en")}})


def request_renewal(session: Session, actor: Actor, agreement: SharingAgreement,
                    raw: Mapping[str, Any]) -> SharingRequest:
    """A renewal is a new request, sent at once, that extends this agreement when approved."""
    policy.require(policy.is_requester_side(actor.reader, agreement.request))
    if agreement.status == "terminated":
        raise field_error("status", gettext("A terminated agreement cannot be renewed; send a new request."))
    data = load(RenewInput(), raw)
    if agreement.end_date is None:
        raise field_error("end_date", gettext("This agreement has no end date to extend."))
    if data["end_date"] <= agreement.end_date:
        raise field_error("end_date", gettext("The new end date must be after the present one (%(day)s).",
                                              day=format_date(agreement.end_date)))
    pending = session.scalar(select(SharingRequest.id).where(
        SharingRequest.renewal_of_id == agreement.id, SharingRequest.status.in_(("submitted", "info_requested"))))
    if pending:
        raise field_error("end_date", gettext("A renewal of this agreement is already waiting for a decision."))
    old = agreement.request
    now = utcnow()
    req = SharingRequest(
        id=new_id(), number=next_number(session, SharingRequest, "YC", now), kind=old.kind, status="submitted",
        requester_org_id=old.requester_org_id, provider_org_id=old.provider_org_id,
        created_by_id=actor.user_id, submitted_by_id=actor.user_id, renewal_of_id=agreement.id,
        **{name: getattr(old, name) for name in (
            "requester_identifier", "application", "intended_use", "service_id", "frequency", "contact_name",
            "contact_email", "contact_phone", "special_reason", "methods", "limits_of_use",
            "protection_commitment", "security_measures", "retention_deletion")},
        purpose=data.get("purpose") or old.purpose,
        start_date=agreement.start_date, end_date=data["end_date"],
        submitted_at=now, due_at=deadline(now, rules.ANSWER_DEADLINE),
    )
    req.items = [SharingRequestItem(dataset_id=i.dataset_id, position=i.position,
                                    columns=i.granted_columns if i.granted_columns is not None else i.columns)
                 for i in old.items if i.granted is not False]
    session.add(req)
    session.flush()
    audit.record(session, actor, "sharing.renewal", "sharing_request", req.id, label=req.number,
                 organization_id=req.provider_org_id,
                 after={"status": req.status, "renewal_of": agreement.number, "end_date": data["end_date"],
                        "due_at": req.due_at.isoformat() if req.due_at else None,
                        "parties": [req.requester_org_id, req.provider_org_id]})
    notices.renewal_requested(session, req, agreement)
    return req


def confirm_deletion(session: Session, actor: Actor, agreement: SharingAgreement) -> None:
    """The requester states it deleted what it received, as the agreement's end requires."""
    policy.require(actor.reader.is_member_of(agreement.requester_org_id))
    if effective_status(agreement) not in ("expired", "terminated"):
        raise field_error("status", gettext("Data is deleted when the agreement has ended."))
    if agreement.deletion_confirmed_at is not None:
        return
    before = state(agreement)
    agreement.deletion_confirmed_at = utcnow()
    session.flush()
    _log(session, actor, agreement, "confirm_deletion", before)
    notices.agreement_event(session, agreement, "deletion_confirmed", {})


#: What may be done to an agreement, by the pages and the API alike.
ACTIONS = ("suspend", "resume", "terminate", "renew", "confirm_deletion")


def perform(session: Session, actor: Actor, agreement: SharingAgreement, action: str,
            body: Mapping[str, Any]) -> SharingRequest | None:
    """Take an action on an agreement; a renewal returns the request it sent."""
    if action == "suspend":
        suspend(session, actor, agreement, body)
    elif action == "resume":
        resume(session, actor, agreement)
    elif action == "terminate":
        terminate(session, actor, agreement, body)
    elif action == "renew":
        return request_renewal(session, actor, agreement, body)
    elif action == "confirm_deletion":
        confirm_deletion(session, actor, agreement)
    else:
        raise NotFound(action)
    return None


def expire(session: Session, actor: Actor, agreement: SharingAgreement) -> None:
    """Record that an agreement reached its end date (access already stopped that day)."""
    if agreement.status in ("expired", "terminated") or agreement.end_date is None:
        return
    before = state(agreement)
    agreement.status = "expired"
    agreement.ended_at = end_of_day(agreement.end_date)
    agreement.end_notified_at = utcnow()
    session.flush()
    _log(session, actor, agreement, "expire", before)
    notices.agreement_event(session, agreement, "agreement_expired", {"end_on": agreement.end_date.isoformat()})
