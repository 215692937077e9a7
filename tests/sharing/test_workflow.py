"""The state machine of a request: every allowed and every refused transition, with who may make it."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from catalog import policy
from catalog.models import REQUEST_STATUSES, SharingAgreement
from catalog.services.sharing import workflow
from catalog.services.sharing.workflow import TransitionRefused

PEOPLE = ("officer", "hn_steward", "provider", "provider_editor", "it_unit", "admin", "outsider")
REQUESTERS = {"officer", "hn_steward"}

BODIES = {
    "submit": {},
    "withdraw": {},
    "request_info": {"message": "Cho biết căn cứ pháp lý của thủ tục."},
    "provide_info": {"message": "Căn cứ Nghị định 45/2020/NĐ-CP."},
    "approve": {"note": "Đồng ý.", "connection_details": "Tài khoản LGSP: stc-hn"},
    "approve_partially": {"reasons": "Chỉ cung cấp họ tên.", "legal_basis": "Luật Dữ liệu, Điều 18",
                          "items": [{"dataset": "", "columns": ["ho_ten"]}]},
    "refuse": {"reasons": "Không đủ căn cứ.", "legal_basis": "Nghị định 47/2020/NĐ-CP, Điều 35"},
    "escalate": {"reason": "Sở cần dữ liệu để giải quyết thủ tục."},
    "uphold": {"reasons": "Giữ nguyên.", "legal_basis": "Nghị định 47/2020/NĐ-CP, Điều 48"},
}


def body(world, action):
    data = {k: (list(v) if isinstance(v, list) else v) for k, v in BODIES[action].items()}
    if action == "approve_partially":
        data["items"] = [{"dataset": world.people.slug, "columns": ["ho_ten"]}]
    return data


def in_status(world, status, level=1):
    """A request brought to `status` through the real transitions."""
    if status == "draft":
        return world.request(submit=False)
    req = world.request()
    steps = {
        "submitted": [],
        "info_requested": [("provider", "request_info")],
        "approved": [("provider", "approve")],
        "partially_approved": [("provider", "approve_partially")],
        "refused": [("provider", "refuse")],
        "withdrawn": [("officer", "withdraw")],
        "escalated": [("provider", "refuse"), ("officer", "escalate")],
    }[status]
    if status == "escalated":
        for _ in range(level - 1):
            steps += [("provider" if _ == 0 else "it_unit", "uphold"), ("officer", "escalate")]
    for who, action in steps:
        world.act(who, req, action, **body(world, action))
    return req


def allowed_people(world, req, action):
    t = workflow.ACTIONS[action]
    if req.status not in t.sources:
        return set()
    if t.by == workflow.REQUESTER:
        return REQUESTERS
    level = req.escalation_level if req.status == "escalated" else 0
    return {0: {"provider"}, 1: {"provider"}, 2: {"it_unit", "admin"}, 3: {"admin"}}[level]


@pytest.mark.parametrize("status", REQUEST_STATUSES)
def test_who_may_do_what_in_each_status(world, status):
    req = in_status(world, status)
    assert req.status == status
    for action in workflow.ACTIONS:
        expected = allowed_people(world, req, action)
        if action == "escalate" and req.escalation_level >= 3:
            expected = set()
        got = {p for p in PEOPLE if workflow.may(world.reader(p), req, action)}
        assert got == expected, (status, action)
        for who in set(PEOPLE) - expected:
            with pytest.raises((policy.Forbidden, TransitionRefused)):
                workflow.perform(world.session, world.actor(who), req, action, body(world, action))
            world.session.rollback()
            assert req.status == status


TARGETS = [(t.action, source, t.target) for t in workflow.TRANSITIONS for source in t.sources]


@pytest.mark.parametrize(("action", "source", "target"), TARGETS)
def test_every_allowed_transition_reaches_its_target(world, action, source, target):
    req = in_status(world, source)
    who = sorted(allowed_people(world, req, action))[0]
    world.act(who, req, action, **body(world, action))
    assert req.status == target
    if target in ("approved", "partially_approved"):
        agreement = world.session.query(SharingAgreement).filter_by(request_id=req.id).one()
        assert agreement.status == "active"
        assert agreement.partial is (target == "partially_approved")


def test_dispute_path_climbs_three_steps_then_stops(world):
    req = in_status(world, "escalated")
    assert req.escalation_level == 1 and req.due_at is not None
    world.act("provider", req, "uphold", **body(world, "uphold"))
    world.act("officer", req, "escalate", **body(world, "escalate"))
    assert req.escalation_level == 2
    assert not workflow.may(world.reader("provider"), req, "approve")
    assert workflow.may(world.reader("it_unit"), req, "uphold")
    world.act("it_unit", req, "uphold", **body(world, "uphold"))
    world.act("officer", req, "escalate", **body(world, "escalate"))
    assert req.escalation_level == 3
    assert req.due_at is None  # the minister's or chair's decision has no legal time limit
    assert not workflow.may(world.reader("it_unit"), req, "approve")
    world.act("admin", req, "uphold", **body(world, "uphold"))
    assert req.status == "refused"
    assert not workflow.may(world.reader("officer"), req, "escalate")
    with pytest.raises(TransitionRefused):
        workflow.perform(world.session, world.actor("officer"), req, "escalate", body(world, "escalate"))


def test_requester_cannot_approve_its_own_request(world):
    # The writer of the request is also a steward of the provider: still may not decide it.
    from catalog.models import Membership
    from catalog.services.common import org_by_code

    s = world.session
    s.add(Membership(user=world.users["hn_steward"], organization=org_by_code(s, "BCA-C06"), role="steward"))
    s.commit()
    req = world.request(who="hn_steward")
    assert not workflow.may(world.reader("hn_steward"), req, "approve")
    with pytest.raises(policy.Forbidden):
        workflow.perform(s, world.actor("hn_steward"), req, "approve", {})
    s.rollback()
    # and an agency cannot ask itself
    with pytest.raises(ValidationError) as err:
        world.request(who="provider", submit=False, requester="BCA-C06")
    assert "items" in err.value.messages


def test_refusal_and_partial_approval_need_reasons_and_legal_basis(world):
    req = world.request()
    with pytest.raises(ValidationError) as err:
        workflow.perform(world.session, world.actor("provider"), req, "refuse", {"reasons": "Không."})
    assert "legal_basis" in err.value.messages
    world.session.rollback()
    with pytest.raises(ValidationError) as err:
        workflow.perform(world.session, world.actor("provider"), req, "approve_partially",
                         {"items": [{"dataset": world.people.slug, "columns": ["ho_ten"]}]})
    assert {"reasons", "legal_basis"} <= set(err.value.messages)
    world.session.rollback()
    assert req.status == "submitted"


def test_partial_approval_cannot_grant_what_was_not_asked(world):
    req = world.request()
    with pytest.raises(ValidationError) as err:
        workflow.perform(world.session, world.actor("provider"), req, "approve_partially", {
            **body(world, "approve_partially"),
            "items": [{"dataset": world.people.slug, "columns": ["ho_ten", "nam_sinh"]}]})
    assert "items.0.columns" in err.value.messages
    world.session.rollback()
    with pytest.raises(ValidationError) as err:
        workflow.perform(world.session, world.actor("provider"), req, "approve_partially", {
            **body(world, "approve_partially"), "end_date": "2031-01-01"})
    assert "end_date" in err.value.messages
    world.session.rollback()


def test_submission_checks_everything_the_law_asks(world):
    req = world.request(submit=False, purpose=None, methods=[], protection_commitment=False, end_date=None)
    with pytest.raises(ValidationError) as err:
        workflow.perform(world.session, world.actor("officer"), req, "submit")
    assert {"purpose", "methods", "protection_commitment", "end_date"} <= set(err.value.messages)
    world.session.rollback()
    assert req.status == "draft" and req.due_at is None


def test_kind_must_fit_the_data(world):
    # restricted data or special-request columns cannot be asked for by default sharing ...
    with pytest.raises(ValidationError) as err:
        world.request(kind="default", submit=False)
    assert "kind" in err.value.messages
    world.session.rollback()
    # ... and what default sharing serves is not a special request
    with pytest.raises(ValidationError) as err:
        world.request(kind="special", submit=False,
                      items=[{"dataset": world.stats.slug, "columns": ["tinh", "so_dan"]}])
    assert "kind" in err.value.messages
    world.session.rollback()
    ok = world.request(kind="default", items=[{"dataset": world.stats.slug, "columns": ["tinh", "so_dan"]}])
    assert ok.status == "submitted"


def test_unknown_dataset_or_column_is_a_field_error(world):
    with pytest.raises(ValidationError) as err:
        world.request(submit=False, items=[{"dataset": "khong-co", "columns": None}])
    assert "items.0.dataset" in err.value.messages
    world.session.rollback()
    with pytest.raises(ValidationError) as err:
        world.request(submit=False, items=[{"dataset": world.people.slug, "columns": ["mat_khau"]}])
    assert "items.0.columns" in err.value.messages


def test_the_it_unit_finds_disputes_it_must_settle_in_its_inbox(world):
    from catalog.services.sharing import requests as sharing_requests

    req = in_status(world, "escalated")
    reader = world.reader("it_unit")
    assert sharing_requests.list_requests(world.session, reader, box="received").total == 0  # step 1: provider
    world.act("provider", req, "uphold", **body(world, "uphold"))
    world.act("officer", req, "escalate", **body(world, "escalate"))
    listed = sharing_requests.list_requests(world.session, world.reader("it_unit"), box="received")
    assert [r.id for r in listed.items] == [req.id]
    # nobody else's disputes, and never the requester's drafts
    world.request(submit=False)
    assert sharing_requests.list_requests(world.session, world.reader("provider"), box="all").total == 1
    assert sharing_requests.list_requests(world.session, world.reader("outsider"), box="all").total == 0


def test_a_renewal_is_granted_as_it_stands_or_shortened(world):
    from catalog.services.sharing import agreements

    req = world.request(end_date="2027-06-30")
    world.act("provider", req, "approve")
    agreement = world.session.query(SharingAgreement).filter_by(request_id=req.id).one()
    renewal = agreements.request_renewal(world.session, world.actor("officer"), agreement, {"end_date": "2029-06-30"})
    world.session.commit()
    with pytest.raises(ValidationError) as err:
        workflow.perform(world.session, world.actor("provider"), renewal, "approve_partially", {
            **body(world, "approve_partially")})
    assert "items" in err.value.messages
    world.session.rollback()
    world.act("provider", renewal, "approve_partially", reasons="Gia hạn một năm.", legal_basis="Điều 44",
              end_date="2028-06-30")
    assert agreement.end_date.isoformat() == "2028-06-30" and renewal.status == "partially_approved"
