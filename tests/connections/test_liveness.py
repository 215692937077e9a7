"""Harvest sources and data services in the health view: each source's last finished job is its
liveness; officers see them on the map page and as gauges, the public does not."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from catalog import policy
from catalog.models import HarvestJob, HarvestSource, utcnow
from catalog.services import dataservices, liveness
from catalog.services.actor import system_actor

from ..harvest.conftest import make_source, session_of
from ..helpers import login, token_for


def _job(app, src, status: str, *, failed: int = 0, complete: bool = True, ago: timedelta = timedelta(hours=1)):
    s = session_of(app)
    at = utcnow() - ago
    s.add(HarvestJob(source_id=src.id, status=status, failed=failed, gather_complete=complete, created_at=at,
                     started_at=at, finished_at=at))
    if status == "succeeded":
        s.execute(update(HarvestSource).where(HarvestSource.id == src.id).values(last_success_at=at))
    s.commit()
    s.close()


def test_each_source_takes_the_health_of_its_last_job(world):
    app = world.app
    never = make_source(app, name="Nguồn chưa chạy", url="https://a.example.gov.vn/")
    broken = make_source(app, name="Nguồn hỏng", url="https://b.example.gov.vn/")
    fine = make_source(app, name="Nguồn tốt", url="https://c.example.gov.vn/")
    partial = make_source(app, name="Nguồn thiếu", url="https://d.example.gov.vn/")
    late = make_source(app, name="Nguồn chậm", url="https://e.example.gov.vn/", schedule="daily")
    _job(app, broken, "succeeded", ago=timedelta(days=2))
    _job(app, broken, "failed")  # the last one counts
    _job(app, fine, "succeeded")
    _job(app, partial, "succeeded", failed=2)
    _job(app, late, "succeeded", ago=timedelta(days=3))
    s = world.session
    rows = liveness.harvest_sources(s, policy.reader_for(s, world.outsider), utcnow())
    by_name = {r.source.name: r.health for r in rows}
    assert {k: v for k, v in by_name.items() if k.startswith("Nguồn")} == {
        "Nguồn chưa chạy": "unknown", "Nguồn hỏng": "down", "Nguồn tốt": "up", "Nguồn thiếu": "degraded",
        "Nguồn chậm": "degraded"}
    assert rows[0].health == "down"  # worst first
    assert liveness.harvest_sources(s, policy.ANONYMOUS, utcnow()) == []
    assert never.id  # made, never run


def test_the_map_page_and_gauges_show_sources_and_services(world):
    app = world.app
    src = make_source(app, name="Nguồn cổng LGSP", url="https://f.example.gov.vn/")
    _job(app, src, "failed")
    s = world.session
    svc = dataservices.create_dataservice(s, system_actor("test"), {
        "slug": "tra-cuu-thu", "title_vi": "Dịch vụ tra cứu thử", "publisher": "BCA-C06",
        "endpoint_url": "https://api.example.gov.vn/tra-cuu", "status": "published"})
    svc.health, svc.health_at, svc.probe_status = "down", utcnow(), 503
    s.commit()
    client = app.test_client()
    public = client.get("/connections?lang=vi").get_data(as_text=True)
    assert "Nguồn cổng LGSP" not in public
    login(client, "hn@example.gov.vn")
    page = client.get("/connections?lang=vi").get_data(as_text=True)
    assert "Nguồn cổng LGSP" in page and svc.title("vi") in page and "503" in page
    en = client.get("/connections?lang=en").get_data(as_text=True)
    assert "Harvest sources" in en and "Data services" in en
    text = client.get("/api/v1/connections/metrics", headers={
        "Authorization": f"Bearer {token_for(s, world.outsider)}"}).get_data(as_text=True)
    assert f'catalog_harvest_source_up{{source="{src.slug}"}} 0' in text
    assert f'catalog_dataservice_up{{service="{svc.slug}"}} 0' in text
