"""Pages of national, sectoral and local databases and information systems."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug import Response

from .. import policy
from ..auth import current_actor, current_reader
from ..db import db_session
from ..models import Database, Organization
from ..services import databases, listing
from ..services.common import NotFound
from .forms import page_args, read_form

bp = Blueprint("databases", __name__, url_prefix="/databases")

TEXT_FIELDS = [
    "code", "name_vi", "name_en", "kind", "owner", "legal_basis", "purpose_vi", "purpose_en", "scope_vi",
    "scope_en", "collection_method_vi", "collection_method_en", "update_method_vi", "update_method_en",
    "data_sources_vi", "data_sources_en", "status", "hosting", "platforms_other", "website", "contact_name",
    "contact_email", "contact_phone", "in_operation_since",
]


def _db(code: str) -> Database:
    db = db_session().scalar(select(Database).where(Database.code == code))
    if db is None:
        raise NotFound(code)
    return db


@bp.get("")
def index() -> str:
    s = db_session()
    page, per_page = page_args(50)
    args = {k: request.args.get(k) or None for k in ("q", "kind", "owner", "status", "platform")}
    result = listing.list_databases(s, **args, page=page, per_page=per_page)
    owners = s.scalars(select(Organization).where(Organization.id.in_(select(Database.owner_id)))
                       .order_by(Organization.name_vi)).all()
    return render_template("databases/list.html", page=result, args=args, owners=owners)


@bp.get("/<code>")
def show(code: str) -> str:
    s = db_session()
    db = _db(code)
    reader = current_reader()
    datasets = listing.list_datasets(s, reader, listing.DatasetFilters(database=db.code), per_page=100)
    return render_template("databases/show.html", db=db, datasets=datasets,
                           missing=databases.missing_legal_items(db),
                           can_edit=policy.can_edit_database(reader, db))


def _editable_orgs() -> list[Organization]:
    ids = policy.editable_org_ids(current_reader())
    q = select(Organization).order_by(Organization.name_vi)
    if ids is not None:
        q = q.where(Organization.id.in_(ids))
    return list(db_session().scalars(q))


def _values(db: Database) -> dict[str, object]:
    values = {f: getattr(db, f, None) for f in TEXT_FIELDS if f != "owner"}
    values["owner"] = db.owner.code
    values["platforms"] = db.platforms
    return values


def _render_form(
    db: Database | None, values: dict, errors: dict | None = None, status: int = 200
) -> tuple[str, int]:
    return render_template("databases/form.html", db=db, values=values, errors=errors or {},
                           orgs=_editable_orgs()), status


def _submitted() -> dict:
    return read_form(request.form, lists=("platforms",))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> tuple[str, int] | Response:
    orgs = _editable_orgs()
    policy.require(bool(orgs))
    if request.method == "GET":
        return _render_form(None, {"owner": request.args.get("owner", ""), "status": "operating", "platforms": []})
    s = db_session()
    try:
        db = databases.create_database(s, current_actor(), _submitted())
    except ValidationError as err:
        s.rollback()
        return _render_form(None, {**request.form.to_dict(), "platforms": request.form.getlist("platforms")},
                            err.messages, 400)
    s.commit()
    flash(gettext("The database was registered."), "success")
    return redirect(url_for(".show", code=db.code))


@bp.route("/<code>/edit", methods=["GET", "POST"])
@login_required
def edit(code: str) -> tuple[str, int] | Response:
    db = _db(code)
    policy.require(policy.can_edit_database(current_reader(), db))
    if request.method == "GET":
        return _render_form(db, _values(db))
    s = db_session()
    try:
        data = _submitted()
        data.setdefault("platforms", [])  # no box ticked: no platform
        databases.update_database(s, current_actor(), db, data)
    except ValidationError as err:
        s.rollback()
        return _render_form(db, {**request.form.to_dict(), "platforms": request.form.getlist("platforms")},
                            err.messages, 400)
    s.commit()
    flash(gettext("The changes were saved."), "success")
    return redirect(url_for(".show", code=db.code))


@bp.post("/<code>/delete")
@login_required
def delete(code: str) -> Response:
    s = db_session()
    db = _db(code)
    try:
        databases.delete_database(s, current_actor(), db)
    except ValidationError as err:
        s.rollback()
        flash(" ".join(str(m) for msgs in err.messages.values() for m in msgs), "error")
        return redirect(url_for(".show", code=code))
    s.commit()
    flash(gettext("The database was deleted."), "info")
    return redirect(url_for(".index"))
