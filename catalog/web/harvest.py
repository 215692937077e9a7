"""Harvest pages: the sources, a source with its jobs and "run now", a job with its log, the forms."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug import Response

from harvesters import jobs as harvest_jobs

from .. import policy
from ..auth import current_actor, current_reader
from ..db import db_session
from ..models import Database, HarvestSource, Licence, Organization
from ..services import harvest as service
from . import harvest_messages, harvest_options
from .forms import page_args, read_form

bp = Blueprint("harvest", __name__, url_prefix="/harvest")

PROTOCOL_LABELS = {
    "ckan": _l("CKAN portal (Action API)"),
    "dcat": _l("DCAT / DCAT-AP catalogue (Turtle, RDF/XML, JSON-LD)"),
    "csw": _l("Geodata catalogue (OGC CSW, ISO 19139)"),
    "spreadsheet": _l("Data inventory spreadsheet (XLSX or CSV)"),
    "sqldb": _l("SQL database (tables and views, read-only)"),
    "datapackage": _l("Frictionless data package"),
    "openapi": _l("API gateway (OpenAPI or WSO2 API Manager)"),
}
SCHEDULE_LABELS = {"manual": _l("Only when asked"), "daily": _l("Every day"), "weekly": _l("Every week")}
JOB_STATUS_LABELS = {"queued": _l("Waiting"), "running": _l("Running"), "succeeded": _l("Succeeded"),
                     "failed": _l("Failed")}
ERROR_KINDS = {
    "fetch": _l("cannot reach"), "parse": _l("unreadable"), "invalid": _l("invalid record"),
    "duplicate": _l("duplicate"), "unknown_code": _l("unknown code"), "invalid_value": _l("value left out"),
    "draft": _l("kept as draft"), "publisher": _l("publisher"), "source": _l("source"),
    "context": _l("JSON-LD context"), "agency_clash": _l("another agency's dataset"),
    "internal": _l("internal error"), "index": _l("search index"), "page": _l("page skipped"),
    "not_stored": _l("not stored"),
    "spatial": _l("coverage"),
}
TEXT = ["name", "slug", "protocol", "url", "organization", "database", "default_access_level", "default_licence",
        "schedule", "description"]
BOOLS = ("auto_publish", "enabled", "authoritative")


def _require_view() -> None:
    policy.require(policy.can_view_harvests(current_reader()))


def _source(slug: str) -> HarvestSource:
    _require_view()
    return service.source_by_slug(db_session(), slug)


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    from harvesters import fidelity

    return {"harvest_can_view": lambda: policy.can_view_harvests(current_reader()),
            "harvest_line": harvest_messages.line,
            "harvest_kept": fidelity.kept_percent, "harvest_not_kept": fidelity.not_kept,
            "harvest_lost": fidelity.lost_count}


@bp.get("")
@login_required
def index() -> str:
    _require_view()
    s = db_session()
    page, per_page = page_args()
    args = {k: request.args.get(k) or None for k in ("organization", "protocol", "q")}
    result = service.list_sources(s, organization=args["organization"], protocol=args["protocol"], words=args["q"],
                                  page=page, per_page=per_page)
    counts = {src.id: service.record_counts(s, src) for src in result.items}
    orgs = s.scalars(select(Organization).where(Organization.id.in_(
        select(HarvestSource.organization_id))).order_by(Organization.name_vi)).all()
    return render_template("harvest/list.html", page=result, counts=counts, args=args, orgs=orgs,
                           protocols=PROTOCOL_LABELS, can_register=policy.can_register_harvest_source(current_reader()))


@bp.get("/<slug>")
@login_required
def show(slug: str) -> str:
    s = db_session()
    src = _source(slug)
    page, per_page = page_args(10)
    jobs = service.list_jobs(s, src, page, per_page)
    last = jobs.items[0] if jobs.items and page == 1 else None
    errors = service.list_errors(s, last, per_page=20) if last else None
    return render_template("harvest/show.html", src=src, jobs=jobs, last=last, errors=errors,
                           counts=service.record_counts(s, src), url=service.display_url(src),
                           can_manage=policy.can_manage_harvest_source(current_reader(), src),
                           protocols=PROTOCOL_LABELS,
                           schedules=SCHEDULE_LABELS, statuses=JOB_STATUS_LABELS, kinds=ERROR_KINDS)


@bp.get("/jobs/<int:job_id>")
@login_required
def job(job_id: int) -> str:
    _require_view()
    s = db_session()
    j = service.job_by_id(s, job_id)
    level = request.args.get("level") if request.args.get("level") in ("error", "warning") else None
    page, per_page = page_args(50)
    errors = service.list_errors(s, j, level=level, page=page, per_page=per_page)
    groups = service.log_groups(s, j) if page == 1 and not level else []
    return render_template("harvest/job.html", job=j, src=j.source, errors=errors, level=level, groups=groups,
                           statuses=JOB_STATUS_LABELS, kinds=ERROR_KINDS)


# --- forms --------------------------------------------------------------------------------------


def _choices() -> dict[str, Any]:
    s = db_session()
    ids = service.managed_org_ids(current_reader())
    orgs = select(Organization).order_by(Organization.name_vi)
    if ids is not None:
        orgs = orgs.where(Organization.id.in_(ids))
    return {
        "organizations": s.scalars(orgs).all(),
        "databases": s.scalars(select(Database).order_by(Database.name_vi)).all(),
        "licences": s.scalars(select(Licence).order_by(Licence.code)).all(),
        "protocols": PROTOCOL_LABELS, "schedules": SCHEDULE_LABELS,
    }


def _render_form(src: HarvestSource | None, values: dict[str, Any], errors: dict | None = None,
                 status: int = 200) -> tuple[str, int]:
    option_fields = {code: harvest_options.fields_of(code) for code in PROTOCOL_LABELS}
    return render_template("harvest/form.html", src=src, values=values, errors=errors or {},
                           choices=_choices(), protocols=PROTOCOL_LABELS, option_fields=option_fields,
                           option_labels=harvest_options.labels_of(list(PROTOCOL_LABELS)),
                           is_admin=current_reader().is_admin), status


def _submitted(src: HarvestSource | None = None) -> dict[str, Any]:
    """The form's values; the chosen kind's options read from their fields (over the advanced JSON
    text) and checked here, so that a wrong value is refused naming its field."""
    skip = {"csrf_token", *(key for key in request.form if key.startswith("opt-"))}
    data = read_form(request.form, bools=BOOLS, json_fields=("filters",), skip=skip)
    advanced = data.get("filters") or {}
    protocol = data.get("protocol") or (src.protocol if src else "")
    if protocol in PROTOCOL_LABELS and isinstance(advanced, dict):
        advanced = harvest_options.read(request.form, protocol, advanced, is_admin=current_reader().is_admin,
                                        saved=src.filters if src else None)
        harvest_options.check(protocol, advanced)
    data["filters"] = advanced  # anything else is refused by the service, naming `filters`
    return data


def _values(src: HarvestSource) -> dict[str, Any]:
    values: dict[str, Any] = {f: getattr(src, f, None) for f in TEXT if hasattr(src, f)}
    with_field = {opt.key for opt in harvest_options.fields_of(src.protocol)} if src.protocol in PROTOCOL_LABELS \
        else set()
    rest = {k: v for k, v in (src.filters or {}).items() if k not in with_field}  # only what no field shows
    values.update(url=service.display_url(src), organization=src.organization.code,
                  database=src.database.code if src.database else "", default_licence=src.default_licence_code or "",
                  filters=json.dumps(rest, ensure_ascii=False, indent=2) if rest else "")
    if src.protocol in PROTOCOL_LABELS:
        values.update(harvest_options.form_values(src.protocol, src.filters))
    for name in BOOLS:
        values[name] = getattr(src, name)
    return values


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> tuple[str, int] | Response:
    policy.require(policy.can_register_harvest_source(current_reader()))
    if request.method == "GET":
        return _render_form(None, {"protocol": request.args.get("protocol", "ckan"),
                                   "organization": request.args.get("organization", ""),
                                   "default_access_level": "open", "schedule": "manual", "auto_publish": True,
                                   "enabled": True})
    s = db_session()
    try:
        src = service.create_source(s, current_actor(), _submitted(), current_app.config["SECRET_KEY"])
    except ValidationError as err:
        s.rollback()
        return _render_form(None, request.form.to_dict(), err.messages, 400)
    s.commit()
    flash(gettext("The source was registered. Run it now to bring in its records."), "success")
    return redirect(url_for(".show", slug=src.slug))


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> tuple[str, int] | Response:
    src = _source(slug)
    policy.require(policy.can_manage_harvest_source(current_reader(), src))
    if request.method == "GET":
        return _render_form(src, _values(src))
    s = db_session()
    try:
        service.update_source(s, current_actor(), src, _submitted(src), current_app.config["SECRET_KEY"])
    except ValidationError as err:
        s.rollback()
        return _render_form(src, request.form.to_dict(), err.messages, 400)
    s.commit()
    flash(gettext("The changes were saved."), "success")
    return redirect(url_for(".show", slug=src.slug))


@bp.post("/<slug>/run")
@login_required
def run_now(slug: str) -> Response:
    s = db_session()
    src = _source(slug)
    try:
        job, created = service.request_run(s, current_actor(), src)
    except ValidationError as err:
        s.rollback()
        flash(" ".join(str(m) for msgs in err.messages.values() for m in msgs), "error")
        return redirect(url_for(".show", slug=slug))
    s.commit()
    if created:
        harvest_jobs.start(current_app._get_current_object(), job)
        flash(gettext("The harvest was started (job %(id)s). Reload this page to follow it.", id=job.id), "success")
    else:
        flash(gettext("A job of this source is already waiting or running (job %(id)s).", id=job.id), "info")
    return redirect(url_for(".show", slug=slug))


@bp.post("/<slug>/dry-run")
@login_required
def dry_run(slug: str) -> str:
    """What a harvest would create, change and withdraw, saving nothing (run here and now)."""
    from harvesters.preview import preview_source

    src = _source(slug)
    policy.require(policy.can_manage_harvest_source(current_reader(), src))
    result = preview_source(current_app._get_current_object(), src.id)
    return render_template("harvest/preview.html", src=src, result=result, shown=50)


@bp.post("/<slug>/delete")
@login_required
def delete(slug: str) -> Response:
    s = db_session()
    src = _source(slug)
    try:
        service.delete_source(s, current_actor(), src)
    except ValidationError as err:
        s.rollback()
        flash(" ".join(str(m) for msgs in err.messages.values() for m in msgs), "error")
        return redirect(url_for(".show", slug=slug))
    s.commit()
    flash(gettext("The source was deleted; the records it brought stay in the catalogue."), "info")
    return redirect(url_for(".index"))
