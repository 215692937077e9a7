"""Pages of data services: APIs and the sharing services agencies offer through NDXP or an LGSP."""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug import Response

from .. import policy
from ..auth import current_actor, current_reader
from ..db import db_session
from ..models import Database, DataService, Organization
from ..services import dataservices, listing
from ..services.common import NotFound
from . import connection_labels as cl
from .forms import page_args, read_form

bp = Blueprint("dataservices", __name__, url_prefix="/services")

TEXT = ["slug", "title_vi", "title_en", "description_vi", "description_en", "publisher", "database", "endpoint_url",
        "endpoint_description", "protocol", "platform", "access_level", "status", "in_operation_since"]


def _svc(slug: str) -> DataService:
    svc = db_session().scalar(select(DataService).where(DataService.slug == slug))
    if svc is None or not policy.can_view_dataservice(current_reader(), svc):
        raise NotFound(slug)
    return svc


@bp.get("")
def index() -> str:
    page, per_page = page_args()
    q = request.args.get("q") or None
    reader = current_reader()
    result = listing.list_dataservices(db_session(), reader, organization=request.args.get("organization") or None,
                                       q=q, page=page, per_page=per_page)
    more = not result.total and policy.officers_see_more(db_session(), reader, "dataservice")
    return render_template("dataservices/list.html", page=result, q=q or "", more_for_officers=more)


@bp.get("/<slug>")
def show(slug: str) -> str:
    svc = _svc(slug)
    reader = current_reader()
    visible = [d for d in svc.datasets if policy.can_view_dataset(reader, d)]
    return render_template("dataservices/show.html", svc=svc, datasets=visible,
                           can_edit=policy.can_edit_dataservice(reader, svc), health_labels=cl.HEALTH,
                           probe_details=reader.is_admin or reader.is_agency_member,
                           timeliness=dataservices.publication_timeliness(svc))


def _render_form(
    svc: DataService | None, values: dict, errors: dict | None = None, status: int = 200
) -> tuple[str, int]:
    s = db_session()
    ids = policy.editable_org_ids(current_reader())
    orgs = select(Organization).order_by(Organization.name_vi)
    if ids is not None:
        orgs = orgs.where(Organization.id.in_(ids))
    return render_template("dataservices/form.html", svc=svc, values=values, errors=errors or {},
                           orgs=s.scalars(orgs).all(),
                           databases=s.scalars(select(Database).order_by(Database.name_vi)).all()), status


def _submitted() -> dict:
    return read_form(request.form, lists=("datasets",), json_fields=("openapi_spec",))


def _values(svc: DataService) -> dict:
    reader = current_reader()
    values = {f: getattr(svc, f, None) for f in TEXT if f not in ("publisher", "database")}
    values.update(publisher=svc.publisher.code, database=svc.database.code if svc.database else "",
                  datasets=", ".join(d.slug for d in svc.datasets if policy.can_view_dataset(reader, d)),
                  openapi_spec=json.dumps(svc.openapi_spec, ensure_ascii=False, indent=2) if svc.openapi_spec else "",
                  in_operation_since=svc.in_operation_since.isoformat() if svc.in_operation_since else "")
    return values


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> tuple[str, int] | Response:
    policy.require(policy.editable_org_ids(current_reader()) != [])
    if request.method == "GET":
        return _render_form(None, {"publisher": request.args.get("publisher", ""), "access_level": "shared",
                                   "status": "draft"})
    s = db_session()
    try:
        svc = dataservices.create_dataservice(s, current_actor(), _submitted())
    except ValidationError as err:
        s.rollback()
        return _render_form(None, request.form.to_dict(), err.messages, 400)
    s.commit()
    flash(gettext("The service was registered."), "success")
    return redirect(url_for(".show", slug=svc.slug))


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> tuple[str, int] | Response:
    svc = _svc(slug)
    policy.require(policy.can_edit_dataservice(current_reader(), svc))
    if request.method == "GET":
        return _render_form(svc, _values(svc))
    s = db_session()
    try:
        data = _submitted()
        data.setdefault("datasets", [])
        dataservices.update_dataservice(s, current_actor(), svc, data)
    except ValidationError as err:
        s.rollback()
        return _render_form(svc, request.form.to_dict(), err.messages, 400)
    s.commit()
    flash(gettext("The changes were saved."), "success")
    return redirect(url_for(".show", slug=svc.slug))


@bp.post("/<slug>/delete")
@login_required
def delete(slug: str) -> Response:
    s = db_session()
    svc = _svc(slug)
    dataservices.delete_dataservice(s, current_actor(), svc)
    s.commit()
    flash(gettext("The service was deleted."), "info")
    return redirect(url_for(".index"))
