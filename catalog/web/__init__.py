"""Server-rendered pages (Jinja2 in templates/), thin over the services."""

from __future__ import annotations

import importlib
import pkgutil

from flask import Flask, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, TooManyRequests

from ..auth import current_reader, login_manager
from ..dates import format_date, format_datetime
from ..i18n import current_locale
from ..policy import Forbidden
from ..services.common import NotFound
from . import headers, labels, params


def options(items: list, key: str = "code") -> list[tuple[str, str]]:
    """(value, label) pairs for a select or checkboxes, labelled in the reader's language."""
    loc = current_locale()
    return [(getattr(o, key), o.name(loc) if hasattr(o, "name") and callable(o.name) else o.title(loc))
            for o in items]


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register_blueprints(app: Flask, package: str) -> None:
    """Register the `bp` of every module of a package, so that a new area needs no central edit."""
    pkg = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package}.{info.name}")
        blueprint = getattr(module, "bp", None)
        if blueprint is not None:
            app.register_blueprint(blueprint)


def init_app(app: Flask) -> None:
    register_blueprints(app, __name__)
    params.install(app)
    headers.install(app)
    register_blueprints(app, "catalog.export")  # feeds and APIs for other portals

    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"

    app.jinja_env.globals.update(
        reader=current_reader,
        options=options,
        clean_args=lambda args: {k: v for k, v in args.items() if v not in (None, "")},
        labels=labels,
        # dd/mm/yyyy and HH:MM dd/mm/yyyy in Vietnamese (catalog/dates.py)
        format_date=format_date,
        format_datetime=format_datetime,
        format_decimal=format_decimal,
    )
    app.jinja_env.filters["filesize"] = labels.filesize
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _site() -> dict[str, object]:
        cfg = app.config["CATALOG"]
        return {"site_name": cfg["SITE_NAME_EN"] if current_locale() == "en" else cfg["SITE_NAME_VI"]}

    def _page(status: int, title: str, message: str) -> ResponseReturnValue:
        return render_template("error.html", status=status, title=title, message=message), status

    @app.errorhandler(Forbidden)
    def _forbidden(_e: Forbidden) -> ResponseReturnValue:
        if _wants_json():
            from ..api.errors import json_error

            return json_error(403, "forbidden")
        return _page(403, str(_l("Not allowed")), str(_l("Your account may not see or change this.")))

    @app.errorhandler(NotFound)
    def _not_found(_e: NotFound) -> ResponseReturnValue:
        if _wants_json():
            from ..api.errors import json_error

            return json_error(404, "not_found")
        return _page(404, str(_l("Not found")), str(_l("There is no page at this address, or you may not see it.")))

    @app.errorhandler(CSRFError)
    def _csrf(_e: CSRFError) -> ResponseReturnValue:
        return _page(400, str(_l("The form expired")), str(_l(
            "The form was open too long or came from elsewhere. Go back, reload the page and send it again.")))

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_e: RequestEntityTooLarge) -> ResponseReturnValue:
        limit = app.config["CATALOG"]["MAX_UPLOAD_MB"]
        if _wants_json():
            from ..api.errors import json_error

            return json_error(413, "too_large", str(_l("The request is larger than the limit of %(mb)s MB.", mb=limit)))
        message = _l("The file is larger than the limit of %(mb)s MB.", mb=limit)
        return _page(413, str(_l("File too large")), str(message))

    @app.errorhandler(TooManyRequests)
    def _too_many(_e: TooManyRequests) -> ResponseReturnValue:
        message = str(_l("Too many requests from your address. Wait a moment and try again."))
        if _wants_json():
            from ..api.errors import json_error

            return json_error(429, "too_many_requests", message)
        return _page(429, str(_l("Too many requests")), message)

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException) -> ResponseReturnValue:
        if _wants_json():
            from ..api.errors import json_error

            return json_error(e.code or 500, (e.name or "error").lower().replace(" ", "_"))
        titles = {404: _l("Not found"), 405: _l("Method not allowed"), 400: _l("Bad request")}
        return _page(e.code or 500, str(titles.get(e.code or 500, e.name)), str(_l(
            "There is no page at this address, or you may not see it.") if e.code == 404 else (e.description or "")))

    @app.errorhandler(ValidationError)
    def _invalid(e: ValidationError) -> ResponseReturnValue:
        if _wants_json():
            from ..api.errors import validation_error

            return validation_error(e)
        return _page(400, str(_l("Invalid input")), labels.error_summary(e))

    @app.before_request
    def _clear_reader() -> None:
        g.pop("reader", None)
