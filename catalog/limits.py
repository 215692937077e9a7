"""Rate limits per client address (Flask-Limiter), by kind of route.

Every route is put in one class by its address when the app is built, so routes added later
(feeds, new API blueprints) are limited without anyone remembering to: API, search and
suggestions, feeds for other portals, public feedback, sign-in. A refused request answers 429 with
`Retry-After`, as JSON under `/api/` and as a page elsewhere (`web` handles the error).

Counts live where `CATALOG_RATELIMIT_STORAGE_URL` says: Redis (`redis://…`) so that every web
process and machine shares them; the default is the Celery broker when that is Redis, else each
process's memory (one process, or a first look at the portal). If the store cannot be reached, the
limits fall back to memory and requests are served: a limit store outage is not a site outage.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from flask import Flask, request
from flask_limiter import Limiter

#: (class, the setting holding its limit, whether a path belongs to it, methods counted or None for all)
CLASSES: list[tuple[str, str, Callable[[str], bool], tuple[str, ...] | None]] = [
    ("signin", "RATELIMIT_SIGNIN", lambda p: p in ("/login",) or p.startswith(("/password", "/invitations")),
     ("POST",)),
    ("feedback", "RATELIMIT_FEEDBACK", lambda p: "/feedback" in p or p.startswith("/requests"), ("POST",)),
    ("search", "RATELIMIT_SEARCH", lambda p: p in ("/search", "/api/v1/search", "/api/v1/search/suggest"), None),
    ("feeds", "RATELIMIT_FEEDS", lambda p: p.startswith(("/catalog.", "/feeds/", "/sitemap", "/api/3/", "/api/action/"))
     or p.endswith((".ttl", ".rdf", ".jsonld", ".atom")), None),
    ("api", "RATELIMIT_API", lambda p: p.startswith("/api/"), None),
]


def client_address() -> str:
    """The client's address (`CATALOG_TRUSTED_PROXIES` decides whether X-Forwarded-For is believed)."""
    return request.remote_addr or "unknown"


def storage_url(cfg: dict[str, Any]) -> str:
    if cfg["RATELIMIT_STORAGE_URL"]:
        return cfg["RATELIMIT_STORAGE_URL"]
    broker = cfg.get("CELERY_BROKER_URL") or ""
    return broker if broker.startswith(("redis://", "rediss://")) else "memory://"


def key_prefix(cfg: dict[str, Any]) -> str:
    """Processes of one portal (one registry) share their counts; two portals on one Redis do not."""
    return "catalog-" + hashlib.sha256(str(cfg.get("DATABASE_URL")).encode()).hexdigest()[:12]


def class_of(path: str) -> tuple[str, str, tuple[str, ...] | None] | None:
    for name, setting, matches, methods in CLASSES:
        if matches(path):
            return name, setting, methods
    return None


def init_limits(app: Flask) -> Limiter | None:
    """Call after every blueprint is registered: it classes the routes that exist."""
    cfg = app.config["CATALOG"]
    if not cfg["RATELIMIT_ENABLED"]:
        return None
    limiter = Limiter(client_address, app=app, storage_uri=storage_url(cfg), headers_enabled=True,
                      strategy="fixed-window", swallow_errors=True, in_memory_fallback_enabled=True,
                      key_prefix=key_prefix(cfg))
    limited: set[str] = set()
    for rule in app.url_map.iter_rules():
        found = class_of(rule.rule)
        if found is None or rule.endpoint in limited:
            continue
        name, setting, methods = found
        view = app.view_functions[rule.endpoint]
        # the decorated view is the one that counts: it replaces the registered one
        app.view_functions[rule.endpoint] = limiter.shared_limit(
            cfg[setting], scope=name, methods=list(methods) if methods else None)(view)
        limited.add(rule.endpoint)
    app.extensions["catalog_limiter"] = limiter
    return limiter
