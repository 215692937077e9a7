"""Administrators cannot lock or demote themselves, and the last one can never go."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from catalog import policy
from catalog.models import User
from catalog.services import users
from catalog.services.actor import Actor, system_actor

from ..helpers import login, make_user


def _actor(session, user) -> Actor:
    return Actor(reader=policy.reader_for(session, user), label=user.email)


def test_an_administrator_cannot_lock_or_demote_themselves(client, session):
    me = make_user(session, "admin@example.vn", admin=True)
    make_user(session, "admin2@example.vn", admin=True)
    for change in (lambda: users.set_active(session, _actor(session, me), me, False),
                   lambda: users.set_admin(session, _actor(session, me), me, False),
                   lambda: users.delete_user(session, _actor(session, me), me)):
        with pytest.raises(ValidationError) as err:
            change()
        assert "your own account" in str(err.value.messages)
    login(client, "admin@example.vn")
    r = client.post(f"/admin/users/{me.id}/admin", follow_redirects=True)
    assert "Bạn không thể tự khóa" in r.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, me.id).is_admin and session.get(User, me.id).active


def test_the_last_administrator_is_never_removed_demoted_or_locked(seeded_app, session):
    last = make_user(session, "admin@example.vn", admin=True)
    for change in (lambda: users.set_active(session, system_actor(), last, False),
                   lambda: users.set_admin(session, system_actor(), last, False),
                   lambda: users.delete_user(session, system_actor(), last)):
        with pytest.raises(ValidationError) as err:
            change()
        assert "last administrator" in str(err.value.messages)
    result = seeded_app.test_cli_runner().invoke(args=["users", "deactivate", "admin@example.vn"])
    assert result.exit_code == 2 and "quản trị hệ thống cuối cùng" in result.output  # the portal's language
    # with a second administrator, the first may go
    second = make_user(session, "admin2@example.vn", admin=True)
    users.set_admin(session, _actor(session, second), last, False)
    session.commit()
    assert not session.get(User, last.id).is_admin


def test_the_accounts_page_demotes_and_locks_others(client, session):
    make_user(session, "admin@example.vn", admin=True)
    other = make_user(session, "admin2@example.vn", admin=True)
    login(client, "admin@example.vn")
    assert client.post(f"/admin/users/{other.id}/admin").status_code == 302
    assert client.post(f"/admin/users/{other.id}/active").status_code == 302
    session.expire_all()
    row = session.scalar(select(User).where(User.email == "admin2@example.vn"))
    assert not row.is_admin and not row.active
