"""JSON error bodies: a stable code for programs, a message in the reader's language for people."""

from __future__ import annotations

from flask import Response, jsonify
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from ..schemas.base import field_errors

_MESSAGES = {
    "unauthorized": _l("Sign in with an API token (Authorization: Bearer ...) to change data."),
    "forbidden": _l("Your account may not see or change this."),
    "not_found": _l("Not found, or you may not see it."),
    "invalid_json": _l("The body is not valid JSON."),
    "method_not_allowed": _l("This method is not allowed here."),
    "too_large": _l("The request is too large."),
}


def json_error(status: int, code: str, message: str | None = None) -> tuple[Response, int]:
    text = message or (str(_MESSAGES[code]) if code in _MESSAGES else code.replace("_", " "))
    response = jsonify({"error": code, "message": text})
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="catalog"'
    return response, status


def validation_error(err: ValidationError) -> tuple[Response, int]:
    """422 with every field's problems, so that a client can fix them all at once."""
    return jsonify({
        "error": "invalid",
        "message": gettext("Some fields are not valid; nothing was changed."),
        "errors": field_errors(err),
    }), 422
