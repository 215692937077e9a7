"""Administration: accounts and the audit log (site administrators only)."""

from __future__ import annotations

from collections.abc import Callable

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
from ..search.folding import folded_match
from ..services import account_links, audit, users
from ..services.common import NotFound
from .forms import page_args, read_form
from .invitations import flash_invitation

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only() -> None:
    policy.require(current_reader().is_admin)


def _users_page(errors: dict | None = None, status: int = 200) -> tuple[str, int]:
    s = db_session()
    words = request.args.get("q") or None
    listed = select(User).order_by(User.email)
    matched = folded_match([User.name, User.email], words)  # with or without diacritics
    if matched is not None:
        listed = listed.where(matched)
    rows = s.scalars(listed).all()
    orgs = s.scalars(select(Organization).order_by(Organization.name_vi)).all()
    return render_template("admin/users.html", users=rows, errors=errors or {}, form=request.form,
                           organizations=orgs, q=words or ""), status


@bp.route("/users", methods=["GET", "POST"])
def user_list() -> tuple[str, int] | Response:
    """The accounts; the form invites a person (nobody types another person's password)."""
    if request.method == "GET":
        return _users_page()
    s = db_session()
    try:
        data = read_form(request.form, bools=("is_admin",))
        data = {k: (v or None) if k in ("organization", "role", "locale", "name") else v for k, v in data.items()}
        result = account_links.invite(s, current_actor(), data)
    except ValidationError as err:
        s.rollback()
        return _users_page(err.messages, 400)
    s.commit()
    flash_invitation(result)
    return redirect(url_for(".user_list"))


def _change(user_id: str, change: Callable[[User], None]) -> Response:
    s = db_session()
    user = s.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    try:
        change(user)
    except ValidationError as err:
        s.rollback()
        flash(" ".join(str(m) for msgs in err.messages.values() for m in msgs), "error")
        return redirect(url_for(".user_list"))
    s.commit()
    flash(gettext("The account was changed."), "success")
    return redirect(url_for(".user_list"))


@bp.post("/users/<user_id>/active")
def toggle_active(user_id: str) -> Response:
    return _change(user_id, lambda u: users.set_active(db_session(), current_actor(), u, not u.active))


@bp.post("/users/<user_id>/admin")
def toggle_admin(user_id: str) -> Response:
    return _change(user_id, lambda u: users.set_admin(db_session(), current_actor(), u, not u.is_admin))


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
