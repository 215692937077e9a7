"""`flask users demo` makes demo accounts and demo sharing requests, safely twice; --remove undoes it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from catalog.models import Membership, SharingAgreement, SharingRequest, User
from catalog.services import demo

from ..helpers import login, make_user


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_accounts_and_requests_then_removal(seeded_app, session):
    runner = seeded_app.test_cli_runner()
    first = runner.invoke(args=["users", "demo"])
    assert first.exit_code == 0, first.output
    assert "flask --app catalog users demo --remove" in first.output
    for email in demo.demo_emails():
        assert email in first.output
    password_file = Path(seeded_app.config["CATALOG"]["INSTANCE_PATH"]) / demo.PASSWORD_FILE
    assert oct(password_file.stat().st_mode & 0o777) == "0o600"
    # every role, in a province and a ministry
    roles = set(session.execute(select(Membership.role, Membership.organization_id).join(User)
                                .where(User.email.in_(demo.demo_emails()))).all())
    assert len(roles) == 6
    statuses = sorted(session.scalars(select(SharingRequest.status)))
    assert statuses == ["approved", "refused", "submitted"]
    assert _count(session, SharingAgreement) == 1
    # the printed passwords sign in
    line = next(x for x in first.output.splitlines() if "demo.steward.btc@example.vn" in x)
    client = seeded_app.test_client()
    login(client, "demo.steward.btc@example.vn", line.split()[1])
    numbers = list(session.scalars(select(SharingRequest.number)))
    page = client.get("/sharing").get_data(as_text=True)
    assert all(n in page for n in numbers)  # the sharing pages are not empty on a first visit
    # idempotent: the same accounts, the same passwords, no more requests
    second = runner.invoke(args=["users", "demo"])
    assert second.exit_code == 0 and second.output == first.output
    assert _count(session, User, User.email.in_(demo.demo_emails())) == 7
    assert _count(session, SharingRequest) == 3
    # removal: with another administrator, everything goes
    make_user(session, "admin@example.vn", admin=True)
    removed = runner.invoke(args=["users", "demo", "--remove"])
    assert removed.exit_code == 0, removed.output
    session.expire_all()
    assert _count(session, User, User.email.in_(demo.demo_emails())) == 0
    assert _count(session, SharingRequest) == 0 and _count(session, SharingAgreement) == 0
    assert not password_file.exists()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_removal_keeps_the_demo_administrator_when_it_is_the_last_one(seeded_app, session):
    runner = seeded_app.test_cli_runner()
    runner.invoke(args=["users", "demo"])
    result = runner.invoke(args=["users", "demo", "--remove"])
    assert result.exit_code == 0
    assert "kept demo.admin@example.vn" in result.output and "cuối cùng" in result.output
    assert session.scalar(select(User.email).where(User.email.in_(demo.demo_emails()))) == demo.ADMIN_EMAIL
