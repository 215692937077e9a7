"""What an agreement gives, and when it stops giving it: downloads through the real routes."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from catalog.models import AuditEvent, SharingAgreement
from catalog.services.sharing import access, agreements, housekeeping
from catalog.workdays import add_working_days, local_date

from ..helpers import login


def download(world, who, dist):
    client = world.app.test_client()
    login(client, world.users[who].email)
    return client.get(f"/distributions/{dist.id}/download")


def header_of(response):
    return next(csv.reader(io.StringIO(response.get_data(as_text=True))))


def agreement_of(world, req):
    return world.session.scalar(select(SharingAgreement).where(SharingAgreement.request_id == req.id))


def test_field_classes_trim_shared_data_without_agreement(world):
    response = download(world, "officer", world.stats_dist)
    assert response.status_code == 200
    assert response.headers["X-Columns-Trimmed"] == "true"
    assert header_of(response) == ["tinh", "so_dan"]  # ghi_chu is special-request
    # outside any agency: nothing
    anonymous = world.app.test_client().get(f"/distributions/{world.stats_dist.id}/download")
    assert anonymous.status_code in (403, 404)


def test_restricted_data_needs_an_agreement(world):
    assert download(world, "officer", world.people_dist).status_code == 403


def test_partial_approval_gives_exactly_the_granted_columns(world):
    req = world.request()  # asks for ho_ten and so_dinh_danh
    world.act("provider", req, "approve_partially", reasons="Số định danh không được chia sẻ.",
              legal_basis="Luật Căn cước 2023, Điều 16",
              items=[{"dataset": world.people.slug, "columns": ["ho_ten"]}])
    response = download(world, "officer", world.people_dist)
    assert response.status_code == 200
    assert header_of(response) == ["ho_ten"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[1] == ["Nguyễn Văn An"]
    # another agency holds nothing
    assert download(world, "outsider", world.people_dist).status_code == 403
    # the download is logged on the agreement, for both agencies' exports
    event = world.session.scalars(select(AuditEvent).where(AuditEvent.action == "sharing.download")).one()
    assert event.after["columns"] == ["ho_ten"] and event.object_id == agreement_of(world, req).id


def test_a_special_agreement_adds_special_columns_to_shared_data(world):
    req = world.request(items=[{"dataset": world.stats.slug, "columns": ["ghi_chu"]}])
    world.act("provider", req, "approve")
    assert header_of(download(world, "officer", world.stats_dist)) == ["tinh", "so_dan", "ghi_chu"]
    assert header_of(download(world, "outsider", world.stats_dist)) == ["tinh", "so_dan"]


def test_termination_cuts_access_at_once(world):
    req = world.request()
    world.act("provider", req, "approve")
    assert download(world, "officer", world.people_dist).status_code == 200
    agreement = agreement_of(world, req)
    agreements.terminate(world.session, world.actor("provider"), agreement,
                         {"ground": "authority_order", "note": "Theo yêu cầu của cơ quan có thẩm quyền."})
    world.session.commit()
    assert download(world, "officer", world.people_dist).status_code == 403
    # the requester can see the deletion obligation and confirm it
    agreements.confirm_deletion(world.session, world.actor("officer"), agreement)
    world.session.commit()
    assert agreement.deletion_confirmed_at is not None


def test_expiry_cuts_access_on_the_day_after_the_end_date_without_waiting_for_a_job(world):
    req = world.request()
    world.act("provider", req, "approve")
    agreement = agreement_of(world, req)
    today = local_date(datetime.now(UTC))
    agreement.end_date = today
    world.session.commit()
    assert access.grants_for_orgs(world.session, [agreement.requester_org_id])  # last day: still in force
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert access.grants_for_orgs(world.session, [agreement.requester_org_id], now=tomorrow) == {}
    assert access.effective_status(agreement, tomorrow) == "expired"
    agreement.end_date = today - timedelta(days=1)
    world.session.commit()
    assert download(world, "officer", world.people_dist).status_code == 403  # no job has run
    done = housekeeping.run(world.session)
    world.session.commit()
    assert done.expired == 1 and agreement.status == "expired"


def test_breach_suspends_at_once_and_maintenance_needs_seven_working_days_notice(world):
    req = world.request()
    world.act("provider", req, "approve")
    agreement = agreement_of(world, req)
    now = datetime.now(UTC)
    too_soon = now + timedelta(days=3)
    with pytest.raises(ValidationError) as err:
        agreements.suspend(world.session, world.actor("provider"), agreement,
                           {"reason": "maintenance", "note": "Nâng cấp máy chủ.", "starts_at": too_soon.isoformat()})
    assert "starts_at" in err.value.messages
    world.session.rollback()
    later = datetime.combine(add_working_days(local_date(now), 7), datetime.min.time(), tzinfo=UTC) + timedelta(hours=3)
    agreements.suspend(world.session, world.actor("provider"), agreement,
                       {"reason": "maintenance", "note": "Nâng cấp máy chủ.", "starts_at": later.isoformat()})
    world.session.commit()
    assert download(world, "officer", world.people_dist).status_code == 200  # announced, not started
    assert access.effective_status(agreement, later + timedelta(minutes=1)) == "suspended"
    agreements.resume(world.session, world.actor("provider"), agreement)
    agreements.suspend(world.session, world.actor("provider"), agreement,
                       {"reason": "breach", "note": "Dữ liệu bị dùng sai mục đích."})
    world.session.commit()
    assert download(world, "officer", world.people_dist).status_code == 403
    agreements.resume(world.session, world.actor("provider"), agreement)
    world.session.commit()
    assert download(world, "officer", world.people_dist).status_code == 200


def test_only_the_provider_suspends_and_either_side_terminates(world):
    from catalog import policy

    req = world.request()
    world.act("provider", req, "approve")
    agreement = agreement_of(world, req)
    for who in ("officer", "provider_editor", "admin"):
        with pytest.raises(policy.Forbidden):
            agreements.suspend(world.session, world.actor(who), agreement, {"reason": "breach", "note": "x"})
        world.session.rollback()
    with pytest.raises(policy.Forbidden):
        agreements.terminate(world.session, world.actor("outsider"), agreement,
                             {"ground": "purpose_changed", "note": "x"})
    world.session.rollback()
    agreements.terminate(world.session, world.actor("officer"), agreement,
                         {"ground": "purpose_changed", "note": "Sở không còn cần dữ liệu."})
    world.session.commit()
    assert access.effective_status(agreement) == "terminated"


def test_renewal_extends_the_agreement_once_approved(world):
    req = world.request(end_date="2027-06-30")
    world.act("provider", req, "approve")
    agreement = agreement_of(world, req)
    renewal = agreements.request_renewal(world.session, world.actor("officer"), agreement, {"end_date": "2028-06-30"})
    world.session.commit()
    assert renewal.status == "submitted" and renewal.renewal_of_id == agreement.id
    with pytest.raises(ValidationError):
        agreements.request_renewal(world.session, world.actor("officer"), agreement, {"end_date": "2029-06-30"})
    world.session.rollback()
    world.act("provider", renewal, "approve")
    assert agreement.end_date.isoformat() == "2028-06-30" and agreement.renewed_count == 1


def test_unlisted_restricted_data_is_found_only_under_an_agreement(world):
    world.people.unlisted = True
    world.session.commit()
    client = world.app.test_client()
    login(client, world.users["officer"].email)
    assert client.get(f"/datasets/{world.people.slug}").status_code == 404
    world.people.unlisted = False
    world.session.commit()
    req = world.request()
    world.act("provider", req, "approve")
    world.people.unlisted = True
    world.session.commit()
    assert client.get(f"/datasets/{world.people.slug}").status_code == 200
