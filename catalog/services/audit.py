"""Append-only audit log chained by hashes: a changed or removed event breaks the chain."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy import ColumnElement, Select, and_, func, or_, select, text
from sqlalchemy.orm import Session

from ..models import AuditEvent, utcnow
from . import audit_checkpoint
from .actor import Actor
from .common import load

GENESIS_HASH = "0" * 64
#: Key of the PostgreSQL advisory lock that serialises appends, so the chain never forks.
_CHAIN_LOCK = 7_240_047_2020


def _canonical(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str))


def event_hash(prev_hash: str, ev: Any) -> str:
    """Hash of an event (an AuditEvent or a row of its table) chained to the one before it."""
    body = {
        "prev": prev_hash,
        "at": ev.at.isoformat(),
        "actor_id": ev.actor_id,
        "actor_label": ev.actor_label,
        "action": ev.action,
        "object_type": ev.object_type,
        "object_id": ev.object_id,
        "object_label": ev.object_label,
        "organization_id": ev.organization_id,
        "before": ev.before,
        "after": ev.after,
        "ip": ev.ip,
    }
    data = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | None,
    *,
    label: str | None = None,
    organization_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (it commits or rolls back with the change).

    Appends are serialised so that two writers never read the same head: PostgreSQL takes an
    advisory lock; SQLite takes its write lock (a write that changes nothing) before reading the
    head, as BEGIN IMMEDIATE would, so a writer whose first write is this event waits its turn.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    elif dialect == "sqlite":
        session.execute(text("UPDATE audit_event SET id = id WHERE 0"))
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS_HASH
    ev = AuditEvent(
        at=utcnow(),
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=(label or "")[:500] or None,
        organization_id=organization_id,
        before=_canonical(before) if before is not None else None,
        after=_canonical(after) if after is not None else None,
        ip=actor.ip,
        prev_hash=prev,
    )
    ev.hash = event_hash(prev, ev)
    session.add(ev)
    session.flush()
    audit_checkpoint.note_append(session, ev.id, ev.hash)
    return ev


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""
    #: the newest event checked (id and hash), None for an empty log
    last_id: int | None = None
    last_hash: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Recompute every hash in order; report the first event that does not match."""
    prev = GENESIS_HASH
    checked = 0
    last_id = None
    for ev in _iter_events(session, batch):
        if ev.prev_hash != prev:
            reason = "previous hash does not match: an event before it was changed or removed"
            return ChainReport(checked, ev.id, reason)
        if event_hash(prev, ev) != ev.hash:
            return ChainReport(checked, ev.id, "content does not match its hash: the event was changed")
        prev = ev.hash
        checked += 1
        last_id = ev.id
    return ChainReport(checked, last_id=last_id, last_hash=prev if checked else None)


def anchor_problem(
    session: Session, report: ChainReport, checkpoint: audit_checkpoint.Checkpoint | None
) -> str | None:
    """What the intact chain lacks compared with its checkpoint (None: nothing). The chain alone
    cannot show that its newest events were removed; the checkpoint, kept outside the table, can."""
    if checkpoint is None:
        if report.checked:
            return ("no checkpoint records the head of the log, so a cut at its end would go unseen; "
                    "run `flask --app catalog audit checkpoint` once to anchor it")
        return None
    last = report.last_id or 0
    if last < checkpoint.head_id:
        return (f"the log ends at event {last} but the checkpoint says {checkpoint.head_id}: "
                f"the newest events were removed")
    held = session.scalar(select(AuditEvent.hash).where(AuditEvent.id == checkpoint.head_id))
    if held is None:
        return f"event {checkpoint.head_id}, the head named by the checkpoint, is missing"
    if held != checkpoint.head_hash:
        return (f"event {checkpoint.head_id} is not the one the checkpoint recorded: "
                f"the events from it on were replaced")
    return None


def _iter_events(session: Session, batch: int) -> Iterator[Any]:
    """Plain rows in id order, a batch at a time, so a long log never fills the identity map."""
    table = AuditEvent.__table__
    last_id = 0
    while True:
        rows = session.execute(select(table).where(table.c.id > last_id).order_by(table.c.id).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def concerning(organization_id: str) -> ColumnElement[bool]:
    """Events about an agency: its own records, and the requests and agreements it is a party to
    (their events are filed under the provider; the requester's log must show them too)."""
    from ..models import SharingAgreement, SharingRequest

    requested = select(SharingRequest.id).where(SharingRequest.requester_org_id == organization_id)
    agreed = select(SharingAgreement.id).where(SharingAgreement.requester_org_id == organization_id)
    return or_(
        AuditEvent.organization_id == organization_id,
        and_(AuditEvent.object_type == "sharing_request", AuditEvent.object_id.in_(requested)),
        and_(AuditEvent.object_type == "sharing_agreement", AuditEvent.object_id.in_(agreed)),
    )


@dataclass(frozen=True)
class AuditFilter:
    """What the audit log page shows: every field optional; the dates are whole days, Vietnam time."""

    actor: str | None = None
    agency: str | None = None
    object_type: str | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None

    def query_args(self) -> dict[str, str]:
        """The filter as address arguments (for the export link and the pages)."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items() if v}


def read_filter(session: Session, args: Mapping[str, Any]) -> AuditFilter:
    """The filter from a page's address; a bad value raises a field-level ValidationError."""
    from ..models import Organization
    from ..schemas.audit import AuditFilterInput

    data = load(AuditFilterInput(), {k: args.get(k) for k in AUDIT_FILTER_FIELDS if args.get(k) is not None})
    if data.get("agency") and session.scalar(select(Organization.id).where(
            Organization.code == data["agency"])) is None:
        raise ValidationError({"agency": [gettext("No agency has this code.")]})
    return AuditFilter(**data)


AUDIT_FILTER_FIELDS = ("actor", "agency", "object_type", "action", "since", "until")


def filtered(session: Session, f: AuditFilter) -> Select[tuple[AuditEvent]]:
    """Events matching the filter, newest first. The actor matches part of the name or e-mail shown
    (any case); the agency takes its own records and the requests and agreements it is party to."""
    from ..models import Organization
    from ..workdays import VN_TZ

    q = select(AuditEvent).order_by(AuditEvent.id.desc())
    if f.actor:
        q = q.where(func.lower(AuditEvent.actor_label).contains(f.actor.lower(), autoescape=True))
    if f.agency:
        org_id = session.scalar(select(Organization.id).where(Organization.code == f.agency))
        q = q.where(concerning(org_id or ""))
    if f.object_type:
        q = q.where(AuditEvent.object_type == f.object_type)
    if f.action:
        q = q.where(AuditEvent.action == f.action)
    if f.since:
        q = q.where(AuditEvent.at >= datetime.combine(f.since, time.min, VN_TZ).astimezone(UTC))
    if f.until:
        q = q.where(AuditEvent.at < datetime.combine(f.until + timedelta(days=1), time.min, VN_TZ).astimezone(UTC))
    return q


def filter_choices(session: Session) -> dict[str, list[str]]:
    """The object types and actions found in the log, for the filter's lists."""
    def distinct(column: Any) -> list[str]:
        return list(session.scalars(select(column).distinct().order_by(column)))

    return {"object_types": distinct(AuditEvent.object_type), "actions": distinct(AuditEvent.action)}


def events_for(
    session: Session, organization_id: str | None = None, since: datetime | None = None, limit: int | None = None
) -> list[AuditEvent]:
    q = select(AuditEvent).order_by(AuditEvent.id.desc())
    if organization_id:
        q = q.where(concerning(organization_id))
    if since:
        q = q.where(AuditEvent.at >= since)
    if limit:
        q = q.limit(limit)
    return list(session.scalars(q))


EXPORT_FIELDS = ("id", "at", "actor_label", "action", "object_type", "object_id", "object_label",
                 "organization_id", "ip", "prev_hash", "hash")


def export_csv(events: list[AuditEvent]) -> str:
    """Events as CSV (oldest first as given), with before/after as JSON and the hashes to re-verify."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*EXPORT_FIELDS, "before", "after"])
    for ev in events:
        writer.writerow([*(getattr(ev, f) for f in EXPORT_FIELDS),
                         json.dumps(ev.before, ensure_ascii=False), json.dumps(ev.after, ensure_ascii=False)])
    return out.getvalue()


def export_jsonl(events: list[AuditEvent]) -> Iterator[str]:
    for ev in events:
        row = {f: getattr(ev, f) for f in EXPORT_FIELDS} | {"before": ev.before, "after": ev.after}
        yield json.dumps(row, ensure_ascii=False, default=str)
