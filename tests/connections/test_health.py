"""Probes against a real local server that answers, fails, hangs and recovers; incidents, exact
durations and availability over a fixed clock; lag; maintenance; notifications to both sides."""

from __future__ import annotations

from datetime import timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from catalog.models import ConnectionCheck, ConnectionIncident, Notification
from catalog.services import connection_health as health
from catalog.services.actor import system_actor

from ..httpserver import Reply
from .conftest import T0

MIN = timedelta(minutes=1)


def _incidents(s, conn):
    return list(s.scalars(select(ConnectionIncident).where(ConnectionIncident.connection_id == conn.id)))


def test_incident_opens_after_n_failures_and_closes_on_recovery(world, http_server):
    http_server.sequence("/health", [Reply(200, b"ok"), Reply(500), Reply(503), Reply(500), Reply(200, b"ok")])
    s = world.session
    conn = world.connection(probe_url=http_server.url("/health"), probe_interval_minutes=5)
    cfg = world.cfg()
    for k in range(3):
        assert health.probe_round(s, cfg, T0 + 5 * k * MIN) == 1
        s.commit()
    assert _incidents(s, conn) == []  # two failures: not yet
    assert conn.health == "degraded" and conn.consecutive_failures == 2
    assert health.probe_round(s, cfg, T0 + 14 * MIN) == 0  # nothing due before the interval
    health.probe_round(s, cfg, T0 + 15 * MIN)
    s.commit()
    [incident] = _incidents(s, conn)
    assert incident.cause == "failures" and incident.opened_at == T0 + 5 * MIN  # dated from the first failure
    assert incident.closed_at is None and conn.health == "down"
    health.probe_round(s, cfg, T0 + 20 * MIN)
    s.commit()
    s.refresh(incident)
    assert incident.closed_at == T0 + 20 * MIN
    assert incident.duration_seconds() == 15 * 60
    assert conn.health == "up"
    # 15 minutes down out of the first hour, exactly
    assert health.availability(s, conn, T0, T0 + 60 * MIN) == 75.0
    assert health.availability(s, conn, T0 + 20 * MIN, T0 + 60 * MIN) == 100.0
    # the owners of both sides were told when it opened and when it closed
    notes = s.scalars(select(Notification).where(Notification.object_id == conn.id)).all()
    kinds = {(n.user_id, n.kind) for n in notes}
    for user in (world.consumer_steward, world.provider_steward):
        assert (user.id, "connection_incident_opened") in kinds
        assert (user.id, "connection_incident_closed") in kinds
    assert world.outsider.id not in {n.user_id for n in notes}
    closed = next(n for n in notes if n.kind == "connection_incident_closed")
    assert closed.params["minutes"] == 15


def test_a_hanging_server_fails_within_the_time_out(world, http_server):
    http_server.route("/slow", body=b"ok", delay=2.5)
    conn = world.connection(probe_url=http_server.url("/slow"))
    result = health.probe_url(conn.probe_url, 200, world.cfg(PROBE_TIMEOUT_SECONDS=1))
    assert not result.ok and result.status is None
    assert result.latency_ms < 2400
    assert result.error


def test_wrong_status_and_private_addresses(world, http_server):
    http_server.route("/moved", status=204)
    result = health.probe_url(http_server.url("/moved"), 200, world.cfg())
    assert not result.ok and result.status == 204 and "204" in result.error
    blocked = health.probe_url(http_server.url("/moved"), 204, world.cfg(ALLOW_PRIVATE_URLS=False))
    assert not blocked.ok and blocked.status is None


def test_latency_percentiles_nearest_rank(world):
    s = world.session
    conn = world.connection()
    for n, ms in enumerate([10, 20, 30, 40, 50, 60, 70, 80, 90, 1000]):
        s.add(ConnectionCheck(connection_id=conn.id, kind="probe", at=T0 + n * MIN, ok=True, latency_ms=ms))
    s.add(ConnectionCheck(connection_id=conn.id, kind="probe", at=T0 + 11 * MIN, ok=False, latency_ms=5000))
    s.commit()
    assert health.latency(s, conn, T0, T0 + 60 * MIN) == {"p50": 50, "p95": 1000, "p99": 1000}
    assert health.percentile([], 50) is None


def test_lag_against_the_expected_interval(world):
    s = world.session
    conn = world.connection(mode="scheduled_sync", sync_interval_minutes=60)
    cfg = world.cfg(CONNECTION_LAG_FACTOR=2)
    health.record_heartbeat(s, conn, {"last_sync_at": T0.isoformat(), "records_sent": 10}, cfg, now=T0 + MIN)
    s.commit()
    assert conn.health == "up"
    assert health.evaluate(s, conn, cfg, T0 + 90 * MIN) == "degraded"  # late, under the threshold
    assert health.summary(s, conn, cfg, T0 + 90 * MIN)["lag_seconds"] == 90 * 60
    assert health.evaluate(s, conn, cfg, T0 + 130 * MIN) == "down"
    [incident] = _incidents(s, conn)
    assert incident.cause == "lag" and incident.opened_at == T0 + 120 * MIN
    health.record_heartbeat(s, conn, {"last_sync_at": (T0 + 135 * MIN).isoformat()}, cfg, now=T0 + 140 * MIN)
    s.commit()
    s.refresh(incident)
    assert incident.closed_at == T0 + 140 * MIN and incident.duration_seconds() == 20 * 60
    assert conn.health == "up"


def test_heartbeat_input_is_checked(world):
    conn = world.connection()
    with pytest.raises(ValidationError) as err:
        health.record_heartbeat(world.session, conn, {"last_sync_at": "yesterday"}, world.cfg(), now=T0)
    assert "last_sync_at" in err.value.messages
    with pytest.raises(ValidationError):
        health.record_heartbeat(world.session, conn, {"last_sync_at": (T0 + 60 * MIN).isoformat()}, world.cfg(),
                                now=T0)


def test_planned_maintenance_is_not_an_incident(world, http_server):
    http_server.sequence("/health", [Reply(200), Reply(500)])
    s = world.session
    conn = world.connection(probe_url=http_server.url("/health"), probe_interval_minutes=10)
    actor = system_actor("test")
    with pytest.raises(ValidationError) as err:  # the law asks for 7 working days' notice
        health.announce_maintenance(s, actor, conn, {"starts_at": (T0 + timedelta(days=3)).isoformat(),
                                                     "ends_at": (T0 + timedelta(days=3, hours=2)).isoformat()}, now=T0)
    assert "starts_at" in err.value.messages
    start = T0 + timedelta(days=14)
    health.announce_maintenance(s, actor, conn, {"starts_at": start.isoformat(),
                                                 "ends_at": (start + 60 * MIN).isoformat(), "note": "Nâng cấp"}, now=T0)
    s.commit()
    health.probe_round(s, world.cfg(), start - 10 * MIN)  # ok before the window
    for k in range(5):  # failures inside the window
        health.probe_round(s, world.cfg(), start + 10 * k * MIN)
    s.commit()
    assert _incidents(s, conn) == []
    assert conn.health == "maintenance"
    assert health.availability(s, conn, start - 10 * MIN, start + 60 * MIN) == 100.0
    kinds = {n.kind for n in s.scalars(select(Notification).where(Notification.object_id == conn.id))}
    assert kinds == {"connection_maintenance"}
