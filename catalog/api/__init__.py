"""REST API `/api/v1/`: JSON CRUD over the registry, token auth for writes, OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

from flask import Flask

from ..auth import csrf
from .routes import bp


def register_api(app: Flask) -> None:
    csrf.exempt(bp)  # writes need a bearer token, which a cross-site form cannot send
    app.register_blueprint(bp)
