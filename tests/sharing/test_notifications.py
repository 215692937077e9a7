"""Notifications reach the right people, in their own language, in the app and by e-mail."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from catalog import tasks
from catalog.models import Notification
from catalog.services import notifications
from catalog.services.sharing import housekeeping

from ..helpers import login


def recipients(world, kind):
    rows = world.session.scalars(select(Notification).where(Notification.kind == kind)).all()
    by_id = {u.id: name for name, u in world.users.items()}
    return sorted(by_id[n.user_id] for n in rows)


def test_each_step_tells_the_other_side(world):
    req = world.request()
    assert recipients(world, "request_submitted") == ["provider"]  # stewards decide; editors are not asked
    world.act("provider", req, "refuse", reasons="Không đủ căn cứ.", legal_basis="Nghị định 47/2020, Điều 35")
    assert recipients(world, "request_refused") == ["hn_steward", "officer"]
    world.act("officer", req, "escalate", reason="Cần dữ liệu cho thủ tục hành chính.")
    assert recipients(world, "request_escalated") == ["provider"]
    world.act("provider", req, "uphold", reasons="Giữ nguyên.", legal_basis="Điều 48")
    world.act("officer", req, "escalate", reason="Đề nghị cấp trên xem xét.")
    # step 2: the IT unit of the ministry above the provider, and the administrators
    assert recipients(world, "request_escalated") == ["admin", "it_unit", "provider", "provider"]
    assert "outsider" not in recipients(world, "request_escalated")


def test_overdue_goes_to_both_sides_and_the_administrators(world):
    req = world.request()
    housekeeping.run(world.session, now=req.due_at + timedelta(minutes=1))
    world.session.commit()
    assert recipients(world, "request_overdue") == ["admin", "hn_steward", "officer", "provider"]


def test_messages_are_written_in_the_recipients_language(world, caplog):
    caplog.set_level(logging.INFO, logger="catalog.mail")  # the e-mail task may run as soon as a commit
    req = world.request()
    world.act("provider", req, "refuse", reasons="Không đủ căn cứ.", legal_basis="Nghị định 47/2020, Điều 35")
    notes = {n.user_id: n for n in world.session.scalars(select(Notification).where(
        Notification.kind == "request_refused"))}
    with world.app.app_context():
        en_subject, en_body = notifications.render(notes[world.users["hn_steward"].id], "en")
        vi_subject, vi_body = notifications.render(notes[world.users["officer"].id], "vi")
    assert en_subject == f"Request {req.number} refused"
    assert "Ministry" not in en_body and "Police Department" in en_body and "Không đủ căn cứ." in en_body
    assert vi_subject == f"Yêu cầu {req.number} bị từ chối"
    assert vi_body.startswith("Cục Cảnh sát quản lý hành chính về trật tự xã hội đã từ chối yêu cầu của đơn vị. "
                              "Lý do: Không đủ căn cứ. Căn cứ pháp lý: Nghị định 47/2020, Điều 35.")
    # e-mails (written to the log without an SMTP server) follow each account's language
    tasks.drain(world.app)
    mails = [r.getMessage() for r in caplog.records if r.name == "catalog.mail"]
    assert any("steward@stc.hanoi.gov.vn" in m and f"Request {req.number} refused" in m for m in mails)
    assert any("officer@stc.hanoi.gov.vn" in m and f"Yêu cầu {req.number} bị từ chối" in m for m in mails)
    world.session.expire_all()
    assert all(n.emailed_at is not None for n in world.session.scalars(select(Notification)))


def test_inbox_page_lists_and_marks_read(world):
    req = world.request()
    client = world.app.test_client()
    login(client, world.users["provider"].email)
    page = client.get("/notifications")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"Yêu cầu chia sẻ mới {req.number}" in html
    assert notifications.unread_count(world.session, world.users["provider"].id) == 1
    assert client.post("/notifications/read").status_code == 302
    world.session.expire_all()
    assert notifications.unread_count(world.session, world.users["provider"].id) == 0
    api = client.get("/api/v1/notifications?lang=en").json
    assert api["items"][0]["subject"] == f"New sharing request {req.number}"
    assert api["unread"] == 0


def test_a_rolled_back_change_sends_nothing(world):
    req = world.request(submit=False)
    from catalog.services.sharing import workflow

    workflow.perform(world.session, world.actor("officer"), req, "submit")
    world.session.rollback()
    tasks.drain(world.app)
    # (the seed template holds the notifications of opening its open data: flask publish demo)
    assert world.session.scalars(select(Notification).where(Notification.kind.notlike("publication_%"))).all() == []


def test_with_an_smtp_server_the_mail_goes_there_in_the_recipients_language(world):
    """A real SMTP server on a loopback port receives the messages."""
    import socket
    from email.header import decode_header, make_header

    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append({key: str(make_header(decode_header(message[key]))) for key in ("To", "From", "Subject")}
                            | {"body": message.get_payload(decode=True).decode()})

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        world.app.config["CATALOG"].update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="dulieu@catalog.gov.vn")
        req = world.request()
        world.act("provider", req, "refuse", reasons="Không.", legal_basis="Điều 35")
        tasks.drain(world.app)
    finally:
        controller.stop()
    by_recipient = {m["To"]: m for m in received}
    assert set(by_recipient) == {"steward@c06.gov.vn", "officer@stc.hanoi.gov.vn", "steward@stc.hanoi.gov.vn"}
    assert by_recipient["steward@stc.hanoi.gov.vn"]["Subject"] == f"Request {req.number} refused"
    assert by_recipient["officer@stc.hanoi.gov.vn"]["Subject"] == f"Yêu cầu {req.number} bị từ chối"
    assert by_recipient["steward@c06.gov.vn"]["Subject"] == f"Yêu cầu chia sẻ mới {req.number}"
    assert by_recipient["officer@stc.hanoi.gov.vn"]["From"] == "dulieu@catalog.gov.vn"
    assert f"/sharing/requests/{req.id}" in by_recipient["officer@stc.hanoi.gov.vn"]["body"]
