"""Sharing end to end through the pages and through the API."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from catalog.models import SharingAgreement, SharingRequest

from ..helpers import login, token_for
from .conftest import FULL_SPECIAL


def client_for(world, who):
    client = world.app.test_client()
    login(client, world.users[who].email)
    return client


def form_for(world, **overrides):
    data = {k: v for k, v in FULL_SPECIAL.items() if k not in ("methods", "protection_commitment")}
    data.update(kind="special", requester="HN-STC", item_dataset=world.people.slug,
                **{f"columns_{world.people.slug}": ["ho_ten", "so_dinh_danh"]},
                methods=["api_lgsp"], protection_commitment="on", action="submit")
    data.update(overrides)
    return data


def test_dataset_page_offers_a_request_to_other_agencies_only(world):
    page = client_for(world, "officer").get(f"/datasets/{world.people.slug}").get_data(as_text=True)
    assert f"/sharing/requests/new?dataset={world.people.slug}" in page
    own = client_for(world, "provider").get(f"/datasets/{world.people.slug}").get_data(as_text=True)
    assert "/sharing/requests/new" not in own


def test_request_form_draft_then_send_then_decide_in_part(world):
    officer = client_for(world, "officer")
    form = officer.get(f"/sharing/requests/new?dataset={world.people.slug}")
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and "so_dinh_danh" in html and "Chỉ theo yêu cầu đặc thù" in html
    # sending with what the law asks missing: nothing is saved, errors named field by field
    incomplete = officer.post("/sharing/requests/new", data=form_for(world, purpose="", security_measures=""))
    assert incomplete.status_code == 400
    text = incomplete.get_data(as_text=True)
    assert "purpose" in text and "security_measures" in text and "không có gì được lưu" in text
    assert world.session.scalars(select(SharingRequest)).all() == []
    # sent again once corrected, from the same form: exactly one request
    done = officer.post("/sharing/requests/new", data=form_for(world))
    assert done.status_code == 302
    world.session.expire_all()
    req = world.session.scalars(select(SharingRequest)).one()
    assert req.status == "submitted" and req.items[0].columns == ["ho_ten", "so_dinh_danh"]
    # the provider's inbox, then an approval in part with its reasons
    provider = client_for(world, "provider")
    inbox = provider.get("/sharing?box=received").get_data(as_text=True)
    assert req.number in inbox
    page = provider.get(f"/sharing/requests/{req.id}").get_data(as_text=True)
    assert "Phê duyệt một phần" in page
    decided = provider.post(f"/sharing/requests/{req.id}/approve_partially", data={
        f"grant_{world.people.id}": "on", f"columns_{world.people.id}": ["ho_ten"],
        "reasons": "Số định danh không được chia sẻ.", "legal_basis": "Luật Căn cước 2023", "methods": ["api_lgsp"]})
    assert decided.status_code == 302
    world.session.expire_all()
    assert req.status == "partially_approved" and req.items[0].granted_columns == ["ho_ten"]
    agreement = world.session.scalars(select(SharingAgreement)).one()
    view = officer.get(f"/sharing/agreements/{agreement.id}").get_data(as_text=True)
    assert "Đang có hiệu lực" in view and "Luật Căn cước 2023" not in view  # reasons live on the request
    printable = officer.get(f"/sharing/agreements/{agreement.id}/print").get_data(as_text=True)
    for text in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
                 "Sở Tài chính thành phố Hà Nội", agreement.number, "ho_ten", FULL_SPECIAL["retention_deletion"]):
        assert text in printable
    assert "so_dinh_danh" not in printable
    english = officer.get(f"/sharing/agreements/{agreement.id}/print?lang=en").get_data(as_text=True)
    assert "Data sharing agreement" in english and "Hanoi Department of Finance" in english


def test_a_draft_that_fails_to_send_keeps_its_saved_state_and_stays_one_request(world):
    req = world.request(submit=False)
    officer = client_for(world, "officer")
    failed = officer.post(f"/sharing/requests/{req.id}/edit", data=form_for(world, purpose=""))
    assert failed.status_code == 400
    world.session.expire_all()
    assert req.status == "draft" and req.purpose == FULL_SPECIAL["purpose"]  # the failed send changed nothing
    assert officer.post(f"/sharing/requests/{req.id}/edit", data=form_for(world)).status_code == 302
    world.session.expire_all()
    assert [r.status for r in world.session.scalars(select(SharingRequest))] == ["submitted"]


def test_the_form_fills_the_agency_and_offers_datasets_and_columns_by_title(world):
    from catalog.models import Organization

    agency = world.session.scalars(select(Organization).where(Organization.code == "HN-STC")).one()
    agency.identifier = "000.00.26.H26"
    world.session.commit()
    officer = client_for(world, "officer")
    html = officer.get("/sharing/requests/new").get_data(as_text=True)
    assert 'value="000.00.26.H26" readonly' in html
    # datasets are picked from a list of titles, grouped by agency, not typed as addresses
    assert 'type="text" value="" name="add_dataset"' not in html and '<select id="f-add_dataset"' in html
    assert f'<option value="{world.people.slug}">Thông tin hộ tịch</option>' in html
    assert 'label="Cục Cảnh sát quản lý hành chính về trật tự xã hội"' in html
    added = officer.post("/sharing/requests/new", data={"requester": "HN-STC", "add_dataset": world.people.slug,
                                                        "action": "add"}).get_data(as_text=True)
    assert 'Họ và tên <code class="small">ho_ten</code>' in added
    # the identifier comes from the agency's record, whatever was typed
    officer.post("/sharing/requests/new", data=form_for(world, requester_identifier="gõ sai"))
    world.session.expire_all()
    assert world.session.scalars(select(SharingRequest)).one().requester_identifier == "000.00.26.H26"


def test_inbox_is_ordered_by_deadline(world):
    first = world.request()
    second = world.request()
    second.due_at = first.due_at - timedelta(days=1)
    world.session.commit()
    html = client_for(world, "provider").get("/sharing?box=received").get_data(as_text=True)
    assert html.index(second.number) < html.index(first.number)


def test_a_refusal_needs_its_legal_basis_in_the_form_too(world):
    req = world.request()
    provider = client_for(world, "provider")
    answer = provider.post(f"/sharing/requests/{req.id}/refuse", data={"reasons": "Không."}, follow_redirects=True)
    assert "legal_basis" in answer.get_data(as_text=True)
    world.session.expire_all()
    assert req.status == "submitted"
    # someone else's request cannot be decided by another agency's officer
    assert client_for(world, "outsider").post(f"/sharing/requests/{req.id}/approve").status_code == 404


def test_official_letter_must_be_a_pdf(world):
    req = world.request(submit=False)
    officer = client_for(world, "officer")
    bad = officer.post(f"/sharing/requests/{req.id}/letter", data={"letter": (io.BytesIO(b"hello"), "letter.pdf")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert "PDF" in bad.get_data(as_text=True)
    good = officer.post(f"/sharing/requests/{req.id}/letter",
                        data={"letter": (io.BytesIO(b"%PDF-1.7\n%test\n"), "cong-van-123.pdf")},
                        content_type="multipart/form-data")
    assert good.status_code == 302
    world.session.expire_all()
    assert req.attachment_name == "cong-van-123.pdf"
    fetched = client_for(world, "provider").get(f"/sharing/requests/{req.id}/letter")
    assert fetched.status_code == 404  # a draft is not the provider's to read
    world.act("officer", req, "submit")
    fetched = client_for(world, "provider").get(f"/sharing/requests/{req.id}/letter")
    assert fetched.status_code == 200 and fetched.data.startswith(b"%PDF-")


def test_api_request_decide_and_read_agreement(world):
    s = world.session
    officer = {"Authorization": f"Bearer {token_for(s, world.users['officer'])}"}
    provider = {"Authorization": f"Bearer {token_for(s, world.users['provider'])}"}
    client = world.app.test_client()
    body = {"kind": "special", "requester": "HN-STC",
            "items": [{"dataset": world.people.slug, "columns": ["ho_ten"]}], **FULL_SPECIAL, "submit": True}
    created = client.post("/api/v1/sharing/requests", json=body, headers=officer)
    assert created.status_code == 201, created.json
    req = created.json
    assert req["status"] == "submitted" and req["due_at"] and req["actions"] == ["withdraw"]
    listed = client.get("/api/v1/sharing/requests?box=received", headers=provider).json
    assert [r["number"] for r in listed["items"]] == [req["number"]]
    assert listed["items"][0]["actions"] == ["request_info", "approve", "approve_partially", "refuse"]
    refused = client.post(f"/api/v1/sharing/requests/{req['id']}/refuse", json={"reasons": "x"}, headers=provider)
    assert refused.status_code == 422 and "legal_basis" in refused.json["errors"]
    mine = client.post(f"/api/v1/sharing/requests/{req['id']}/approve", json={}, headers=officer)
    assert mine.status_code == 403
    approved = client.post(f"/api/v1/sharing/requests/{req['id']}/approve",
                           json={"connection_details": "LGSP: stc-hn"}, headers=provider)
    assert approved.status_code == 200 and approved.json["agreement"]
    agreement = client.get(f"/api/v1/sharing/agreements/{approved.json['agreement']}", headers=officer).json
    assert agreement["status"] == "active" and agreement["grants"] == [{"dataset": world.people.slug,
                                                                       "columns": ["ho_ten"]}]
    assert agreement["connection_details"] == "LGSP: stc-hn"
    ended = client.post(f"/api/v1/sharing/agreements/{agreement['id']}/terminate",
                        json={"ground": "purpose_changed", "note": "Không còn cần."}, headers=officer)
    assert ended.status_code == 200 and ended.json["status"] == "terminated"
    # reads need an agency account; writes need a token
    assert client.get("/api/v1/sharing/requests").status_code == 401
    session_client = client_for(world, "officer")
    assert session_client.get("/api/v1/sharing/requests").status_code == 200
    assert session_client.post("/api/v1/sharing/requests", json=body).status_code == 401


def test_agency_audit_export_through_the_api(world):
    req = world.request()
    world.act("provider", req, "approve")
    steward = {"Authorization": f"Bearer {token_for(world.session, world.users['hn_steward'])}"}
    client = world.app.test_client()
    lines = client.get("/api/v1/audit?organization=HN-STC", headers=steward).get_data(as_text=True).splitlines()
    assert any('"sharing.approve"' in line for line in lines)
    officer = {"Authorization": f"Bearer {token_for(world.session, world.users['officer'])}"}
    assert client.get("/api/v1/audit?organization=HN-STC", headers=officer).status_code == 403
    assert client.get("/api/v1/audit", headers=steward).status_code == 403


def test_the_requesters_dataset_page_shows_the_agreement_in_force_and_its_download(world):
    officer = client_for(world, "officer")
    before = officer.get(f"/datasets/{world.people.slug}").get_data(as_text=True)
    assert "agreement-box" not in before
    req = world.request(start_date="2026-01-05", end_date="2030-12-31")
    world.act("provider", req, "approve_partially", reasons="Số định danh không được chia sẻ.",
              legal_basis="Luật Căn cước 2023, Điều 16",
              items=[{"dataset": world.people.slug, "columns": ["ho_ten"]}])
    agreement = world.session.scalars(select(SharingAgreement)).one()
    page = officer.get(f"/datasets/{world.people.slug}?lang=en").get_data(as_text=True)
    assert f"under agreement {agreement.number}, in force." in page
    start = agreement.start_date
    assert f"From {start:%B} {start.day}, {start.year} to December 31, 2030." in page
    assert "Columns granted: <code>ho_ten</code></p>" in page
    assert f'href="/distributions/{world.people_dist.id}/download">Download ' in page
    assert f"/sharing/agreements/{agreement.id}" in page
    # the provider and other agencies see no such box
    assert "agreement-box" not in client_for(world, "outsider").get(f"/datasets/{world.people.slug}").get_data(
        as_text=True)
