"""`next=` never sends a reader off the site, and never answers 500, on every route that takes it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from catalog.web.redirects import safe_next

from .helpers import PASSWORD, login, make_user

#: What browsers do to a Location before following it: drop tabs and newlines anywhere, leading
#: and trailing spaces and control characters, and read a backslash as a slash.
VECTORS = [
    "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "\t//evil.example", "/\\evil.example",
    "\\/evil.example", "//evil.example", "/%2F/evil.example", "%2F%2Fevil.example", " //evil.example",
    "\x00//evil.example", "/\x0b/evil.example", "\x7f//evil.example", "https://evil.example/",
    "javascript:alert(1)", "/\u200b/evil.example", "\n", "\r\n", "\t", "http:evil.example", "//\tevil.example",
    "/%09/evil.example", "/%5Cevil.example", "///evil.example", "\ufeff//evil.example",
]


def _stays(response, target: str) -> bool:
    """Sent back to a same-site page, or (a NUL byte: catalog/web/params.py) refused outright."""
    if "\x00" in target:
        return response.status_code == 400
    return response.status_code == 302 and _same_site(response.headers["Location"])


def _same_site(location: str) -> bool:
    parts = urlsplit(location)
    clean = location.replace("\t", "").replace("\n", "").replace("\r", "")
    return (parts.scheme in ("", "http") and parts.netloc in ("", "catalog.test")
            and clean == location and "\\" not in location and not parts.path.startswith("//"))


@pytest.mark.parametrize("target", VECTORS)
def test_the_helper_only_keeps_same_site_paths(target):
    assert safe_next(target, "/fallback") == "/fallback"


@pytest.mark.parametrize("target", [
    "/datasets?q=d%C3%A2n+s%E1%BB%91&page=2", "/to-chuc/BTC", "/d\u1eef-li\u1ec7u", "/\u3000/same-site"])
def test_the_helper_keeps_ordinary_paths(target):
    assert safe_next(target, "/fallback") == target


@pytest.mark.parametrize("target", VECTORS)
def test_the_language_switch_stays_on_the_site(client, target):
    r = client.get("/language/en", query_string={"next": target})
    assert _stays(r, target), r.headers.get("Location")


@pytest.mark.parametrize("target", VECTORS)
def test_signing_in_stays_on_the_site(seeded_app, session, target):
    make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"})
    client = seeded_app.test_client()
    shown = client.get("/login", query_string={"next": target})
    assert shown.status_code == (400 if "\x00" in target else 200)
    r = client.post("/login", data={"email": "st@mof.gov.vn", "password": PASSWORD, "next": target})
    assert _stays(r, target), r.headers.get("Location")
    client2 = seeded_app.test_client()
    r = client2.post("/login", query_string={"next": target}, data={"email": "st@mof.gov.vn", "password": PASSWORD})
    assert _stays(r, target), r.headers.get("Location")


def test_the_notification_inbox_stays_on_the_site(client, session):
    make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"})
    login(client, "st@mof.gov.vn")
    for target in VECTORS:
        r = client.post("/notifications/read", data={"next": target})
        assert _stays(r, target), (target, r.headers.get("Location"))
