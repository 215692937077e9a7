"""Publishing open data under the rules: a request that passes gates, approved by a second person.

Making a dataset `open` and `published` is never a field edit (services.datasets refuses it for a
person): an editor *submits* a publication request, which passes only when every gate below
passes; a data steward of the publishing agency *approves* it (or refuses it with a reason).
Nobody approves their own request; a site administrator may approve for any agency, and the
audit log says so. The gates, each with its rule and article (rules.PUBLISH_GATES):

- licence: an open licence;
- machine_readable: at least one file or data link in a machine-readable format;
- metadata: what rules.REQUIRED_TO_PUBLISH asks of open data (services.datasets.missing_to_publish);
- quality: the latest quality grade at or above CATALOG_PUBLISH_MIN_GRADE;
- personal_data: every column the quality check found to hold personal data is removed from the
  file, classed above open (so trimmed from the public file), or covered by a recorded decision
  with a reason (`decide_personal_data`);
- field_classes: a column classed above open only in a stored CSV, which downloads trim; any other
  file with such a column cannot be trimmed and blocks;
- approval: a steward's approval (the request is pending until then).

Open datasets get a next-review date from their update frequency (rules.REVIEW_INTERVAL_DAYS);
the steward's inbox (`inbox`) lists pending requests, overdue reviews and stale data. A withdrawn
open dataset keeps a tombstone (`withdraw`).

Hook: `on_published` is a list of callables `(session, dataset)` run, in order, inside the
approving transaction right after a dataset becomes open and published (e.g. preparing its files
for the public). A hook that raises undoes the approval: nothing is half published.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import Session

from .. import policy, rules
from ..models import (
    Dataset,
    Distribution,
    Licence,
    PersonalDataDecision,
    PublicationRequest,
    utcnow,
)
from ..quality import metadata as quality_metadata
from ..quality import service as quality_service
from . import audit, notifications
from .actor import Actor
from .common import dataset_by_key, field_error
from .datasets import missing_to_publish


def _public_files(session: Session, ds: Dataset) -> None:
    """Previews, conversions and rows tables of the dataset's files (services/public_files.py)."""
    from . import public_files

    public_files.sync_dataset(session, ds)


#: Callables `(session, dataset)` run after a dataset is approved as open data (see the module doc).
on_published: list[Callable[[Session, Dataset], None]] = [_public_files]

#: Longest reason or note kept.
MAX_TEXT = 4000


@dataclass
class Gate:
    """One gate's result: which gate, whether it passes, what is wrong and the rule it comes from."""

    key: str
    passed: bool
    basis: str
    #: Things that fail the gate (field names, file titles, columns), shown in the fix.
    items: list[str] = field(default_factory=list)
    #: Informational notes when it passes (e.g. columns that downloads trim).
    notes: list[str] = field(default_factory=list)
    pending: bool = False

    def label(self) -> str:
        return str(GATE_LABELS[self.key])

    def fix(self) -> str:
        return str(GATE_FIXES[self.key])

    def as_dict(self) -> dict[str, Any]:
        return {"gate": self.key, "passed": self.passed, "pending": self.pending, "label": self.label(),
                "rule": self.basis, "items": self.items, "notes": self.notes,
                "fix": None if self.passed else self.fix()}


GATE_LABELS: dict[str, Any] = {
    "licence": _l("An open licence"),
    "machine_readable": _l("At least one machine-readable file"),
    "metadata": _l("Required description complete"),
    "quality": _l("Quality grade high enough"),
    "personal_data": _l("No unresolved personal data"),
    "field_classes": _l("No field above open in a public file"),
    "approval": _l("Approved by a second person, a data steward of the agency"),
}
GATE_FIXES: dict[str, Any] = {
    "licence": _l("Edit the dataset and choose an open licence (CC BY 4.0, ODC-BY or CC0)."),
    "machine_readable": _l("Add a file or data link in a machine-readable format such as CSV, JSON or XLSX."),
    "metadata": _l("Edit the dataset and fill in the fields listed."),
    "quality": _l("Run the quality check and fix what it reports until the grade is high enough."),
    "personal_data": _l("Remove the column from the file, class it above open, or record a decision with "
                        "a reason that it may be opened."),
    "field_classes": _l("Provide the file as CSV (downloads leave out those columns) or remove the columns."),
    "approval": _l("A data steward of the agency (not the person who asked) approves the request."),
}


class GatesFailed(Exception):
    """Some gates do not pass: the request is not made (or not approved)."""

    def __init__(self, gates: list[Gate]) -> None:
        super().__init__(", ".join(g.key for g in gates if not g.passed and not g.pending))
        self.gates = gates

    @property
    def failed(self) -> list[Gate]:
        return [g for g in self.gates if not g.passed and not g.pending]


# --- the gates --------------------------------------------------------------------------------------


def min_grade() -> str:
    if has_app_context():
        return current_app.config["CATALOG"].get("PUBLISH_MIN_GRADE") or rules.PUBLISH_MIN_GRADE_DEFAULT
    return rules.PUBLISH_MIN_GRADE_DEFAULT


def _licence_gate(session: Session, ds: Dataset) -> Gate:
    licence = session.get(Licence, ds.licence_code) if ds.licence_code else None
    ok = licence is not None and licence.is_open
    return Gate("licence", ok, rules.GATE_LICENCE_BASIS, items=[] if ok else [ds.licence_code or "—"])


def _has_location(dist: Distribution) -> bool:
    return bool(dist.file_path or dist.download_url or dist.access_url)


def _machine_readable_gate(ds: Dataset) -> Gate:
    ok = any(_has_location(d) and quality_metadata.normal_format(d.format) in rules.MACHINE_READABLE_FORMATS
             for d in ds.distributions)
    items = [] if ok else [f"{d.title_vi} ({d.format or '?'})" for d in ds.distributions] or ["—"]
    return Gate("machine_readable", ok, rules.GATE_MACHINE_READABLE_BASIS, items=items)


def _metadata_gate(ds: Dataset) -> Gate:
    gaps = [g for g in missing_to_publish(rules.ACCESS_OPEN, lambda name: getattr(ds, name), lambda _c: True)
            if g != "licence_code"]  # the licence has its own gate
    return Gate("metadata", not gaps, rules.GATE_METADATA_BASIS, items=gaps)


def _quality_gate(ds: Dataset) -> Gate:
    lowest = min_grade()
    grade = ds.quality_grade
    ok = grade in rules.GRADE_ORDER and rules.GRADE_ORDER.index(grade) <= rules.GRADE_ORDER.index(lowest)
    items = [] if ok else [f"{grade or '—'} < {lowest}"]
    return Gate("quality", ok, rules.GATE_QUALITY_BASIS, items=items, notes=[f"{grade} ≥ {lowest}"] if ok else [])


def _above_open(dist: Distribution, ds: Dataset) -> list[str]:
    """Columns of a file classed above open (an unclassed column is as open as the dataset will be)."""
    out = []
    for fld in dist.schema_fields():
        declared = fld.get("classification")
        if declared in rules.FIELD_CLASSES and declared != rules.FIELD_OPEN:
            out.append(str(fld.get("name")))
    return out


def personal_findings(session: Session, ds: Dataset) -> list[dict[str, Any]]:
    """Personal-data columns of the latest quality report, each with how it is resolved (or None)."""
    report = quality_service.latest_report(session, ds.id)
    dists = {d.id: d for d in ds.distributions}
    decisions = {(d.distribution_id, d.column_name): d for d in session.scalars(
        select(PersonalDataDecision).where(PersonalDataDecision.distribution_id.in_(list(dists))))} if dists else {}
    out = []
    for entry in (report.files if report else None) or []:
        dist = dists.get(entry.get("distribution_id"))
        for item in (entry.get("table") or {}).get("personal") or []:
            column = item.get("column")
            resolved = None
            if dist is None:
                resolved = "removed"  # the file itself is gone
            else:
                names = {f.get("name") for f in dist.schema_fields()}
                if names and column not in names:
                    resolved = "removed"
                elif column in _above_open(dist, ds):
                    resolved = "trimmed"
                elif (dist.id, column) in decisions:
                    resolved = "decision"
            out.append({"distribution_id": entry.get("distribution_id"), "file": entry.get("title"),
                        "column": column, "kind": item.get("kind"), "count": item.get("count"),
                        "resolved": resolved,
                        "reason": decisions[(dist.id, column)].reason if resolved == "decision" and dist else None})
    return out


def _personal_gate(session: Session, ds: Dataset) -> Gate:
    findings = personal_findings(session, ds)
    open_items = [f"{f['file']}: {f['column']} ({f['kind']})" for f in findings if not f["resolved"]]
    notes = [f"{f['file']}: {f['column']} ({f['resolved']})" for f in findings if f["resolved"]]
    return Gate("personal_data", not open_items, rules.GATE_PERSONAL_DATA_BASIS, items=open_items, notes=notes)


def _field_class_gate(ds: Dataset) -> Gate:
    items, notes = [], []
    for dist in ds.distributions:
        above = _above_open(dist, ds)
        if not above:
            continue
        trimmable = bool(dist.file_path) and (dist.format or "").upper() == "CSV"
        text = f"{dist.title_vi}: {', '.join(above)}"
        (notes if trimmable else items).append(text)
    return Gate("field_classes", not items, rules.GATE_FIELD_CLASSES_BASIS, items=items, notes=notes)


def evaluate(session: Session, ds: Dataset, request: PublicationRequest | None = None) -> list[Gate]:
    """Every gate's result now, in rules.PUBLISH_GATES order; approval from the request, if any."""
    gates = [
        _licence_gate(session, ds),
        _machine_readable_gate(ds),
        _metadata_gate(ds),
        _quality_gate(ds),
        _personal_gate(session, ds),
        _field_class_gate(ds),
    ]
    approved = request is not None and request.status == "approved"
    pending = request is not None and request.status == "pending"
    gates.append(Gate("approval", approved, rules.GATE_APPROVAL_BASIS, pending=pending or request is None,
                      notes=[request.decided_by_label or ""] if approved and request else []))
    return gates


def _snapshot(gates: list[Gate]) -> list[dict[str, Any]]:
    return [{"gate": g.key, "passed": g.passed, "items": g.items} for g in gates]


# --- the request --------------------------------------------------------------------------------------


def is_public_open(ds: Dataset) -> bool:
    return ds.status == "published" and ds.access_level == rules.ACCESS_OPEN


def current_request(session: Session, ds: Dataset) -> PublicationRequest | None:
    """The newest request of a dataset (pending, or the last decided one)."""
    return session.scalar(select(PublicationRequest).where(PublicationRequest.dataset_id == ds.id)
                          .order_by(PublicationRequest.submitted_at.desc(), PublicationRequest.id).limit(1))


def _text(raw: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = raw.get(name)
    if value is not None and not isinstance(value, str):
        raise field_error(name, gettext("Not a valid text."))
    value = (value or "").strip()
    if required and not value:
        raise field_error(name, gettext("Give a reason."))
    if len(value) > MAX_TEXT:
        raise field_error(name, gettext("Longer than %(n)s characters.", n=MAX_TEXT))
    return value or None


def submit(session: Session, actor: Actor, ds: Dataset, raw: Mapping[str, Any] | None = None) -> PublicationRequest:
    """An editor (or steward) asks to open the dataset; refused with the failed gates if any fails."""
    policy.require(policy.can_edit_dataset(actor.reader, ds))
    note = _text(raw or {}, "note")
    if is_public_open(ds):
        raise field_error("dataset", gettext("This dataset is already published as open data."))
    gates = evaluate(session, ds)
    failed = [g for g in gates if not g.passed and not g.pending]
    if failed:
        raise GatesFailed(gates)
    for old in session.scalars(select(PublicationRequest).where(PublicationRequest.dataset_id == ds.id,
                                                               PublicationRequest.status == "pending")):
        old.status = "cancelled"
    req = PublicationRequest(dataset_id=ds.id, status="pending", submitted_by_id=actor.user_id,
                             submitted_by_label=actor.label, submitted_at=utcnow(), note=note,
                             gates=_snapshot(gates))
    session.add(req)
    session.flush()
    audit.record(session, actor, "publication.submit", "dataset", ds.id, label=ds.title_vi,
                 organization_id=ds.publisher_id, after={"request": req.id, "gates": req.gates})
    stewards = [u for u in notifications.org_user_ids(session, ds.publisher_id, ("steward",)) if u != actor.user_id]
    notifications.notify(session, stewards, "publication_submitted",
                         {"dataset": ds.title_vi, "by": actor.label}, "dataset", ds.slug)
    return req


def _pending(session: Session, ds: Dataset) -> PublicationRequest:
    req = current_request(session, ds)
    if req is None or req.status != "pending":
        raise field_error("request", gettext("This dataset has no publication request waiting for a decision."))
    return req


def _decider(actor: Actor, ds: Dataset, req: PublicationRequest) -> None:
    """Only a steward of the agency or an administrator decides; nobody approves their own request."""
    policy.require(actor.reader.is_steward_of(ds.publisher_id))


def approve(session: Session, actor: Actor, ds: Dataset, raw: Mapping[str, Any] | None = None) -> PublicationRequest:
    """A steward (or an administrator) approves: the dataset becomes open and published."""
    req = _pending(session, ds)
    _decider(actor, ds, req)
    if req.submitted_by_id is not None and req.submitted_by_id == actor.user_id:
        raise field_error("request", gettext("Nobody approves their own request: another data steward of the "
                                             "agency must approve it."))
    note = _text(raw or {}, "note")
    gates = evaluate(session, ds, req)
    failed = [g for g in gates if not g.passed and not g.pending]
    if failed:
        raise GatesFailed(gates)
    now = utcnow()
    before = {"status": ds.status, "access_level": ds.access_level}
    req.status = "approved"
    req.decided_by_id = actor.user_id
    req.decided_by_label = actor.label
    req.decided_at = now
    if note:
        req.reason = note
    req.gates = _snapshot(evaluate(session, ds, req))
    ds.access_level = rules.ACCESS_OPEN
    ds.status = "published"
    ds.unlisted = False
    ds.published_at = ds.published_at or now
    ds.withdrawn_at = None
    ds.withdrawal_reason = None
    ds.reviewed_at = now
    ds.next_review_on = next_review(ds, now.date())
    if ds.origin == "harvested":
        ds.local_edits = sorted({*(ds.local_edits or []), "status", "access_level"})
    session.flush()
    as_admin = actor.reader.roles.get(ds.publisher_id) != "steward"
    audit.record(session, actor, "publication.approve", "dataset", ds.id, label=ds.title_vi,
                 organization_id=ds.publisher_id, before=before,
                 after={"status": "published", "access_level": "open", "request": req.id,
                        "submitted_by": req.submitted_by_label, "as_admin": as_admin})
    if req.submitted_by_id:
        notifications.notify(session, [req.submitted_by_id], "publication_approved",
                             {"dataset": ds.title_vi, "by": actor.label}, "dataset", ds.slug)
    for hook in on_published:
        hook(session, ds)
    return req


def refuse(session: Session, actor: Actor, ds: Dataset, raw: Mapping[str, Any]) -> PublicationRequest:
    """A steward (or an administrator) refuses, with a reason the submitter reads."""
    req = _pending(session, ds)
    _decider(actor, ds, req)
    reason = _text(raw, "reason", required=True)
    req.status = "refused"
    req.reason = reason
    req.decided_by_id = actor.user_id
    req.decided_by_label = actor.label
    req.decided_at = utcnow()
    session.flush()
    audit.record(session, actor, "publication.refuse", "dataset", ds.id, label=ds.title_vi,
                 organization_id=ds.publisher_id, after={"request": req.id, "reason": reason})
    if req.submitted_by_id:
        notifications.notify(session, [req.submitted_by_id], "publication_refused",
                             {"dataset": ds.title_vi, "by": actor.label, "reason": reason or ""}, "dataset", ds.slug)
    return req


def decide_personal_data(session: Session, actor: Actor, ds: Dataset, raw: Mapping[str, Any]) -> PersonalDataDecision:
    """A steward records that a flagged column may be opened, and why (resolves the personal-data gate)."""
    policy.require(actor.reader.is_steward_of(ds.publisher_id))
    dist_id = _text(raw, "distribution")
    column = _text(raw, "column")
    reason = _text(raw, "reason", required=True)
    dist = next((d for d in ds.distributions if d.id == dist_id), None)
    if dist is None:
        raise field_error("distribution", gettext("No such file in this dataset."))
    flagged = {f["column"] for f in personal_findings(session, ds) if f["distribution_id"] == dist.id}
    if column not in flagged:
        raise field_error("column", gettext("The quality check found no personal data in this column."))
    decision = session.scalar(select(PersonalDataDecision).where(
        PersonalDataDecision.distribution_id == dist.id, PersonalDataDecision.column_name == column))
    if decision is None:
        decision = PersonalDataDecision(distribution_id=dist.id, column_name=column, reason=reason or "",
                                        decided_by_id=actor.user_id, decided_by_label=actor.label, decided_at=utcnow())
        session.add(decision)
    else:
        decision.reason = reason or ""
        decision.decided_by_id, decision.decided_by_label, decision.decided_at = actor.user_id, actor.label, utcnow()
    session.flush()
    audit.record(session, actor, "publication.personal_data_decision", "distribution", dist.id,
                 label=dist.title_vi, organization_id=ds.publisher_id, after={"column": column, "reason": reason})
    return decision


# --- tombstones ----------------------------------------------------------------------------------------


def withdraw(session: Session, actor: Actor, ds: Dataset, raw: Mapping[str, Any]) -> None:
    """Withdraw a published dataset, keeping a tombstone: reason (required), date, replacement."""
    policy.require(actor.reader.is_steward_of(ds.publisher_id))
    if ds.status != "published":
        raise field_error("dataset", gettext("Only a published dataset can be withdrawn."))
    reason = _text(raw, "reason", required=True)
    replacement_key = _text(raw, "replaced_by")
    replacement = None
    if replacement_key:
        try:
            replacement = dataset_by_key(session, replacement_key)
        except LookupError:
            replacement = None
        if replacement is None or replacement.id == ds.id or not policy.can_view_dataset(actor.reader, replacement):
            raise field_error("replaced_by", gettext("No other dataset has this address."))
    before = {"status": ds.status}
    ds.status = "withdrawn"
    ds.withdrawn_at = utcnow()
    ds.withdrawal_reason = reason
    ds.replaced_by_id = replacement.id if replacement else None
    if ds.origin == "harvested":
        ds.local_edits = sorted({*(ds.local_edits or []), "status"})
    session.flush()
    _public_files(session, ds)  # a withdrawn dataset's public copies go (the tombstone stays)
    audit.record(session, actor, "withdraw", "dataset", ds.id, label=ds.title_vi, organization_id=ds.publisher_id,
                 before=before, after={"status": "withdrawn", "reason": reason,
                                       "replaced_by": replacement.slug if replacement else None})


@dataclass(frozen=True)
class Tombstone:
    dataset: Dataset
    reason: str | None
    withdrawn_at: Any
    replacement: Dataset | None


def tombstone(session: Session, reader: policy.Reader, key: str) -> Tombstone | None:
    """What a reader who may not see a withdrawn dataset still learns of it (policy.has_tombstone)."""
    try:
        ds = dataset_by_key(session, key)
    except LookupError:
        return None
    if not policy.has_tombstone(ds):
        return None
    replacement = session.get(Dataset, ds.replaced_by_id) if ds.replaced_by_id else None
    if replacement is not None and not policy.can_view_dataset(reader, replacement):
        replacement = None
    return Tombstone(ds, ds.withdrawal_reason, ds.withdrawn_at, replacement)


# --- review -------------------------------------------------------------------------------------------


def review_interval(ds: Dataset) -> int:
    return rules.REVIEW_INTERVAL_DAYS.get(ds.update_frequency or "", rules.REVIEW_INTERVAL_DEFAULT_DAYS)


def next_review(ds: Dataset, from_day: date) -> date:
    """The day an open dataset is next reviewed (rules.REVIEW_INTERVAL_DAYS by its update frequency)."""
    return from_day + timedelta(days=review_interval(ds))


def mark_reviewed(session: Session, actor: Actor, ds: Dataset) -> date:
    """A steward says the open dataset is still right: the next review moves on by one interval."""
    policy.require(actor.reader.is_steward_of(ds.publisher_id))
    if not is_public_open(ds):
        raise field_error("dataset", gettext("Only published open data is reviewed."))
    now = utcnow()
    before = ds.next_review_on.isoformat() if ds.next_review_on else None
    ds.reviewed_at = now
    ds.next_review_on = next_review(ds, now.date())
    session.flush()
    audit.record(session, actor, "publication.review", "dataset", ds.id, label=ds.title_vi,
                 organization_id=ds.publisher_id, before={"next_review_on": before},
                 after={"next_review_on": ds.next_review_on.isoformat()})
    return ds.next_review_on


def is_stale(ds: Dataset, today: date) -> bool:
    """Older than its update frequency allows (the quality check's "sống" rule, rules.FREQUENCY_MAX_AGE_DAYS)."""
    limit = rules.FREQUENCY_MAX_AGE_DAYS.get(ds.update_frequency or "")
    return limit is not None and ds.modified is not None and (today - ds.modified).days > limit


@dataclass
class Inbox:
    pending: list[tuple[Dataset, PublicationRequest]]
    overdue: list[Dataset]
    stale: list[Dataset]

    @property
    def empty(self) -> bool:
        return not (self.pending or self.overdue or self.stale)


def inbox(session: Session, reader: policy.Reader, today: date | None = None) -> Inbox:
    """What a steward has to do about open data: requests to decide, reviews due, stale data."""
    today = today or utcnow().date()
    if reader.is_admin:
        scope: Any = true()
    else:
        orgs = [o for o, role in reader.roles.items() if role == "steward"]
        if not orgs:
            return Inbox([], [], [])
        scope = Dataset.publisher_id.in_(orgs)
    pending = list(session.execute(
        select(Dataset, PublicationRequest).join(PublicationRequest, PublicationRequest.dataset_id == Dataset.id)
        .where(PublicationRequest.status == "pending", scope).order_by(PublicationRequest.submitted_at)).all())
    open_q = select(Dataset).where(Dataset.status == "published", Dataset.access_level == rules.ACCESS_OPEN, scope)
    overdue = list(session.scalars(open_q.where(Dataset.next_review_on.is_not(None), Dataset.next_review_on < today)
                                   .order_by(Dataset.next_review_on).limit(200)))
    candidates = session.scalars(open_q.where(Dataset.modified.is_not(None),
                                              and_(Dataset.update_frequency.is_not(None),
                                                   or_(Dataset.update_frequency != "NEVER")))
                                 .order_by(Dataset.modified).limit(1000))
    stale = [ds for ds in candidates if is_stale(ds, today)][:200]
    return Inbox(pending, overdue, stale)
