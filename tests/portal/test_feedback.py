"""Public feedback: no account, no CAPTCHA; a honeypot refuses robots plainly (400, nothing stored),
a rate limit per address, length limits, escaping; stewards answer from their inbox and the answer
is public on the dataset page and on /requests."""

from __future__ import annotations

from sqlalchemy import func, select

from catalog.models import Notification, PublicFeedback

from ..conftest import _dispose, build_app
from ..helpers import login

PROBLEM = {"subject": "Ptloi cot ma tinh", "message": "Cột mã tỉnh thiếu số 0 ở đầu.", "author_name": "Lan",
           "author_email": "lan@example.com"}


def _count(world) -> int:
    world.session.expire_all()
    return world.session.scalar(select(func.count()).select_from(PublicFeedback)) or 0


def test_anyone_reports_a_problem_and_the_steward_is_told(world):
    c = world.app.test_client()
    r = c.post("/datasets/pt-open/feedback", data=PROBLEM)
    assert r.status_code == 302 and "/requests/" in r.headers["Location"]
    fb = world.session.scalar(select(PublicFeedback).where(PublicFeedback.subject == PROBLEM["subject"]))
    assert fb.kind == "problem" and fb.dataset_id == world.open_ds.id and fb.status == "awaiting"
    note = world.session.scalar(select(Notification).where(Notification.object_id == fb.id))
    assert note is not None and note.user_id == world.steward.id
    page = c.get(r.headers["Location"] + "?lang=en").text
    assert "Cột mã tỉnh thiếu số 0" in page and "Lan" in page
    assert "lan@example.com" not in page  # the e-mail address is never shown
    api = c.get("/api/v1/requests?per_page=100").json
    assert PROBLEM["subject"] in {i["subject"] for i in api["items"]}
    assert "lan@example.com" not in str(api)


def test_the_honeypot_refuses_robots_plainly_and_stores_nothing(world):
    c = world.app.test_client()
    before = _count(world)
    r = c.post("/datasets/pt-open/feedback?lang=en", data={**PROBLEM, "website": "http://spam.example"})
    assert r.status_code == 400 and "Not sent" in r.text
    r = c.post("/requests", data={**PROBLEM, "organization": "BCA-C06", "website": "x"})
    assert r.status_code == 400
    assert _count(world) == before


def test_length_limits_and_missing_fields_are_named(world):
    c = world.app.test_client()
    before = _count(world)
    r = c.post("/datasets/pt-open/feedback?lang=en", data={**PROBLEM, "message": "x" * 4001, "subject": ""})
    assert r.status_code == 400, r.text
    summary = r.text[r.text.index('id="errors"'):]
    assert "At most 4000 characters" in summary and "Subject" in summary, summary[:1500]
    r = c.post("/requests?lang=en", data={**PROBLEM, "organization": ""})
    assert r.status_code == 400 and "Choose the agency" in r.text
    r = c.post("/requests?lang=en", data={**PROBLEM, "organization": "NO-SUCH"})
    assert r.status_code == 400
    assert _count(world) == before


def test_text_is_escaped(world):
    c = world.app.test_client()
    r = c.post("/requests", data={**PROBLEM, "organization": "BCA-C06", "subject": "<script>alert(1)</script>",
                                  "message": "<img src=x onerror=alert(1)>"})
    assert r.status_code == 302
    page = c.get(r.headers["Location"]).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page


def test_no_feedback_on_hidden_datasets(world):
    c = world.app.test_client()
    before = _count(world)
    for slug in ("pt-restricted", "pt-draft", "pt-missing"):
        assert c.post(f"/datasets/{slug}/feedback", data=PROBLEM).status_code == 404
    # even their own stewards cannot open public feedback on a dataset the public may not see
    login(c, world.steward.email)
    assert c.post("/datasets/pt-restricted/feedback", data=PROBLEM).status_code == 404
    assert _count(world) == before


def test_steward_answers_from_the_inbox_and_the_answer_is_public(world):
    public = world.app.test_client()
    r = public.post("/requests", data={**PROBLEM, "organization": "BCA-C06", "subject": "Ptmo xin mo du lieu"})
    assert r.status_code == 302
    location = r.headers["Location"]
    feedback_id = location.rsplit("/", 1)[1]
    steward = world.app.test_client()
    login(steward, world.steward.email)
    inbox = steward.get("/notifications?lang=en").text
    assert "Public feedback awaiting your answer" in inbox and "Ptmo xin mo du lieu" in inbox
    # someone else may not answer
    editor = world.app.test_client()
    login(editor, world.editor.email)
    assert editor.post(f"/notifications/answers/{feedback_id}", data={"answer": "no"}).status_code == 403
    assert steward.post(f"/notifications/answers/{feedback_id}?lang=en", data={"answer": ""}).status_code == 400
    ok = steward.post(f"/notifications/answers/{feedback_id}", data={"answer": "Ptdap Sẽ mở vào quý sau."})
    assert ok.status_code == 302
    page = public.get(location + "?lang=en").text
    assert "Ptdap Sẽ mở vào quý sau." in page and "Answered" in page
    listed = public.get("/requests?status=answered&lang=en").text
    assert "Ptmo xin mo du lieu" in listed and "Ptdap" in listed
    assert "Ptmo xin mo du lieu" not in public.get("/requests?status=awaiting").text
    assert "Public feedback awaiting your answer" not in steward.get("/notifications?lang=en").text
    assert public.get("/requests?status=bogus").status_code == 400
    assert public.get("/api/v1/requests?kind=bogus").status_code == 400


def test_answer_on_a_dataset_problem_shows_on_the_dataset_page(world):
    public = world.app.test_client()
    r = public.post("/datasets/pt-open/feedback", data={**PROBLEM, "subject": "Ptsai so lieu"})
    feedback_id = r.headers["Location"].rsplit("/", 1)[1]
    steward = world.app.test_client()
    login(steward, world.steward.email)
    steward.post(f"/notifications/answers/{feedback_id}", data={"answer": "Ptdasua Đã sửa tệp."})
    page = public.get("/datasets/pt-open?lang=en").text
    assert "Ptsai so lieu" in page and "Ptdasua Đã sửa tệp." in page


def test_feedback_about_a_dataset_that_is_no_longer_public_is_hidden(world):
    public = world.app.test_client()
    r = public.post("/datasets/pt-open/feedback", data={**PROBLEM, "subject": "Ptve sau an"})
    location = r.headers["Location"]
    world.open_ds.access_level = "restricted"
    world.session.commit()
    assert public.get(location).status_code == 404
    assert "Ptve sau an" not in public.get("/requests").text
    assert "Ptve sau an" not in str(public.get("/api/v1/requests?per_page=100").json)


def test_the_rate_limit_stops_a_flood(seeded_app, world):
    app = build_app(seeded_app.config["CATALOG"]["INSTANCE_PATH"], RATELIMIT_FEEDBACK="2 per hour")
    try:
        c = app.test_client()
        for n in range(2):
            assert c.post("/datasets/pt-open/feedback", data={**PROBLEM, "subject": f"Ptflood {n}"}).status_code == 302
        r = c.post("/requests", data={**PROBLEM, "organization": "BCA-C06"})
        assert r.status_code == 429 and "Retry-After" in r.headers
        assert c.get("/requests").status_code == 200  # reading is not limited
        other = c.post("/datasets/pt-open/feedback", data=PROBLEM, environ_base={"REMOTE_ADDR": "198.51.100.7"})
        assert other.status_code == 302
    finally:
        _dispose(app)


def test_the_sender_gets_the_answer_by_e_mail(world, caplog):
    import logging

    from catalog import tasks

    caplog.set_level(logging.INFO, logger="catalog.mail")
    public = world.app.test_client()
    r = public.post("/datasets/pt-open/feedback", data={**PROBLEM, "subject": "Ptthu tra loi"})
    feedback_id = r.headers["Location"].rsplit("/", 1)[1]
    steward = world.app.test_client()
    login(steward, world.steward.email)
    steward.post(f"/notifications/answers/{feedback_id}", data={"answer": "Ptdathu Cảm ơn bạn."})
    tasks.drain(world.app)
    mails = [rec.getMessage() for rec in caplog.records if rec.name == "catalog.mail"]
    assert any("lan@example.com" in m and "Ptdathu Cảm ơn bạn." in m and f"/requests/{feedback_id}" in m
               for m in mails)


def test_public_forms_are_in_the_feedback_rate_class_and_answers_are_not():
    from catalog import limits

    assert limits.class_of("/datasets/<key>/feedback")[0] == "feedback"
    assert limits.class_of("/requests")[0] == "feedback"
    assert limits.class_of("/requests")[2] == ("POST",)  # reading the answers is not limited
    assert limits.class_of("/notifications/answers/<feedback_id>") is None
