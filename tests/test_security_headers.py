"""Security headers on every kind of response; pages without inline script or style; uploaded files
served with a checked type, always as attachments, under a clean, correctly encoded name."""

from __future__ import annotations

import io
import re

import pytest

from catalog import downloads

from .conftest import _app_from
from .helpers import dataset, login, make_user, token_for


def _assert_headers(response, *, page: bool) -> None:
    h = response.headers
    csp = h.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    if page:
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
    else:
        assert csp.startswith("default-src 'none'")
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.fixture
def steward(session):
    user = make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"})
    return token_for(session, user)


def _upload(client, token, slug, name, content, mimetype):
    r = client.post(f"/api/v1/datasets/{slug}/distributions", headers={"Authorization": f"Bearer {token}"},
                    data={"file": (io.BytesIO(content), name, mimetype), "metadata": '{"title_vi": "Tệp"}'},
                    content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    return r.json["id"]


def test_headers_on_pages_api_errors_static_and_downloads(client, session, steward):
    ds = dataset(session, "BTC")
    dist_id = _upload(client, steward, ds.slug, "so-lieu.csv", b"a,b\n1,2\n", "text/csv")
    pages = ["/", "/datasets", f"/datasets/{ds.slug}", "/login", "/khong-co-trang-nay", "/datasets/khong-co"]
    for path in pages:
        r = client.get(path)
        assert r.mimetype == "text/html", path
        _assert_headers(r, page=True)
    for path in ["/api/v1/datasets", f"/api/v1/datasets/{ds.slug}", "/api/v1/datasets/khong-co",
                 "/api/v1/datasets?page=abc", "/static/css/site.css",
                 f"/api/v1/distributions/{dist_id}/download", f"/distributions/{dist_id}/download"]:
        r = client.get(path)
        assert r.status_code < 500, path
        _assert_headers(r, page=False)
    assert client.post("/api/v1/datasets", json={}).status_code == 401  # an error from the API
    _assert_headers(client.post("/api/v1/datasets", json={}), page=False)
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_hsts_when_the_site_is_served_over_https(seeded_template, tmp_path, monkeypatch):
    monkeypatch.setenv("CATALOG_SESSION_COOKIE_SECURE", "true")
    for app in _app_from(seeded_template, tmp_path):
        for path in ("/", "/api/v1/datasets", "/khong-co"):
            assert app.test_client().get(path).headers["Strict-Transport-Security"].startswith("max-age=")


#: (a `<script type="application/ld+json">` is data the browser never runs: CSP does not apply to it)
INLINE = [re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/ld\+json\")[^>]*>", re.I),
          re.compile(r"<style\b", re.I),
          re.compile(r"\sstyle=\"", re.I), re.compile(r"\son[a-z]+=\"", re.I), re.compile(r"javascript:", re.I)]


def test_pages_carry_no_inline_script_or_style(seeded_app, session):
    """Every page the strict policy would break: the list pages, forms and the printable agreement."""
    make_user(session, "admin@example.vn", admin=True)
    ds = dataset(session, "BTC")
    client = seeded_app.test_client()
    login(client, "admin@example.vn")
    paths = [rule.rule for rule in seeded_app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(("/api/", "/static"))
             and not rule.rule.endswith(".csv") and rule.endpoint != "auth.logout"]
    paths += [f"/datasets/{ds.slug}", f"/datasets/{ds.slug}/edit", "/organizations/BTC", "/search?q=d"]
    for path in paths:
        r = client.get(path)
        if r.mimetype != "text/html":
            continue
        html = r.get_data(as_text=True)
        for pattern in INLINE:
            assert not pattern.search(html), (path, pattern.pattern, pattern.search(html))


@pytest.mark.parametrize(("name", "content", "declared", "served"), [
    ("trang.html", b"<!doctype html><script>alert(1)</script>", "text/html", "application/octet-stream"),
    ("anh.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "image/svg+xml",
     "application/octet-stream"),
    ("gia.csv", b"<script>alert(1)</script>,b\n", "text/csv", "application/octet-stream"),
    ("du-lieu.xml", b"<?xml version='1.0'?><a/>", "application/xml", "application/octet-stream"),
    ("khong-ro.bin", b"\x00\x01\x02", "application/x-unknown", "application/octet-stream"),
    ("gia.csv", b"a,b\n1,2\n", "text/csv", "text/csv"),
    ("gia.json", b'{"a": 1}', "application/json", "application/json"),
    ("bao-cao.pdf", b"%PDF-1.7\n...", "application/pdf", "application/pdf"),
    ("gia-gia.pdf", b"<html>not a pdf</html>", "application/pdf", "application/octet-stream"),
])
def test_uploaded_files_are_served_with_a_checked_type(client, session, steward, name, content, declared, served):
    ds = dataset(session, "BTC")
    dist_id = _upload(client, steward, ds.slug, name, content, declared)
    for path in (f"/api/v1/distributions/{dist_id}/download", f"/distributions/{dist_id}/download"):
        r = client.get(path)
        assert r.status_code == 200
        assert r.mimetype == served, (name, r.headers["Content-Type"])
        assert r.headers["Content-Disposition"].startswith("attachment;")
        assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_download_names_have_no_path_and_are_encoded(client, session, steward):
    ds = dataset(session, "BTC")
    dist_id = _upload(client, steward, ds.slug, "Dữ liệu dân số Đà Nẵng.csv", b"a\n1\n", "text/csv")
    disposition = client.get(f"/distributions/{dist_id}/download").headers["Content-Disposition"]
    assert disposition == ("attachment; filename=\"Du_lieu_dan_so_Da_Nang.csv\"; "
                           "filename*=UTF-8''D%E1%BB%AF%20li%E1%BB%87u%20d%C3%A2n%20s%E1%BB%91%20%C4%90%C3%A0%20N%E1%BA%B5ng.csv")


@pytest.mark.parametrize(("raw", "clean"), [
    ("C:\\fakepath\\báo cáo.csv", "báo cáo.csv"),
    ("../../etc/passwd", "passwd"),
    ("a\r\nSet-Cookie: x=1.csv", "a__Set-Cookie_ x=1.csv"),
    ('tên "lạ";.csv', "tên _lạ__.csv"),
    ("..", "download"),
    ("", "download"),
])
def test_file_names_are_sanitised(raw, clean):
    assert downloads.safe_file_name(raw) == clean
    header = downloads.content_disposition(raw)
    assert "\r" not in header and "\n" not in header and "/" not in header.split("filename*=")[1]


def test_no_template_carries_inline_script_or_style():
    """Pages not reached above (the printable agreement, e-mails shown in the browser...) too."""
    from catalog.config import PROJECT_ROOT

    for path in sorted((PROJECT_ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in INLINE:
            assert not pattern.search(text), (path.name, pattern.pattern)
