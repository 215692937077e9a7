"""The safe fetcher: address guard, retries, timeouts, size limit, conditional requests, paging."""

from __future__ import annotations

import time

import pytest

from catalog.http import Fetcher, FetchError, FetchPolicy, address_allowed, iter_pages

from .httpserver import Reply

LOOPBACK_OK = FetchPolicy(allow_loopback=True, timeout=2, deadline=5, backoff=0.01, retries=3)


def test_the_guard_refuses_non_public_addresses_by_default(http_server):
    http_server.route("/x", body="secret")
    with Fetcher(FetchPolicy(timeout=2)) as f, pytest.raises(FetchError) as info:
        f.get(http_server.url("/x"))
    assert info.value.kind == "blocked_address"
    assert http_server.requests == []  # refused before connecting


@pytest.mark.parametrize("ip,public", [
    ("8.8.8.8", True), ("2001:4860:4860::8888", True), ("10.1.2.3", False), ("192.168.1.1", False),
    ("172.16.0.1", False), ("169.254.169.254", False), ("100.64.0.1", False), ("127.0.0.1", False),
    ("::1", False), ("fe80::1", False), ("fc00::1", False), ("::ffff:10.0.0.1", False), ("0.0.0.0", False),  # noqa: S104
    ("224.0.0.1", False),
])
def test_which_addresses_are_public(ip, public):
    assert address_allowed(ip, allow_private=False, allow_loopback=False) is public


def test_private_addresses_stay_refused_when_only_loopback_is_allowed():
    with Fetcher(FetchPolicy(allow_loopback=True, timeout=1, retries=0)) as f, pytest.raises(FetchError) as info:
        f.get("http://169.254.169.254/latest/meta-data/")
    assert info.value.kind == "blocked_address"


def test_a_redirect_to_a_private_address_is_refused(http_server):
    http_server.route("/go", status=302, headers={"Location": "http://10.0.0.1/internal"})
    with Fetcher(LOOPBACK_OK) as f, pytest.raises(FetchError) as info:
        f.get(http_server.url("/go"))
    assert info.value.kind == "blocked_address"


def test_only_http_and_https(http_server):
    with Fetcher(LOOPBACK_OK) as f:
        for url in ("file:///etc/passwd", "ftp://example.com/x", "gopher://x", "http:///nohost"):
            with pytest.raises(FetchError) as info:
                f.get(url)
            assert info.value.kind == "bad_url"


def test_retries_after_server_errors_then_succeeds(http_server):
    http_server.sequence("/flaky", [Reply(500), Reply(503), Reply(200, b'{"ok": true}')])
    with Fetcher(LOOPBACK_OK) as f:
        assert f.get(http_server.url("/flaky")).json() == {"ok": True}
    assert len(http_server.requests) == 3


def test_respects_retry_after_but_caps_it(http_server):
    http_server.sequence("/busy", [Reply(429, headers={"Retry-After": "3600"}), Reply(200, b"ok")])
    pauses = []
    policy = FetchPolicy(allow_loopback=True, timeout=2, max_retry_after=2.0, backoff=0.01)
    with Fetcher(policy, sleep=pauses.append) as f:
        assert f.get(http_server.url("/busy")).content == b"ok"
    assert pauses and 2.0 <= pauses[0] <= 2.1


def test_gives_up_after_the_retries(http_server):
    http_server.route("/down", status=502)
    with Fetcher(LOOPBACK_OK) as f, pytest.raises(FetchError) as info:
        f.get(http_server.url("/down"))
    assert info.value.kind == "http_status" and info.value.status == 502
    assert len(http_server.requests) == 1 + LOOPBACK_OK.retries


def test_client_errors_are_not_retried(http_server):
    http_server.route("/missing", status=404)
    with Fetcher(LOOPBACK_OK) as f, pytest.raises(FetchError) as info:
        f.get(http_server.url("/missing"))
    assert info.value.status == 404 and len(http_server.requests) == 1


def test_a_hanging_server_is_cut_by_the_timeout(http_server):
    http_server.route("/hang", body="late", delay=30)
    started = time.monotonic()
    with Fetcher(FetchPolicy(allow_loopback=True, timeout=1, retries=0)) as f, pytest.raises(FetchError) as info:
        f.get(http_server.url("/hang"))
    assert info.value.kind == "timeout"
    assert time.monotonic() - started < 5


def test_a_slow_drip_is_cut_by_the_deadline(http_server):
    http_server.route("/drip", body=b"x" * 200, drip=0.05)
    started = time.monotonic()
    policy = FetchPolicy(allow_loopback=True, timeout=2, deadline=1, retries=0)
    with Fetcher(policy) as f, pytest.raises(FetchError) as info:
        f.get(http_server.url("/drip"))
    assert info.value.kind == "timeout" and time.monotonic() - started < 4


def test_responses_over_the_size_limit_are_refused(http_server):
    http_server.route("/big", body=b"x" * 5000)
    with Fetcher(FetchPolicy(allow_loopback=True, max_bytes=1000)) as f, pytest.raises(FetchError) as info:
        f.get(http_server.url("/big"))
    assert info.value.kind == "too_large"
    # without a Content-Length, counting while streaming still stops it
    with Fetcher(FetchPolicy(allow_loopback=True, max_bytes=1000)) as f, pytest.raises(FetchError):
        list(f.iter_bytes(http_server.url("/big")))


def test_conditional_requests(http_server):
    def answer(seen):
        if seen.headers.get("if-none-match") == '"v1"':
            return Reply(304)
        return Reply(200, b"data", {"ETag": '"v1"', "Last-Modified": "Mon, 01 Sep 2025 00:00:00 GMT"})

    http_server.handler("/cond", answer)
    with Fetcher(LOOPBACK_OK) as f:
        first = f.get(http_server.url("/cond"))
        assert first.etag == '"v1"' and not first.not_modified
        again = f.get(http_server.url("/cond"), etag=first.etag, last_modified=first.last_modified)
        assert again.not_modified and again.content == b""
    assert http_server.requests[1].headers["if-modified-since"] == "Mon, 01 Sep 2025 00:00:00 GMT"


def test_polite_user_agent(http_server):
    http_server.route("/ua", body="ok")
    with Fetcher(LOOPBACK_OK) as f:
        f.get(http_server.url("/ua"))
    assert http_server.requests[0].headers["user-agent"].startswith("vn-data-catalog/")


def test_paging_stops_on_a_loop(http_server):
    # page 3 points back to page 1: the helper must stop instead of looping for ever
    for n, nxt in ((1, 2), (2, 3), (3, 1)):
        http_server.route(f"/p{n}", body=f'{{"n": {n}, "next": "/p{nxt}"}}')
    with Fetcher(LOOPBACK_OK) as f:
        pages = list(iter_pages(http_server.url("/p1"), f.get, lambda r: http_server.url(r.json()["next"])))
    assert [p.json()["n"] for p in pages] == [1, 2, 3]


def test_paging_stops_on_a_repeated_body(http_server):
    http_server.route("/same", body='{"items": [1]}')
    calls = iter(range(100))
    with Fetcher(LOOPBACK_OK) as f:
        pages = list(iter_pages(http_server.url("/same"), f.get,
                                lambda r: http_server.url(f"/same?page={next(calls)}")))
    assert len(pages) == 1
