"""Writing a sharing request: drafts, the data asked for, the official letter, and what may be asked.

Default sharing serves open and shared data whose items are classed open or default-shared; the
rest (restricted data, items classed special-request) needs a special request, and a special
request is refused for what default sharing already serves (Decree 47/2020 Arts. 34, 36).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ... import policy, rules
from ...models import DataService, Dataset, Organization, SharingRequest, SharingRequestItem, utcnow
from ...models.base import new_id
from ...schemas.sharing import RequestInput
from .. import audit, files, references
from ..actor import Actor
from ..common import NotFound, field_error, load, org_by_code
from ..listing import Page, paginate

#: Request fields copied from validated input as they are.
PLAIN_FIELDS = (
    "kind", "requester_identifier", "application", "purpose", "intended_use", "frequency", "contact_name",
    "contact_email", "contact_phone", "special_reason", "start_date", "end_date", "methods", "limits_of_use",
    "protection_commitment", "security_measures", "retention_deletion",
)
LETTER_MAX_BYTES = 10 * 1024 * 1024


def next_number(session: Session, model: type, prefix: str, now: datetime | None = None) -> str:
    """The next reference of the year, e.g. YC-2026-000012 (unique; a clash fails the insert)."""
    year = (now or utcnow()).year
    stem = f"{prefix}-{year}-"
    last = session.scalar(select(func.max(model.number)).where(model.number.like(f"{stem}%")))
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{seq:06d}"


# --- the data asked for -------------------------------------------------------------------------


def dataset_columns(ds: Dataset) -> dict[str, str]:
    """Column name -> its class (rules.FIELD_CLASSES), over every schema of the dataset."""
    out: dict[str, str] = {}
    for dist in ds.distributions:
        for fld in dist.schema_fields():
            name = fld.get("name")
            if name and name not in out:
                out[name] = policy.field_class(fld, ds)
    return out


def default_shareable(ds: Dataset, columns: list[str] | None) -> bool:
    """Can default sharing serve these columns of this dataset?"""
    if ds.access_level not in rules.DEFAULT_SHARING_ACCESS_LEVELS:
        return False
    classes = dataset_columns(ds)
    wanted = columns if columns else list(classes)
    return all(classes.get(c, rules.FIELD_SPECIAL_REQUEST) in rules.DEFAULT_SHARING_FIELD_CLASSES for c in wanted)


@dataclass
class ResolvedItem:
    dataset: Dataset
    columns: list[str] | None


def resolve_items(session: Session, reader: policy.Reader, raw_items: list[Mapping[str, Any]]) -> list[ResolvedItem]:
    """Datasets by slug or id, visible to the requester, of one provider, with columns they have."""
    errors: dict[str, list[str]] = {}
    out: list[ResolvedItem] = []
    seen: set[str] = set()
    for n, raw in enumerate(raw_items):
        key = raw["dataset"]
        ds = session.scalar(select(Dataset).where((Dataset.slug == key) | (Dataset.id == key)))
        if ds is None or not policy.can_view_dataset(reader, ds) or ds.status != "published":
            errors[f"items.{n}.dataset"] = [gettext("No published dataset you may see has this address: %(key)s.",
                                                    key=key)]
            continue
        if ds.id in seen:
            errors[f"items.{n}.dataset"] = [gettext("This dataset is already in the request.")]
            continue
        seen.add(ds.id)
        columns = raw.get("columns")
        if columns:
            known = dataset_columns(ds)
            unknown = [c for c in columns if c not in known]
            if unknown:
                errors[f"items.{n}.columns"] = [gettext("The dataset has no columns named: %(names)s.",
                                                        names=", ".join(unknown))]
                continue
        out.append(ResolvedItem(ds, columns or None))
    if errors:
        raise ValidationError(errors)
    providers = {item.dataset.publisher_id for item in out}
    if len(providers) > 1:
        raise field_error("items", gettext("All datasets of one request must belong to the same agency; "
                                           "send one request to each agency."))
    return out


def check_kind(kind: str, items: list[ResolvedItem]) -> None:
    """Default requests only for what default sharing serves; special requests only for the rest."""
    if kind == rules.SHARING_KIND_DEFAULT:
        bad = [i.dataset.title_vi for i in items if not default_shareable(i.dataset, i.columns)]
        if bad:
            raise field_error("kind", gettext(
                "Default sharing cannot serve %(names)s: restricted data and items classed special-request need "
                "a special request.", names="; ".join(bad)))
    elif all(default_shareable(i.dataset, i.columns) for i in items):
        raise field_error("kind", gettext(
            "Everything asked for is shared by default: send a default-sharing request instead of a special one."))


# --- drafts -------------------------------------------------------------------------------------


def _apply_input(session: Session, actor: Actor, req: SharingRequest, data: dict[str, Any]) -> None:
    requester = org_by_code(session, data["requester"], "requester")
    policy.require(policy.can_request_for(actor.reader, requester.id))
    items = resolve_items(session, actor.reader, data["items"])
    provider_id = items[0].dataset.publisher_id
    if provider_id == requester.id:
        raise field_error("items", gettext("Your agency already holds this data; no request is needed."))
    check_kind(data["kind"], items)
    service = None
    if data.get("service"):
        service = session.scalar(select(DataService).where(
            (DataService.slug == data["service"]) | (DataService.id == data["service"])))
        if service is None or service.publisher_id != provider_id or not policy.can_view_dataservice(
                actor.reader, service):
            raise field_error("service", gettext("Choose one of the provider's sharing services."))
    for name in PLAIN_FIELDS:
        if name in data:
            setattr(req, name, data[name])
    if not req.requester_identifier and requester.identifier:
        req.requester_identifier = requester.identifier
    req.requester_org_id = requester.id
    req.provider_org_id = provider_id
    req.service_id = service.id if service else None
    req.items = [SharingRequestItem(dataset=i.dataset, columns=i.columns, position=n) for n, i in enumerate(items)]


def state(req: SharingRequest) -> dict[str, Any]:
    """The request as the audit log keeps it."""
    return {
        "number": req.number, "kind": req.kind, "status": req.status,
        "requester_org_id": req.requester_org_id, "provider_org_id": req.provider_org_id,
        "application": req.application, "purpose": req.purpose, "frequency": req.frequency,
        "service_id": req.service_id, "start_date": req.start_date, "end_date": req.end_date,
        "methods": req.methods, "items": [{"dataset_id": i.dataset_id, "columns": i.columns} for i in req.items],
    }


def create_request(session: Session, actor: Actor, raw: Mapping[str, Any]) -> SharingRequest:
    """Save a draft (nothing is sent to the provider until it is submitted)."""
    data = load(RequestInput(), raw)
    req = SharingRequest(id=new_id(), status="draft", created_by_id=actor.user_id,
                         number=next_number(session, SharingRequest, "YC"))
    with session.no_autoflush:
        _apply_input(session, actor, req, data)
    session.add(req)
    session.flush()
    audit.record(session, actor, "sharing.draft", "sharing_request", req.id, label=req.number,
                 organization_id=req.requester_org_id, after=state(req))
    return req


def update_request(session: Session, actor: Actor, req: SharingRequest, raw: Mapping[str, Any]) -> None:
    """Change a draft; a request already sent cannot be rewritten (it can be withdrawn)."""
    policy.require(policy.is_requester_side(actor.reader, req))
    if req.status != "draft":
        raise field_error("status", gettext("Only a draft can be changed."))
    data = load(RequestInput(), raw)
    before = state(req)
    with session.no_autoflush:
        _apply_input(session, actor, req, data)
    session.flush()
    audit.record(session, actor, "sharing.edit", "sharing_request", req.id, label=req.number,
                 organization_id=req.requester_org_id, before=before, after=state(req))


def delete_draft(session: Session, actor: Actor, req: SharingRequest, upload_folder: str) -> None:
    policy.require(policy.is_requester_side(actor.reader, req))
    if req.status != "draft":
        raise field_error("status", gettext("Only a draft can be deleted; withdraw a request already sent."))
    references.require_unreferenced(session, req)
    audit.record(session, actor, "sharing.delete_draft", "sharing_request", req.id, label=req.number,
                 organization_id=req.requester_org_id, before=state(req))
    if req.attachment_path:
        files.remove_after_commit(session, upload_folder, [req.attachment_path])
    session.delete(req)
    session.flush()


# --- the official letter ------------------------------------------------------------------------


def attach_letter(session: Session, actor: Actor, req: SharingRequest, upload: files.Upload,
                  upload_folder: str, max_bytes: int = LETTER_MAX_BYTES) -> None:
    """Keep the official letter (a PDF) with the request; a new letter replaces the old one."""
    policy.require(policy.is_requester_side(actor.reader, req))
    if req.status not in ("draft", "info_requested"):
        raise field_error("attachment", gettext("The letter can be changed only before the request is sent "
                                                "or while more information is asked for."))
    if not (upload.filename or "").lower().endswith(".pdf"):
        raise field_error("attachment", gettext("The letter must be a PDF file."))
    head = upload.stream.read(5)
    if head != b"%PDF-":
        raise field_error("attachment", gettext("This file is not a PDF document."))
    upload.stream.seek(0)
    stored = files.store_upload(upload, upload_folder, max_bytes)
    files.remove_on_rollback(session, upload_folder, [stored.path])
    if req.attachment_path:
        files.remove_after_commit(session, upload_folder, [req.attachment_path])
    req.attachment_path, req.attachment_name = stored.path, stored.file_name
    req.attachment_size, req.attachment_sha256 = stored.byte_size, stored.checksum_sha256
    session.flush()
    audit.record(session, actor, "sharing.attach", "sharing_request", req.id, label=req.number,
                 organization_id=req.requester_org_id,
                 after={"attachment": stored.file_name, "sha256": stored.checksum_sha256, "size": stored.byte_size})


# --- reading ------------------------------------------------------------------------------------


def request_by_id(session: Session, reader: policy.Reader, request_id: str) -> SharingRequest:
    req = session.get(SharingRequest, request_id)
    if req is None:
        req = session.scalar(select(SharingRequest).where(SharingRequest.number == request_id))
    if req is None or not policy.can_view_request(reader, req):
        raise NotFound(request_id)
    return req


def settled_by(session: Session, reader: policy.Reader) -> list[str]:
    """Agencies below the reader's own, whose disputes the reader's agency settles as IT unit."""
    stewarded = {org_id for org_id, role in reader.roles.items() if role == "steward"}
    if not stewarded:
        return []
    below = []
    for org in session.scalars(select(Organization).where(Organization.parent_id.is_not(None))):
        unit = policy.it_unit_org(org)
        if unit is not None and unit.id in stewarded:
            below.append(org.id)
    return below


def list_requests(
    session: Session,
    reader: policy.Reader,
    *,
    box: str = "all",
    org_id: str | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page[SharingRequest]:
    """Requests the reader may see. `box`: sent, received, all; the received inbox is ordered by
    deadline (the most urgent first), the others by newest."""
    below = [] if reader.is_admin else settled_by(session, reader)
    q: Select[Any] = select(SharingRequest).where(policy.request_visibility(reader, below))
    orgs = [org_id] if org_id else (None if reader.is_admin else list(reader.roles))
    if box == "sent":
        if orgs is not None:
            q = q.where(SharingRequest.requester_org_id.in_(orgs))
    elif box == "received":
        q = q.where(SharingRequest.status != "draft")
        if orgs is not None:
            disputes = and_(SharingRequest.provider_org_id.in_(below), SharingRequest.escalation_level >= 2)
            q = q.where(or_(SharingRequest.provider_org_id.in_(orgs), disputes) if not org_id else
                        SharingRequest.provider_org_id.in_(orgs))
    elif orgs is not None and org_id:
        q = q.where(or_(SharingRequest.requester_org_id.in_(orgs), SharingRequest.provider_org_id.in_(orgs)))
    if status == "pending":
        q = q.where(SharingRequest.status.in_(("submitted", "info_requested", "escalated")))
    elif status == "overdue":
        q = q.where(SharingRequest.status.in_(("submitted", "escalated")), SharingRequest.due_at < utcnow())
    elif status:
        q = q.where(SharingRequest.status == status)
    if box == "received":
        q = q.order_by(SharingRequest.due_at.is_(None), SharingRequest.due_at, SharingRequest.created_at)
    else:
        q = q.order_by(SharingRequest.created_at.desc(), SharingRequest.number.desc())
    q = q.options(selectinload(SharingRequest.items).selectinload(SharingRequestItem.dataset))
    return paginate(session, q, page, per_page)
