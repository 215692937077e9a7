"""The policy's SQL condition and its predicate agree; the probe round is a periodic job; the
integration map works on PostgreSQL as on SQLite."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from catalog import policy, tasks
from catalog.db import registry_db
from catalog.models import Connection
from catalog.services import connection_health as health
from catalog.services import connections, dataservices
from catalog.services.actor import system_actor

from ..helpers import make_user
from ..httpserver import Reply
from .conftest import T0

MIN = timedelta(minutes=1)


def test_sql_and_predicate_agree(world):
    s = world.session
    hidden_service = dataservices.create_dataservice(s, system_actor("test"), {
        "slug": "noi-bo", "title_vi": "Dịch vụ nội bộ", "publisher": "BCA-C06", "database": "DC",
        "endpoint_url": "https://api.example.gov.vn/noi-bo", "status": "draft"})
    s.commit()
    world.connection("T-HIDDEN", provider_service=hidden_service.slug)
    pending = connections.create_connection(s, system_actor("test"), {
        "code": "T-PENDING", "consumer": "ETAX", "provider_database": "DKDN"})
    s.commit()
    assert pending.confirmed_at is None
    for user in (None, world.outsider, world.provider_steward):
        reader = policy.reader_for(s, user) if user else policy.ANONYMOUS
        listed = set(s.scalars(select(Connection.code).where(policy.connection_visibility(reader))))
        allowed = {c.code for c in s.scalars(select(Connection)) if policy.can_view_connection(reader, c)}
        assert listed == allowed
    anon = set(s.scalars(select(Connection.code).where(policy.connection_visibility(policy.ANONYMOUS))))
    assert "T-HIDDEN" not in anon and "T-PENDING" not in anon and "NPSP-HN-TTHC" in anon
    c06 = policy.reader_for(s, world.provider_steward)
    assert "T-HIDDEN" in set(s.scalars(select(Connection.code).where(policy.connection_visibility(c06))))


def test_the_probe_round_is_a_periodic_job():
    assert tasks.periodic_jobs()["connections.probe"].every == timedelta(minutes=1)


def test_on_postgresql(pg_seeded_app, http_server):
    app = pg_seeded_app
    http_server.sequence("/h", [Reply(500), Reply(500), Reply(500), Reply(200)])
    s = registry_db(app).session_factory()
    s.info["app"] = app
    steward = make_user(s, "pg-c06@example.gov.vn", roles={"BCA-C06": "steward"})
    with app.app_context():
        conn = connections.create_connection(s, system_actor("test"), {
            "code": "PG-1", "consumer": "NPSP", "provider_database": "DC", "status": "operating",
            "probe_url": http_server.url("/h"), "probe_interval_minutes": 5}, confirmed=True)
        s.commit()
        cfg = {**app.config["CATALOG"], "ALLOW_PRIVATE_URLS": True, "PROBE_FAILURES_FOR_INCIDENT": 3}
        for k in range(4):
            health.probe_round(s, cfg, T0 + 5 * k * MIN)
            s.commit()
        [incident] = health.incidents(s, conn)
        assert incident.opened_at == T0 and incident.closed_at == T0 + 15 * MIN
        assert health.availability(s, conn, T0, T0 + 30 * MIN) == 50.0
        from catalog.models import Notification

        kinds = {n.kind for n in s.scalars(select(Notification).where(Notification.user_id == steward.id))}
        assert kinds == {"connection_incident_opened", "connection_incident_closed"}
    client = app.test_client()
    page = client.get("/connections?province=HN")
    assert page.status_code == 200 and "<svg" in page.get_data(as_text=True)
    assert client.get("/api/v1/connections?platform=NDXP").json["total"] > 60
    assert client.get("/provinces/HN/connections").status_code == 200
    assert client.get("/reuse").status_code == 200
    # identifier codes and daily roll-ups on PostgreSQL too
    assert client.get("/api/v1/connections?province=000.00.00.H26").json["total"] == client.get(
        "/api/v1/connections?province=HN").json["total"] > 0
    from catalog.services import connection_rollup as rollup

    with app.app_context():
        later = T0 + timedelta(days=3, hours=5)
        exact = health.availability(s, conn, T0 - timedelta(hours=2), later)
        assert rollup.availability(s, conn, T0 - timedelta(hours=2), later) == exact
        s.commit()
        assert rollup.availability(s, conn, T0 - timedelta(hours=2), later) == exact  # from the stored days
    s.close()
