"""Search: a backend interface with two implementations, Whoosh (embedded) and PostgreSQL.

`backend_for(app)` picks the one `CATALOG_SEARCH_BACKEND` names; `indexer` keeps it in step
with the registry; `service` is what pages and the API call.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from .base import SearchBackend

__all__ = ["SearchBackend", "backend_for"]


def backend_for(app: Flask | None = None) -> Any:
    """The app's search backend, made once per app (it caches searchers and filters)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    backend = app.extensions.get("catalog_search")
    if backend is None:
        cfg = app.config["CATALOG"]
        if cfg["SEARCH_BACKEND"] == "postgres":
            from ..db import registry_db
            from .postgres_backend import PostgresBackend

            cache = None
            if cfg["SEARCH_CACHE_URL"]:
                from .cache import SearchCache

                cache = SearchCache(cfg["SEARCH_CACHE_URL"], cfg["SEARCH_CACHE_SECONDS"],
                                    namespace=f"catalog:{cfg['CELERY_QUEUE']}:search")
            backend = PostgresBackend(registry_db(app).engine, cache)
        else:
            from .whoosh_backend import WhooshBackend

            backend = WhooshBackend(cfg["SEARCH_INDEX_DIR"])
        app.extensions["catalog_search"] = backend
    return backend
