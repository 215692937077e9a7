"""The life of a sharing request: one table of allowed transitions, with who may make each.

    draft ──submit──► submitted ──approve / approve_partially──► approved / partially_approved
                        │  ▲                                      (an agreement comes into force)
          request_info  │  │ provide_info (the clock pauses meanwhile)
                        ▼  │
                   info_requested            submitted ──refuse──► refused ──escalate──► escalated
                                                                      ▲                    │
                                                         uphold ──────┘   approve (overturn)┘
    draft / submitted / info_requested / escalated ──withdraw──► withdrawn

Deadlines are counted in working days (catalog/workdays.py) from rules.ANSWER_DEADLINE and
rules.ESCALATION_DEADLINE. Every transition is an audit event and notifies the other side.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext
from marshmallow import Schema, ValidationError
from sqlalchemy.orm import Session

from ... import policy, rules
from ...models import SharingRequest, utcnow
from ...schemas.sharing import (
    ApproveInput,
    DefaultSubmission,
    EscalateInput,
    MessageInput,
    PartialApproveInput,
    RefuseInput,
    SpecialSubmission,
)
from ...workdays import add_working_days, deadline, end_of_day, local_date, working_days_between
from .. import audit
from ..actor import Actor
from ..common import field_error, load
from . import agreements, notices
from .requests import check_kind, dataset_columns, resolve_items, state

REQUESTER = "requester"
DECIDER = "decider"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    by: str  # REQUESTER: the requesting agency's people; DECIDER: policy.can_decide_request


TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", ("draft",), "submitted", REQUESTER),
    Transition("withdraw", ("draft", "submitted", "info_requested", "escalated"), "withdrawn", REQUESTER),
    Transition("request_info", ("submitted",), "info_requested", DECIDER),
    Transition("provide_info", ("info_requested",), "submitted", REQUESTER),
    Transition("approve", ("submitted", "escalated"), "approved", DECIDER),
    Transition("approve_partially", ("submitted", "escalated"), "partially_approved", DECIDER),
    Transition("refuse", ("submitted",), "refused", DECIDER),
    Transition("escalate", ("refused",), "escalated", REQUESTER),
    Transition("uphold", ("escalated",), "refused", DECIDER),
)
ACTIONS = {t.action: t for t in TRANSITIONS}
#: The input each action takes.
INPUTS: dict[str, type[Schema] | None] = {
    "submit": None, "withdraw": None, "request_info": MessageInput, "provide_info": MessageInput,
    "approve": ApproveInput, "approve_partially": PartialApproveInput, "refuse": RefuseInput,
    "escalate": EscalateInput, "uphold": RefuseInput,
}


class TransitionRefused(ValidationError):
    """The action does not apply to the request in its present state."""


def may(reader: policy.Reader, req: SharingRequest, action: str) -> bool:
    """Whether this reader may take this action on this request now."""
    t = ACTIONS.get(action)
    if t is None or req.status not in t.sources:
        return False
    if action == "escalate" and req.escalation_level >= len(rules.ESCALATION_STEPS):
        return False
    if t.by == REQUESTER:
        return policy.is_requester_side(reader, req)
    return policy.can_decide_request(reader, req)


def available_actions(reader: policy.Reader, req: SharingRequest) -> list[str]:
    return [t.action for t in TRANSITIONS if may(reader, req, t.action)]


def perform(session: Session, actor: Actor, req: SharingRequest, action: str,
            raw: Mapping[str, Any] | None = None) -> SharingRequest:
    """Take an action: check the state and the actor, validate the input, move, log, notify."""
    t = ACTIONS.get(action)
    if t is None:
        raise field_error("action", gettext("Unknown action."))
    if req.status not in t.sources:
        raise TransitionRefused({"status": [gettext("This cannot be done while the request is %(status)s.",
                                                    status=req.status)]})
    if action == "escalate" and req.escalation_level >= len(rules.ESCALATION_STEPS):
        raise TransitionRefused({"status": [gettext("The dispute path has no further step.")]})
    policy.require(may(actor.reader, req, action))
    schema = INPUTS[action]
    data = load(schema(), raw or {}) if schema is not None else {}
    before = {"status": req.status, "escalation_level": req.escalation_level,
              "due_at": req.due_at.isoformat() if req.due_at else None}
    details = _HANDLERS[action](session, actor, req, data)
    req.status = t.target
    session.flush()
    audit.record(session, actor, f"sharing.{action}", "sharing_request", req.id, label=req.number,
                 organization_id=req.provider_org_id, before=before,
                 after={"status": req.status, "escalation_level": req.escalation_level,
                        "due_at": req.due_at.isoformat() if req.due_at else None,
                        "parties": [req.requester_org_id, req.provider_org_id], **details})
    notices.after_transition(session, req, action, data)
    return req


# --- handlers: each returns what the audit event should add --------------------------------------


def _submit(session: Session, actor: Actor, req: SharingRequest, _data: dict[str, Any]) -> dict[str, Any]:
    assembled = {name: getattr(req, name) for name in (
        "requester_identifier", "application", "purpose", "intended_use", "frequency", "contact_email",
        "special_reason", "methods", "limits_of_use", "protection_commitment", "security_measures",
        "retention_deletion")}
    for name in ("start_date", "end_date"):
        value: date | None = getattr(req, name)
        assembled[name] = value.isoformat() if value else None
    schema = SpecialSubmission() if req.kind == rules.SHARING_KIND_SPECIAL else DefaultSubmission()
    errors = schema.validate({k: v for k, v in assembled.items() if v not in (None, "", [])})
    if req.kind == rules.SHARING_KIND_SPECIAL and req.end_date and req.end_date < local_date(utcnow()):
        errors.setdefault("end_date", []).append(gettext("The end date has passed."))
    if errors:
        raise ValidationError(errors)
    # The data may have changed since the draft: check again what may be asked, and how.
    items = resolve_items(session, actor.reader, [{"dataset": i.dataset_id, "columns": i.columns} for i in req.items])
    check_kind(req.kind, items)
    now = utcnow()
    req.submitted_at = now
    req.submitted_by_id = actor.user_id
    req.due_at = deadline(now, rules.ANSWER_DEADLINE)
    return {"request": state(req)}


def _withdraw(_s: Session, _a: Actor, req: SharingRequest, _data: dict[str, Any]) -> dict[str, Any]:
    req.paused_at = None
    return {}


def _request_info(_s: Session, _a: Actor, req: SharingRequest, data: dict[str, Any]) -> dict[str, Any]:
    now = utcnow()
    req.info_request = data["message"]
    req.paused_at = now
    due_day = local_date(req.due_at) if req.due_at else local_date(now)
    req.remaining_working_days = working_days_between(local_date(now), due_day)
    return {"message": data["message"], "remaining_working_days": req.remaining_working_days}


def _provide_info(_s: Session, _a: Actor, req: SharingRequest, data: dict[str, Any]) -> dict[str, Any]:
    """The clock restarts with the working days left when it paused (at least one)."""
    now = utcnow()
    req.info_response = data["message"]
    req.due_at = end_of_day(add_working_days(local_date(now), max(req.remaining_working_days or 0, 1)))
    req.paused_at = None
    req.overdue_flagged_at = None
    return {"message": data["message"]}


def _decided(actor: Actor, req: SharingRequest) -> None:
    req.decided_at = utcnow()
    req.decided_by_id = actor.user_id


def _approve(session: Session, actor: Actor, req: SharingRequest, data: dict[str, Any]) -> dict[str, Any]:
    _decided(actor, req)
    req.decision_reasons = data.get("note")
    req.decision_legal_basis = None
    for item in req.items:
        item.granted, item.granted_columns = True, item.columns
    agreement = agreements.bring_into_force(session, actor, req, partial=False,
                                            connection_details=data.get("connection_details"))
    return {"agreement": agreement.number, "note": data.get("note")}


def _approve_partially(session: Session, actor: Actor, req: SharingRequest, data: dict[str, Any]) -> dict[str, Any]:
    """Fewer datasets or columns, a shorter period or another method; the reasons go with it."""
    if req.renewal_of_id and data.get("items"):
        # a renewal extends the agreement as it stands: only its period can be granted in part
        raise field_error("items", gettext("A renewal can be shortened but not cut down: to share less, "
                                           "terminate the agreement and answer a new request."))
    grants = {g["dataset"]: g for g in data.get("items") or []}
    errors: dict[str, list[str]] = {}
    any_granted = False
    for n, item in enumerate(req.items):
        grant = grants.pop(item.dataset_id, None) or grants.pop(item.dataset.slug, None)
        if grant is None:
            item.granted, item.granted_columns = True, item.columns
            any_granted = True
            continue
        if not grant["granted"]:
            item.granted, item.granted_columns = False, None
            continue
        asked = item.columns or list(dataset_columns(item.dataset))
        columns = grant.get("columns")
        if columns:
            extra = [c for c in columns if c not in asked]
            if extra:
                errors[f"items.{n}.columns"] = [gettext("Only columns asked for can be granted: %(names)s are not.",
                                                        names=", ".join(extra))]
                continue
        item.granted, item.granted_columns = True, columns or item.columns
        any_granted = True
    if grants:
        errors["items"] = [gettext("These datasets are not in the request: %(keys)s.", keys=", ".join(grants))]
    if not any_granted:
        errors.setdefault("items", []).append(gettext("Nothing would be granted: refuse the request instead."))
    end = data.get("end_date")
    if end is not None:
        start = max(req.start_date or local_date(utcnow()), local_date(utcnow()))
        if end < start:
            errors["end_date"] = [gettext("The end date is before the start of sharing.")]
        elif req.end_date and end > req.end_date:
            errors["end_date"] = [gettext("A partial approval may shorten the period asked for, not extend it.")]
    if errors:
        raise ValidationError(errors)
    _decided(actor, req)
    req.decision_reasons = data["reasons"]
    req.decision_legal_basis = data["legal_basis"]
    agreement = agreements.bring_into_force(session, actor, req, partial=True, end_date=end,
                                            methods=data.get("methods"),
                                            connection_details=data.get("connection_details"))
    return {"agreement": agreement.number, "reasons": data["reasons"], "legal_basis": data["legal_basis"],
            "granted": [{"dataset_id": i.dataset_id, "granted": i.granted, "columns": i.granted_columns}
                        for i in req.items]}


def _refuse(_s: Session, actor: Actor, req: SharingRequest, data: dict[str, Any]) -> dict[str, Any]:
    _decided(actor, req)
    req.decision_reasons = data["reasons"]
    req.decision_legal_basis = data["legal_basis"]
    for item in req.items:
        item.granted, item.granted_columns = False, None
    return {"reasons": data["reasons"], "legal_basis": data["legal_basis"]}


def _escalate(_s: Session, _a: Actor, req: SharingRequest, data: dict[str, Any]) -> dict[str, Any]:
    """One step up the dispute path; the first two steps have a working-day deadline."""
    now = utcnow()
    req.escalation_level += 1
    req.escalation_reason = data["reason"]
    req.due_at = deadline(now, rules.ESCALATION_DEADLINE) if req.escalation_level < len(
        rules.ESCALATION_STEPS) else None
    req.overdue_flagged_at = None
    return {"reason": data["reason"], "step": rules.ESCALATION_STEPS[req.escalation_level - 1]}


def _uphold(s: Session, actor: Actor, req: SharingRequest, data: dict[str, Any]) -> dict[str, Any]:
    return {**_refuse(s, actor, req, data), "step": rules.ESCALATION_STEPS[req.escalation_level - 1]}


_HANDLERS = {
    "submit": _submit, "withdraw": _withdraw, "request_info": _request_info, "provide_info": _provide_info,
    "approve": _approve, "approve_partially": _approve_partially, "refuse": _refuse, "escalate": _escalate,
    "uphold": _uphold,
}
