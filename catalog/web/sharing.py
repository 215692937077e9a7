"""Sharing pages: the agency's inbox and sent requests, the request form, a request's page with the
actions its reader may take, agreements (with a printable copy), reports, and notifications."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug import Response as WResponse

from .. import charts, downloads, policy, rules
from ..auth import current_actor, current_reader
from ..db import db_session
from ..i18n import current_locale
from ..models import AuditEvent, DataService, Dataset, Organization, SharingAgreement, SharingRequest
from ..services import notifications, publishing
from ..services.common import NotFound, dataset_by_key
from ..services.sharing import access, agreements, reports, workflow
from ..services.sharing import requests as requests_service
from ..workdays import local_date, working_days_between
from . import labels
from .forms import page_args
from .redirects import safe_next

bp = Blueprint("sharing", __name__)


@bp.app_context_processor
def _inbox_count() -> dict[str, Any]:
    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        return notifications.unread_count(db_session(), current_user.id)

    return {"unread_notifications": unread_notifications}


TEXT_FIELDS = ("kind", "requester", "requester_identifier", "application", "purpose", "intended_use", "service",
               "frequency", "contact_name", "contact_email", "contact_phone", "special_reason", "start_date",
               "end_date", "limits_of_use", "security_measures", "retention_deletion")


def _cfg() -> dict[str, Any]:
    return current_app.config["CATALOG"]


def _my_orgs() -> list[Organization]:
    reader = current_reader()
    if not reader.roles:
        return []
    q = select(Organization).where(Organization.id.in_(list(reader.roles))).order_by(Organization.name_vi)
    return list(db_session().scalars(q))


# --- lists ----------------------------------------------------------------------------------------


@bp.get("/sharing")
@login_required
def index() -> str:
    reader = current_reader()
    s = db_session()
    box = request.args.get("box") or "received"
    org_code = request.args.get("organization") or None
    org = None
    if org_code:
        org = s.scalar(select(Organization).where(Organization.code == org_code))
        if org is None or not (reader.is_admin or reader.is_member_of(org.id)):
            raise NotFound(org_code)
    page, per_page = page_args()
    status = request.args.get("status") or None
    agreements_page = None
    requests_page = None
    if box == "agreements":
        agreements_page = agreements.list_agreements(s, reader, org.id if org else None, page, per_page)
    else:
        requests_page = requests_service.list_requests(s, reader, box=box, org_id=org.id if org else None,
                                                       status=status, page=page, per_page=per_page)
    return render_template("sharing/index.html", box=box, org=org, orgs=_my_orgs(), status=status,
                           requests=requests_page, agreements=agreements_page, effective=access.effective_status,
                           answer_days=rules.ANSWER_DEADLINE.count)


# --- the request form -----------------------------------------------------------------------------


def _form_items(form: Any) -> list[dict[str, Any]]:
    """Each dataset of the form and the columns ticked for it (none ticked: the whole dataset)."""
    items = []
    for key in form.getlist("item_dataset"):
        key = key.strip()
        if key and key not in [i["dataset"] for i in items]:
            items.append({"dataset": key, "columns": form.getlist(f"columns_{key}") or None})
    extra = (form.get("add_dataset") or "").strip()
    if extra and extra not in [i["dataset"] for i in items]:
        items.append({"dataset": extra, "columns": None})
    return items


def _submitted_form() -> dict[str, Any]:
    data: dict[str, Any] = {name: request.form.get(name, "") for name in TEXT_FIELDS}
    agency = next((o for o in _my_orgs() if o.code == data["requester"]), None)
    if agency is not None and agency.identifier:
        data["requester_identifier"] = agency.identifier  # the agency's record says it; nobody retypes it
    data["methods"] = request.form.getlist("methods")
    data["protection_commitment"] = request.form.get("protection_commitment") == "on"
    data["items"] = [i for i in _form_items(request.form) if i["dataset"]]
    return data


def _item_views(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the form shows of each dataset: its title, columns and their classes."""
    s = db_session()
    reader = current_reader()
    out = []
    for item in items:
        try:
            ds = dataset_by_key(s, item["dataset"])
        except NotFound:
            ds = None
        if ds is not None and not policy.can_view_dataset(reader, ds):
            ds = None
        titles = {f.get("name"): f.get("title") for d in ds.distributions for f in d.schema_fields()} if ds else {}
        out.append({"key": item["dataset"], "dataset": ds, "columns": item.get("columns") or [],
                    "available": requests_service.dataset_columns(ds) if ds else {}, "titles": titles,
                    "shareable": requests_service.default_shareable(ds, item.get("columns")) if ds else False})
    return out


def _services_for(views: list[dict[str, Any]]) -> list[DataService]:
    providers = {v["dataset"].publisher_id for v in views if v["dataset"] is not None}
    if len(providers) != 1:
        return []
    q = select(DataService).where(DataService.publisher_id == providers.pop(), DataService.status == "published")
    return list(db_session().scalars(q.order_by(DataService.title_vi)))


#: Datasets offered in the form's list (the rest are reached from their own page).
MAX_CHOICES = 500


def _dataset_choices(views: list[dict[str, Any]]) -> list[Dataset]:
    """Published datasets of other agencies the officer may see, to pick by title: those of the
    provider already chosen (a request goes to one provider), else every provider's."""
    reader = current_reader()
    q = (select(Dataset).where(policy.dataset_visibility(reader), Dataset.status == "published",
                               Dataset.publisher_id.not_in(list(reader.roles)))
         .join(Organization, Organization.id == Dataset.publisher_id)
         .order_by(Organization.name_vi, Dataset.title_vi).limit(MAX_CHOICES))
    providers = {v["dataset"].publisher_id for v in views if v["dataset"] is not None}
    if providers:
        q = q.where(Dataset.publisher_id.in_(providers))
    chosen = {v["key"] for v in views}
    return [ds for ds in db_session().scalars(q) if ds.slug not in chosen]


def _render_form(values: dict[str, Any], req: SharingRequest | None = None, errors: dict | None = None,
                 status: int = 200) -> tuple[str, int]:
    views = _item_views(values.get("items") or [])
    orgs = _my_orgs()
    identifiers = {o.code: o.identifier for o in orgs if o.identifier}
    return render_template("sharing/request_form.html", values=values, req=req, errors=errors or {},
                           items=views, services=_services_for(views), orgs=orgs, rules=rules,
                           choices=_dataset_choices(views), identifiers=identifiers), status


def _defaults() -> dict[str, Any]:
    orgs = _my_orgs()
    first = orgs[0] if orgs else None
    items = [{"dataset": key, "columns": None} for key in request.args.getlist("dataset") if key]
    views = _item_views(items)
    kind = request.args.get("kind") or ("default" if views and all(v["shareable"] for v in views) else "special")
    return {"kind": kind, "requester": first.code if first else "", "items": items, "methods": [],
            "requester_identifier": first.identifier if first else "",
            "contact_email": current_user.email, "contact_name": current_user.name}


@bp.route("/sharing/requests/new", methods=["GET", "POST"])
@login_required
def new_request() -> tuple[str, int] | WResponse:
    policy.require(current_reader().is_agency_member)
    if request.method == "GET":
        return _render_form(_defaults())
    data = _submitted_form()
    if request.form.get("action") == "add":
        return _render_form(data)
    return _save(None, data)


def _save(req: SharingRequest | None, data: dict[str, Any]) -> tuple[str, int] | WResponse:
    """Save the form (a new request or a draft's changes) and, when asked, send it, in one
    transaction: a request that fails validation leaves nothing saved, so sending again after a
    correction never makes a second request."""
    s = db_session()
    sending = request.form.get("action") == "submit"
    try:
        if req is None:
            saved = requests_service.create_request(s, current_actor(), data)
        else:
            requests_service.update_request(s, current_actor(), req, data)
            saved = req
        if sending:
            workflow.perform(s, current_actor(), saved, "submit")
    except ValidationError as err:
        s.rollback()
        if sending:
            flash(gettext("The request was not sent and nothing was saved: complete the fields marked below, "
                          "then send it again."), "error")
        return _render_form(data, req, err.messages, 400)
    s.commit()
    if sending:
        flash(gettext("The request was sent. The provider must answer by %(day)s.",
                      day=_day(saved.due_at)), "success")
    else:
        flash(gettext("The draft was saved. Nothing is sent until you submit it."), "success")
    return redirect(url_for(".show_request", request_id=saved.id))


def _day(moment: Any) -> str:
    from ..dates import format_date

    return format_date(local_date(moment), "long") if moment else ""


def _values_of(req: SharingRequest) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(req, name, None) for name in TEXT_FIELDS
                              if name not in ("requester", "service")}
    values.update(requester=req.requester.code, service=req.service.slug if req.service else "",
                  methods=req.methods, protection_commitment=req.protection_commitment,
                  items=[{"dataset": i.dataset.slug, "columns": i.columns} for i in req.items])
    return values


@bp.route("/sharing/requests/<request_id>/edit", methods=["GET", "POST"])
@login_required
def edit_request(request_id: str) -> tuple[str, int] | WResponse:
    s = db_session()
    req = requests_service.request_by_id(s, current_reader(), request_id)
    policy.require(policy.is_requester_side(current_reader(), req) and req.status == "draft")
    if request.method == "GET":
        return _render_form(_values_of(req), req)
    data = _submitted_form()
    if request.form.get("action") == "add":
        return _render_form(data, req)
    return _save(req, data)


@bp.post("/sharing/requests/<request_id>/delete")
@login_required
def delete_request(request_id: str) -> WResponse:
    s = db_session()
    req = requests_service.request_by_id(s, current_reader(), request_id)
    requests_service.delete_draft(s, current_actor(), req, _cfg()["UPLOAD_FOLDER"])
    s.commit()
    flash(gettext("The draft was deleted."), "info")
    return redirect(url_for(".index", box="sent"))


# --- a request's page and its actions -------------------------------------------------------------


def _timeline(object_ids: list[str]) -> list[AuditEvent]:
    q = (select(AuditEvent).where(AuditEvent.object_type.in_(("sharing_request", "sharing_agreement")),
                                  AuditEvent.object_id.in_(object_ids)).order_by(AuditEvent.id))
    return list(db_session().scalars(q))


def _deadline_facts(req: SharingRequest) -> dict[str, Any]:
    from ..models import utcnow

    now = utcnow()
    facts: dict[str, Any] = {"overdue": req.is_overdue(now), "paused": req.status == "info_requested"}
    if req.due_at is not None and req.is_pending and not facts["overdue"]:
        facts["days_left"] = working_days_between(local_date(now), local_date(req.due_at))
    return facts


@bp.get("/sharing/requests/<request_id>")
@login_required
def show_request(request_id: str) -> str:
    s = db_session()
    reader = current_reader()
    req = requests_service.request_by_id(s, reader, request_id)
    ids = [req.id] + ([req.agreement.id] if req.agreement else [])
    step = rules.ESCALATION_STEPS[req.escalation_level - 1] if req.escalation_level else None
    return render_template(
        "sharing/request_show.html", req=req, actions=workflow.available_actions(reader, req),
        timeline=_timeline(ids), deadline=_deadline_facts(req), step=step,
        columns={i.id: requests_service.dataset_columns(i.dataset) for i in req.items},
        requester_side=policy.is_requester_side(reader, req), rules=rules,
    )


@bp.post("/sharing/requests/<request_id>/<action>")
@login_required
def act(request_id: str, action: str) -> tuple[str, int] | WResponse:
    if action not in workflow.ACTIONS:
        raise NotFound(action)
    s = db_session()
    req = requests_service.request_by_id(s, current_reader(), request_id)
    try:
        workflow.perform(s, current_actor(), req, action, _action_body(action, req))
    except ValidationError as err:
        return _refused(err, url_for(".show_request", request_id=req.id), action)
    s.commit()
    flash(gettext("Done."), "success")
    return redirect(url_for(".show_request", request_id=req.id))


def _refused(err: ValidationError, page: str, anchor: str) -> WResponse:
    """Back to the page with every problem named; the transaction is undone."""
    db_session().rollback()
    problems = labels.error_summary(err)
    flash(gettext("Nothing was changed: %(problems)s", problems=problems), "error")
    return redirect(f"{page}#{anchor}")


def _action_body(action: str, req: SharingRequest) -> dict[str, Any]:
    f = request.form
    body = {k: v for k, v in f.items() if k != "csrf_token" and not k.startswith(("columns_", "grant_"))}
    if action == "approve_partially":
        items = []
        for item in req.items:
            key = item.dataset_id
            items.append({"dataset": key, "granted": f.get(f"grant_{key}") == "on",
                          "columns": f.getlist(f"columns_{key}") or None})
        body["items"] = items
        body["methods"] = f.getlist("methods") or None
    return body


@bp.route("/sharing/requests/<request_id>/letter", methods=["GET", "POST"])
@login_required
def letter(request_id: str) -> WResponse:
    s = db_session()
    req = requests_service.request_by_id(s, current_reader(), request_id)
    if request.method == "POST":
        upload = request.files.get("letter")
        if upload is None or not upload.filename:
            flash(gettext("Choose a PDF file."), "error")
            return redirect(url_for(".show_request", request_id=req.id))
        try:
            requests_service.attach_letter(s, current_actor(), req, upload, _cfg()["UPLOAD_FOLDER"])
        except ValidationError as err:
            s.rollback()
            flash(" ".join(" ".join(v) for v in labels.flat_errors(err).values()), "error")
            return redirect(url_for(".show_request", request_id=req.id))
        s.commit()
        flash(gettext("The letter was attached."), "success")
        return redirect(url_for(".show_request", request_id=req.id))
    if not req.attachment_path:
        raise NotFound(request_id)
    return downloads.stored_file_response(_cfg()["UPLOAD_FOLDER"], req.attachment_path,
                                          req.attachment_name or "cong-van.pdf", "application/pdf")


# --- agreements -----------------------------------------------------------------------------------


def _agreement(key: str) -> SharingAgreement:
    return agreements.agreement_by_id(db_session(), current_reader(), key)


@bp.get("/sharing/agreements/<key>")
@login_required
def show_agreement(key: str) -> str:
    agreement = _agreement(key)
    reader = current_reader()
    renewals = db_session().scalars(select(SharingRequest).where(
        SharingRequest.renewal_of_id == agreement.id).order_by(SharingRequest.created_at)).all()
    return render_template(
        "sharing/agreement_show.html", agreement=agreement, req=agreement.request,
        status=access.effective_status(agreement), timeline=_timeline([agreement.id, agreement.request_id]),
        provider_side=policy.can_manage_agreement_as_provider(reader, agreement),
        requester_side=reader.is_member_of(agreement.requester_org_id), renewals=renewals,
        datasets=_granted_datasets(agreement), rules=rules)


def _granted_datasets(agreement: SharingAgreement) -> list[tuple[Dataset, list[str] | None]]:
    return [(item.dataset, item.granted_columns if item.granted_columns is not None else item.columns)
            for item in agreement.request.items if item.granted is not False]


@bp.get("/sharing/agreements/<key>/print")
@login_required
def print_agreement(key: str) -> str:
    agreement = _agreement(key)
    return render_template("sharing/agreement_print.html", agreement=agreement, req=agreement.request,
                           status=access.effective_status(agreement), datasets=_granted_datasets(agreement),
                           rules=rules)


@bp.post("/sharing/agreements/<key>/<action>")
@login_required
def agreement_action(key: str, action: str) -> WResponse:
    if action not in agreements.ACTIONS:
        raise NotFound(action)
    s = db_session()
    agreement = _agreement(key)
    body = {k: v for k, v in request.form.items() if k != "csrf_token" and v != ""}
    try:
        result = agreements.perform(s, current_actor(), agreement, action, body)
    except ValidationError as err:
        return _refused(err, url_for(".show_agreement", key=agreement.id), action)
    s.commit()
    if result is not None:  # a renewal request was sent
        flash(gettext("The renewal request %(number)s was sent to the provider.", number=result.number), "success")
        return redirect(url_for(".show_request", request_id=result.id))
    flash(gettext("Done."), "success")
    return redirect(url_for(".show_agreement", key=agreement.id))


# --- reports --------------------------------------------------------------------------------------


@bp.get("/sharing/reports")
@login_required
def report_page() -> str:
    s = db_session()
    scope = reports.scope_for(current_reader())
    rows = reports.figures(s, scope)
    provider_id = scope[0] if scope and len(scope) == 1 else None
    totals = reports.totals(rows)
    return render_template("sharing/reports.html", rows=rows, totals=totals, national=scope is None,
                           top=reports.most_requested(s, provider_id), charts=_report_charts(rows, totals, s,
                                                                                             provider_id))


def _report_charts(rows: list[reports.AgencyFigures], totals: dict[str, Any], s: Any,
                   org_id: str | None) -> list[Any]:
    """Decisions, the busiest providers, and requests month by month, drawn on the server."""
    loc = current_locale()
    decisions = charts.column_chart(
        [(gettext("Approved"), totals["approved"]), (gettext("In part"), totals["partially_approved"]),
         (gettext("Refused"), totals["refused"]), (gettext("Waiting"), totals["waiting"]),
         (gettext("Overdue"), totals["overdue"])],
        title=gettext("Decisions on the requests"), colors=["#009E73", "#56B4E9", "#D55E00", "#E69F00", "#000000"])
    busiest = sorted((r for r in rows if r.received), key=lambda r: -r.received)[:10]
    providers = charts.bar_chart([(r.organization.name(loc), r.received) for r in busiest],
                                 title=gettext("Requests received, by providing agency")) if busiest else None
    months = reports.monthly(s, org_id)
    top = max((n for _m, n, _d in months), default=0)
    trend = charts.line_chart([(m, n) for m, n, _d in months], title=gettext("Requests sent each month"),
                              y_max=max(top, 1))
    return [c for c in (decisions, providers, trend) if c is not None]


@bp.get("/sharing/reports.csv")
@login_required
def report_csv() -> Response:
    rows = reports.figures(db_session(), reports.scope_for(current_reader()))
    response = Response("\ufeff" + reports.to_csv(rows), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = "attachment; filename=bao-cao-chia-se-du-lieu.csv"
    return response


# --- notifications --------------------------------------------------------------------------------


@bp.get("/notifications")
@login_required
def notifications_page() -> str:
    s = db_session()
    notes = notifications.inbox(s, current_user.id, limit=100)
    loc = current_locale()
    rendered = [(n, *notifications.render(n, loc), notifications.link_for(n)) for n in notes]
    return render_template("notifications/index.html", notes=rendered,
                           open_data=publishing.inbox(s, current_reader()))


@bp.post("/notifications/read")
@login_required
def mark_read() -> WResponse:
    s = db_session()
    ids = [int(i) for i in request.form.getlist("id") if i.isdigit()] or None
    notifications.mark_read(s, current_user.id, ids)
    s.commit()
    return redirect(safe_next(request.form.get("next"), url_for(".notifications_page")))
