"""REST API `/api/v1/`: JSON CRUD over the registry, token auth for writes, OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

import importlib
import pkgutil

from flask import Blueprint, Flask

from ..auth import csrf

#: Every module of this package with a `bp` is an API area (all under /api/v1); its
#: `OPENAPI_PATHS` (paths relative to /api/v1) join the OpenAPI document.
PREFIX = "/api/v1"


def api_modules() -> list:
    return [importlib.import_module(f"{__name__}.{m.name}") for m in sorted(pkgutil.iter_modules(__path__),
                                                                           key=lambda m: m.name)]


def register_api(app: Flask) -> None:
    for module in api_modules():
        blueprint: Blueprint | None = getattr(module, "bp", None)
        if blueprint is None:
            continue
        csrf.exempt(blueprint)  # writes need a bearer token, which a cross-site form cannot send
        app.register_blueprint(blueprint)
