"""Search answers kept a short time in Redis, shared by every web process (server mode).

A broad query costs the PostgreSQL backend one pass over the rows it matches; the same query from
the same access scope (`AccessFilter.key`: the reader's tokens and grants, never the person) is
answered from Redis for `CATALOG_SEARCH_CACHE_SECONDS`. Entries are keyed by the index version, a
Redis counter that every write to the index increments (after its commit), so a change made
through any process is seen by the next search everywhere at once; old entries simply expire.
When Redis cannot be reached the search runs uncached and a warning is logged.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from .base import SearchHits, SearchRequest

log = logging.getLogger(__name__)


class SearchCache:
    def __init__(self, url: str, seconds: int, namespace: str = "catalog:search") -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self.seconds = seconds
        self.namespace = namespace

    def _warn(self, what: str, exc: Exception) -> None:
        log.warning("search cache: could not %s (%s: %s); searching without it", what, type(exc).__name__, exc)

    def version(self) -> str | None:
        """The index version, or None when Redis does not answer (then nothing is cached)."""
        try:
            found = self.client.get(f"{self.namespace}:version")
        except Exception as exc:
            self._warn("read the index version", exc)
            return None
        return found.decode() if found else "0"

    def _key(self, version: str, request: SearchRequest) -> str:
        parts = [version, request.kind, request.query.units, request.query.exact_units, request.query.accented,
                 request.access.key, sorted((f, sorted(v for v in vals if v)) for f, vals in request.filters.items()),
                 request.sort, request.page, request.per_page, request.want_facets]
        digest = hashlib.sha256(json.dumps(parts, default=list).encode()).hexdigest()
        return f"{self.namespace}:hits:{digest}"

    def get(self, version: str, request: SearchRequest) -> SearchHits | None:
        try:
            raw = self.client.get(self._key(version, request))
        except Exception as exc:
            self._warn("read an answer", exc)
            return None
        if not raw:
            return None
        data: dict[str, Any] = json.loads(raw)
        return SearchHits(ids=data["ids"], total=data["total"], id_kinds=data["id_kinds"],
                          facets=data["facets"], kinds=data["kinds"])

    def put(self, version: str, request: SearchRequest, hits: SearchHits) -> None:
        data = {"ids": hits.ids, "total": hits.total, "id_kinds": hits.id_kinds, "facets": hits.facets,
                "kinds": hits.kinds}
        try:
            self.client.set(self._key(version, request), json.dumps(data), ex=self.seconds)
        except Exception as exc:
            self._warn("keep an answer", exc)

    def changed(self) -> None:
        """The index changed: every process's next search misses the cache."""
        try:
            self.client.incr(f"{self.namespace}:version")
        except Exception as exc:
            # answers cached before the change could be served until they expire: say so loudly
            log.error("search cache: could not record an index change (%s: %s); cached answers may be up "
                      "to %s s old", type(exc).__name__, exc, self.seconds)
