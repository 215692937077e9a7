"""Sign-in and sign-out, the account page and personal API tokens."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug import Response

from ..auth import current_actor
from ..db import db_session
from ..models import ApiToken
from ..services import users
from . import labels
from .forms import read_form
from .redirects import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    next_url = safe_next(request.values.get("next"), url_for("home.index"))
    if request.method == "GET":
        return render_template("auth/login.html", next_url=next_url, email="")
    cfg = current_app.config["CATALOG"]
    s = db_session()
    email = request.form.get("email", "")
    result = users.authenticate(
        s, email, request.form.get("password", ""), request.remote_addr or "",
        max_failures=cfg["LOGIN_MAX_FAILURES"], lockout_minutes=cfg["LOGIN_LOCKOUT_MINUTES"],
    )
    s.commit()
    if result.user is None:
        headers = {}
        if result.locked_minutes:
            message = gettext("Too many failed attempts. Try again in %(n)s minutes.", n=result.locked_minutes)
            status = 429
        elif result.retry_seconds:
            message = gettext("Too many failed sign-ins from your network. Wait %(n)s seconds and try again.",
                              n=result.retry_seconds)
            status, headers = 429, {"Retry-After": str(result.retry_seconds)}
        else:
            message = gettext("The e-mail address or the password is wrong.")
            status = 401
        return render_template("auth/login.html", next_url=next_url, email=email, error=message), status, headers
    login_user(result.user, remember=bool(request.form.get("remember")))
    flash(gettext("Signed in."), "success")
    return redirect(next_url)


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    flash(gettext("Signed out."), "info")
    return redirect(url_for("home.index"))


def _account_page(status: int = 200, **extra: object) -> tuple[str, int]:
    tokens = db_session().scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    scope_options = [(scope, labels.TOKEN_SCOPES[scope]) for scope in users.allowed_scopes(current_user)]
    return render_template("auth/account.html", tokens=tokens, scope_options=scope_options, **extra), status


@bp.route("/account", methods=["GET"])
@login_required
def account() -> tuple[str, int]:
    return _account_page(form={"scopes": ["read"]})


@bp.post("/account/tokens")
@login_required
def create_token() -> tuple[str, int]:
    s = db_session()
    try:
        data = read_form(request.form, lists=("scopes",))
        data.setdefault("scopes", [])  # no box ticked: the schema says a scope is needed
        if data.get("expires_in_days") == "":
            data["expires_in_days"] = None
        token, clear = users.create_token(s, current_actor(), current_user, data)
    except ValidationError as err:
        s.rollback()
        form = {**request.form.to_dict(), "scopes": request.form.getlist("scopes")}
        return _account_page(400, errors=err.messages, form=form)
    s.commit()
    return _account_page(new_token=clear, new_token_row=token, form={"scopes": ["read"]})


@bp.post("/account/tokens/<token_id>/revoke")
@login_required
def revoke_token(token_id: str) -> Response:
    s = db_session()
    users.revoke_token(s, current_actor(), users.own_token(s, current_user.id, token_id))
    s.commit()
    flash(gettext("The token was revoked."), "info")
    return redirect(url_for("auth.account"))


@bp.post("/account/language")
@login_required
def set_language() -> Response:
    code = request.form.get("locale")
    if code in ("vi", "en"):
        current_user.locale = code
        db_session().commit()
    return redirect(url_for("auth.account"))
