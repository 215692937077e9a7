"""A shared cache of rendered pages for visitors who are not signed in (issue 16).

Why it is safe:
- Every committed write to the registry raises one counter (`change_counter`, bumped inside the
  writing transaction by `catalog.db.make_engine`'s hook). A page is stored with the counter's value
  when it was rendered and served only while the counter still has that value, so a withdrawal or an
  access change hides a cached page at once, in every process. The policy decides once, on the
  render; the cache never re-derives visibility.
- Entries live in the registry (`page_cache`), seen by every gunicorn process; each process keeps a
  small copy keyed by (page, counter value), which is only a copy of shared state.
- Only GET requests without a signed-in user, a bearer token (or CKAN's `X-CKAN-API-Key`) or flashed
  messages are served from or stored into the cache; only 200 HTML responses are stored, and the
  200 JSON answers of the CKAN-compatible Action API (issue 13), whose actions all read open data only.
- The Action API's answers are keyed by the action and the full query string (CKAN clients repeat
  the same searches); only its known parameters are cached, answers past `MAX_BODY` are not, and
  entries older than `CATALOG_PAGE_CACHE_SECONDS` are dropped now and then, so arbitrary queries
  cannot fill the registry.
- Pages carry the reader's CSRF token (forms) in their body: it is stored as a placeholder and the
  current reader's token is put in per response. Pages have no inline script, so there is no CSP
  nonce to reuse (catalog/web/headers.py).
- A cached page is also dropped after `CATALOG_PAGE_CACHE_SECONDS` (0 turns the cache off) and the
  key holds the day, so pages that depend on today's date (overdue reviews) follow the calendar.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections import OrderedDict
from datetime import UTC, date, datetime

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import delete, insert, or_, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..db import db_session, registry_db
from ..i18n import current_locale
from ..models import ChangeCounter, PageCacheEntry

log = logging.getLogger(__name__)

#: endpoints whose anonymous pages are cached, and the query arguments each may carry (others: not cached,
#: so that arbitrary query strings cannot fill the cache)
ENDPOINTS: dict[str, frozenset[str]] = {
    "datasets.show": frozenset({"lang"}),
    "home.index": frozenset({"lang"}),
    "datasets.index": frozenset({"lang", "page", "sort", "per_page"}),
    "portal.open_data": frozenset({"lang"}),
    # the CKAN-compatible Action API (catalog/export/ckan_api.py): read-only, open data only
    "ckan_api.call": frozenset({"q", "fq", "rows", "start", "sort", "facet.field", "facet.limit", "facet.mincount",
                                "fl", "id", "name", "limit", "offset", "page", "all_fields", "include_datasets",
                                "organizations", "query", "lang"}),
}
#: endpoints whose answers are JSON (the others are HTML pages)
JSON_ENDPOINTS = frozenset({"ckan_api.call"})
#: larger answers (a `rows=1000` search) are rendered every time rather than copied into the registry
MAX_BODY = 512 * 1024
#: list pages past this one are rendered every time (visitors read the first pages)
MAX_LIST_PAGE = 5
CSRF_PLACEHOLDER = "__catalog_csrf_token__"
HEADER = "X-Page-Cache"
_SKIPPED_HEADERS = {"set-cookie", "content-length", "date", "server", HEADER.lower(), "vary"}
#: this process's copies: at most so many pages and so many bytes of bodies (issue 17: a web worker's
#: memory stays flat), whichever is reached first
LOCAL_ENTRIES = 256
LOCAL_BYTES = 16 * 1024 * 1024


class _LocalCopies:
    """This process's copies of shared entries, keyed by (registry, key, counter value): never authoritative.

    Bounded in entries and in bytes, and a copy made under an older counter value of the same registry
    is dropped as soon as one of a newer value is kept: it can never be served again (a harvest raises
    the counter with every batch, and left to the LRU order those dead copies filled the cap). A value
    lower than the newest seen means the counter started again (a registry emptied or restored): every
    copy of that registry is dropped, none could be trusted."""

    def __init__(self, size: int, max_bytes: int = LOCAL_BYTES) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.nbytes = 0
        self._items: OrderedDict[tuple[str, str, int], tuple[float, list, bytes]] = OrderedDict()
        self._newest: dict[str, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple[str, str, int]) -> tuple[float, list, bytes] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple[str, str, int], item: tuple[float, list, bytes]) -> None:
        scope, _page, generation = key
        size = len(item[2])
        if size > self.max_bytes // 4:
            return  # one huge page would push out every other: served from the shared table instead
        with self._lock:
            newest = self._newest.get(scope)
            if newest is None or generation != newest:
                self._newest[scope] = generation
                for stale in [k for k in self._items if k[0] == scope and k[2] != generation]:
                    self._drop(stale)
            if key in self._items:
                self._drop(key)
            self._items[key] = item
            self.nbytes += size
            while len(self._items) > self.size or self.nbytes > self.max_bytes:
                self._drop(next(iter(self._items)))

    def _drop(self, key: tuple[str, str, int]) -> None:
        self.nbytes -= len(self._items.pop(key)[2])

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._newest.clear()
            self.nbytes = 0


_local = _LocalCopies(LOCAL_ENTRIES)


def _seconds() -> int:
    return int(current_app.config["CATALOG"].get("PAGE_CACHE_SECONDS", 0) or 0)


def _eligible() -> bool:
    """A request whose page would be the same for every visitor who is not signed in."""
    if request.method != "GET" or request.endpoint not in ENDPOINTS or _seconds() <= 0:
        return False
    if set(request.args) - ENDPOINTS[request.endpoint]:
        return False
    if request.endpoint == "datasets.index":
        page = request.args.get("page", "1")
        if not page.isdigit() or int(page) > MAX_LIST_PAGE:
            return False
    if "Authorization" in request.headers or "X-CKAN-API-Key" in request.headers or session.get("_flashes"):
        return False
    return not current_user.is_authenticated


def _key() -> str:
    # the registry's address too: one process may serve several catalogues (tests), never mixed up
    parts = [registry_db().url, current_locale(), request.host_url, request.full_path, date.today().isoformat()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def current_generation() -> int | None:
    """The catalogue's change counter, read in the request's own transaction (so the page rendered
    after it sees at least the data of that value). None: the counter is missing, nothing is cached."""
    return db_session().scalar(select(ChangeCounter.generation).where(ChangeCounter.id == 1))


def _serve(headers: list, body: bytes) -> Response:
    if CSRF_PLACEHOLDER.encode() in body:
        body = body.replace(CSRF_PLACEHOLDER.encode(), generate_csrf().encode())
    response = Response(body, status=200)
    for name, value in headers:
        response.headers[name] = value
    response.headers[HEADER] = "hit"
    return response


def lookup() -> Response | None:
    """before_request: the cached page, or None (and the request is marked for storing)."""
    if not _eligible():
        return None
    generation = current_generation()
    if generation is None:
        return None
    key = _key()
    g.page_cache = (key, generation)
    now = time.time()
    scope = str(registry_db().url)
    item = _local.get((scope, key, generation))
    if item is None:
        row = db_session().execute(
            select(PageCacheEntry.stored_at, PageCacheEntry.headers, PageCacheEntry.body)
            .where(PageCacheEntry.key == key, PageCacheEntry.generation == generation)
        ).first()
        if row is not None:
            item = (row.stored_at.timestamp(), json.loads(row.headers), bytes(row.body))
            _local.put((scope, key, generation), item)
    if item is None or now - item[0] > _seconds():
        return None
    g.page_cache_hit = True
    return _serve(item[1], item[2])


def store(response: Response) -> Response:
    """after_request: keep a freshly rendered anonymous page for the next visitors."""
    marked = g.get("page_cache")
    mimetype = "application/json" if request.endpoint in JSON_ENDPOINTS else "text/html"
    if (marked is None or g.get("page_cache_hit") or response.status_code != 200
            or response.mimetype != mimetype or response.direct_passthrough or response.is_streamed):
        return response
    if current_user.is_authenticated:  # signed in during the request: never store
        return response
    key, generation = marked
    body = response.get_data()
    if len(body) > MAX_BODY:
        return response
    token = g.get("csrf_token")
    if token:
        body = body.replace(token.encode(), CSRF_PLACEHOLDER.encode())
    headers = [[k, v] for k, v in response.headers.items() if k.lower() not in _SKIPPED_HEADERS]
    stored_at = datetime.now(UTC)
    _local.put((str(registry_db().url), key, generation), (stored_at.timestamp(), headers, body))
    engine = registry_db().engine
    try:
        with engine.begin() as conn:
            conn.execute(delete(PageCacheEntry).where(PageCacheEntry.key == key))
            conn.execute(insert(PageCacheEntry).values(key=key, generation=generation, headers=json.dumps(headers),
                                                       body=body, stored_at=stored_at))
            if random.random() < 0.02:  # now and then, drop pages of earlier counter values and expired ones
                expired = datetime.fromtimestamp(stored_at.timestamp() - _seconds(), UTC)
                conn.execute(delete(PageCacheEntry).where(or_(PageCacheEntry.generation < generation,
                                                              PageCacheEntry.stored_at < expired)))
    except IntegrityError:
        log.info("page cache: another process stored %s first", request.path)
    except SQLAlchemyError:
        log.exception("page cache: could not store %s (the page was served all the same)", request.path)
    response.headers[HEADER] = "miss"
    return response


def clear_local() -> None:
    """Forget this process's copies (tests that swap databases under one process)."""
    _local.clear()


def install(app: Flask) -> None:
    app.before_request(lookup)
    app.after_request(store)
