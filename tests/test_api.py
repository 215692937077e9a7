"""The REST API: round trips for every object, refusals, validation, paging, and its OpenAPI."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from catalog.models import AuditEvent, Dataset

from .helpers import dataset, login, make_user, token_for


@pytest.fixture
def steward_token(session):
    return token_for(session, make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"}))


@pytest.fixture
def admin_token(session):
    return token_for(session, make_user(session, "admin@example.vn", admin=True))


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


DATASET = {
    "title_vi": "Chỉ số giá tiêu dùng", "title_en": "Consumer price index", "description_vi": "CPI hằng tháng.",
    "publisher": "BTC", "access_level": "open", "licence": "CC-BY-4.0", "keywords": ["CPI", "giá"],
    "themes": ["ECON"], "spatial": ["VN"], "update_frequency": "MONTHLY", "contact_email": "cpi@mof.gov.vn",
    "issued": "2025-01-01", "modified": "2025-10-01", "status": "draft",  # opened by a publication request
}


def test_dataset_round_trip(client, steward_token):
    r = client.post("/api/v1/datasets", json=DATASET, headers=auth(steward_token))
    assert r.status_code == 201, r.json
    body = r.json
    assert r.headers["Location"].endswith(f"/api/v1/datasets/{body['slug']}")
    got = client.get(f"/api/v1/datasets/{body['slug']}", headers=auth(steward_token)).json
    for key, value in DATASET.items():
        assert got["licence" if key == "licence" else key] == value, key
    r = client.patch(f"/api/v1/datasets/{body['slug']}", json={"title_en": "CPI"}, headers=auth(steward_token))
    assert r.status_code == 200 and r.json["title_en"] == "CPI" and r.json["title_vi"] == DATASET["title_vi"]
    # PUT replaces: optional fields left out are cleared
    full = {k: v for k, v in DATASET.items() if k not in ("title_en", "keywords")}
    r = client.put(f"/api/v1/datasets/{body['slug']}", json=full, headers=auth(steward_token))
    assert r.status_code == 200 and r.json["title_en"] is None and r.json["keywords"] == []
    assert r.json["slug"] == body["slug"] and r.json["identifier"] == body["identifier"]
    assert client.delete(f"/api/v1/datasets/{body['slug']}", headers=auth(steward_token)).status_code == 204
    assert client.get(f"/api/v1/datasets/{body['slug']}").status_code == 404


def test_organization_round_trip(client, admin_token):
    org = {"code": "QNI-SKHCN", "name_vi": "Sở Khoa học và Công nghệ Quảng Ninh", "kind": "department",
           "parent": "QNI", "website": "https://skhcn.quangninh.gov.vn", "focal_officer_name": "Phòng Chuyển đổi số"}
    r = client.post("/api/v1/organizations", json=org, headers=auth(admin_token))
    assert r.status_code == 201, r.json
    got = client.get("/api/v1/organizations/QNI-SKHCN").json
    assert got["parent"] == "QNI" and got["focal_officer"]["name"] == "Phòng Chuyển đổi số"
    r = client.patch("/api/v1/organizations/QNI-SKHCN", json={"email": "skhcn@quangninh.gov.vn"},
                     headers=auth(admin_token))
    assert r.json["email"] == "skhcn@quangninh.gov.vn"
    r = client.patch("/api/v1/organizations/QNI", json={"parent": "QNI-SKHCN"}, headers=auth(admin_token))
    assert r.status_code == 422 and "parent" in r.json["errors"]
    assert client.delete("/api/v1/organizations/QNI-SKHCN", headers=auth(admin_token)).status_code == 204
    # an agency that still owns data cannot be deleted
    assert client.delete("/api/v1/organizations/BTC", headers=auth(admin_token)).status_code == 409


def test_database_round_trip(client, steward_token):
    db = {"code": "CSDL-GIA", "name_vi": "Cơ sở dữ liệu quốc gia về giá", "kind": "national", "owner": "BTC",
          "legal_basis": "Luật Giá 2023", "purpose_vi": "Quản lý giá.", "platforms": ["NDXP"], "status": "operating"}
    r = client.post("/api/v1/databases", json=db, headers=auth(steward_token))
    assert r.status_code == 201, r.json
    assert set(r.json["missing_legal_items"]) == {"scope_vi", "collection_method_vi", "update_method_vi",
                                                  "data_sources_vi"}
    r = client.patch("/api/v1/databases/CSDL-GIA", json={"platforms": ["NDXP", "LGSP"]}, headers=auth(steward_token))
    assert r.json["platforms"] == ["NDXP", "LGSP"]
    r = client.get("/api/v1/databases?platform=LGSP&owner=BTC")
    assert [d["code"] for d in r.json["items"]] == ["CSDL-GIA"]
    assert client.delete("/api/v1/databases/CSDL-GIA", headers=auth(steward_token)).status_code == 204


def test_distribution_round_trip_with_upload(client, steward_token):
    slug = client.post("/api/v1/datasets", json=DATASET, headers=auth(steward_token)).json["slug"]
    r = client.post(f"/api/v1/datasets/{slug}/distributions", json={"title_vi": "Trang web", "access_url": "https://gso.gov.vn/cpi"},
                    headers=auth(steward_token))
    assert r.status_code == 201 and r.json["stored"] is False
    link_id = r.json["id"]
    content = b"thang,cpi\n2025-01,101.2\n"
    r = client.post(f"/api/v1/datasets/{slug}/distributions", headers=auth(steward_token),
                    data={"file": (io.BytesIO(content), "cpi.csv"), "metadata": '{"title_vi": "Số liệu CPI"}'},
                    content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    body = r.json
    import hashlib

    assert body["stored"] and body["byte_size"] == len(content)
    assert body["checksum_sha256"] == hashlib.sha256(content).hexdigest()
    assert client.get(body["download_url"], headers=auth(steward_token)).data == content
    r = client.patch(f"/api/v1/distributions/{body['id']}", json={"title_en": "CPI data"}, headers=auth(steward_token))
    assert r.json["title_en"] == "CPI data"
    listed = client.get(f"/api/v1/datasets/{slug}/distributions", headers=auth(steward_token)).json
    assert {d["id"] for d in listed["items"]} == {link_id, body["id"]}
    assert client.delete(f"/api/v1/distributions/{link_id}", headers=auth(steward_token)).status_code == 204


def test_dataservice_round_trip(client, steward_token):
    slug = client.post("/api/v1/datasets", json=DATASET, headers=auth(steward_token)).json["slug"]
    svc = {"title_vi": "Dịch vụ tra cứu CPI", "publisher": "BTC", "endpoint_url": "https://api.mof.gov.vn/cpi",
           "platform": "NDXP", "protocol": "REST", "datasets": [slug], "status": "published",
           "in_operation_since": "2025-07-01T08:00:00+07:00"}
    r = client.post("/api/v1/dataservices", json=svc, headers=auth(steward_token))
    assert r.status_code == 201, r.json
    assert r.json["datasets"] == [slug] and r.json["published_at"]
    assert client.get(f"/api/v1/dataservices/{r.json['slug']}").status_code == 404  # shared: not for the public
    got = client.get(f"/api/v1/dataservices/{r.json['slug']}", headers=auth(steward_token)).json
    assert got["in_operation_since"].startswith("2025-07-01T01:00:00")  # stored in UTC
    assert client.delete(f"/api/v1/dataservices/{r.json['slug']}", headers=auth(steward_token)).status_code == 204


def test_writes_without_a_token_are_refused_and_change_nothing(client, session):
    count = session.scalar(select(func.count()).select_from(Dataset))
    r = client.post("/api/v1/datasets", json=DATASET)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.delete("/api/v1/datasets/don-vi-hanh-chinh-cap-tinh-2025").status_code == 401
    # a signed-in browser session alone cannot write either (no CSRF through the API)
    make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"})
    login(client, "st@mof.gov.vn")
    assert client.post("/api/v1/datasets", json=DATASET).status_code == 401
    assert client.post("/api/v1/datasets", json=DATASET, headers=auth("vdc_forged")).status_code == 401
    assert session.scalar(select(func.count()).select_from(Dataset)) == count


def test_writes_outside_ones_agency_are_forbidden(client, steward_token):
    r = client.post("/api/v1/datasets", json={**DATASET, "publisher": "BCA"}, headers=auth(steward_token))
    assert r.status_code == 403
    r = client.patch("/api/v1/organizations/BCA", json={"email": "x@bca.gov.vn"}, headers=auth(steward_token))
    assert r.status_code == 403


def test_invalid_bodies_get_field_errors_and_change_nothing(client, session, steward_token):
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    headers = {**auth(steward_token), "Content-Type": "application/json"}
    r = client.post("/api/v1/datasets", data="{not json", headers=headers)
    assert r.status_code == 400 and r.json["error"] == "invalid_json"
    r = client.post("/api/v1/datasets", json=[1, 2], headers=auth(steward_token))
    assert r.status_code == 400
    bad = {**DATASET, "access_level": "secret", "contact_email": "not-an-email", "themes": ["NOPE"], "extra": 1}
    r = client.post("/api/v1/datasets", json=bad, headers=auth(steward_token))
    assert r.status_code == 422
    assert set(r.json["errors"]) == {"access_level", "contact_email", "extra"}
    r = client.post("/api/v1/datasets", json={**DATASET, "themes": ["NOPE"]}, headers=auth(steward_token))
    assert r.status_code == 422 and "themes" in r.json["errors"]
    r = client.post("/api/v1/datasets", json={**DATASET, "licence": None, "status": "published"},
                    headers=auth(steward_token))
    assert r.status_code == 422 and "licence" in r.json["errors"]  # open data needs a licence to be published
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_errors_speak_the_callers_language(client, steward_token):
    r = client.post("/api/v1/datasets", json={**DATASET, "title_vi": ""}, headers=auth(steward_token))
    assert r.json["errors"]["title_vi"] == ["Trường này là bắt buộc."]
    r = client.post("/api/v1/datasets", json={**DATASET, "title_vi": ""},
                    headers={**auth(steward_token), "Accept-Language": "en"})
    assert r.json["errors"]["title_vi"] == ["This field is required."]


def test_lists_page_filter_and_sort(client, session):
    for i in range(7):
        dataset(session, "BTC", "open", title_vi=f"Bộ số {i}", themes=["ECON"])
    r = client.get("/api/v1/datasets?organization=BTC&per_page=3&sort=title").json
    assert r["total"] == 7 and r["pages"] == 3 and len(r["items"]) == 3
    assert [d["title_vi"] for d in r["items"]] == ["Bộ số 0", "Bộ số 1", "Bộ số 2"]
    assert "page=2" in r["links"]["next"]
    last = client.get(r["links"]["next"].replace("page=2", "page=3")).json
    assert len(last["items"]) == 1 and "next" not in last["links"]
    assert client.get("/api/v1/datasets?theme=ECON&organization=BTC").json["total"] == 7
    assert client.get("/api/v1/datasets?per_page=abc").status_code == 400
    assert client.get("/api/v1/organizations?kind=city").json["total"] == 6


def test_api_applies_the_access_policy(client, session):
    shared = dataset(session, "BTC", "shared", title_vi="Dùng chung")
    restricted = dataset(session, "BTC", "restricted", title_vi="Dùng riêng ẩn", unlisted=True)
    public = client.get("/api/v1/datasets?per_page=100").json
    titles = {d["title_vi"] for d in public["items"]}
    assert "Dùng chung" not in titles and all(d["access_level"] == "open" for d in public["items"])
    assert client.get(f"/api/v1/datasets/{shared.slug}").status_code == 404
    officer = token_for(session, make_user(session, "o@hn.gov.vn", roles={"HN": "member"}))
    seen = client.get("/api/v1/datasets?per_page=100", headers=auth(officer)).json
    titles = {d["title_vi"] for d in seen["items"]}
    assert "Dùng chung" in titles and "Dùng riêng ẩn" not in titles
    # this shared one, the seed's two shared ones and its listed restricted one
    assert seen["total"] == public["total"] + 4
    assert client.get(f"/api/v1/datasets/{restricted.slug}", headers=auth(officer)).status_code == 404
    owner = token_for(session, make_user(session, "o@mof.gov.vn", roles={"BTC": "member"}))
    assert client.get(f"/api/v1/datasets/{restricted.slug}", headers=auth(owner)).status_code == 200


def test_me_tells_who_the_token_belongs_to(client, steward_token):
    assert client.get("/api/v1/me").json["id"] is None
    me = client.get("/api/v1/me", headers=auth(steward_token)).json
    assert me["email"] == "st@mof.gov.vn" and me["memberships"] == [{"organization": "BTC", "role": "steward"}]


def test_revoked_and_expired_tokens_stop_working(client, session):
    from datetime import timedelta

    from catalog.models import ApiToken, utcnow
    from catalog.services import users
    from catalog.services.actor import system_actor

    user = make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"})
    token = token_for(session, user)
    assert client.get("/api/v1/me", headers=auth(token)).json["email"] == user.email
    row = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token not in (row.token_hash, row.prefix)  # only a digest is stored
    users.revoke_token(session, system_actor("test"), row)
    session.commit()
    # refused outright (issue 17), no longer read silently as anonymous
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 401
    second = token_for(session, user)
    row = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert client.get("/api/v1/me", headers=auth(second)).status_code == 401


def _routes(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1"):]) or "/"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            out.add((path, method.lower()))
    return out


def test_openapi_document_matches_the_routes(client, seeded_app):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops if method != "parameters"}
    assert documented == _routes(seeded_app)
    # every $ref points at a defined schema
    refs = set(re.findall(r'"#/components/schemas/(\w+)"', str(spec).replace("'", '"')))
    assert refs <= set(spec["components"]["schemas"])
    assert "classification" in str(spec["components"]["schemas"])
