"""Administration: accounts and the audit log (site administrators only)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, gettext
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug import Response

from .. import policy
from ..auth import current_actor, current_reader
from ..db import db_session
from ..models import AuditEvent, Organization, User
from ..search.folding import folded_match
from ..services import account_links, audit, users
from ..services.common import NotFound
from .forms import page_args, read_form

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
    if result.url is None:
        flash(gettext("%(email)s already had an account and now has the role.", email=result.user.email), "success")
    else:
        flash(gettext("An invitation was e-mailed to %(email)s; its link works until %(date)s.",
                      email=result.user.email, date=format_datetime(result.expires_at, "short")), "success")
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
