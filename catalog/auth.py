"""Sign-in: browser sessions (flask-login) and bearer tokens for machine clients."""

from __future__ import annotations

from flask import Flask, Request, g, request
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from .db import db_session
from .models import User
from .policy import ANONYMOUS, Reader, reader_for
from .services.actor import Actor
from .services.users import user_for_token

login_manager = LoginManager()
csrf = CSRFProtect()


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db_session().get(User, user_id)
    return user if user is not None and user.active else None


def _bearer(req: Request) -> str | None:
    header = req.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


@login_manager.request_loader
def _load_user_from_token(req: Request) -> User | None:
    token = _bearer(req)
    user = user_for_token(db_session(), token) if token else None
    if user is not None:
        g.token_auth = True
    return user


def authenticate_bearer() -> None:
    """A request that carries a bearer token is that token's user and nobody else, whatever
    cookie comes with it; a bad token makes it anonymous. Called before every API request."""
    token = _bearer(request)
    if token is None:
        return
    user = user_for_token(db_session(), token)
    g._login_user = user if user is not None else login_manager.anonymous_user()
    g.token_auth = user is not None


def current_reader() -> Reader:
    """The policy's view of whoever made this request (computed once per request)."""
    if "reader" not in g:
        user = current_user._get_current_object() if current_user else None
        g.reader = reader_for(db_session(), user) if user is not None and user.is_authenticated else ANONYMOUS
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
