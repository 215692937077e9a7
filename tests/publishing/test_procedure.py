"""Two people: an editor asks, a steward of the agency approves; nobody approves their own request."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from catalog import policy
from catalog.models import AuditEvent, Dataset, Notification, PublicationRequest
from catalog.services import datasets, publishing

pytestmark = pytest.mark.usefixtures("in_context")


def test_editor_submits_steward_approves(world):
    s = world.session
    req = publishing.submit(s, world.actor(world.editor), world.ds, {"note": "Xin mở"})
    s.commit()
    assert req.status == "pending" and world.ds.status == "draft"
    notes = s.scalars(select(Notification).where(Notification.kind == "publication_submitted",
                                                Notification.object_id == world.ds.slug)).all()
    assert {n.user_id for n in notes} == {world.steward.id, world.steward2.id}
    publishing.approve(s, world.actor(world.steward), world.ds)
    s.commit()
    assert world.ds.status == "published" and world.ds.access_level == "open" and world.ds.published_at
    assert req.status == "approved" and req.decided_by_id == world.steward.id
    assert world.ds.next_review_on == date.today() + timedelta(days=60)  # MONTHLY (rules.REVIEW_INTERVAL_DAYS)
    actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.object_id == world.ds.id)))
    assert "publication.submit" in actions and "publication.approve" in actions
    assert policy.can_view_dataset(policy.ANONYMOUS, world.ds)


def test_nobody_approves_their_own_request(world):
    s = world.session
    publishing.submit(s, world.actor(world.steward), world.ds)
    with pytest.raises(ValidationError):
        publishing.approve(s, world.actor(world.steward), world.ds)
    assert world.ds.status == "draft"
    publishing.approve(s, world.actor(world.steward2), world.ds)
    assert world.ds.status == "published"


def test_an_editor_or_a_steward_of_another_agency_may_not_approve(world):
    s = world.session
    publishing.submit(s, world.actor(world.editor), world.ds)
    for user in (world.editor, world.other_steward):
        with pytest.raises(policy.Forbidden):
            publishing.approve(s, world.actor(user), world.ds)
    assert world.ds.status == "draft"


def test_an_administrator_may_approve_for_any_agency_and_it_is_audited(world):
    s = world.session
    publishing.submit(s, world.actor(world.editor), world.ds)
    publishing.approve(s, world.actor(world.admin), world.ds)
    s.commit()
    event = s.scalar(select(AuditEvent).where(AuditEvent.action == "publication.approve",
                                              AuditEvent.object_id == world.ds.id))
    assert event.after["as_admin"] is True and event.actor_id == world.admin.id


def test_refusal_needs_a_reason_and_tells_the_submitter(world):
    s = world.session
    publishing.submit(s, world.actor(world.editor), world.ds)
    with pytest.raises(ValidationError):
        publishing.refuse(s, world.actor(world.steward), world.ds, {"reason": "  "})
    req = publishing.refuse(s, world.actor(world.steward), world.ds, {"reason": "Thiếu dữ liệu năm 2024."})
    s.commit()
    assert req.status == "refused" and world.ds.status == "draft"
    note = s.scalar(select(Notification).where(Notification.kind == "publication_refused",
                                               Notification.object_id == world.ds.slug))
    assert note.user_id == world.editor.id and "2024" in note.params["reason"]
    with pytest.raises(ValidationError):  # nothing pending any more
        publishing.approve(s, world.actor(world.steward2), world.ds)


def test_gates_are_checked_again_at_approval(world):
    s = world.session
    publishing.submit(s, world.actor(world.editor), world.ds)
    world.ds.quality_grade = "E"
    with pytest.raises(publishing.GatesFailed):
        publishing.approve(s, world.actor(world.steward), world.ds)
    assert world.ds.status == "draft"


def test_direct_ways_to_open_data_are_refused_for_people(world):
    s = world.session
    with pytest.raises(ValidationError) as err:
        datasets.update_dataset(s, world.actor(world.steward), world.ds, {"status": "published"})
    assert "status" in err.value.messages
    s.rollback()
    shared = s.scalar(select(Dataset).where(Dataset.slug == "thong-tin-dang-ky-doanh-nghiep"))
    with pytest.raises(ValidationError):
        datasets.update_dataset(s, world.actor(world.admin), shared, {"access_level": "open",
                                                                       "licence": "CC-BY-4.0"})
    s.rollback()


def test_on_published_hooks_run_after_approval(world):
    seen = []
    publishing.on_published.append(lambda session, ds: seen.append((ds.slug, ds.status)))
    try:
        publishing.submit(world.session, world.actor(world.editor), world.ds)
        publishing.approve(world.session, world.actor(world.steward), world.ds)
    finally:
        publishing.on_published.pop()
    assert seen == [(world.ds.slug, "published")]


def test_the_demo_command_opened_the_seed_through_the_procedure(session):
    from catalog.services import publish_demo

    reqs = session.scalars(select(PublicationRequest).where(PublicationRequest.status == "approved")).all()
    assert len(reqs) >= 3
    for req in reqs:
        assert req.submitted_by_label == publish_demo.EDITOR_EMAIL
        assert req.decided_by_label == publish_demo.STEWARD_EMAIL
        ds = session.get(Dataset, req.dataset_id)
        assert ds.status == "published" and ds.access_level == "open"


def test_the_cli_asks_approves_and_refuses(world):
    runner = world.app.test_cli_runner()
    out = runner.invoke(args=["publish", "gates", world.ds.slug]).output
    assert "[wait] approval" in out and "[ok  ] licence" in out
    own = runner.invoke(args=["publish", "request", world.ds.slug, "--as", "st@btc.gov.vn"])
    assert own.exit_code == 0, own.output
    refused = runner.invoke(args=["publish", "approve", world.ds.slug, "--as", "st@btc.gov.vn"])
    assert refused.exit_code == 2 and "tự phê duyệt" in refused.output  # the portal's default language
    done = runner.invoke(args=["publish", "approve", world.ds.slug, "--as", "st2@btc.gov.vn"])
    assert done.exit_code == 0 and "published/open" in done.output
