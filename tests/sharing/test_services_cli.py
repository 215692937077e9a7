"""Sharing services published on time, and the sharing commands."""

from __future__ import annotations

from datetime import UTC, datetime

from catalog.services import dataservices
from catalog.services.actor import system_actor

from ..helpers import login


def service(world, **fields):
    svc = dataservices.create_dataservice(world.session, system_actor("test"), {
        "title_vi": "Dịch vụ tra cứu hộ tịch", "publisher": "BCA-C06", "endpoint_url": "https://api.example.gov.vn/ht",
        "platform": "NDXP", **fields})
    world.session.commit()
    return svc


def test_a_service_must_be_published_within_one_working_day_of_going_live(world):
    # live on Friday 13 February 2026 at 16:00; the next working day after Tết is Monday 23
    live = datetime(2026, 2, 13, 9, 0, tzinfo=UTC)
    svc = service(world, in_operation_since=live.isoformat(), status="published")
    svc.published_at = None
    t = dataservices.publication_timeliness(svc, now=datetime(2026, 2, 20, tzinfo=UTC))
    assert t.status == "pending" and t.due_at.date().isoformat() == "2026-02-23"
    assert dataservices.publication_timeliness(svc, now=datetime(2026, 2, 25, 3, tzinfo=UTC)).status == "overdue"
    svc.published_at = datetime(2026, 2, 23, 8, tzinfo=UTC)
    assert dataservices.publication_timeliness(svc).status == "on_time"
    svc.published_at = datetime(2026, 2, 25, 8, tzinfo=UTC)
    late = dataservices.publication_timeliness(svc)
    assert late.status == "late" and late.working_days_late == 2
    world.session.commit()
    client = world.app.test_client()
    login(client, world.users["officer"].email)
    assert client.get(f"/api/v1/dataservices/{svc.slug}").json["publication"] == {
        "status": "late", "due_at": late.due_at.isoformat(), "working_days_late": 2}
    page = client.get(f"/services/{svc.slug}?lang=en").get_data(as_text=True)
    assert "published late" in page and "2 working days late" in page


def test_housekeeping_and_report_commands(world):
    req = world.request()
    req.due_at = req.submitted_at
    world.session.commit()
    runner = world.app.test_cli_runner()
    result = runner.invoke(args=["sharing", "housekeeping"])
    assert result.exit_code == 0 and "overdue flagged: 1" in result.output
    result = runner.invoke(args=["sharing", "report", "--org", "BCA-C06"])
    assert result.exit_code == 0 and "BCA-C06" in result.output
    lines = result.output.splitlines()
    assert lines[1].split()[:3] == ["BCA-C06", "0", "1"]
    result = runner.invoke(args=["sharing", "report", "--csv"])
    assert result.output.startswith("organization,name,sent")
    assert runner.invoke(args=["sharing", "report", "--org", "NOPE"]).exit_code == 2
