"""The API (200/201/403/422) and the pages (panel in vi and en, inbox, tombstone 410, versions, reviews)."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from sqlalchemy import select

from catalog.models import AuditEvent, Dataset
from catalog.services import distributions, publishing

from ..helpers import FakeUpload, login, token_for


def _auth(w, user) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(w.session, user)}"}


def test_api_submit_blocked_then_passed_approved_and_forbidden(world):
    client = world.app.test_client()
    url = f"/api/v1/datasets/{world.ds.slug}/publication"
    world.ds.description_vi = None
    world.session.commit()
    r = client.post(url, json={}, headers=_auth(world, world.editor))
    assert r.status_code == 422 and r.json["error"] == "gates_failed"
    assert [g["gate"] for g in r.json["failed"]] == ["metadata"]
    assert r.json["failed"][0]["rule"] and r.json["failed"][0]["fix"]
    world.ds.description_vi = "Số thu ngân sách theo tỉnh."
    world.session.commit()
    r = client.post(url, json={"note": "Xin mở"}, headers=_auth(world, world.editor))
    assert r.status_code == 201 and r.json["request"]["status"] == "pending"
    assert client.get(url, headers=_auth(world, world.editor)).json["request"]["submitted_by"] == "ed@btc.gov.vn"
    assert client.post(url + "/approve", json={}, headers=_auth(world, world.other_steward)).status_code in (403, 404)
    r = client.post(url + "/approve", json={}, headers=_auth(world, world.editor))
    assert r.status_code == 403
    r = client.post(url + "/refuse", json={}, headers=_auth(world, world.steward))
    assert r.status_code == 422 and "reason" in r.json["errors"]
    r = client.post(url + "/approve", json={}, headers=_auth(world, world.steward))
    assert r.status_code == 200 and r.json["published_as_open_data"] is True
    assert client.get(f"/api/v1/datasets/{world.ds.slug}").status_code == 200  # public now


def test_api_direct_publishing_of_open_data_is_refused(world):
    client = world.app.test_client()
    r = client.patch(f"/api/v1/datasets/{world.ds.slug}", json={"status": "published"},
                     headers=_auth(world, world.steward))
    assert r.status_code == 422 and "publication" in " ".join(r.json["errors"]["status"])


def test_tombstone_page_and_api_410(world):
    s = world.session
    with world.app.test_request_context():
        publishing.submit(s, world.actor(world.editor), world.ds)
        publishing.approve(s, world.actor(world.steward), world.ds)
        s.commit()
    replacement = s.scalar(select(Dataset).where(Dataset.slug == "don-vi-hanh-chinh-cap-tinh-2025"))
    client = world.app.test_client()
    r = client.post(f"/api/v1/datasets/{world.ds.slug}/withdrawal", json={}, headers=_auth(world, world.steward))
    assert r.status_code == 422 and "reason" in r.json["errors"]
    r = client.post(f"/api/v1/datasets/{world.ds.slug}/withdrawal",
                    json={"reason": "Số liệu đã được gộp vào bộ dữ liệu mới.", "replaced_by": replacement.slug},
                    headers=_auth(world, world.steward))
    assert r.status_code == 200 and r.json["status"] == "withdrawn"
    anonymous = world.app.test_client()
    r = anonymous.get(f"/api/v1/datasets/{world.ds.slug}")
    assert r.status_code == 410 and r.json["reason"].startswith("Số liệu đã được gộp")
    assert r.json["replaced_by"] == replacement.slug and r.json["withdrawn_at"]
    page = anonymous.get(f"/datasets/{world.ds.slug}?lang=vi")
    assert page.status_code == 410 and "Số liệu đã được gộp" in page.text and replacement.slug in page.text
    page = anonymous.get(f"/datasets/{world.ds.slug}?lang=en")
    assert page.status_code == 410 and "was withdrawn" in page.text
    # feeds never list it
    assert world.ds.slug not in anonymous.get("/catalog.ttl").text
    # a dataset that was never open has no tombstone: still a plain 404
    assert anonymous.get("/api/v1/datasets/ho-so-dien-tu-can-bo-cong-chuc-vien-chuc-x").status_code == 404
    event = s.scalar(select(AuditEvent).where(AuditEvent.action == "withdraw", AuditEvent.object_id == world.ds.id))
    assert event.after["replaced_by"] == replacement.slug


def test_replacing_a_file_keeps_the_old_version_at_a_stable_url(world):
    s = world.session
    dist = world.ds.distributions[0]
    old = dist.file_path
    old_sum = dist.checksum_sha256
    from .conftest import CSV

    new = "tinh,so_thu\nHà Nội,12\n".encode()
    with world.app.test_request_context():
        distributions.update_distribution(s, world.actor(world.editor), dist, {},
                                          distributions.Storage(world.folder, 10 << 20), FakeUpload("thu.csv", new))
        s.commit()
        versions = distributions.versions(s, dist)
        assert [(v.number, v.file_path, v.checksum_sha256) for v in versions] == [(1, old, old_sum)]
        assert old_sum == hashlib.sha256(CSV).hexdigest()
        publishing.submit(s, world.actor(world.editor), world.ds)
        publishing.approve(s, world.actor(world.steward), world.ds)
        s.commit()
    client = world.app.test_client()
    r = client.get(f"/distributions/{dist.id}/versions/1/download")
    assert r.status_code == 200 and r.data == CSV and r.headers["Digest"] == f"sha-256={old_sum}"
    assert client.get(f"/distributions/{dist.id}/download").data == new
    assert client.get(f"/distributions/{dist.id}/versions/2/download").status_code == 404
    page = client.get(f"/datasets/{world.ds.slug}?lang=en")
    assert "Version 1" in page.text and old_sum[:12] in page.text
    assert "Phiên bản 1" in client.get(f"/datasets/{world.ds.slug}?lang=vi").text


def test_review_dates_inbox_and_mark_reviewed(world):
    s = world.session
    with world.app.test_request_context():
        publishing.submit(s, world.actor(world.editor), world.ds)
        publishing.approve(s, world.actor(world.steward), world.ds)
        world.ds.next_review_on = date.today() - timedelta(days=1)
        world.ds.modified = date.today() - timedelta(days=400)  # MONTHLY data 400 days old is stale
        s.commit()
        box = publishing.inbox(s, world.actor(world.steward).reader)
        assert world.ds in box.overdue and world.ds in box.stale
        assert world.ds not in publishing.inbox(s, world.actor(world.other_steward).reader).overdue
    client = world.app.test_client()
    login(client, "st@btc.gov.vn")
    page = client.get("/notifications?lang=en")
    assert "Reviews overdue" in page.text and world.ds.title_vi in page.text
    assert client.post(f"/datasets/{world.ds.slug}/review").status_code == 302
    s.expire_all()
    assert s.get(Dataset, world.ds.id).next_review_on == date.today() + timedelta(days=60)
    assert "Quá hạn rà soát" not in client.get("/notifications?lang=vi").text


def test_panel_inbox_and_approval_through_the_pages_in_both_languages(world):
    editor = world.app.test_client()
    login(editor, "ed@btc.gov.vn")
    page = editor.get(f"/datasets/{world.ds.slug}?lang=en")
    assert "Publish as open data" in page.text and "Luật Giao dịch điện tử" in page.text
    page = editor.get(f"/datasets/{world.ds.slug}?lang=vi")
    assert "Công bố dưới dạng dữ liệu mở" in page.text
    assert editor.post(f"/datasets/{world.ds.slug}/publication", data={"note": ""}).status_code == 302
    # the editor cannot approve
    editor.post(f"/datasets/{world.ds.slug}/publication/approve")
    world.session.expire_all()
    assert world.session.get(Dataset, world.ds.id).status == "draft"
    steward = world.app.test_client()
    login(steward, "st@btc.gov.vn")
    inbox = steward.get("/notifications?lang=vi")
    assert "Yêu cầu công bố chờ bạn quyết định" in inbox.text and world.ds.title_vi in inbox.text
    assert steward.post(f"/datasets/{world.ds.slug}/publication/approve").status_code == 302
    world.session.expire_all()
    ds = world.session.get(Dataset, world.ds.id)
    assert ds.status == "published" and ds.access_level == "open"
    # an editor trying to publish open data with the form is told about the procedure
    r = editor.post(f"/datasets/{world.ds.slug}/edit?lang=en", data={
        "title_vi": "Khác", "publisher": "BTC", "access_level": "open", "licence": "CC-BY-4.0",
        "description_vi": "x", "contact_email": "a@b.vn", "status": "published"})
    assert r.status_code in (200, 302)


def test_a_steward_records_a_personal_data_decision_on_the_page(world):
    from catalog.models import PersonalDataDecision
    from catalog.quality import service as quality_service

    s = world.session
    content = ("ho_ten,so_dien_thoai\n" + "".join(f"Trần Văn {chr(65 + i)},09{i:08d}\n" for i in range(30))).encode()
    dist = world.ds.distributions[0]
    with world.app.test_request_context():
        distributions.update_distribution(s, world.actor(world.editor), dist, {},
                                          distributions.Storage(world.folder, 10 << 20),
                                          FakeUpload("nguoi.csv", content))
        s.commit()
    quality_service.check_dataset(world.app, world.ds.id, "cli", quality_service.RunOptions(network=False))
    with world.app.test_request_context():
        flagged = [f for f in publishing.personal_findings(s, world.ds) if not f["resolved"]]
    assert flagged
    steward = world.app.test_client()
    login(steward, "st@btc.gov.vn")
    page = steward.get(f"/datasets/{world.ds.slug}?lang=en")
    assert f'value="{dist.id}::{flagged[0]["column"]}"' in page.text
    r = steward.post(f"/datasets/{world.ds.slug}/publication/personal-data",
                     data={"finding": f"{dist.id}::{flagged[0]['column']}", "reason": "Số điện thoại công vụ."})
    assert r.status_code == 302
    s.expire_all()
    decision = s.scalar(select(PersonalDataDecision).where(PersonalDataDecision.distribution_id == dist.id))
    assert decision.column_name == flagged[0]["column"] and decision.decided_by_label == "st@btc.gov.vn"
