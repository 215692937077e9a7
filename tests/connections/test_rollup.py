"""Daily roll-ups: the 7- and 30-day figures read whole days from `connection_daily` and equal a
scan of every probe, to the second; maintenance announced later is rolled up again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, insert, select

from catalog.models import ConnectionCheck, ConnectionDaily, ConnectionMaintenance
from catalog.services import connection_health as health
from catalog.services import connection_rollup as rollup

from .conftest import T0

NOW = T0 + timedelta(hours=13, minutes=7)  # mid-afternoon: both ends of every window are part-days


def _history(s, conn, days: int = 31) -> None:
    start = NOW - timedelta(days=days)
    s.execute(insert(ConnectionCheck), [
        {"connection_id": conn.id, "kind": "probe", "at": start + timedelta(minutes=5 * j), "ok": j % 7 != 0,
         "status_code": 200, "latency_ms": 20, "in_maintenance": False}
        for j in range(days * 288) if start + timedelta(minutes=5 * j) < NOW])
    s.commit()


def test_windows_from_roll_ups_equal_a_scan_of_every_probe(world):
    s = world.session
    conn = world.connection()
    s.add(ConnectionMaintenance(connection_id=conn.id, starts_at=NOW - timedelta(days=9, hours=3),
                                ends_at=NOW - timedelta(days=8, hours=20), announced_at=NOW - timedelta(days=20)))
    s.commit()
    _history(s, conn)
    for span in (timedelta(days=7), timedelta(days=30)):
        exact = health.availability(s, conn, NOW - span, NOW)
        assert exact is not None and 80 < exact < 90
        assert rollup.availability(s, conn, NOW - span, NOW) == exact
    stored = s.scalars(select(ConnectionDaily).where(ConnectionDaily.connection_id == conn.id)).all()
    assert len(stored) == 29  # every whole day inside the 30-day window (its two ends are part-days)
    assert all(0 < row.known_seconds <= 86_400 for row in stored)
    # the whole days now come from the roll-ups: probes removed from a middle day change nothing
    middle = rollup.midnight(NOW) - timedelta(days=15)
    before = rollup.availability(s, conn, NOW - timedelta(days=30), NOW)
    s.execute(delete(ConnectionCheck).where(ConnectionCheck.connection_id == conn.id,
                                            ConnectionCheck.at >= middle + timedelta(hours=1),
                                            ConnectionCheck.at < middle + timedelta(hours=23)))
    s.commit()
    assert rollup.availability(s, conn, NOW - timedelta(days=30), NOW) == before
    summary = health.summary(s, conn, world.cfg(), NOW)
    assert summary["availability"]["30d"] == before


def test_daily_chart_and_a_day_not_yet_over(world):
    s = world.session
    conn = world.connection()
    _history(s, conn, days=3)
    days = rollup.daily(s, conn, NOW, 30)
    assert len(days) == 30 and days[-1][0] == rollup.midnight(NOW)
    assert [v is None for _d, v in days[:-4]] == [True] * 26  # no probes yet then
    assert all(v is not None for _d, v in days[-3:])
    today = s.scalar(select(ConnectionDaily).where(ConnectionDaily.connection_id == conn.id,
                                                   ConnectionDaily.day == rollup.midnight(NOW).date()))
    assert today is None  # today is read from the probes until it is over


def test_announced_maintenance_drops_the_roll_ups_it_covers(world):
    from catalog.services.actor import system_actor

    s = world.session
    conn = world.connection()
    later = rollup.midnight(NOW) + timedelta(days=20)
    s.add(ConnectionDaily(connection_id=conn.id, day=later.date(), up_seconds=1.0, known_seconds=2.0))
    s.commit()
    health.announce_maintenance(s, system_actor("test"), conn, {
        "starts_at": (later + timedelta(hours=1)).isoformat(), "ends_at": (later + timedelta(hours=2)).isoformat()},
        now=NOW)
    s.commit()
    assert s.scalar(select(ConnectionDaily).where(ConnectionDaily.connection_id == conn.id)) is None
