"""Safe fetching for harvesters and link checks.

Every request goes through one `Fetcher`, which:
- refuses private, loopback, link-local and other non-public addresses unless allowed, checking
  the resolved addresses before connecting *and* the address actually connected to (so a DNS
  answer that changes between the two, or a redirect to an internal host, is caught);
- times out: per socket operation, and over the whole fetch, retries and pauses included: one
  deadline per fetch, enforced by a timer that cuts the connection (a server dripping its headers or
  body one byte at a time is cut as surely as one that never answers, and is not retried);
- retries with exponential back-off (and `Retry-After`) on 429, 5xx and dropped connections, while
  the deadline leaves time for another try;
- refuses responses over a size limit, counting while streaming;
- sends a polite User-Agent, and conditional headers (ETag / Last-Modified) when asked.

Only http and https are fetched; local demo sources are read from disk by the harvesters themselves.
"""

from __future__ import annotations

import contextlib
import ipaddress
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as urllib3_exceptions
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CHUNK = 1 << 16


class FetchError(Exception):
    """A fetch that failed for a reason a steward can read (kept in harvest logs and link reports)."""

    def __init__(self, url: str, kind: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{message} ({url})")
        self.url = url
        self.kind = kind  # blocked_address, bad_url, timeout, too_large, http_status, connection, content_type
        self.message = message
        self.status = status


@dataclass(frozen=True)
class FetchPolicy:
    timeout: float = 20.0  # seconds per connect or read
    deadline: float = 120.0  # seconds for a whole fetch: every try, pause and body included
    max_bytes: int = 50 * 1024 * 1024
    retries: int = 3
    backoff: float = 0.5  # first pause; doubles each retry
    max_retry_after: float = 60.0
    max_redirects: int = 5
    allow_private: bool = False  # RFC 1918, CGNAT, link-local, ...
    allow_loopback: bool = False
    user_agent: str = "vn-data-catalog/0.1 (data catalogue harvester; +https://github.com/vn-data-catalog)"


@dataclass
class Response:
    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    not_modified: bool = False

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def text(self) -> str:
        charset = "utf-8"
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"')
        return self.content.decode(charset, errors="replace")

    def json(self) -> Any:
        import json

        try:
            return json.loads(self.content)
        except ValueError as exc:
            raise FetchError(self.url, "content_type", f"the response is not valid JSON: {exc}") from exc


# --- the address guard, inside urllib3's connections -------------------------------------------


_SITE_LOCAL = ipaddress.ip_network("fec0::/10")  # deprecated (RFC 3879), still routed on some networks
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known NAT64 prefix: the last 32 bits are an IPv4 address
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # local-use NAT64 (RFC 8215)


def _embedded_v4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64, Teredo client), if any."""
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr in _NAT64:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    if addr.teredo is not None:
        return addr.teredo[1]
    return None


def address_allowed(ip: str, *, allow_private: bool, allow_loopback: bool) -> bool:
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address):
        if addr in _SITE_LOCAL or addr in _NAT64_LOCAL:
            return allow_private
        embedded = _embedded_v4(addr)
        # an embedded non-public IPv4 decides (it is where the packets end up); a public one never
        # makes the IPv6 address more acceptable than it is on its own
        if embedded is not None and (addr.ipv4_mapped is not None or not embedded.is_global):
            addr = embedded
    if addr.is_loopback:
        return allow_loopback
    if addr.is_multicast or addr.is_unspecified or addr.is_reserved:
        return False
    if addr.is_global:
        return True
    return allow_private


_local = threading.local()


class _Watch:
    """The overall deadline of one fetch: when it passes, the connections the fetch uses are shut down
    (a server sending a header byte every few seconds never trips the per-read timeout)."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._conns: list[Any] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def add(self, conn: Any) -> None:
        with self._lock:
            self._conns.append(conn)
            if self.expired:
                _cut(conn)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for conn in self._conns:
                _cut(conn)

    def cancel(self) -> None:
        self._timer.cancel()


def _cut(conn: Any) -> None:
    sock = getattr(conn, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class _GuardMixin:
    guard: tuple[bool, bool] = (False, False)  # (allow_private, allow_loopback), set per pool class

    def request(self, *args: Any, **kwargs: Any) -> Any:
        watch = getattr(_local, "watch", None)
        if watch is not None:
            watch.add(self)  # a pooled connection, or a new one: cut when the fetch's deadline passes
        return super().request(*args, **kwargs)  # type: ignore[misc]

    def _new_conn(self) -> socket.socket:
        allow_private, allow_loopback = self.guard
        host = self._dns_host  # type: ignore[attr-defined]
        try:
            infos = socket.getaddrinfo(host, self.port, type=socket.SOCK_STREAM)  # type: ignore[attr-defined]
        except OSError:
            infos = []  # let urllib3 report the resolution failure
        for info in infos:
            if not address_allowed(info[4][0], allow_private=allow_private, allow_loopback=allow_loopback):
                raise BlockedAddressError(host, info[4][0])
        sock = super()._new_conn()  # type: ignore[misc]
        peer = sock.getpeername()[0]
        if not address_allowed(peer, allow_private=allow_private, allow_loopback=allow_loopback):
            sock.close()
            raise BlockedAddressError(host, peer)
        return sock


class BlockedAddressError(OSError):
    def __init__(self, host: str, ip: str) -> None:
        super().__init__(f"{host} resolves to {ip}, a non-public address")
        self.host = host
        self.ip = ip


def _adapter(allow_private: bool, allow_loopback: bool) -> HTTPAdapter:
    guard = (allow_private, allow_loopback)
    conn_http = type("GuardedHTTPConnection", (_GuardMixin, HTTPConnection), {"guard": guard})
    conn_https = type("GuardedHTTPSConnection", (_GuardMixin, HTTPSConnection), {"guard": guard})
    pool_http = type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": conn_http})
    pool_https = type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": conn_https})
    adapter = HTTPAdapter(max_retries=0, pool_connections=4, pool_maxsize=8)
    adapter.poolmanager.pool_classes_by_scheme = {"http": pool_http, "https": pool_https}
    adapter.poolmanager.key_fn_by_scheme = dict(adapter.poolmanager.key_fn_by_scheme)
    return adapter


# --- the fetcher --------------------------------------------------------------------------------


class Fetcher:
    def __init__(self, policy: FetchPolicy | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.policy = policy or FetchPolicy()
        self._sleep = sleep
        self.session = requests.Session()
        self.session.max_redirects = self.policy.max_redirects
        self.session.trust_env = False  # no proxy or netrc from the environment: the guard must see the target
        adapter = _adapter(self.policy.allow_private, self.policy.allow_loopback)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = self.policy.user_agent

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # public verbs -------------------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
    ) -> Response:
        """GET with retries; a 304 answer to a conditional request comes back with not_modified=True."""
        hdrs = dict(headers or {})
        if etag:
            hdrs["If-None-Match"] = etag
        if last_modified:
            hdrs["If-Modified-Since"] = last_modified
        if accept:
            hdrs["Accept"] = accept
        return self._request("GET", url, params=params, headers=hdrs)

    def post(self, url: str, *, data: bytes | str, headers: dict[str, str] | None = None) -> Response:
        return self._request("POST", url, data=data, headers=dict(headers or {}))

    def head(self, url: str) -> Response:
        return self._request("HEAD", url, headers={})

    def iter_bytes(self, url: str) -> Iterator[bytes]:
        """Stream a body in chunks, with the same guard, deadline and size limit (for large files)."""
        self._check_url(url)
        ends = time.monotonic() + self.policy.deadline
        watch = _Watch(self.policy.deadline)
        try:
            _local.watch = watch
            try:
                raw = self.session.get(url, stream=True, timeout=self._timeouts(ends))
            except requests.RequestException as exc:
                raise self._translate(url, exc) from exc
            finally:
                _local.watch = None
            with raw:
                if raw.status_code >= 400:
                    raise FetchError(url, "http_status", f"the server answered {raw.status_code}", raw.status_code)
                total = 0
                for chunk in self._chunks(url, raw, ends):
                    total += len(chunk)
                    if total > self.policy.max_bytes:
                        raise FetchError(url, "too_large", f"larger than {self.policy.max_bytes} bytes")
                    yield chunk
        except FetchError as exc:
            raise self._past_deadline(exc, watch, ends) from exc
        finally:
            watch.cancel()

    # internals ----------------------------------------------------------------------------------

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(url, "bad_url", "only http and https addresses can be fetched")

    def _request(self, method: str, url: str, **kwargs: Any) -> Response:
        self._check_url(url)
        ends = time.monotonic() + self.policy.deadline  # one deadline for every try of this fetch
        attempt = 0
        while True:
            try:
                response = self._once(method, url, ends, **kwargs)
            except FetchError as exc:
                if (exc.kind not in ("connection", "timeout") or attempt >= self.policy.retries
                        or not self._pause(attempt, None, ends)):
                    raise
                attempt += 1
                continue
            if (response.status in RETRY_STATUSES and attempt < self.policy.retries
                    and self._pause(attempt, response.headers.get("retry-after"), ends)):
                attempt += 1
                continue
            if response.status == 304:
                response.not_modified = True
                return response
            if response.status >= 400:
                raise FetchError(url, "http_status", f"the server answered {response.status}", response.status)
            return response

    def _pause(self, attempt: int, retry_after: str | None, ends: float) -> bool:
        """Sleep before the next try; False (no sleep) when the pause would not leave time for one."""
        delay = self.policy.backoff * (2**attempt) * (1 + random.random() / 4)
        if retry_after:
            delay = max(delay, min(_retry_after_seconds(retry_after), self.policy.max_retry_after))
        if time.monotonic() + delay >= ends:
            return False
        self._sleep(delay)
        return True

    def _timeouts(self, ends: float) -> tuple[float, float]:
        per_read = max(0.01, min(self.policy.timeout, ends - time.monotonic()))
        return per_read, per_read

    def _past_deadline(self, exc: FetchError, watch: _Watch, ends: float) -> FetchError:
        """A failure caused by the overall deadline (the watch cut the connection, or the last read
        timed out at it) is reported as such."""
        if exc.kind in ("timeout", "connection") and (watch.expired or time.monotonic() >= ends - 0.05):
            return FetchError(exc.url, "timeout", f"took longer than {self.policy.deadline:g} s in all "
                                                  "(retries included)")
        return exc

    def _once(self, method: str, url: str, ends: float, **kwargs: Any) -> Response:
        remaining = ends - time.monotonic()
        if remaining <= 0:
            raise FetchError(url, "timeout", f"took longer than {self.policy.deadline:g} s in all (retries included)")
        watch = _Watch(remaining)
        try:
            return self._read(method, url, ends, watch, **kwargs)
        except FetchError as exc:
            raise self._past_deadline(exc, watch, ends) from exc
        finally:
            watch.cancel()

    def _read(self, method: str, url: str, ends: float, watch: _Watch, **kwargs: Any) -> Response:
        _local.watch = watch
        try:
            raw = self.session.request(method, url, stream=True, timeout=self._timeouts(ends), **kwargs)
        except requests.RequestException as exc:
            raise self._translate(url, exc) from exc
        finally:
            _local.watch = None
        with raw:
            headers = {k.lower(): v for k, v in raw.headers.items()}
            declared = headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self.policy.max_bytes:
                raise FetchError(url, "too_large", f"the server announces {declared} bytes, over the limit of "
                                                   f"{self.policy.max_bytes}")
            body = bytearray()
            if method != "HEAD":
                for chunk in self._chunks(url, raw, ends):
                    body.extend(chunk)
                    if len(body) > self.policy.max_bytes:
                        raise FetchError(url, "too_large", f"larger than the limit of {self.policy.max_bytes} bytes")
            return Response(url=raw.url, status=raw.status_code, headers=headers, content=bytes(body))

    def _chunks(self, url: str, raw: requests.Response, ends: float) -> Iterator[bytes]:
        """The body as it arrives (read1 returns what is there instead of waiting for a full chunk),
        checking the overall deadline after every read: a byte-at-a-time server cannot outlast it."""
        try:
            while True:
                chunk = raw.raw.read1(CHUNK, decode_content=True)
                if time.monotonic() > ends:
                    raise FetchError(url, "timeout", f"took longer than {self.policy.deadline:g} s in all "
                                                     "(retries included)")
                if not chunk:
                    return
                yield chunk
        except (requests.RequestException, OSError, urllib3_exceptions.HTTPError) as exc:
            raise self._translate(url, exc) from exc

    def _translate(self, url: str, exc: BaseException) -> FetchError:
        blocked = _find(exc, BlockedAddressError)
        if blocked is not None:
            return FetchError(url, "blocked_address", f"refused: {blocked}")
        if isinstance(exc, requests.Timeout) or _find(exc, TimeoutError) is not None:
            return FetchError(url, "timeout", f"no answer within {self.policy.timeout:.0f} s")
        if isinstance(exc, requests.TooManyRedirects):
            return FetchError(url, "connection", f"more than {self.policy.max_redirects} redirects")
        return FetchError(url, "connection", f"could not connect: {_short(str(exc))}")


def _find(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first `kind` among an exception and what it wraps (requests and urllib3 wrap deeply:
    ConnectionError -> MaxRetryError.reason -> ProtocolError.args -> the original error)."""
    stack: list[object] = [exc]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, kind):
            return item
        stack.extend([item.__cause__, item.__context__, getattr(item, "reason", None), *item.args])
    return None


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _retry_after_seconds(value: str) -> float:
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    return max(0.0, when.timestamp() - time.time())


def policy_from_config(cfg: dict[str, Any], **overrides: Any) -> FetchPolicy:
    """The fetch policy of an app (CATALOG_ALLOW_PRIVATE_URLS opens private and loopback addresses)."""
    allow = bool(cfg.get("ALLOW_PRIVATE_URLS"))
    base_url = cfg.get("BASE_URL", "")
    agent = f"vn-data-catalog/0.1 (data catalogue harvester; +{base_url})" if base_url else FetchPolicy.user_agent
    return FetchPolicy(allow_private=allow, allow_loopback=allow, user_agent=agent, **overrides)


def iter_pages(
    first: str,
    fetch: Callable[[str], Response],
    next_url: Callable[[Response], str | None],
    *,
    max_pages: int = 10_000,
) -> Iterator[Response]:
    """Follow "next" links, stopping on a repeated page (same URL or same body) or at max_pages."""
    seen_urls: set[str] = set()
    seen_bodies: set[int] = set()
    url: str | None = first
    pages = 0
    while url and pages < max_pages:
        if url in seen_urls:
            return
        seen_urls.add(url)
        response = fetch(url)
        fingerprint = hash(response.content)
        if fingerprint in seen_bodies:
            return
        seen_bodies.add(fingerprint)
        pages += 1
        yield response
        url = next_url(response)
