"""Link checks against a real local HTTP server: answers are remembered, failures counted."""

from __future__ import annotations

from datetime import timedelta

from catalog.models import LinkCheck, utcnow
from catalog.quality import links

from ..httpserver import Reply
from .conftest import session_of

CFG = {"ALLOW_PRIVATE_URLS": True, "QUALITY_LINK_TIMEOUT": 1, "QUALITY_LINK_RECHECK_HOURS": 24, "BASE_URL": ""}


def test_ok_missing_and_slow_links_are_told_apart_and_remembered(qapp, http_server):
    http_server.route("/ok.csv", body=b"a,b\n1,2\n", headers={"Content-Type": "text/csv; charset=utf-8"})
    http_server.route("/gone.csv", status=404)
    http_server.route("/slow.csv", body=b"x", delay=2.5)
    urls = [http_server.url(p) for p in ("/ok.csv", "/gone.csv", "/slow.csv")]
    s = session_of(qapp)
    try:
        answers = links.check_links(s, urls, CFG)
        s.commit()
        ok, gone, slow = (answers[u] for u in urls)
        assert ok.ok and ok.status_code == 200 and ok.content_type == "text/csv; charset=utf-8"
        assert not gone.ok and gone.status_code == 404 and gone.error_kind == "http_status"
        assert not slow.ok and slow.error_kind == "timeout"
        assert gone.consecutive_failures == 1 and ok.last_ok_at is not None
        asked = len(http_server.requests)
        again = links.check_links(s, urls, CFG)  # remembered: nothing is asked
        assert len(http_server.requests) == asked and again[urls[0]].id == ok.id
        links.check_links(s, [urls[1]], CFG, force=True)
        s.commit()
        assert s.get(LinkCheck, gone.id).consecutive_failures == 2
    finally:
        s.close()


def test_a_server_refusing_head_is_asked_with_get(qapp, http_server):
    http_server.handler("/no-head", lambda seen: Reply(405) if seen.method == "HEAD" else Reply(200, b"data"))
    s = session_of(qapp)
    try:
        row = links.check_links(s, [http_server.url("/no-head")], CFG)[http_server.url("/no-head")]
        assert row.ok and row.status_code == 200
        assert [r.method for r in http_server.requests] == ["HEAD", "GET"]
    finally:
        s.close()


def test_an_old_answer_is_asked_again_and_private_addresses_stay_refused(qapp, http_server):
    http_server.route("/ok", body=b"x")
    url = http_server.url("/ok")
    s = session_of(qapp)
    try:
        row = links.check_links(s, [url], CFG)[url]
        row.checked_at = utcnow() - timedelta(hours=25)
        s.commit()
        links.check_links(s, [url], CFG)
        assert len(http_server.requests) == 2
        refused = links.check_links(s, [url], {**CFG, "ALLOW_PRIVATE_URLS": False}, force=True)[url]
        assert not refused.ok and refused.error_kind == "blocked_address"
    finally:
        s.close()
