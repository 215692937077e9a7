"""Deadlines in working days, with Vietnam's holidays (Tết by the lunar calendar) and weekends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from catalog import rules
from catalog.services.sharing import housekeeping, workflow
from catalog.workdays import VN_TZ, add_working_days, deadline, is_working_day, local_date, working_days_between


def test_tet_2026_and_a_weekend_push_the_answer_deadline_back_nine_days():
    # Friday 13 February 2026, 10:00 in Hanoi; Tết holidays run Monday 16 to Friday 20 February.
    received = datetime(2026, 2, 13, 10, 0, tzinfo=VN_TZ)
    due = deadline(received, rules.ANSWER_DEADLINE)
    assert due.astimezone(VN_TZ).date() == date(2026, 2, 24)  # Monday 23 is day 1, Tuesday 24 day 2
    assert due.astimezone(VN_TZ).hour == 23
    # counted in calendar days it would have been Sunday 15 February
    assert (received + timedelta(days=2)).date() == date(2026, 2, 15)
    assert not any(is_working_day(date(2026, 2, d)) for d in range(14, 23))


def test_lunar_new_year_moves_every_year():
    assert not is_working_day(date(2025, 1, 29))  # Tết 2025 (Ất Tỵ)
    assert is_working_day(date(2026, 1, 29))
    assert not is_working_day(date(2027, 2, 8))  # Tết 2027 (Đinh Mùi)


def test_a_swapped_saturday_is_a_working_day_and_its_weekday_is_not():
    # 2025: Saturday 26 April was worked so that Friday 2 May could be a day off.
    assert is_working_day(date(2025, 4, 26))
    assert not is_working_day(date(2025, 5, 2))
    assert add_working_days(date(2025, 4, 25), 1) == date(2025, 4, 26)


def test_counting_helpers():
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2
    assert working_days_between(date(2026, 2, 24), date(2026, 2, 13)) == 0
    # a request received on a holiday counts from the next working day
    assert add_working_days(date(2026, 2, 17), 2) == date(2026, 2, 24)
    assert local_date(datetime(2026, 2, 13, 20, 0, tzinfo=UTC)) == date(2026, 2, 14)  # 03:00 next day in Hanoi


def test_a_request_submitted_before_tet_is_due_after_it_and_only_then_overdue(world, monkeypatch):
    submitted = datetime(2026, 2, 13, 3, 0, tzinfo=UTC)  # Friday 10:00 in Hanoi
    monkeypatch.setattr(workflow, "utcnow", lambda: submitted)
    req = world.request()
    assert local_date(req.due_at) == date(2026, 2, 24)
    # on Monday 23 February nothing is late; on Wednesday 25 it is, and both sides are told once
    assert housekeeping.run(world.session, now=datetime(2026, 2, 23, 9, tzinfo=UTC)).overdue == 0
    assert housekeeping.run(world.session, now=datetime(2026, 2, 25, 2, tzinfo=UTC)).overdue == 1
    world.session.commit()
    assert housekeeping.run(world.session, now=datetime(2026, 2, 26, 2, tzinfo=UTC)).overdue == 0


def test_asking_for_information_pauses_the_clock(world, monkeypatch):
    clock = {"now": datetime(2026, 3, 2, 2, 0, tzinfo=UTC)}  # Monday 9:00 in Hanoi
    monkeypatch.setattr(workflow, "utcnow", lambda: clock["now"])
    req = world.request()
    assert local_date(req.due_at) == date(2026, 3, 4)  # Wednesday
    clock["now"] = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # Tuesday: one working day left
    world.act("provider", req, "request_info", message="Cần công văn đề nghị.")
    assert req.remaining_working_days == 1
    assert housekeeping.run(world.session, now=datetime(2026, 3, 20, tzinfo=UTC)).overdue == 0  # paused
    clock["now"] = datetime(2026, 3, 13, 2, 0, tzinfo=UTC)  # Friday, ten days later
    world.act("officer", req, "provide_info", message="Đã gửi công văn kèm theo.")
    assert local_date(req.due_at) == date(2026, 3, 16)  # the one day left: Monday after the weekend
