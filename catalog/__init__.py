"""The catalogue application: `create_app()` builds it from `CATALOG_*` settings."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import PROJECT_ROOT, load_config, secret_key_for
from .json_input import BoundedJSONProvider

__all__ = ["create_app"]


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app. `overrides` replace settings (tests pass an instance folder and database URL)."""
    cfg = load_config(overrides=overrides)
    app = Flask(
        __name__,
        instance_path=cfg["INSTANCE_PATH"],
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    app.config["CATALOG"] = cfg
    if cfg["TRUSTED_PROXIES"]:
        # Behind a proxy the client's address (used by sign-in throttling and the audit log) and
        # the scheme come from X-Forwarded-* headers, believed only for that many hops.
        n = cfg["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    app.config.update(
        SECRET_KEY=secret_key_for(cfg),
        # The whole request may carry one upload of the configured size plus the form around it.
        MAX_CONTENT_LENGTH=(cfg["MAX_UPLOAD_MB"] + 1) * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=cfg["SESSION_COOKIE_SECURE"],
        REMEMBER_COOKIE_SECURE=cfg["SESSION_COOKIE_SECURE"],
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_DURATION=timedelta(days=cfg["REMEMBER_DAYS"]),
        WTF_CSRF_TIME_LIMIT=8 * 3600,
    )
    app.json = BoundedJSONProvider(app)  # bodies nested too deeply are a 400, not a crash
    app.json.sort_keys = False  # keep the order of the schemas
    app.json.ensure_ascii = False  # Vietnamese as UTF-8, readable
    logging.basicConfig(level=cfg["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)

    from . import db, gc_tuning, i18n, metrics, storage, tasks, web
    from .api import register_api
    from .auth import init_auth
    from .cli import register_cli
    from .limits import init_limits
    from .quality import tasks as _quality  # noqa: F401  (checks follow uploads and harvests; schedules)
    from .search import indexer  # noqa: F401  (keeps the search index in step with every commit)
    from .services import sharing
    from .services.connection_health import probe_job  # noqa: F401  (registers the probe round)
    from .services.notifications import email_notifications  # noqa: F401  (registers the e-mail task)
    from .web import page_cache

    storage.configure(cfg)
    db.init_app(app)
    i18n.init_app(app)
    init_auth(app)
    web.init_app(app)
    register_api(app)
    register_cli(app)
    metrics.init_app(app)
    tasks.init_app(app)
    init_limits(app)  # after every blueprint: it classes the routes that exist
    page_cache.install(app)  # last: rate limits and metrics still see a cached page
    gc_tuning.install(app)
    sharing.install()  # agreements in force grant access through the policy
    return app
