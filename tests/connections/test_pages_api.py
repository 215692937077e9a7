"""The map and pages in vi and en, the API, heartbeats with connection-scoped tokens, access rules."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from catalog.models import Connection, ConnectionCheck, ConnectionIncident
from catalog.services import connections
from catalog.services.actor import system_actor

from ..helpers import login, token_for
from .conftest import T0


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_map_and_table_in_both_languages(world):
    client = world.app.test_client()
    vi = client.get("/connections", headers={"Accept-Language": "vi"})
    assert vi.status_code == 200
    html = vi.get_data(as_text=True)
    assert "Bản đồ kết nối" in html and "<svg" in html and 'role="img"' in html
    assert "Trục liên thông văn bản quốc gia" in html  # the seeded connections are in the table
    assert "Ủy ban nhân dân thành phố Hà Nội" in html  # and their agencies on the map
    client.get("/language/en")
    en = client.get("/connections").get_data(as_text=True)
    assert "Integration map" in en and "National Document Exchange Axis" in en
    filtered = client.get("/connections?province=HN&platform=NDXP").get_data(as_text=True)
    assert "National Public Service Portal" in filtered
    assert "Document Exchange Axis" not in filtered  # that one is direct, not through NDXP
    assert client.get("/connections?status=nonsense").status_code == 400


def test_filters_select_connections(world):
    client = world.app.test_client()
    hn = client.get("/api/v1/connections?province=HN&per_page=100").json
    codes = {i["code"] for i in hn["items"]}
    assert {"NPSP-HN-TTHC", "HN-TTHC-DC", "HN-LGSP-NDXP", "HN-QLVB-VBQG"} <= codes
    assert all("HN" in c for c in codes)
    everything = client.get("/api/v1/connections?per_page=100").json
    assert everything["total"] >= 158
    ndxp = client.get("/api/v1/connections?platform=direct&per_page=100").json
    assert ndxp["items"] and all(i["platform"] == "direct" for i in ndxp["items"])
    bad = client.get("/api/v1/connections?platform=XX")
    assert bad.status_code == 422 and "platform" in bad.json["errors"]
    assert client.get("/api/v1/connections?province=NOPE").status_code == 422


def test_every_province_has_its_systems_and_portal_link(world):
    from catalog.models import Database, Organization

    s = world.session
    provinces = s.scalars(select(Organization).where(Organization.kind.in_(("province", "city")))).all()
    assert len(provinces) == 34
    for org in provinces:
        codes = set(s.scalars(select(Database.code).where(Database.owner_id == org.id)))
        assert {f"{org.code}-TTHC", f"{org.code}-LGSP", f"{org.code}-QLVB"} <= codes
        assert s.scalar(select(Connection.id).where(Connection.code == f"NPSP-{org.code}-TTHC"))


def test_connection_page_and_province_page(world):
    s = world.session
    conn = s.scalar(select(Connection).where(Connection.code == "NA-TTHC-DC"))  # HN officers are no party
    s.add(ConnectionIncident(connection_id=conn.id, cause="failures", opened_at=T0,
                             closed_at=T0 + timedelta(minutes=30)))
    s.commit()
    client = world.app.test_client()
    public = client.get(f"/connections/{conn.id}").get_data(as_text=True)
    assert "Cơ sở dữ liệu quốc gia về dân cư" in public
    assert "Số định danh cá nhân" not in public  # a default-shared item: officers only
    assert "Sự cố" not in public and "30 phút" not in public  # health details: officers only
    login(client, "hn@example.gov.vn")
    officer = client.get(f"/connections/{conn.id}").get_data(as_text=True)
    assert "Số định danh cá nhân" in officer  # default-shared: any officer
    assert "Họ, chữ đệm và tên" not in officer  # special request: the two sides only
    assert "Sự cố" in officer and "30 phút" in officer
    province = client.get("/provinces/HN/connections").get_data(as_text=True)
    assert "Cổng Dịch vụ công quốc gia" in province and "Hệ thống thông tin giải quyết thủ tục hành chính" in province
    assert "Với Cổng Dịch vụ công quốc gia" in province
    assert client.get("/provinces/01/connections").status_code == 200
    assert client.get("/provinces/BCA/connections").status_code == 404
    client.get("/language/en")
    assert "Is " in client.get("/provinces/HN/connections").get_data(as_text=True)


def test_items_follow_the_field_classes_in_the_api(world):
    client = world.app.test_client()
    anon = client.get("/api/v1/connections/NPSP-NA-TTHC").json
    assert [i["name"] for i in anon["items"]] == ["ma_thu_tuc"]  # only the open item
    assert anon["hidden_items"] == 3 and "probe" not in anon
    assert client.get("/api/v1/connections/NPSP-NA-TTHC/health").status_code == 401
    s = world.session
    officer = token_for(s, world.outsider)
    seen = client.get("/api/v1/connections/NPSP-NA-TTHC", headers=_bearer(officer)).json
    assert {i["name"] for i in seen["items"]} == {"ma_thu_tuc", "ma_ho_so", "trang_thai_ho_so"}
    party = token_for(s, world.consumer_steward)  # the Government Office runs the portal
    full = client.get("/api/v1/connections/NPSP-NA-TTHC", headers=_bearer(party)).json
    assert len(full["items"]) == 4 and full["hidden_items"] == 0
    health = client.get("/api/v1/connections/NPSP-NA-TTHC/health", headers=_bearer(officer))
    assert health.status_code == 200 and set(health.json["availability"]) == {"24h", "7d", "30d"}
    assert client.get("/api/v1/connections/NPSP-NA-TTHC/incidents", headers=_bearer(officer)).json["items"] == []


def test_unconfirmed_connections_are_seen_by_the_two_sides_only(world):
    s = world.session
    client = world.app.test_client()
    token = token_for(s, world.consumer_steward)
    body = {"code": "NPSP-HTDT", "consumer": "NPSP", "provider_database": "HTDT-HT", "platform": "NDXP",
            "mode": "scheduled_sync", "sync_interval_minutes": 60, "status": "testing"}
    created = client.post("/api/v1/connections", json=body, headers=_bearer(token))
    assert created.status_code == 201, created.json
    assert created.json["confirmed"] is False
    conn_id = created.json["id"]
    assert client.get(f"/api/v1/connections/{conn_id}").status_code == 404  # the public: not yet
    outsider = token_for(s, world.outsider)
    assert client.get(f"/api/v1/connections/{conn_id}", headers=_bearer(outsider)).status_code == 404
    # the registering side may not confirm its own registration
    assert client.post(f"/api/v1/connections/{conn_id}/confirm", headers=_bearer(token)).status_code == 403
    from ..helpers import make_user

    moj = make_user(s, "btp@example.gov.vn", roles={"BTP": "steward"})
    confirmed = client.post(f"/api/v1/connections/{conn_id}/confirm", headers=_bearer(token_for(s, moj)))
    assert confirmed.status_code == 200 and confirmed.json["confirmed"] is True
    assert client.get(f"/api/v1/connections/{conn_id}").status_code == 200
    # an outsider may not register a connection between two other agencies
    body2 = {**body, "code": "X-1"}
    assert client.post("/api/v1/connections", json=body2, headers=_bearer(outsider)).status_code == 403
    bad = client.post("/api/v1/connections", json={**body, "code": "X-2", "mode": "scheduled_sync",
                                                   "sync_interval_minutes": None}, headers=_bearer(token))
    assert bad.status_code == 422 and "sync_interval_minutes" in bad.json["errors"]
    bad = client.post("/api/v1/connections", json={**body, "code": "X-3", "consumer": "NOPE"}, headers=_bearer(token))
    assert bad.status_code == 422 and "consumer" in bad.json["errors"]
    assert client.post("/api/v1/connections", json=body2).status_code == 401


def test_heartbeat_tokens_are_scoped_to_one_connection(world):
    s = world.session
    a = world.connection("T-A", mode="scheduled_sync", sync_interval_minutes=60)
    b = world.connection("T-B")
    actor = system_actor("test")
    token_a = connections.issue_heartbeat_token(s, actor, a)
    token_b = connections.issue_heartbeat_token(s, actor, b)
    s.commit()
    client = world.app.test_client()
    beat = {"last_sync_at": "2026-03-02T08:00:00+07:00", "records_sent": 12, "records_failed": 0}
    ok = client.post(f"/api/v1/connections/{a.id}/heartbeat", json=beat, headers=_bearer(token_a))
    assert ok.status_code == 202, ok.json
    assert client.post(f"/api/v1/connections/{a.id}/heartbeat", json=beat, headers=_bearer(token_b)).status_code == 401
    assert client.post(f"/api/v1/connections/{a.id}/heartbeat", json=beat).status_code == 401
    user_token = token_for(s, world.consumer_steward)  # a person's token is not a system's heartbeat token
    assert client.post(f"/api/v1/connections/{a.id}/heartbeat", json=beat,
                       headers=_bearer(user_token)).status_code == 401
    bad = client.post(f"/api/v1/connections/{a.id}/heartbeat", json={"last_sync_at": "soon"},
                      headers=_bearer(token_a))
    assert bad.status_code == 422 and "last_sync_at" in bad.json["errors"]
    s.expire_all()
    checks = s.scalars(select(ConnectionCheck).where(ConnectionCheck.connection_id == a.id)).all()
    assert len(checks) == 1 and checks[0].records_sent == 12
    assert s.scalar(select(ConnectionCheck.id).where(ConnectionCheck.connection_id == b.id)) is None
    # a new token replaces the old one
    connections.issue_heartbeat_token(s, actor, a)
    s.commit()
    assert client.post(f"/api/v1/connections/{a.id}/heartbeat", json=beat, headers=_bearer(token_a)).status_code == 401


def test_token_page_for_the_owners(world):
    client = world.app.test_client()
    login(client, "vpcp@example.gov.vn")
    conn = world.connection("T-PAGE")
    page = client.post(f"/connections/{conn.id}/heartbeat-token")
    assert page.status_code == 200 and "hb_" in page.get_data(as_text=True)
    other = world.app.test_client()
    login(other, "hn@example.gov.vn")
    assert other.post(f"/connections/{conn.id}/heartbeat-token").status_code == 403


def test_openapi_lists_the_connection_routes(world):
    paths = world.app.test_client().get("/api/v1/openapi.json").json["paths"]
    for path in ("/connections", "/connections/{conn_id}", "/connections/{conn_id}/health",
                 "/connections/{conn_id}/incidents", "/connections/{conn_id}/heartbeat", "/reuse"):
        assert path in paths


def test_register_through_the_page(world):
    client = world.app.test_client()
    login(client, "hn@example.gov.vn")
    assert client.get("/connections/new").status_code == 200
    form = {"code": "HN-TTHC-DKDN", "consumer": "HN-TTHC", "provider_database": "DKDN", "platform": "NDXP",
            "mode": "scheduled_sync", "sync_interval_minutes": "", "status": "testing",
            "items": "ma_so_doanh_nghiep | Mã số doanh nghiệp | open\n\nten_doanh_nghiep"}
    bad = client.post("/connections/new", data=form)
    assert bad.status_code == 400 and "sync_interval_minutes" in bad.get_data(as_text=True)
    made = client.post("/connections/new", data={**form, "sync_interval_minutes": "1440"})
    assert made.status_code == 302
    conn = world.session.scalar(select(Connection).where(Connection.code == "HN-TTHC-DKDN"))
    assert conn.confirmed_at is None and conn.sync_interval_minutes == 1440
    assert conn.items == [{"name": "ma_so_doanh_nghiep", "label_vi": "Mã số doanh nghiệp", "classification": "open"},
                          {"name": "ten_doanh_nghiep"}]
    # the other side (the Ministry of Finance) confirms it on the page
    from ..helpers import make_user

    make_user(world.session, "btc@example.gov.vn", roles={"BTC": "steward"})
    other = world.app.test_client()
    login(other, "btc@example.gov.vn")
    assert "Xác nhận kết nối này" in other.get(f"/connections/{conn.id}").get_data(as_text=True)
    assert other.post(f"/connections/{conn.id}/confirm").status_code == 302
    world.session.refresh(conn)
    assert conn.confirmed_at is not None
    anonymous = world.app.test_client()
    assert anonymous.get("/connections/new").status_code == 302  # sign in first


def test_prometheus_gauges_for_officers(world):
    s = world.session
    conn = world.connection("T-METRICS", mode="scheduled_sync", sync_interval_minutes=60)
    from catalog.services import connection_health as health

    health.record_heartbeat(s, conn, {"last_sync_at": T0.isoformat()}, world.cfg(), now=T0)
    s.commit()
    client = world.app.test_client()
    assert client.get("/api/v1/connections/metrics").status_code == 401
    text = client.get("/api/v1/connections/metrics", headers=_bearer(token_for(s, world.outsider))).get_data(
        as_text=True)
    assert "# TYPE catalog_connection_up gauge" in text
    assert 'catalog_connection_up{code="T-METRICS",platform="NDXP"} 1' in text
    assert 'catalog_connection_consecutive_failures{code="NPSP-HN-TTHC",platform="NDXP"} 0' in text
    assert 'catalog_connection_lag_seconds{code="T-METRICS",platform="NDXP"}' in text


def test_changes_through_the_api(world):
    s = world.session
    conn = world.connection("T-PATCH", mode="scheduled_sync", sync_interval_minutes=30)
    client = world.app.test_client()
    auth = _bearer(token_for(s, world.provider_steward))
    changed = client.patch(f"/api/v1/connections/{conn.id}", json={"status": "suspended", "mode": "scheduled_sync"},
                           headers=auth)
    assert changed.status_code == 200 and changed.json["status"] == "suspended"
    assert changed.json["sync_interval_minutes"] == 30
    cleared = client.patch(f"/api/v1/connections/{conn.id}", json={"sync_interval_minutes": None}, headers=auth)
    assert cleared.status_code == 422 and "sync_interval_minutes" in cleared.json["errors"]
    outsider = _bearer(token_for(s, world.outsider))
    refused = client.patch(f"/api/v1/connections/{conn.id}", json={"status": "retired"}, headers=outsider)
    assert refused.status_code == 403
    assert client.delete(f"/api/v1/connections/{conn.id}", headers=auth).status_code == 204
    assert client.get(f"/api/v1/connections/{conn.id}", headers=auth).status_code == 404
