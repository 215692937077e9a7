"""The "typed twice" finder on a seeded pair of systems that both collect the citizen identity number."""

from __future__ import annotations

import csv
import io

import pytest
from marshmallow import ValidationError

from catalog import policy
from catalog.services import dataservices, reuse
from catalog.services.actor import Actor, system_actor

from ..helpers import csv_distribution, dataset, login, token_for


@pytest.fixture
def pair(world, tmp_path):
    """Hà Nội's one-stop system and the unemployment-insurance system both ask for the identity
    number (written differently); the population database itself holds it and offers a service."""
    s = world.session
    folder = str(tmp_path / "uploads")
    hn = dataset(s, "HN", "shared", title_vi="Hồ sơ một cửa Hà Nội", database="HN-TTHC")
    csv_distribution(s, hn, folder, b"so_cccd,ghi_chu\r\n001,An\r\n", {"fields": [
        {"name": "so_cccd", "type": "string"}, {"name": "ghi_chu", "type": "string"}]})
    bhtn = dataset(s, "BNV", "shared", title_vi="Hồ sơ bảo hiểm thất nghiệp", database="BHTN")
    csv_distribution(s, bhtn, folder, b"sdd,muc_huong\r\n001,5\r\n", {"fields": [
        {"name": "sdd", "type": "string", "title": "Số định danh cá nhân"},
        {"name": "muc_huong", "type": "integer"}]})
    own = dataset(s, "BCA-C06", "shared", title_vi="Dân cư", database="DC")
    csv_distribution(s, own, folder, b"so_dinh_danh\r\n001\r\n", {"fields": [
        {"name": "so_dinh_danh", "type": "string", "concept": "personal_id"}]})
    dataservices.create_dataservice(s, system_actor("test"), {
        "slug": "xac-thuc-cong-dan", "title_vi": "Dịch vụ xác thực thông tin công dân", "publisher": "BCA-C06",
        "database": "DC", "endpoint_url": "https://api.example.gov.vn/xac-thuc", "status": "published"})
    s.commit()
    return world


def test_names_written_differently_mean_one_concept():
    for name in ("so_cccd", "Số CCCD", "CCCD", "số định danh cá nhân", "SO-DINH-DANH"):
        assert reuse.concept_of({"name": name}).code == "personal_id"
    assert reuse.concept_of({"name": "x", "title": "Mã số doanh nghiệp"}).code == "enterprise_id"
    assert reuse.concept_of({"name": "cccd", "type": "date"}) is None
    assert reuse.concept_of({"name": "ghi_chu"}) is None


def test_both_systems_are_found_and_the_holder_is_not(pair):
    s = pair.session
    officer = policy.reader_for(s, pair.outsider)
    [group] = reuse.findings(s, officer)
    assert group.concept.code == "personal_id" and group.holder.code == "DC"
    assert {f.system.code: f.fields for f in group.findings} == {"BHTN": ["sdd"], "HN-TTHC": ["so_cccd"]}
    assert all([sv.slug for sv in f.services] == ["xac-thuc-cong-dan"] for f in group.findings)
    hn = next(f for f in group.findings if f.system.code == "HN-TTHC")
    assert [c.code for c in hn.connections] == ["HN-TTHC-DC"]  # the seeded connection already exists
    # the public cannot see shared datasets, so it is told nothing of them
    assert reuse.findings(s, policy.ANONYMOUS) == []
    assert [g.concept.code for g in reuse.findings(s, officer, "HN")] == ["personal_id"]
    [only_hn] = reuse.findings(s, officer, "HN")
    assert [f.system.code for f in only_hn.findings] == ["HN-TTHC"]


def test_pages_csv_and_api(pair):
    client = pair.app.test_client()
    login(client, "hn@example.gov.vn")
    page = client.get("/reuse").get_data(as_text=True)
    assert "Số định danh cá nhân" in page and "thu thập lại" in page
    assert "Dịch vụ xác thực thông tin công dân" in page
    rows = list(csv.DictReader(io.StringIO(client.get("/reuse.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["system"] for r in rows} == {"BHTN", "HN-TTHC"}
    assert all(r["held_by"] == "DC" and r["systems_collecting_again"] == "2" for r in rows)
    client.get("/language/en")
    assert "Personal identification number" in client.get("/reuse").get_data(as_text=True)
    token = token_for(pair.session, pair.outsider)
    api = client.get("/api/v1/reuse", headers={"Authorization": f"Bearer {token}"}).json
    assert api["items"][0]["systems_collecting_again"] == 2


def test_stewards_mark_findings(pair):
    s = pair.session
    client = pair.app.test_client()
    token = token_for(s, pair.outsider)  # an editor of Hà Nội
    auth = {"Authorization": f"Bearer {token}"}
    no_reason = client.post("/api/v1/reuse/HN-TTHC/personal_id", json={"decision": "intended"}, headers=auth)
    assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]
    wrong = client.post("/api/v1/reuse/HN-TTHC/personal_id", json={"decision": "reused", "connection": "BH-DC"},
                        headers=auth)
    assert wrong.status_code == 422 and "connection" in wrong.json["errors"]
    ok = client.post("/api/v1/reuse/HN-TTHC/personal_id", json={"decision": "reused", "connection": "HN-TTHC-DC"},
                     headers=auth)
    assert ok.status_code == 200, ok.json
    assert client.post("/api/v1/reuse/BHTN/personal_id", json={"decision": "intended", "reason": "x"},
                       headers=auth).status_code == 403  # not their system
    assert client.post("/api/v1/reuse/HN-TTHC/nothing", json={"decision": "intended", "reason": "x"},
                       headers=auth).status_code == 404
    [group] = reuse.findings(s, policy.reader_for(s, pair.outsider))
    assert group.open_count == 1
    marked = next(f for f in group.findings if f.system.code == "HN-TTHC")
    assert marked.mark.decision == "reused"
    with pytest.raises(ValidationError):
        reuse.mark(s, Actor(reader=policy.reader_for(s, pair.outsider), label="t"), "HN-TTHC", "personal_id",
                   {"decision": "maybe"})
