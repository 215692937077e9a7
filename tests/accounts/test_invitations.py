"""Invitations: invite → e-mail → the person chooses a password → signed in with the role."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from catalog.models import AccountLink, AuditEvent, Membership, User, utcnow

from ..helpers import login, make_user, token_for


def _steward(session):
    return make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"})


def test_the_whole_invitation_flow(client, session, mailbox):
    _steward(session)
    login(client, "st@mof.gov.vn")
    r = client.post("/organizations/BTC/members/invite",
                    data={"email": "New.Officer@mof.gov.vn", "name": "Nguyễn Thị Mới", "role": "editor",
                          "locale": "en"})
    assert r.status_code == 302
    page = client.get("/organizations/BTC/members").get_data(as_text=True)
    assert "new.officer@mof.gov.vn" in page
    user = session.scalar(select(User).where(User.email == "new.officer@mof.gov.vn"))
    assert user.password_hash is None and user.locale == "en"
    # the e-mail is in the invitee's language, with a link
    mail = mailbox.to("new.officer@mof.gov.vn")[-1]
    assert "Invitation to" in mail and "Editor" in mail and "Ministry of Finance" in mail
    path = mailbox.link("new.officer@mof.gov.vn", "/invitation/")
    client.post("/logout")
    # nobody can sign in before the password is chosen
    assert client.post("/login", data={"email": "new.officer@mof.gov.vn", "password": ""}).status_code == 401
    assert client.get(path).status_code == 200
    r = client.post(path, data={"password": "mat-khau-cua-toi", "confirm": "khac-hoan-toan"})
    assert r.status_code == 400 and "Hai mật khẩu không khớp nhau." in r.get_data(as_text=True)
    r = client.post(path, data={"password": "mat-khau-cua-toi", "confirm": "mat-khau-cua-toi"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/account")
    me = client.get("/account").get_data(as_text=True)
    assert "new.officer@mof.gov.vn" in me
    session.expire_all()
    assert session.scalar(select(Membership.role).where(Membership.user_id == user.id)) == "editor"
    # the link worked once
    assert client.post(path, data={"password": "mat-khau-khac-1", "confirm": "mat-khau-khac-1"}).status_code == 410
    client.post("/logout")
    login(client, "new.officer@mof.gov.vn", "mat-khau-cua-toi")
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == user.id)))
    assert {"invite", "accept_invitation"} <= actions


def test_an_expired_invitation_is_refused(client, session, mailbox, seeded_app):
    steward = _steward(session)
    token = token_for(session, steward)
    r = client.post("/api/v1/invitations", json={"email": "late@mof.gov.vn", "organization": "BTC", "role": "member"},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201 and r.json["invited"] and "link" not in r.json and "url" not in r.json
    link = session.scalar(select(AccountLink))
    assert timedelta(days=6, hours=23) < link.expires_at - utcnow() <= timedelta(days=7)
    link.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    path = mailbox.link("late@mof.gov.vn", "/invitation/")
    assert client.get(path).status_code == 410
    r = client.post(path, data={"password": "mat-khau-cua-toi", "confirm": "mat-khau-cua-toi"})
    assert r.status_code == 410
    session.expire_all()
    assert session.scalar(select(User.password_hash).where(User.email == "late@mof.gov.vn")) is None
    assert client.get("/invitation/not-a-real-token").status_code == 404


def test_invitation_expiry_comes_from_the_settings(seeded_app, session):
    seeded_app.config["CATALOG"]["INVITATION_DAYS"] = 2
    _steward(session)
    result = seeded_app.test_cli_runner().invoke(args=["users", "invite", "x@mof.gov.vn", "--org", "BTC",
                                                       "--role", "member"])
    assert result.exit_code == 0, result.output
    assert "/invitation/" in result.output.splitlines()[0]
    link = session.scalar(select(AccountLink))
    assert timedelta(days=1, hours=23) < link.expires_at - utcnow() <= timedelta(days=2)


def test_a_steward_invites_only_into_their_agency_and_never_as_admin(client, session):
    _steward(session)
    login(client, "st@mof.gov.vn")
    r = client.post("/organizations/BNV/members/invite", data={"email": "a@moha.gov.vn", "role": "member"})
    assert r.status_code == 403
    r = client.post("/organizations/BTC/members/invite", data={"email": "b@mof.gov.vn", "role": "member",
                                                               "is_admin": "on"})
    assert r.status_code == 403
    assert session.scalar(select(User).where(User.email.in_(["a@moha.gov.vn", "b@mof.gov.vn"]))) is None
    # through the API too
    token = token_for(session, session.scalar(select(User).where(User.email == "st@mof.gov.vn")))
    r = client.post("/api/v1/invitations", json={"email": "c@moha.gov.vn", "organization": "BNV", "role": "member"},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403
    # and a token without the admin scope may not invite at all
    plain = token_for(session, session.scalar(select(User).where(User.email == "st@mof.gov.vn")), ["read", "write"])
    r = client.post("/api/v1/invitations", json={"email": "d@mof.gov.vn", "organization": "BTC", "role": "member"},
                    headers={"Authorization": f"Bearer {plain}"})
    assert r.status_code == 403 and r.json["required_scope"] == "admin"


def test_inviting_an_existing_account_gives_the_role_at_once(client, session, mailbox):
    _steward(session)
    make_user(session, "known@moha.gov.vn")
    login(client, "st@mof.gov.vn")
    r = client.post("/organizations/BTC/members/invite", data={"email": "known@moha.gov.vn", "role": "member"})
    assert r.status_code == 302
    assert mailbox.to("known@moha.gov.vn") == []
    assert session.scalar(select(AccountLink)) is None
    user = session.scalar(select(User).where(User.email == "known@moha.gov.vn"))
    assert [m.role for m in user.memberships] == ["member"]


def test_the_members_page_picks_an_existing_account_by_name_or_email(client, session):
    _steward(session)
    make_user(session, "tran.b@moha.gov.vn")  # named "Tran.B"
    login(client, "st@mof.gov.vn")
    page = client.get("/organizations/BTC/members").get_data(as_text=True)
    assert 'value="tran.b@moha.gov.vn"' in page  # suggested in the picker
    assert client.post("/organizations/BTC/members", data={"account": "tran.b", "role": "editor"}).status_code == 302
    r = client.post("/organizations/BTC/members", data={"account": "nobody", "role": "editor"})
    assert r.status_code == 400
    session.expire_all()
    user = session.scalar(select(User).where(User.email == "tran.b@moha.gov.vn"))
    assert [m.role for m in user.memberships] == ["editor"]


def test_an_administrator_invites_another_administrator_from_the_accounts_page(client, session, mailbox):
    make_user(session, "admin@example.vn", admin=True)
    login(client, "admin@example.vn")
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'name="password"' not in page  # nobody types another person's password
    r = client.post("/admin/users", data={"email": "admin2@example.vn", "is_admin": "on"})
    assert r.status_code == 302
    user = session.scalar(select(User).where(User.email == "admin2@example.vn"))
    assert user.is_admin and user.password_hash is None
    assert "Lời mời" in mailbox.to("admin2@example.vn")[-1]  # the portal's default language
    r = client.post("/admin/users", data={"email": "nobody@example.vn"})
    assert r.status_code == 400  # neither an agency nor administrator
