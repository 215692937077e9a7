"""Accounts on PostgreSQL: the demo accounts and requests come and go, an invitation is accepted once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from catalog.db import registry_db
from catalog.models import AccountLink, SharingRequest, User
from catalog.services import account_links, demo
from catalog.services.actor import system_actor

from ..helpers import make_user

pytestmark = pytest.mark.postgres


def test_demo_and_an_invitation_on_postgres(pg_seeded_app):
    app = pg_seeded_app
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "demo"]).exit_code == 0
    assert runner.invoke(args=["users", "demo"]).exit_code == 0
    s = registry_db(app).session_factory()
    assert s.scalar(select(func.count()).select_from(SharingRequest)) == 3
    make_user(s, "admin@example.vn", admin=True)
    assert runner.invoke(args=["users", "demo", "--remove"]).exit_code == 0
    assert s.scalar(select(func.count()).select_from(User).where(User.email.in_(demo.demo_emails()))) == 0
    with app.test_request_context():
        result = account_links.invite(s, system_actor("test"), {"email": "pg@mof.gov.vn", "organization": "BTC",
                                                                 "role": "member"})
        s.commit()
        token = result.url.rsplit("/", 1)[1]
        user = account_links.use(s, account_links.INVITATION, token,
                                 {"password": "mat-khau-cua-toi", "confirm": "mat-khau-cua-toi"})
        s.commit()
        assert user.password_hash and [m.role for m in user.memberships] == ["member"]
        with pytest.raises(account_links.LinkUnusable):
            account_links.use(s, account_links.INVITATION, token,
                              {"password": "mat-khau-khac-1", "confirm": "mat-khau-khac-1"})
    assert s.scalar(select(AccountLink.used_at)) is not None
    s.close()
