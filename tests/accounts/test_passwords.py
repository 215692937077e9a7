"""Passwords: one's own change, the forgotten-password link, temporary passwords, and the CLI link."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from catalog.models import AccountLink, AuditEvent, User, utcnow
from catalog.services import users
from catalog.services.actor import system_actor

from ..helpers import PASSWORD, login, make_user


def test_changing_ones_own_password_needs_the_current_one(client, session):
    make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"})
    login(client, "st@mof.gov.vn")
    assert 'name="current"' in client.get("/account").get_data(as_text=True)
    r = client.post("/account/password", data={"current": "wrong password!", "password": "mot-mat-khau-moi",
                                               "confirm": "mot-mat-khau-moi"})
    assert r.status_code == 400
    r = client.post("/account/password", data={"current": PASSWORD, "password": "ngan", "confirm": "ngan"})
    assert r.status_code == 400
    r = client.post("/account/password", data={"current": PASSWORD, "password": "mot-mat-khau-moi",
                                               "confirm": "mot-mat-khau-moi"})
    assert r.status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"email": "st@mof.gov.vn", "password": PASSWORD}).status_code == 401
    login(client, "st@mof.gov.vn", "mot-mat-khau-moi")
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "change_password"))


def test_forgot_password_gives_the_same_answer_for_an_unknown_address(client, session, mailbox):
    make_user(session, "st@mof.gov.vn")
    known = client.post("/password/forgot", data={"email": "st@mof.gov.vn"})
    unknown = client.post("/password/forgot", data={"email": "nobody@mof.gov.vn"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert mailbox.to("nobody@mof.gov.vn") == []
    assert len(mailbox.to("st@mof.gov.vn")) == 1


def test_a_reset_link_works_once_and_signs_in(client, session, mailbox):
    make_user(session, "st@mof.gov.vn")
    assert "/password/forgot" in client.get("/login").get_data(as_text=True)
    client.post("/password/forgot", data={"email": "ST@mof.gov.vn"})
    path = mailbox.link("st@mof.gov.vn", "/password/reset/")
    assert client.get(path).status_code == 200
    r = client.post(path, data={"password": "mat-khau-moi-123", "confirm": "mat-khau-moi-123"})
    assert r.status_code == 302
    assert client.get("/account").status_code == 200  # signed in
    assert client.post(path, data={"password": "lan-thu-hai-123", "confirm": "lan-thu-hai-123"}).status_code == 410
    client.post("/logout")
    login(client, "st@mof.gov.vn", "mat-khau-moi-123")
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.object_label == "st@mof.gov.vn")))
    assert {"request_password_reset", "reset_password"} <= actions


def test_a_reset_link_expires(client, session, mailbox, seeded_app):
    make_user(session, "st@mof.gov.vn")
    client.post("/password/forgot", data={"email": "st@mof.gov.vn"})
    link = session.scalar(select(AccountLink))
    assert timedelta(minutes=59) < link.expires_at - utcnow() <= timedelta(minutes=60)
    link.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    path = mailbox.link("st@mof.gov.vn", "/password/reset/")
    r = client.post(path, data={"password": "mat-khau-moi-123", "confirm": "mat-khau-moi-123"})
    assert r.status_code == 410
    login(client, "st@mof.gov.vn")  # the old password still works


def test_a_newer_link_replaces_the_older_one(client, session, mailbox):
    make_user(session, "st@mof.gov.vn")
    client.post("/password/forgot", data={"email": "st@mof.gov.vn"})
    first = mailbox.link("st@mof.gov.vn", "/password/reset/")
    client.post("/password/forgot", data={"email": "st@mof.gov.vn"})
    second = mailbox.link("st@mof.gov.vn", "/password/reset/")
    assert first != second
    assert client.get(first).status_code == 410 and client.get(second).status_code == 200


def test_reset_links_are_not_sent_again_and_again(client, session, mailbox):
    make_user(session, "st@mof.gov.vn")
    for _ in range(5):
        assert client.post("/password/forgot", data={"email": "st@mof.gov.vn"}).status_code == 200
    assert len(mailbox.to("st@mof.gov.vn")) == 3
    last = mailbox.link("st@mof.gov.vn", "/password/reset/")
    r = client.get(last)
    assert r.status_code == 200 and r.headers["Referrer-Policy"] == "no-referrer"


def test_a_temporary_password_must_be_changed_at_first_sign_in(client, session):
    users.create_user(session, system_actor("test"), {"email": "tmp@mof.gov.vn", "name": "Tạm",
                                                      "password": "mat-khau-tam-thoi"}, temporary=True)
    session.commit()
    login(client, "tmp@mof.gov.vn", "mat-khau-tam-thoi")
    r = client.get("/datasets")
    assert r.status_code == 302 and r.headers["Location"].endswith("/account/password")
    assert client.get("/account/password").status_code == 200
    r = client.post("/account/password", data={"current": "mat-khau-tam-thoi", "password": "mat-khau-tam-thoi",
                                               "confirm": "mat-khau-tam-thoi"})
    assert r.status_code == 400  # the same password again is not a change
    r = client.post("/account/password", data={"current": "mat-khau-tam-thoi", "password": "cua-rieng-toi-1",
                                               "confirm": "cua-rieng-toi-1"})
    assert r.status_code == 302
    assert client.get("/datasets").status_code == 200
    session.expire_all()
    assert not session.scalar(select(User).where(User.email == "tmp@mof.gov.vn")).must_change_password


def test_cli_reset_password_prints_a_link_and_sets_nothing(seeded_app, session, client):
    user = make_user(session, "st@mof.gov.vn")
    before = user.password_hash
    result = seeded_app.test_cli_runner().invoke(args=["users", "reset-password", "st@mof.gov.vn"])
    assert result.exit_code == 0, result.output
    url = result.output.splitlines()[0]
    assert "/password/reset/" in url
    session.expire_all()
    assert session.get(User, user.id).password_hash == before
    path = url[url.index("/password/reset/"):]
    assert client.post(path, data={"password": "mat-khau-moi-123", "confirm": "mat-khau-moi-123"}).status_code == 302
    bad = seeded_app.test_cli_runner().invoke(args=["users", "reset-password", "nobody@mof.gov.vn"])
    assert bad.exit_code == 2
