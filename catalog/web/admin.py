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
from ..models import AuditEvent, User
from ..search.folding import folded_match
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
    words = request.args.get("q") or None
    listed = select(User).order_by(User.email)
    matched = folded_match([User.name, User.email], words)
    if matched is not None:
        listed = listed.where(matched)
    rows = s.scalars(listed).all()
    return render_template("admin/users.html", users=rows, errors=errors, form=request.form, q=words or ""), status


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


@bp.get("/audit")
def audit_log() -> str:
    s = db_session()
    page, per_page = page_args(50)
    q = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(per_page).offset((page - 1) * per_page)
    return render_template("admin/audit.html", events=s.scalars(q).all(), page=page, per_page=per_page)


@bp.get("/audit.csv")
def audit_export() -> Response:
    """The whole log as CSV, oldest first, with the hashes needed to verify it elsewhere."""
    events = list(reversed(audit.events_for(db_session())))
    response = Response("\ufeff" + audit.export_csv(events), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = "attachment; filename=nhat-ky.csv"
    return response
