"""The log of requests and responses is kept and tamper-evident; reports equal direct SQL counts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from catalog.models import AuditEvent, Organization
from catalog.services import audit
from catalog.services.sharing import reports

from ..helpers import login


def test_every_step_is_a_chained_audit_event_and_tampering_is_detected(world):
    req = world.request()
    world.act("provider", req, "request_info", message="Thiếu công văn.")
    world.act("officer", req, "provide_info", message="Đã bổ sung.")
    world.act("provider", req, "approve")
    actions = world.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "sharing_request", AuditEvent.object_id == req.id).order_by(AuditEvent.id)).all()
    assert actions == ["sharing.draft", "sharing.submit", "sharing.request_info", "sharing.provide_info",
                       "sharing.approve"]
    assert audit.verify_chain(world.session).ok
    target = world.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "sharing.approve"))
    # someone with database access rewrites the decision
    world.session.execute(text("update audit_event set actor_label = 'nobody' where id = :i"), {"i": target})
    world.session.commit()
    report = audit.verify_chain(world.session)
    assert not report.ok and report.broken_at == target
    result = world.app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"BROKEN at event {target}" in result.output


def test_each_agency_exports_the_log_of_its_requests(world):
    req = world.request()
    world.act("provider", req, "approve")
    hn = world.session.scalar(select(Organization).where(Organization.code == "HN-STC"))
    events = audit.events_for(world.session, organization_id=hn.id)
    assert {e.action for e in events} >= {"sharing.submit", "sharing.approve", "sharing.agreement.create"}
    client = world.app.test_client()
    login(client, world.users["hn_steward"].email)
    csv_text = client.get("/organizations/HN-STC/audit.csv").get_data(as_text=True)
    assert "sharing.approve" in csv_text and req.number in csv_text
    login(client, world.users["outsider"].email)
    assert client.get("/organizations/HN-STC/audit.csv").status_code == 403


def _sql_count(session, where: str, **params) -> int:
    return session.execute(text(f"select count(*) from sharing_request where {where}"), params).scalar()  # noqa: S608 - test-written clauses


def test_reports_equal_direct_sql_counts(world):
    a = world.request()
    world.act("provider", a, "approve")
    b = world.request()
    world.act("provider", b, "refuse", reasons="Không.", legal_basis="Điều 35")
    c = world.request()
    world.act("provider", c, "approve_partially", reasons="Một phần.", legal_basis="Điều 35",
              items=[{"dataset": world.people.slug, "columns": ["ho_ten"]}])
    world.request()  # waiting
    late = world.request()
    late.due_at = late.submitted_at - timedelta(days=1)
    world.session.commit()
    world.request(submit=False)  # a draft never counts
    world.request(kind="default", items=[{"dataset": world.stats.slug, "columns": ["tinh"]}], who="outsider",
                  requester="DN-STC")
    world.session.commit()
    rows = {r.organization.code: r for r in reports.figures(world.session)}
    s = world.session
    c06 = s.scalar(select(Organization.id).where(Organization.code == "BCA-C06"))
    hn = s.scalar(select(Organization.id).where(Organization.code == "HN-STC"))
    provider, requester = rows["BCA-C06"], rows["HN-STC"]
    assert provider.received == _sql_count(s, "provider_org_id = :o and status != 'draft'", o=c06) == 6
    assert requester.sent == _sql_count(s, "requester_org_id = :o and status != 'draft'", o=hn) == 5
    assert provider.approved == _sql_count(s, "provider_org_id = :o and status = 'approved'", o=c06) == 1
    assert provider.refused == _sql_count(s, "provider_org_id = :o and status = 'refused'", o=c06) == 1
    assert provider.partially_approved == 1
    assert provider.waiting == _sql_count(s, "provider_org_id = :o and status in ('submitted', 'info_requested', "
                                             "'escalated')", o=c06) == 3
    overdue = s.execute(text("select count(*) from sharing_request where provider_org_id = :o and status in "
                             "('submitted', 'escalated') and due_at < :now"),
                        {"o": c06, "now": a.submitted_at + timedelta(seconds=1)}).scalar()
    assert provider.overdue == overdue == 1
    assert provider.median_days_to_decide == 0
    assert rows["DN-STC"].sent == 1
    top = reports.most_requested(s, c06)
    assert top[0][0].id == world.people.id and top[0][1] == 5
    totals = reports.totals(list(rows.values()))
    assert totals["requests"] == _sql_count(s, "status != 'draft'") == 6
    csv_text = reports.to_csv(list(rows.values()))
    assert csv_text.splitlines()[0].startswith("organization,name,sent,received,approved")


def test_report_pages_and_api(world):
    world.request()
    client = world.app.test_client()
    login(client, world.users["admin"].email)
    page = client.get("/sharing/reports")
    assert page.status_code == 200 and "<svg" in page.get_data(as_text=True)
    assert "BCA-C06" in client.get("/sharing/reports.csv").get_data(as_text=True)
    api = client.get("/api/v1/sharing/reports").json
    assert api["totals"]["requests"] == 1
    assert any(r["organization"] == "BCA-C06" and r["received"] == 1 for r in api["agencies"])
    login(client, world.users["outsider"].email)
    own = client.get("/api/v1/sharing/reports").json  # an officer sees the figures of their own agency
    assert [r["organization"] for r in own["agencies"]] == ["DN-STC"]
