"""Sign-in: browser sessions (flask-login) for pages, bearer tokens for the API only.

A token never opens a page: pages know only the session cookie, and the API blueprints call
`authenticate_bearer` before each request. A token carries scopes; `require_scope` refuses an
action its token was not given, and a token without the admin scope acts without its owner's
administrator rights.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Flask, Request, g, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from .db import db_session
from .models import User
from .policy import ANONYMOUS, Reader, reader_for
from .services.actor import Actor
from .services.users import check_token

login_manager = LoginManager()
csrf = CSRFProtect()


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db_session().get(User, user_id)
    return user if user is not None and user.active else None


def _bearer(req: Request) -> str | None:
    header = req.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


class MissingScope(Exception):
    """The request's token was not given the scope this action needs (answered 403)."""

    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


def _token_problem(problem: str) -> str:
    return {
        "expired": gettext("This API token has expired; create a new one on your account page."),
        "revoked": gettext("This API token was revoked; create a new one on your account page."),
        "inactive": gettext("The account of this API token is deactivated."),
    }.get(problem, gettext("This API token is not valid."))


def authenticate_bearer() -> ResponseReturnValue | None:
    """A request that carries a bearer token is that token's user and nobody else, whatever
    cookie comes with it. A token that is unknown, expired or revoked is refused with 401 (never
    read as anonymous). Called before every API request."""
    token = _bearer(request)
    if token is None:
        return None
    from .api.errors import json_error

    g.pop("reader", None)  # whatever was worked out before this point did not know the token
    check = check_token(db_session(), token)
    if check.token is None:
        g._login_user = login_manager.anonymous_user()
        g.token_auth = False
        return json_error(401, "invalid_token", _token_problem(check.problem or "unknown"))
    g._login_user = check.token.user
    g.token_auth = True
    g.token_scopes = check.token.scope_set
    if request.method in ("GET", "HEAD", "OPTIONS") and "read" not in g.token_scopes:
        return scope_error(MissingScope("read"))
    return None


def token_scopes() -> frozenset[str] | None:
    """The scopes of the request's token; None when the request came without one."""
    return g.get("token_scopes") if g.get("token_auth") else None


def require_scope(scope: str) -> None:
    scopes = token_scopes()
    if scopes is not None and scope not in scopes:
        raise MissingScope(scope)


def scope_error(e: MissingScope) -> ResponseReturnValue:
    response = jsonify({
        "error": "insufficient_scope",
        "message": gettext("This API token lacks the “%(scope)s” scope needed here; create a token with that "
                           "scope.", scope=e.scope),
        "required_scope": e.scope,
    })
    response.headers["WWW-Authenticate"] = f'Bearer realm="catalog", error="insufficient_scope", scope="{e.scope}"'
    return response, 403


def current_reader() -> Reader:
    """The policy's view of whoever made this request (computed once per request)."""
    if "reader" not in g:
        user = current_user._get_current_object() if current_user else None
        reader = reader_for(db_session(), user) if user is not None and user.is_authenticated else ANONYMOUS
        scopes = token_scopes()
        if scopes is not None and "admin" not in scopes and reader.is_admin:
            reader = replace(reader, is_admin=False)  # the token was not given its owner's admin rights
        g.reader = reader
    return g.reader


def current_actor() -> Actor:
    reader = current_reader()
    label = current_user.email if reader.is_authenticated else "anonymous"
    return Actor(reader=reader, label=label, ip=request.remote_addr)


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    app.register_error_handler(MissingScope, scope_error)
