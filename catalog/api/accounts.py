"""Accounts in the API: one's own tokens (created with scopes and expiry) and invitations.

Every call here needs a token. A token creates tokens for its own account only, and never with a
scope it lacks itself; inviting needs the admin scope.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from ..auth import authenticate_bearer, current_actor, token_scopes
from ..db import db_session
from ..models import SCOPES, ApiToken
from ..schemas.accounts import InvitationInput, TokenInput
from ..services import account_links, users
from . import routes
from .openapi import content, json_schema
from .routes import _body, _require_token

bp = Blueprint("accounts_api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate_bearer)
routes.install_error_handlers(bp)


def _token_out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id, "name": token.name, "prefix": token.prefix, "scopes": token.scopes.split(),
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


@bp.get("/tokens")
def tokens_list() -> Response:
    _require_token("read")
    rows = db_session().scalars(select(ApiToken).where(ApiToken.user_id == current_user.id)
                                .order_by(ApiToken.created_at.desc())).all()
    return jsonify({"items": [_token_out(t) for t in rows]})


@bp.post("/tokens")
def token_create() -> ResponseReturnValue:
    _require_token("read")
    s = db_session()
    token, clear = users.create_token(s, current_actor(), current_user, _body(), within=token_scopes())
    s.commit()
    return jsonify({**_token_out(token), "token": clear}), 201


@bp.delete("/tokens/<token_id>")
def token_revoke(token_id: str) -> tuple[str, int]:
    _require_token("read")
    s = db_session()
    users.revoke_token(s, current_actor(), users.own_token(s, current_user.id, token_id))
    s.commit()
    return "", 204


@bp.post("/invitations")
def invitation_create() -> ResponseReturnValue:
    """The link is e-mailed to the person, never returned: only they choose their password."""
    _require_token("admin")
    s = db_session()
    result = account_links.invite(s, current_actor(), _body())
    s.commit()
    return jsonify({
        "email": result.user.email,
        "invited": result.url is not None,
        "expires_at": result.expires_at.isoformat() if result.expires_at else None,
        "memberships": [{"organization": m.organization.code, "role": m.role} for m in result.user.memberships],
        "is_admin": result.user.is_admin,
    }), 201 if result.url else 200


def _openapi_paths() -> dict[str, Any]:
    tags = ["accounts"]
    err = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    token = {"type": "object", "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "prefix": {"type": "string"},
        "scopes": {"type": "array", "items": {"type": "string", "enum": list(SCOPES)}},
        "created_at": {"type": "string", "format": "date-time"},
        "expires_at": {"type": "string", "format": "date-time", "nullable": True},
        "last_used_at": {"type": "string", "format": "date-time", "nullable": True},
        "revoked_at": {"type": "string", "format": "date-time", "nullable": True}}}
    denied = {"401": {"description": "No token, or an invalid, expired or revoked one", **err},
              "403": {"description": "The token lacks a scope, or the account may not do this", **err}}
    return {
        "/tokens": {
            "get": {"tags": tags, "summary": "Your API tokens (never their values)", "security": [{"bearer": []}],
                    "responses": {"200": {"description": "Tokens", **content(
                        {"type": "object", "properties": {"items": {"type": "array", "items": token}}})}, **denied}},
            "post": {"tags": tags, "summary": "Create a token with scopes (at most the calling token's) and an expiry",
                     "security": [{"bearer": []}],
                     "requestBody": {"required": True, **content(json_schema(TokenInput))},
                     "responses": {"201": {"description": "The token; its value is shown this once", **content(
                         {"allOf": [token, {"type": "object", "properties": {"token": {"type": "string"}}}]})},
                         "422": {"description": "Invalid input", **err}, **denied}},
        },
        "/tokens/{token_id}": {
            "parameters": [{"name": "token_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "delete": {"tags": tags, "summary": "Revoke one of your tokens", "security": [{"bearer": []}],
                       "responses": {"204": {"description": "Revoked"}, "404": {"description": "Not found", **err},
                                     **denied}},
        },
        "/invitations": {
            "post": {"tags": tags, "summary": "Invite a person by e-mail into an agency with a role (admin scope; "
                                              "stewards into their own agencies, never as administrators)",
                     "security": [{"bearer": []}],
                     "requestBody": {"required": True, **content(json_schema(InvitationInput))},
                     "responses": {"201": {"description": "Invited: the link was e-mailed"},
                                   "200": {"description": "The address already had an account: it got the role"},
                                   "422": {"description": "Invalid input", **err}, **denied}},
        },
    }


OPENAPI_PATHS = _openapi_paths()
