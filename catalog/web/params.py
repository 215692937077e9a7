"""Request parameters that must never reach the database as they came: page numbers and NUL bytes.

A page number of twenty digits overflows the database's integers and PostgreSQL refuses text with a
NUL byte: both used to end in a 500. The API answers 400 naming the parameter; pages clamp a page
number to what exists (an empty page past the end) and refuse a NUL byte with a 400 page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

#: No list has this many pages; a larger number would only overflow the database's offset.
MAX_PAGE = 1_000_000


class BadParameter(ValueError):
    """A query parameter or field the request cannot be served with (400, naming it)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def page_args(args: Mapping[str, Any], default_per_page: int | None = None, *, strict: bool) -> tuple[int, int]:
    """(page, per_page) from a query string. Strict (the API): anything but a whole number in range
    raises BadParameter; lenient (pages): bad values fall back to the default, numbers are clamped."""
    cfg = current_app.config["CATALOG"]
    largest = cfg["MAX_PAGE_SIZE"]
    per_page = _number(args, "per_page", default_per_page or cfg["PAGE_SIZE"], largest, strict)
    return _number(args, "page", 1, MAX_PAGE, strict), per_page


def choice(args: Mapping[str, Any], name: str, allowed: Iterable[str], default: str) -> str:
    """A value from a fixed list (a sort order, say); anything else raises BadParameter listing them."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    options = list(allowed)
    if raw not in options:
        raise BadParameter(name, gettext("Must be one of: %(values)s.", values=", ".join(options)))
    return str(raw)


def _number(args: Mapping[str, Any], name: str, default: int, largest: int, strict: bool) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw).strip(), 10)
    except ValueError:
        if strict:
            raise BadParameter(name, gettext("Must be a whole number.")) from None
        return default
    if 1 <= value <= largest:
        return value
    if strict:
        raise BadParameter(name, gettext("Must be a whole number from 1 to %(largest)s.", largest=largest))
    return min(max(1, value), largest)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def refuse_nul_bytes() -> None:
    """Before every request: no NUL byte in the path, the query, form fields or a JSON body (files
    may hold any bytes). PostgreSQL cannot store one; SQLite would keep it invisibly."""
    if "\x00" in request.path:
        raise BadParameter("path", gettext("Contains a NUL character."))
    fields = [("query", request.args)]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields.append(("form", request.form))
    for _where, multi in fields:
        for key, values in multi.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                raise BadParameter(key.replace("\x00", ""), gettext("Contains a NUL character."))
    limit = current_app.config["CATALOG"]["MAX_JSON_KB"] * 1024
    if request.is_json and (request.content_length or 0) <= limit:  # a larger body is refused later (413)
        body = request.get_json(silent=True)
        if body is not None and any("\x00" in s for s in _strings(body)):
            raise BadParameter("body", gettext("Contains a NUL character."))


def install(app: Flask) -> None:
    """Refuse NUL bytes before every request; answer BadParameter as JSON (API) or a page."""
    app.before_request(refuse_nul_bytes)

    @app.errorhandler(BadParameter)
    def _bad_parameter(e: BadParameter) -> ResponseReturnValue:
        from flask import jsonify, render_template

        message = gettext("The parameter %(name)s is not valid: %(reason)s", name=e.name, reason=e.message)
        if request.path.startswith("/api/"):
            return jsonify({"error": "invalid_parameter", "message": message, "parameter": e.name,
                            "errors": {e.name: [e.message]}}), 400
        return render_template("error.html", status=400, title=gettext("Bad request"), message=message), 400
