"""Administration: accounts and the audit log (site administrators only)."""

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
from ..models import Organization, User
from ..services import audit, users
from .forms import page_args, read_form

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only() -> None:
    policy.require(current_reader().is_admin)


@bp.route("/users", methods=["GET", "POST"])
def user_list() -> tuple[str, int] | Response:
    s = db_session()
    errors: dict = {}
    status = 200
    if request.method == "POST":
        try:
            users.create_user(s, current_actor(), read_form(request.form, bools=("is_admin",)))
            s.commit()
            flash(gettext("The account was created."), "success")
            return redirect(url_for(".user_list"))
        except ValidationError as err:
            s.rollback()
            errors, status = err.messages, 400
    rows = s.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=rows, errors=errors, form=request.form), status


@bp.post("/users/<user_id>/active")
def toggle_active(user_id: str) -> Response:
    s = db_session()
    user = s.get(User, user_id)
    if user is not None and user.id != current_reader().user_id:
        user.active = not user.active
        audit.record(s, current_actor(), "activate" if user.active else "deactivate", "user", user.id,
                     label=user.email)
        s.commit()
    return redirect(url_for(".user_list"))


def _audit_filter() -> tuple[audit.AuditFilter, dict]:
    try:
        return audit.read_filter(db_session(), request.args), {}
    except ValidationError as err:
        return audit.AuditFilter(), err.messages


@bp.get("/audit")
def audit_log() -> tuple[str, int]:
    """The log, filtered by actor, agency, object type, action and period; the export takes the same filter."""
    s = db_session()
    page, per_page = page_args(50)
    chosen, errors = _audit_filter()
    events = [] if errors else s.scalars(
        audit.filtered(s, chosen).limit(per_page).offset((page - 1) * per_page)).all()
    agencies = s.scalars(select(Organization).order_by(Organization.name_vi)).all()
    return render_template("admin/audit.html", events=events, page=page, per_page=per_page, errors=errors,
                           values=request.args, chosen=chosen, agencies=agencies,
                           choices=audit.filter_choices(s)), 400 if errors else 200


@bp.get("/audit.csv")
def audit_export() -> Response:
    """What the page shows (the whole filtered view, not one page) as CSV, oldest first, with the
    hashes needed to verify the chain elsewhere."""
    s = db_session()
    chosen, errors = _audit_filter()
    if errors:
        text = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in errors.items())
        return Response(text, status=400, mimetype="text/plain; charset=utf-8")
    events = list(reversed(s.scalars(audit.filtered(s, chosen)).all()))
    response = Response("\ufeff" + audit.export_csv(events), mimetype="text/csv; charset=utf-8")
    name = "nhat-ky-loc.csv" if chosen.query_args() else "nhat-ky.csv"
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    return response
