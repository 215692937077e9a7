"""Passwords: changing one's own, the forgotten-password link, and accepting an invitation.

A password chosen by someone else (a temporary one) must be changed before anything else: every
page but this one, the account page and signing out leads here until it is.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required, login_user
from marshmallow import ValidationError
from werkzeug import Response

from ..auth import current_actor
from ..db import db_session
from ..services import account_links, users
from ..services.account_links import INVITATION, PASSWORD_RESET, LinkUnusable

bp = Blueprint("passwords", __name__)

#: Pages open to someone who must first change a temporary password.
_OPEN_WHILE_FORCED = {"passwords.change", "auth.account", "auth.logout", "auth.set_language", "static"}


@bp.before_app_request
def _force_change() -> Response | None:
    if request.path.startswith("/api/") or request.endpoint in _OPEN_WHILE_FORCED:
        return None
    if current_user.is_authenticated and getattr(current_user, "must_change_password", False):
        flash(gettext("Your password was chosen by someone else: choose your own before going on."), "info")
        return redirect(url_for("passwords.change"))
    return None


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change() -> str | Response | tuple[str, int]:
    if request.method == "GET":
        return render_template("auth/password.html", errors={})
    s = db_session()
    try:
        users.change_password(s, current_actor(), current_user, request.form.to_dict())
    except ValidationError as err:
        s.rollback()
        return render_template("auth/password.html", errors=err.messages), 400
    s.commit()
    flash(gettext("Your password was changed."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot() -> str:
    if request.method == "GET":
        return render_template("auth/forgot.html", sent=False)
    s = db_session()
    account_links.request_reset(s, request.form.get("email", ""), request.remote_addr)
    s.commit()
    # the same page whether or not the address has an account
    return render_template("auth/forgot.html", sent=True)


def _link_page(kind: str, token: str) -> str | Response | tuple[str, int]:
    s = db_session()
    template = "auth/set_password.html"
    try:
        link = account_links.find(s, kind, token)
    except LinkUnusable as e:
        return render_template(template, kind=kind, problem=e.reason), 410 if e.reason != "unknown" else 404
    if request.method == "GET":
        return render_template(template, kind=kind, link=link, errors={})
    try:
        user = account_links.use(s, kind, token, request.form.to_dict(), request.remote_addr)
    except ValidationError as err:
        s.rollback()
        return render_template(template, kind=kind, link=link, errors=err.messages), 400
    except LinkUnusable as e:
        s.rollback()
        return render_template(template, kind=kind, problem=e.reason), 410
    s.commit()
    login_user(user)
    flash(gettext("Welcome! Your password is set and you are signed in.") if kind == INVITATION
          else gettext("Your new password is set and you are signed in."), "success")
    return redirect(url_for("auth.account"))


@bp.after_request
def _no_referrer(response: Response) -> Response:
    """The links carry a secret in their path: never pass it on to another site."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> str | Response | tuple[str, int]:
    return _link_page(PASSWORD_RESET, token)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str) -> str | Response | tuple[str, int]:
    return _link_page(INVITATION, token)
