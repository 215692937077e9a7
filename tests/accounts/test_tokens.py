"""API tokens: they open the API only (never a page), carry scopes and expiry, and a bad one is 401."""

from __future__ import annotations

from datetime import timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from catalog.models import ApiToken, utcnow
from catalog.services import users
from catalog.services.actor import system_actor

from ..helpers import login, make_user, token_for

DATASET = {
    "title_vi": "Chỉ số giá", "description_vi": "CPI.", "publisher": "BTC", "access_level": "open",
    "licence": "CC-BY-4.0", "contact_email": "cpi@mof.gov.vn", "status": "draft",  # opened by a publication request
}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin(session):
    return make_user(session, "admin@example.vn", admin=True)


@pytest.mark.parametrize("path", ["/admin/users", "/account", "/admin/audit.csv", "/admin/audit",
                                  "/organizations/BTC/members"])
def test_a_token_never_opens_a_page(client, session, admin, path):
    token = token_for(session, admin)
    r = client.get(path, headers=auth(token))
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    # the same pages open with a session
    login(client, "admin@example.vn")
    assert client.get(path).status_code == 200


def test_a_token_with_a_session_cookie_on_a_page_is_the_session_user(client, session, admin):
    make_user(session, "member@example.vn", roles={"BTC": "member"})
    login(client, "member@example.vn")
    r = client.get("/admin/users", headers=auth(token_for(session, admin)))
    assert r.status_code == 403


@pytest.mark.parametrize("problem", ["forged", "expired", "revoked", "inactive"])
def test_a_bad_token_is_401_on_every_api_route(client, session, admin, problem):
    token = token_for(session, admin)
    row = session.scalar(select(ApiToken))
    if problem == "forged":
        token = "vdc_forged"
    elif problem == "expired":
        row.expires_at = utcnow() - timedelta(minutes=1)
    elif problem == "revoked":
        users.revoke_token(session, system_actor("test"), row)
    else:
        admin.active = False
    session.commit()
    for path in ("/api/v1/datasets", "/api/v1/me", "/api/v1/search?q=dân", "/api/v1/harvest-sources",
                 "/api/v1/quality/summary", "/api/v1/sharing/requests", "/api/v1/tokens"):
        r = client.get(path, headers={**auth(token), "Accept-Language": "en"})
        assert r.status_code == 401, (path, r.status_code)
        assert r.json["error"] == "invalid_token" and r.headers["WWW-Authenticate"].startswith("Bearer")
    if problem in ("expired", "revoked"):
        assert problem in r.json["message"]
    # and without the token these reads are open to the public
    assert client.get("/api/v1/datasets").status_code == 200


def test_a_read_only_token_cannot_write(client, session):
    steward = make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"})
    read_only = token_for(session, steward, ["read"])
    assert client.get("/api/v1/me", headers=auth(read_only)).json["token_scopes"] == ["read"]
    r = client.post("/api/v1/datasets", json=DATASET, headers=auth(read_only))
    assert r.status_code == 403 and r.json["error"] == "insufficient_scope"
    assert r.json["required_scope"] == "write" and "write" in r.json["message"]
    assert 'scope="write"' in r.headers["WWW-Authenticate"]
    writer = token_for(session, steward, ["read", "write"])
    assert client.post("/api/v1/datasets", json=DATASET, headers=auth(writer)).status_code == 201
    # harvest sources need the harvest scope
    r = client.post("/api/v1/harvest-sources", json={}, headers=auth(writer))
    assert r.status_code == 403 and r.json["required_scope"] == "harvest"
    # a token without read cannot read as its owner
    write_only = token_for(session, steward, ["write"])
    r = client.get("/api/v1/me", headers=auth(write_only))
    assert r.status_code == 403 and r.json["required_scope"] == "read"


def test_without_the_admin_scope_an_administrator_token_has_no_admin_rights(client, session, admin):
    plain = token_for(session, admin, ["read", "write"])
    org = {"code": "QNI-SKHCN", "name_vi": "Sở Khoa học và Công nghệ Quảng Ninh", "kind": "department", "parent": "QNI"}
    assert client.post("/api/v1/organizations", json=org, headers=auth(plain)).status_code == 403
    full = token_for(session, admin)
    assert client.post("/api/v1/organizations", json=org, headers=auth(full)).status_code == 201


def test_scopes_an_account_may_not_hold_are_refused(session):
    member = make_user(session, "m@example.vn", roles={"BTC": "member"})
    assert users.allowed_scopes(member) == ("read", "write", "harvest")
    with pytest.raises(ValidationError) as err:
        users.create_token(session, system_actor("test"), member, {"name": "x", "scopes": ["admin"]})
    assert "admin" in str(err.value.messages)
    with pytest.raises(ValidationError):
        users.create_token(session, system_actor("test"), member, {"name": "x", "scopes": ["everything"]})


def test_tokens_on_the_account_page_with_scopes_and_expiry(client, session):
    make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"})
    login(client, "st@mof.gov.vn")
    r = client.post("/account/tokens", data={"name": "script", "scopes": ["read", "write"], "expires_in_days": "30"})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    token = session.scalar(select(ApiToken).where(ApiToken.name == "script"))
    assert token.scopes == "read write" and token.expires_at is not None
    assert (token.expires_at - utcnow()).days in (29, 30)
    assert "vdc_" in page and "Đọc" in page  # the scopes, in Vietnamese
    r = client.post("/account/tokens", data={"name": "bad"})
    assert r.status_code == 400  # no scope chosen


def test_tokens_through_the_api(client, session):
    steward = make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"})
    token = token_for(session, steward, ["read", "write"])
    r = client.post("/api/v1/tokens", json={"name": "child", "scopes": ["read"], "expires_in_days": 7},
                    headers=auth(token))
    assert r.status_code == 201, r.json
    assert r.json["scopes"] == ["read"] and r.json["expires_at"] and r.json["token"].startswith("vdc_")
    child = r.json["token"]
    assert client.get("/api/v1/me", headers=auth(child)).status_code == 200
    # a token cannot mint a more powerful one
    r = client.post("/api/v1/tokens", json={"name": "x", "scopes": ["harvest"]}, headers=auth(token))
    assert r.status_code == 422 and "harvest" in str(r.json["errors"])
    listed = client.get("/api/v1/tokens", headers=auth(token)).json["items"]
    assert {t["name"] for t in listed} == {"test", "child"} and all("token" not in t for t in listed)
    child_id = next(t["id"] for t in listed if t["name"] == "child")
    assert client.delete(f"/api/v1/tokens/{child_id}", headers=auth(token)).status_code == 204
    assert client.get("/api/v1/me", headers=auth(child)).status_code == 401


def test_cli_token_with_scopes(seeded_app, session):
    make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"})
    result = seeded_app.test_cli_runner().invoke(
        args=["users", "token", "st@mof.gov.vn", "--scope", "read", "--scope", "harvest", "--days", "3"])
    assert result.exit_code == 0, result.output
    first, second = result.output.splitlines()[:2]
    assert first.startswith("vdc_") and "read harvest" in second and "expires" in second
