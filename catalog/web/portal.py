"""The public portal's pages: open-data lists (the country's and each agency's, with CSV and XLSX
downloads, and the stewards' forms for planned entries), theme pages, and public feedback
(`/requests`, the problem form on a dataset's page, the stewards' answers). Thin over
services.opendata, services.portal and services.feedback."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_required
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug import Response as WResponse

from .. import policy
from ..auth import current_actor, current_reader
from ..db import db_session
from ..i18n import current_locale
from ..models import FEEDBACK_KINDS, FEEDBACK_STATUSES, Dataset, Organization, Theme
from ..services import download_counts, feedback, opendata, portal
from ..services.common import NotFound, visible_dataset
from .forms import page_args, read_form

bp = Blueprint("portal", __name__)

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _cfg() -> dict[str, Any]:
    return current_app.config["CATALOG"]


def _org(code: str) -> Organization:
    org = db_session().scalar(select(Organization).where(Organization.code == code))
    if org is None:
        raise NotFound(code)
    return org


def _filters(organization: str | None = None) -> opendata.ListFilters:
    f = opendata.ListFilters(organization=organization or request.args.get("organization") or None,
                             theme=request.args.get("theme") or None, status=request.args.get("status") or None)
    f.check()
    return f


# --- open-data lists --------------------------------------------------------------------------------


def _list_page(org: Organization | None) -> str:
    s = db_session()
    f = _filters(org.code if org else None)
    page, per_page = page_args()
    result = opendata.list_entries(s, f, page=page, per_page=per_page)
    args = {k: v for k, v in (("organization", None if org else f.organization), ("theme", f.theme),
                              ("status", f.status)) if v}
    return render_template(
        "portal/open_data.html", org=org, page=result, args=args, filters=f,
        counts=opendata.status_counts(s, org.code if org else None),
        themes=s.scalars(select(Theme).order_by(Theme.code)).all(),
        organizations=[] if org else s.scalars(select(Organization).order_by(Organization.name_vi)).all(),
        can_manage=org is not None and policy.can_manage_open_data_plans(current_reader(), org.id),
        overdue=opendata.overdue_plans(s, org.id) if org is not None else [])


def _download(org: Organization | None, fmt: str) -> Response:
    if fmt not in FORMATS:
        raise NotFound(fmt)
    s = db_session()
    f = _filters(org.code if org else None)
    entries = opendata.all_entries(s, f)
    loc, base = current_locale(), _cfg()["BASE_URL"]
    name = f"open-data-{org.code if org else 'vn'}-{date.today().isoformat()}.{fmt}"
    if fmt == "csv":
        # the rows are read in batches while the answer streams: the request's session stays open
        response = Response(stream_with_context(opendata.iter_csv(entries, loc, base)), mimetype=FORMATS["csv"])
    else:
        response = Response(opendata.xlsx_bytes(entries, loc, base), mimetype=FORMATS["xlsx"])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/open-data")
def open_data() -> str:
    return _list_page(None)


@bp.get("/open-data.<fmt>")
def open_data_download(fmt: str) -> Response:
    return _download(None, fmt)


@bp.get("/organizations/<code>/open-data")
def organization_open_data(code: str) -> str:
    return _list_page(_org(code))


@bp.get("/organizations/<code>/open-data.<fmt>")
def organization_open_data_download(code: str, fmt: str) -> Response:
    return _download(_org(code), fmt)


def _plan_form(org: Organization, plan: Any, values: dict[str, Any], errors: dict | None = None,
               status: int = 200) -> tuple[str, int]:
    s = db_session()
    return render_template("portal/plan_form.html", org=org, plan=plan, values=values, errors=errors or {},
                           themes=s.scalars(select(Theme).order_by(Theme.code)).all()), status


def _plan_values(plan: Any) -> dict[str, Any]:
    return {"title_vi": plan.title_vi, "title_en": plan.title_en, "description_vi": plan.description_vi,
            "description_en": plan.description_en, "themes": plan.themes, "planned_date": plan.planned_date,
            "update_frequency": plan.update_frequency, "status": plan.status,
            "dataset": plan.dataset.slug if plan.dataset else ""}


def _resubmitted_plan() -> dict[str, Any]:
    """The form as sent, for showing it again with its errors (every theme ticked stays ticked)."""
    return {**request.form.to_dict(), "themes": request.form.getlist("themes")}


def _submitted_plan() -> dict[str, Any]:
    data = read_form(request.form, lists=("themes",))
    data.setdefault("themes", [])
    return data


@bp.route("/organizations/<code>/open-data/plans/new", methods=["GET", "POST"])
@login_required
def new_plan(code: str) -> tuple[str, int] | WResponse:
    org = _org(code)
    policy.require(policy.can_manage_open_data_plans(current_reader(), org.id))
    if request.method == "GET":
        return _plan_form(org, None, {"status": "planned"})
    s = db_session()
    try:
        opendata.create_plan(s, current_actor(), org, _submitted_plan())
    except ValidationError as err:
        s.rollback()
        return _plan_form(org, None, _resubmitted_plan(), err.messages, 400)
    s.commit()
    flash(gettext("The planned entry was added to the open-data list."), "success")
    return redirect(url_for(".organization_open_data", code=org.code))


@bp.route("/organizations/<code>/open-data/plans/<plan_id>/edit", methods=["GET", "POST"])
@login_required
def edit_plan(code: str, plan_id: str) -> tuple[str, int] | WResponse:
    org = _org(code)
    policy.require(policy.can_manage_open_data_plans(current_reader(), org.id))
    s = db_session()
    plan = opendata.plan_of(s, org, plan_id)
    if request.method == "GET":
        return _plan_form(org, plan, _plan_values(plan))
    try:
        opendata.update_plan(s, current_actor(), plan, _submitted_plan())
    except ValidationError as err:
        s.rollback()
        return _plan_form(org, plan, _resubmitted_plan(), err.messages, 400)
    s.commit()
    flash(gettext("The changes were saved."), "success")
    return redirect(url_for(".organization_open_data", code=org.code))


@bp.post("/organizations/<code>/open-data/plans/<plan_id>/delete")
@login_required
def delete_plan(code: str, plan_id: str) -> WResponse:
    org = _org(code)
    policy.require(policy.can_manage_open_data_plans(current_reader(), org.id))
    s = db_session()
    opendata.delete_plan(s, current_actor(), opendata.plan_of(s, org, plan_id))
    s.commit()
    flash(gettext("The planned entry was removed."), "success")
    return redirect(url_for(".organization_open_data", code=org.code))


# --- themes -----------------------------------------------------------------------------------------


@bp.get("/themes")
def themes() -> str:
    s = db_session()
    return render_template("portal/themes.html", themes=portal.themes(s), counts=portal.theme_counts(s))


@bp.get("/themes/<code>")
def theme(code: str) -> str:
    s = db_session()
    found = s.get(Theme, code)
    if found is None:
        raise NotFound(code)
    page, per_page = page_args()
    return render_template("portal/theme.html", theme=found,
                           page=portal.theme_datasets(s, code, page, per_page))


# --- public feedback ----------------------------------------------------------------------------------


def _not_sent() -> tuple[str, int]:
    return render_template("error.html", status=400, title=gettext("Not sent"), message=gettext(
        "Not sent: the form had a field filled in that people leave empty, so it looked automated. "
        "Reload the page and write again.")), 400


def _feedback_form(values: dict[str, Any], errors: dict | None = None, status: int = 200) -> tuple[str, int]:
    s = db_session()
    return render_template("portal/request_form.html", values=values, errors=errors or {},
                           organizations=s.scalars(select(Organization).order_by(Organization.name_vi)).all(),
                           themes=s.scalars(select(Theme).order_by(Theme.code)).all()), status


def _feedback_body() -> dict[str, Any]:
    keep = ("kind", "organization", "subject", "message", "author_name", "author_email")
    return {k: request.form.get(k, "") for k in keep if k in request.form}


@bp.get("/requests")
def requests_list() -> str:
    s = db_session()
    page, per_page = page_args()
    status = request.args.get("status") or None
    kind = request.args.get("kind") or None
    organization = request.args.get("organization") or None
    for name, value, allowed in (("status", status, FEEDBACK_STATUSES), ("kind", kind, FEEDBACK_KINDS)):
        if value and value not in allowed:
            raise ValidationError({name: [gettext("Must be one of: %(choices)s.", choices=", ".join(allowed))]})
    result = feedback.list_public(s, page=page, per_page=per_page, status=status, kind=kind,
                                  organization=organization)
    args = {k: v for k, v in (("status", status), ("kind", kind), ("organization", organization)) if v}
    return render_template("portal/requests.html", page=result, args=args,
                           organizations=s.scalars(select(Organization).order_by(Organization.name_vi)).all())


@bp.get("/requests/new")
def new_request() -> tuple[str, int]:
    return _feedback_form({"kind": "open_request", "organization": request.args.get("organization", "")})


@bp.post("/requests")
def submit_request() -> tuple[str, int] | WResponse:
    try:
        feedback.check_honeypot(request.form)
    except feedback.HoneypotFilled:
        return _not_sent()
    s = db_session()
    body = {**_feedback_body(), "kind": "open_request"}
    try:
        fb = feedback.submit(s, current_actor(), body)
    except ValidationError as err:
        s.rollback()
        return _feedback_form(body, err.messages, 400)
    s.commit()
    flash(gettext("Your request was sent to the agency. Its answer will be shown on this page."), "success")
    return redirect(url_for(".show_request", feedback_id=fb.id))


@bp.post("/datasets/<key>/feedback")
def dataset_feedback(key: str) -> tuple[str, int] | WResponse:
    s = db_session()
    ds = visible_dataset(s, current_reader(), key)
    if not policy.can_view_dataset(policy.ANONYMOUS, ds):
        raise NotFound(key)
    try:
        feedback.check_honeypot(request.form)
    except feedback.HoneypotFilled:
        return _not_sent()
    body = {**_feedback_body(), "kind": "problem"}
    body.pop("organization", None)
    try:
        fb = feedback.submit(s, current_actor(), body, dataset=ds)
    except ValidationError as err:
        s.rollback()
        return render_template("portal/feedback_form.html", ds=ds, values=body, errors=err.messages), 400
    s.commit()
    flash(gettext("Your report was sent to the agency. Its answer will be shown on this page."), "success")
    return redirect(url_for(".show_request", feedback_id=fb.id))


@bp.get("/requests/<feedback_id>")
def show_request(feedback_id: str) -> str:
    s = db_session()
    fb = feedback.visible_feedback(s, current_reader(), feedback_id)
    return render_template("portal/request_show.html", fb=fb, values={}, errors={},
                           can_answer=policy.can_answer_feedback(current_reader(), fb))


@bp.post("/notifications/answers/<feedback_id>")
@login_required
def answer(feedback_id: str) -> tuple[str, int] | WResponse:
    s = db_session()
    fb = feedback.visible_feedback(s, current_reader(), feedback_id)
    try:
        feedback.answer(s, current_actor(), fb, {"answer": request.form.get("answer", "")})
    except ValidationError as err:
        s.rollback()
        return render_template("portal/request_show.html", fb=fb, values=request.form.to_dict(),
                               errors=err.messages, can_answer=True), 400
    s.commit()
    flash(gettext("Your answer is published."), "success")
    return redirect(url_for(".show_request", feedback_id=fb.id))


# --- pieces other pages include -------------------------------------------------------------------------


@bp.app_template_global()
def portal_dataset_facts(ds: Dataset) -> dict[str, Any] | None:
    """For the dataset page: summary, licence sentence, citation, downloads per file (in all and per
    form: the file itself and each conversion) and per form for the dataset, public feedback and
    whether the public may write about it (None for a dataset that is not published)."""
    if ds.status != "published":
        return None
    s = db_session()
    public = policy.can_view_dataset(policy.ANONYMOUS, ds)
    by_kind = download_counts.counts_by_kind(s, ds.id)
    return {
        "facts": portal.public_facts(s, ds, current_locale(), _cfg()["BASE_URL"]),
        "downloads": {dist_id: sum(kinds.values()) for dist_id, kinds in by_kind.items()},
        "downloads_by_kind": by_kind,
        "download_totals": download_counts.totals_by_kind(by_kind),
        "feedback": s.scalars(feedback.public_query(dataset_id=ds.id).limit(20)).all() if public else [],
        "public": public,
    }


@bp.app_template_global()
def feedback_awaiting() -> list[Any]:
    """Public feedback awaiting the signed-in steward's answer (shown in the notifications inbox)."""
    if not current_user.is_authenticated:
        return []
    return feedback.awaiting_for(db_session(), current_reader())


@bp.app_template_global()
def overdue_open_data(org: Organization) -> list[Any]:
    """An agency's planned open-data entries past their date (its quality dashboard shows them)."""
    return opendata.overdue_plans(db_session(), org.id)
