"""Who is told what when a request or an agreement moves.

The requesting side is the officer who wrote the request plus the agency's stewards and editors;
the providing side is the provider's stewards (who decide); along the dispute path, whoever
decides at the new step; an overdue request is also reported to the catalogue's administrators.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ... import policy, rules
from ...models import SharingAgreement, SharingRequest
from ..notifications import admin_ids, notify, org_user_ids

_FREE_TEXT = {"message", "reasons", "legal_basis", "reason", "note"}


def _names(org: Any) -> dict[str, str]:
    return {"vi": org.name_vi, "en": org.name("en")}


def _datasets(req: SharingRequest) -> dict[str, str]:
    return {loc: "; ".join(i.dataset.title(loc) for i in req.items) for loc in ("vi", "en")}


def request_params(req: SharingRequest) -> dict[str, Any]:
    return {
        "number": req.number,
        "requester": _names(req.requester),
        "provider": _names(req.provider),
        "datasets": _datasets(req),
        "due_at": req.due_at.isoformat() if req.due_at else None,
    }


def requester_side(session: Session, req: SharingRequest) -> list[str]:
    people = [req.created_by_id, req.submitted_by_id]
    return [p for p in people if p] + org_user_ids(session, req.requester_org_id, ("steward", "editor"))


def provider_side(session: Session, org_id: str) -> list[str]:
    return org_user_ids(session, org_id, ("steward",))


def escalation_deciders(session: Session, req: SharingRequest) -> list[str]:
    if req.escalation_level <= 1:
        return provider_side(session, req.provider_org_id)
    people = admin_ids(session)
    if req.escalation_level == 2:
        unit = policy.it_unit_org(req.provider)
        if unit is not None:
            people = org_user_ids(session, unit.id, ("steward",)) + people
    return people


def after_transition(session: Session, req: SharingRequest, action: str, data: dict[str, Any]) -> None:
    params = request_params(req)
    requester, provider = requester_side(session, req), provider_side(session, req.provider_org_id)

    def send(users: list[str], kind: str, **extra: Any) -> None:
        # free text is quoted inside sentences that end with their own full stop
        extra = {k: v.rstrip(" .") if isinstance(v, str) and k in _FREE_TEXT else v for k, v in extra.items()}
        notify(session, users, kind, {**params, **extra}, "sharing_request", req.id)

    if action == "submit":
        send(provider, "request_submitted")
    elif action == "withdraw":
        if req.submitted_at is not None:
            send(provider, "request_withdrawn")
    elif action == "request_info":
        send(requester, "request_info_requested", message=data["message"])
    elif action == "provide_info":
        send(provider, "request_info_provided", message=data["message"])
    elif action in ("approve", "approve_partially"):
        agreement = req.agreement or req.renewal_of
        kind = "request_approved" if action == "approve" else "request_partially_approved"
        send(requester, kind, agreement=agreement.number if agreement else "",
             start_on=agreement.start_date.isoformat() if agreement else None,
             reasons=req.decision_reasons, legal_basis=req.decision_legal_basis)
        if req.escalation_level:
            send(provider, kind, agreement=agreement.number if agreement else "",
                 start_on=agreement.start_date.isoformat() if agreement else None,
                 reasons=req.decision_reasons, legal_basis=req.decision_legal_basis)
    elif action == "refuse":
        send(requester, "request_refused", reasons=data["reasons"], legal_basis=data["legal_basis"])
    elif action == "escalate":
        step = rules.ESCALATION_STEPS[req.escalation_level - 1]
        send(escalation_deciders(session, req) + provider, "request_escalated", reason=data["reason"], step=step)
    elif action == "uphold":
        step = rules.ESCALATION_STEPS[req.escalation_level - 1]
        send(requester + provider, "escalation_upheld", reasons=data["reasons"], legal_basis=data["legal_basis"],
             step=step)


def overdue(session: Session, req: SharingRequest) -> None:
    """Both sides and the administrators learn that a decision is late."""
    people = requester_side(session, req) + provider_side(session, req.provider_org_id) + admin_ids(session)
    if req.status == "escalated":
        people += escalation_deciders(session, req)
    notify(session, people, "request_overdue", request_params(req), "sharing_request", req.id)


def renewal_requested(session: Session, req: SharingRequest, agreement: SharingAgreement) -> None:
    notify(session, provider_side(session, req.provider_org_id), "renewal_requested",
           {**request_params(req), "agreement": agreement.number,
            "end_on": req.end_date.isoformat() if req.end_date else None},
           "sharing_request", req.id)


def agreement_event(session: Session, agreement: SharingAgreement, kind: str, extra: dict[str, Any]) -> None:
    """Agreement news goes to both sides: the other side must know, and the actor's colleagues too."""
    req = agreement.request
    params = {
        **request_params(req),
        "agreement": agreement.number,
        "end_on": agreement.end_date.isoformat() if agreement.end_date else None,
        "retention": agreement.retention_deletion or "—",
        **extra,
    }
    people = requester_side(session, req) + provider_side(session, agreement.provider_org_id)
    notify(session, people, kind, params, "sharing_agreement", agreement.id)
