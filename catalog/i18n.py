"""Languages: Vietnamese by default, English on a switch; catalogues compiled when they change."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_login import current_user

from .config import PROJECT_ROOT

LOCALES = ("vi", "en")
TRANSLATIONS_DIR = PROJECT_ROOT / "translations"


def compile_catalogs(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Compile every .po whose .mo is missing or older, atomically (several workers may start at once)."""
    written = []
    for po_path in directory.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with open(po_path, "rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        fd, tmp = tempfile.mkstemp(dir=po_path.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog)
        os.replace(tmp, mo_path)
        written.append(mo_path)
    return written


def select_locale() -> str:
    """Explicit choice (?lang=, the switch, the account) first; CLI and jobs use the default."""
    if not has_request_context():
        return current_app.config["CATALOG"]["DEFAULT_LOCALE"]
    choice = request.args.get("lang")
    if choice in LOCALES:
        return choice
    choice = session.get("lang")
    if choice in LOCALES:
        return choice
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    if request.path.startswith("/api/") and request.accept_languages:
        best = request.accept_languages.best_match(LOCALES)
        if best:
            return best
    return current_app.config["CATALOG"]["DEFAULT_LOCALE"]


def remember_choice() -> None:
    """`?lang=` on a page sticks like the header's switch: later pages keep that language.

    API calls are left alone: they choose per request and need no session cookie.
    """
    choice = request.args.get("lang")
    if choice in LOCALES and not request.path.startswith("/api/") and session.get("lang") != choice:
        session["lang"] = choice


def current_locale() -> str:
    loc = get_locale()
    return loc.language if loc else "vi"


def init_app(app: Flask) -> None:
    compile_catalogs()
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["CATALOG"]["DEFAULT_LOCALE"]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS_DIR)
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Ho_Chi_Minh"
    Babel(app, locale_selector=select_locale)
    app.before_request(remember_choice)
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.globals["LOCALES"] = LOCALES
