"""Connections harvested from an API gateway's subscriptions: each registered application that
subscribes to an API becomes a connection marked with its source; the subscription's state is the
connection's status; an application gone from the gateway retires its connection."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from catalog.models import Connection, DataService, HarvestError

from ..harvest.conftest import FIXTURES, make_source, run, session_of

OPENAPI = FIXTURES / "openapi"
BASE = "/api/am/devportal/v3"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def gw(seeded_app, http_server):
    seeded_app.config["CATALOG"]["ALLOW_PRIVATE_URLS"] = True
    http_server.route(f"{BASE}/apis", body=(OPENAPI / "wso2_page1.json").read_bytes(), headers=JSON)
    http_server.route(f"{BASE}/apis?limit=2&offset=2", body=(OPENAPI / "wso2_page2.json").read_bytes(), headers=JSON)
    return seeded_app, http_server


def _subs(server, api: str, entries: list[dict]) -> None:
    server.route(f"{BASE}/subscriptions?apiId={api}&limit=1000", body=json.dumps({"count": len(entries),
                                                                                  "list": entries}), headers=JSON)


def _app(name: str, status: str = "UNBLOCKED", subscriber: str = "admin") -> dict:
    return {"subscriptionId": name, "applicationInfo": {"name": name, "subscriber": subscriber},
            "subscriptionStatus": status}


def _harvested(app, src) -> dict[str, Connection]:
    s = session_of(app)
    try:
        rows = s.scalars(select(Connection).where(Connection.harvest_source_id == src.id)).all()
        return {c.consumer.code: c for c in rows}
    finally:
        s.close()


def test_subscriptions_become_connections_and_follow_the_gateway(gw):
    app, server = gw
    _subs(server, "a1", [_app("HN-TTHC"), _app("Ứng dụng chưa đăng ký")])
    _subs(server, "a2", [_app("NPSP", "ON_HOLD"), _app("HN-QLVB", "REJECTED")])
    server.route(f"{BASE}/subscriptions?apiId=a3&limit=1000", status=500)
    src = make_source(app, protocol="openapi", url=server.url(f"{BASE}/apis"), organization="HN",
                      database="HN-LGSP", filters={"platform": "LGSP", "subscriptions": True})
    result = run(app, src)
    assert result.status == "succeeded" and result.counts["new"] == 3
    conns = _harvested(app, src)
    assert set(conns) == {"HN-TTHC", "NPSP"}  # the unknown application and the rejected one make none
    hn, npsp = conns["HN-TTHC"], conns["NPSP"]
    assert hn.status == "operating" and npsp.status == "testing"
    assert hn.confirmed_at is not None and hn.platform == "LGSP" and hn.code.startswith("GW-HN-TTHC-")
    assert server.url(f"{BASE}/apis") in hn.source and "HN-TTHC" in hn.source
    s = session_of(app)
    svc = s.get(DataService, hn.provider_service_id)
    assert svc.remote_id == "a1" and hn.provider_org_id == svc.publisher_id
    warnings = [e.message for e in s.scalars(select(HarvestError).where(HarvestError.job_id == result.job_id))]
    s.close()
    assert any("Ứng dụng chưa đăng ký" in w for w in warnings)
    assert any("subscriptions could not be read" in w for w in warnings)  # a3: the gateway failed, nothing lost

    # the gateway changes: Hà Nội's application unsubscribes, the portal's is unblocked
    _subs(server, "a1", [])
    _subs(server, "a2", [_app("NPSP")])
    second = run(app, src)
    assert second.status == "succeeded"
    conns = _harvested(app, src)
    assert conns["HN-TTHC"].status == "retired" and conns["NPSP"].status == "operating"
    assert len(conns) == 2  # updated in place, never doubled


def test_inline_subscriptions_and_a_steward_registered_connection(gw):
    app, server = gw
    page = json.loads((OPENAPI / "wso2_page1.json").read_text(encoding="utf-8"))
    page["list"][0]["subscriptions"] = [{"applicationName": "HN-TTHC", "status": "BLOCKED"}]
    server.route(f"{BASE}/apis", body=json.dumps(page), headers=JSON)
    src = make_source(app, protocol="openapi", url=server.url(f"{BASE}/apis"), organization="HN",
                      database="HN-LGSP", filters={"platform": "LGSP"})
    run(app, src)
    assert _harvested(app, src)["HN-TTHC"].status == "suspended"
    # without the option, APIs without inline subscriptions make no connection and ask nothing more
    assert set(_harvested(app, src)) == {"HN-TTHC"}


def test_an_api_withdrawn_at_the_gateway_retires_its_connections(gw):
    app, server = gw
    _subs(server, "a1", [])
    _subs(server, "a2", [])
    _subs(server, "a3", [_app("NPSP")])
    src = make_source(app, protocol="openapi", url=server.url(f"{BASE}/apis"), organization="HN",
                      database="HN-LGSP", filters={"platform": "LGSP", "subscriptions": True})
    run(app, src)
    assert _harvested(app, src)["NPSP"].status == "operating"
    page2 = json.loads((OPENAPI / "wso2_page2.json").read_text(encoding="utf-8"))
    page2["list"][0]["lifeCycleStatus"] = "RETIRED"  # a3 leaves the gateway
    server.route(f"{BASE}/apis?limit=2&offset=2", body=json.dumps(page2), headers=JSON)
    assert run(app, src).counts["withdrawn"] == 1
    assert _harvested(app, src)["NPSP"].status == "retired"
