"""Security headers on every response: pages, the API, downloads, static files and errors.

Pages may run only the site's own scripts and styles (no inline script or style attribute: the
templates keep theirs in catalog/static/) and may not be framed. Anything that is not a page
(JSON, files) gets a policy that allows nothing at all, so a file opened by mistake runs nothing.
HSTS is sent only when the site says it is served over HTTPS (CATALOG_SESSION_COOKIE_SECURE=true).
"""

from __future__ import annotations

from flask import Flask, Response

PAGE_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
    "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
])
OTHER_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(response: Response, *, https: bool) -> Response:
    """Add the headers (a view that set its own Content-Security-Policy or a stricter
    Referrer-Policy, e.g. `no-referrer` on pages whose address carries a secret link, keeps it)."""
    headers = response.headers
    policy = PAGE_POLICY if response.mimetype == "text/html" else OTHER_POLICY
    headers.setdefault("Content-Security-Policy", policy)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if https:
        headers["Strict-Transport-Security"] = HSTS
    return response


def install(app: Flask) -> None:
    https = bool(app.config["CATALOG"]["SESSION_COOKIE_SECURE"])
    app.after_request(lambda response: security_headers(response, https=https))
