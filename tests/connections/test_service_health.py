"""Probes on data services themselves, against a local server: the OpenAPI document must answer
200, a bare endpoint any answer below 500; connections through a service without a probe of their
own take its answers (incidents included)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from catalog.models import ConnectionCheck, ConnectionIncident, DataService
from catalog.services import dataservices
from catalog.services import service_health as sh
from catalog.services.actor import system_actor

from ..helpers import login
from ..httpserver import Reply
from .conftest import T0

MIN = timedelta(minutes=1)


def _service(world, slug: str, endpoint: str, document: str | None = None, access: str = "shared") -> DataService:
    s = world.session
    svc = dataservices.create_dataservice(s, system_actor("test"), {
        "slug": slug, "title_vi": "Dịch vụ xác thực thử", "publisher": "BCA-C06", "database": "DC",
        "endpoint_url": endpoint, "endpoint_description": document, "status": "published", "access_level": access})
    # only this test's services are due: the seeded ones point at real addresses, never asked in tests
    s.execute(update(DataService).where(DataService.id != svc.id).values(next_probe_at=T0 + timedelta(days=365)))
    s.commit()
    return svc


def test_the_document_must_answer_and_a_bare_endpoint_may_refuse(world, http_server):
    cfg = world.cfg(PROBE_INTERVAL_MINUTES=5)
    http_server.route("/api/openapi.json", status=404)
    http_server.route("/api/", status=401)
    with_doc = _service(world, "svc-doc", http_server.url("/api/"), http_server.url("/api/openapi.json"))
    bare = _service(world, "svc-bare", http_server.url("/api/"))
    s = world.session
    s.execute(update(DataService).where(DataService.id.in_((with_doc.id, bare.id))).values(next_probe_at=None))
    assert sh.probe_round(s, cfg, T0) == 2
    s.commit()
    assert bare.health == "up" and bare.probe_status == 401 and bare.probe_error is None
    assert with_doc.health == "degraded" and with_doc.probe_status == 404 and "404" in with_doc.probe_error
    assert bare.next_probe_at == T0 + 5 * MIN
    assert sh.probe_round(s, cfg, T0 + 4 * MIN) == 0  # not due yet
    assert sh.probe_round(s, world.cfg(PROBE_DATA_SERVICES=False), T0 + 10 * MIN) == 0


def test_connections_through_a_service_take_its_answers(world, http_server):
    http_server.sequence("/svc/openapi.json", [Reply(500), Reply(502), Reply(503), Reply(200, b"{}")])
    svc = _service(world, "svc-seq", http_server.url("/svc/"), http_server.url("/svc/openapi.json"))
    conn = world.connection(code="T-SVC", provider_service=svc.slug)
    own = world.connection(code="T-OWN", provider_service=svc.slug, probe_url=http_server.url("/own"))
    s = world.session
    cfg = world.cfg(PROBE_INTERVAL_MINUTES=5)
    for k in range(4):
        assert sh.probe_round(s, cfg, T0 + 5 * k * MIN) == 1
        s.commit()
        if k == 2:
            assert svc.health == "down" and conn.health == "down"
    assert svc.health == "up" and svc.consecutive_failures == 0
    checks = s.scalars(select(ConnectionCheck).where(ConnectionCheck.connection_id == conn.id)
                       .order_by(ConnectionCheck.at)).all()
    assert [c.ok for c in checks] == [False, False, False, True]
    [incident] = s.scalars(select(ConnectionIncident).where(ConnectionIncident.connection_id == conn.id)).all()
    assert incident.opened_at == T0 and incident.closed_at == T0 + 15 * MIN
    # a connection with its own health URL keeps its own probes
    assert s.scalar(select(ConnectionCheck.id).where(ConnectionCheck.connection_id == own.id)) is None


def test_the_service_page_shows_its_health(world, http_server):
    http_server.route("/p/", status=503)
    svc = _service(world, "svc-page", http_server.url("/p/"), access="open")
    s = world.session
    svc.next_probe_at = None
    s.commit()
    sh.probe_round(s, world.cfg(), T0)
    s.commit()
    client = world.app.test_client()
    assert svc.health == "degraded"
    answer = client.get(f"/services/{svc.slug}?lang=en")
    public = answer.get_data(as_text=True)
    assert answer.status_code == 200, public[:300]
    assert "Degraded" in public
    assert "503" not in public  # the answer's details are for officers
    login(client, "hn@example.gov.vn")
    assert "503" in client.get(f"/services/{svc.slug}?lang=vi").get_data(as_text=True)
