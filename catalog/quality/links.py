"""Link checks with remembered answers, and fetching remote files for the data checks.

Everything goes through the guarded fetcher of catalog/http.py (no private or loopback address
unless allowed, timeouts, size limits). A link is asked with HEAD; servers that refuse HEAD are
asked with a GET for the first kilobyte. The answer is kept in `LinkCheck` (status, final address,
error, consecutive failures) and reused for `CATALOG_QUALITY_LINK_RECHECK_HOURS`, so that a page
or a re-score never waits on the network and a flaky server is not hammered.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.http import Fetcher, FetchError, policy_from_config

from ..models import LinkCheck, utcnow

#: Answers to HEAD that mean "ask with GET instead" rather than "broken".
_HEAD_REFUSED = frozenset({400, 403, 404, 405, 406, 409, 500, 501, 502, 503})


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def link_fetcher(cfg: dict[str, Any]) -> Fetcher:
    seconds = float(cfg.get("QUALITY_LINK_TIMEOUT") or 15)
    return Fetcher(policy_from_config(cfg, timeout=seconds, deadline=seconds * 2, retries=1, backoff=0.2,
                                      max_bytes=1024 * 1024, max_retry_after=seconds))


def probe(fetcher: Fetcher, url: str) -> dict[str, Any]:
    """Ask one address; never raises. Returns the fields of a LinkCheck."""
    started = time.monotonic()
    result: dict[str, Any] = {"ok": False, "status_code": None, "final_url": None, "content_type": None,
                              "error_kind": None, "error": None}
    try:
        response = fetcher.head(url)
    except FetchError as exc:
        if exc.kind != "http_status" or exc.status not in _HEAD_REFUSED:
            return _failed(result, exc, started)
        try:
            response = fetcher.get(url, headers={"Range": "bytes=0-1023"})
        except FetchError as again:
            if again.kind == "too_large":  # it answered, with a whole big file: alive
                result.update(ok=True, status_code=200, final_url=url)
                return _timed(result, started)
            return _failed(result, again, started)
    result.update(ok=response.status < 400, status_code=response.status, final_url=response.url,
                  content_type=(response.headers.get("content-type") or "")[:128] or None)
    return _timed(result, started)


def _failed(result: dict[str, Any], exc: FetchError, started: float) -> dict[str, Any]:
    result.update(status_code=exc.status, error_kind=exc.kind, error=exc.message[:500])
    return _timed(result, started)


def _timed(result: dict[str, Any], started: float) -> dict[str, Any]:
    result["elapsed_ms"] = int((time.monotonic() - started) * 1000)
    return result


def remembered(session: Session, urls: Iterable[str]) -> dict[str, LinkCheck]:
    urls = list(dict.fromkeys(urls))
    if not urls:
        return {}
    rows = session.scalars(select(LinkCheck).where(LinkCheck.url_hash.in_([url_hash(u) for u in urls])))
    return {row.url: row for row in rows}


def check_links(session: Session, urls: Iterable[str], cfg: dict[str, Any], *, force: bool = False,
                fetcher: Fetcher | None = None) -> dict[str, LinkCheck]:
    """The answer of each address: remembered if recent enough, asked again otherwise (flushed,
    not committed: the caller's transaction keeps it)."""
    urls = list(dict.fromkeys(urls))
    known = remembered(session, urls)
    fresh_after = utcnow() - timedelta(hours=int(cfg.get("QUALITY_LINK_RECHECK_HOURS") or 24))
    own = fetcher is None
    fetcher = fetcher or link_fetcher(cfg)
    try:
        for url in urls:
            row = known.get(url)
            if row is not None and not force and row.checked_at >= fresh_after:
                continue
            result = probe(fetcher, url)
            known[url] = remember(session, url, result, row)
    finally:
        if own:
            fetcher.close()
    session.flush()
    return known


def remember(session: Session, url: str, result: dict[str, Any], row: LinkCheck | None = None) -> LinkCheck:
    if row is None:
        row = session.scalar(select(LinkCheck).where(LinkCheck.url_hash == url_hash(url)))
    if row is None:
        row = LinkCheck(url_hash=url_hash(url), url=url, consecutive_failures=0)
        session.add(row)
    now = utcnow()
    for key in ("ok", "status_code", "final_url", "content_type", "error_kind", "error", "elapsed_ms"):
        setattr(row, key, result.get(key))
    row.checked_at = now
    if result.get("ok"):
        row.last_ok_at = now
        row.consecutive_failures = 0
    else:
        row.consecutive_failures = (row.consecutive_failures or 0) + 1
    return row


def as_result(row: LinkCheck | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"ok": row.ok, "status_code": row.status_code, "error_kind": row.error_kind, "error": row.error,
            "final_url": row.final_url, "checked_at": row.checked_at.isoformat(),
            "consecutive_failures": row.consecutive_failures}


def fetch_to_file(url: str, target: Path, cfg: dict[str, Any]) -> Path:
    """Download a remote file for the data checks, streamed to disk under the size limit.
    Raises FetchError (unreachable, refused, too large...), which the caller turns into a finding."""
    limit = int(cfg.get("QUALITY_REMOTE_MAX_MB", 200)) * 1024 * 1024
    seconds = float(cfg.get("QUALITY_LINK_TIMEOUT") or 15)
    policy = policy_from_config(cfg, timeout=max(seconds, 20.0), deadline=900.0, retries=1, backoff=0.5,
                                max_bytes=limit)
    with Fetcher(policy) as fetcher, open(target, "wb") as out:
        for chunk in fetcher.iter_bytes(url):
            out.write(chunk)
    return target
