"""A fetch has one overall deadline, retries included (issue 17, item 4): a source that drips one byte
at a time once held a harvest for 484 s (a 120 s deadline retried four times). And the address guard
knows the older spellings of private addresses (site-local, 6to4, NAT64)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from catalog.http import Fetcher, FetchError, FetchPolicy, address_allowed

from ..httpserver import Reply
from .conftest import make_source, run


def _policy(**kw) -> FetchPolicy:
    return FetchPolicy(**{"allow_loopback": True, "timeout": 2, "deadline": 1, "retries": 3, "backoff": 0.01, **kw})


def test_a_body_dripping_a_byte_every_fifth_of_a_second_is_cut_once_retries_included(http_server):
    http_server.route("/drip", body=b"x" * 100, drip=0.2)
    started = time.monotonic()
    with Fetcher(_policy()) as f, pytest.raises(FetchError) as info:
        f.get(http_server.url("/drip"))
    elapsed = time.monotonic() - started
    assert info.value.kind == "timeout" and "1 s" in info.value.message
    assert elapsed < 1.8, elapsed
    assert len(http_server.requests) == 1  # no retry after the deadline


class _HeaderDrip:
    """A raw server that sends its status line, then one header byte every 0.2 s (for ever)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.connections = 0
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/slow"

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            while not self.stop.is_set():
                conn.sendall(b"X")
                time.sleep(0.2)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def header_drip():
    server = _HeaderDrip()
    yield server
    server.close()


def test_headers_dripping_a_byte_at_a_time_are_cut_by_the_deadline(header_drip):
    started = time.monotonic()
    with Fetcher(_policy()) as f, pytest.raises(FetchError) as info:
        f.get(header_drip.url)
    assert info.value.kind == "timeout"
    assert time.monotonic() - started < 1.8
    assert header_drip.connections == 1


def test_a_streamed_download_has_the_same_total_deadline(header_drip):
    started = time.monotonic()
    with Fetcher(_policy()) as f, pytest.raises(FetchError) as info:
        list(f.iter_bytes(header_drip.url))
    assert info.value.kind == "timeout" and time.monotonic() - started < 1.8


def test_retries_stop_at_the_deadline(http_server):
    http_server.route("/busy", status=503, headers={"Retry-After": "30"})
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        time.sleep(seconds)

    started = time.monotonic()
    with Fetcher(_policy(retries=10, max_retry_after=60), sleep=sleep) as f, pytest.raises(FetchError) as info:
        f.get(http_server.url("/busy"))
    assert info.value.status == 503  # the last answer, once no retry fits in the deadline
    assert time.monotonic() - started < 1.8 and sum(pauses) <= 1.0


def test_a_harvest_of_a_dripping_source_ends_within_its_deadline(happ, http_server):
    http_server.route("/drip.ttl", body=b"@prefix dcat: <http://www.w3.org/ns/dcat#> .\n" * 10, drip=0.2,
                      headers={"Content-Type": "text/turtle"})
    src = make_source(happ, protocol="dcat", url=http_server.url("/drip.ttl"))
    result = run(happ, src, policy=_policy())
    assert result.status == "failed" and "longer than 1 s" in result.message
    assert result.duration_s < 1.8
    assert [s.path for s in http_server.requests] == ["/drip.ttl"]


@pytest.mark.parametrize("ip,public", [
    ("fec0::1", False),  # deprecated site-local
    ("fed0:1::5", False),
    ("2002:a00:1::", False),  # 6to4 of 10.0.0.1
    ("2002:c0a8:101::1", False),  # 6to4 of 192.168.1.1
    ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
    ("2002:808:808::1", True),  # 6to4 of 8.8.8.8
    ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
    ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
    ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
    ("64:ff9b::808:808", False),  # NAT64 of 8.8.8.8: reserved, refused as before
    ("64:ff9b:1::a00:1", False),  # local-use NAT64
])
def test_older_spellings_of_private_addresses_are_refused(ip, public):
    assert address_allowed(ip, allow_private=False, allow_loopback=False) is public


def test_an_embedded_private_address_follows_the_private_setting():
    assert address_allowed("2002:a00:1::", allow_private=True, allow_loopback=False) is True
    assert address_allowed("64:ff9b::7f00:1", allow_private=False, allow_loopback=True) is True
    assert address_allowed("fec0::1", allow_private=True, allow_loopback=False) is True


def test_a_retry_that_fits_still_happens(http_server):
    http_server.sequence("/flaky", [Reply(500), Reply(200, b"ok")])
    with Fetcher(_policy(deadline=5)) as f:
        assert f.get(http_server.url("/flaky")).content == b"ok"
