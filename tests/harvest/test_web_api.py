"""Harvest pages, API and command line, end to end."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog import tasks
from catalog.models import AuditEvent, HarvestJob, HarvestSource

from ..helpers import login, make_user, token_for
from .conftest import datasets_of, make_source, session_of


@pytest.fixture
def people(happ):
    s = session_of(happ)
    users = {
        "steward": make_user(s, "qt.hn@hanoi.gov.vn", roles={"HN": "steward"}),
        "editor": make_user(s, "bt.hn@hanoi.gov.vn", roles={"HN": "editor"}),
        "officer": make_user(s, "cb@mof.gov.vn", roles={"BTC": "member"}),
        "citizen": make_user(s, "dan@example.com"),
    }
    tokens = {k: token_for(s, u) for k, u in users.items()}
    s.close()
    return tokens


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


SOURCE = {"name": "Cổng dữ liệu thử", "protocol": "ckan", "organization": "HN", "default_licence": "CC-BY-4.0",
          "default_access_level": "open", "schedule": "daily", "filters": {"organizations": ["so-tai-chinh"]}}


def test_pages_need_an_agency_account(happ, people, portal):
    client = happ.test_client()
    make_source(happ, url=portal.url, organization="HN")
    assert client.get("/harvest").status_code == 302  # sign in first
    login(client, "dan@example.com")
    assert client.get("/harvest").status_code == 403  # a citizen's account is not an officer's
    client = happ.test_client()
    login(client, "cb@mof.gov.vn")
    page = client.get("/harvest").get_data(as_text=True)
    assert "Nguồn thử" in page and "Đăng ký nguồn" not in page


def test_a_steward_registers_runs_and_reads_a_source_in_the_ui(happ, people, portal):
    client = happ.test_client()
    login(client, "qt.hn@hanoi.gov.vn")
    assert client.get("/harvest/new").status_code == 200
    bad = client.post("/harvest/new", data={"name": "", "protocol": "ckan", "url": "ftp://x", "organization": "HN",
                                            "default_access_level": "open", "schedule": "manual"})
    assert bad.status_code == 400
    r = client.post("/harvest/new", data={"name": "Cổng dữ liệu Hà Nội", "protocol": "ckan", "url": portal.url,
                                          "organization": "HN", "default_access_level": "open",
                                          "default_licence": "CC-BY-4.0", "schedule": "manual",
                                          "filters": "", "auto_publish": "on", "enabled": "on"})
    assert r.status_code == 302
    slug = r.headers["Location"].rsplit("/", 1)[-1]
    page = client.get(f"/harvest/{slug}").get_data(as_text=True)
    assert "Chạy ngay" in page and "chưa được chạy" in page
    r = client.post(f"/harvest/{slug}/run")
    assert r.status_code == 302
    tasks.drain(happ)  # the background thread finishes
    s = session_of(happ)
    job = s.scalar(select(HarvestJob).join(HarvestSource).where(HarvestSource.slug == slug))
    assert job.status == "succeeded" and job.new == 7 and job.triggered_by == "qt.hn@hanoi.gov.vn"
    s.close()
    page = client.get(f"/harvest/{slug}").get_data(as_text=True)
    assert f"/harvest/jobs/{job.id}" in page and "Thành công" in page
    job_page = client.get(f"/harvest/jobs/{job.id}").get_data(as_text=True)
    assert "Nhật ký" in job_page
    # the dataset page says where the dataset comes from
    ds = next(d for d in datasets_of(happ) if d.origin == "harvested")
    shown = client.get(f"/datasets/{ds.slug}").get_data(as_text=True)
    assert "Cổng dữ liệu Hà Nội" in shown and "harvest-provenance" in shown


def test_others_may_not_run_or_edit(happ, people, portal):
    src = make_source(happ, url=portal.url, organization="HN")
    for email in ("bt.hn@hanoi.gov.vn", "cb@mof.gov.vn"):
        client = happ.test_client()
        login(client, email)
        assert client.post(f"/harvest/{src.slug}/run").status_code == 403
        assert client.get(f"/harvest/{src.slug}/edit").status_code == 403
        assert client.post(f"/harvest/{src.slug}/delete").status_code == 403
        page = client.get(f"/harvest/{src.slug}").get_data(as_text=True)
        assert "Chạy ngay" not in page


def test_api_crud_jobs_errors_and_run(happ, people, portal):
    client = happ.test_client()
    assert client.get("/api/v1/harvest-sources").status_code == 401
    assert client.get("/api/v1/harvest-sources", headers=auth(people["citizen"])).status_code == 403
    data = {**SOURCE, "url": portal.url}
    assert client.post("/api/v1/harvest-sources", json=data).status_code == 401
    assert client.post("/api/v1/harvest-sources", json=data, headers=auth(people["editor"])).status_code == 403
    bad = client.post("/api/v1/harvest-sources", json={**data, "protocol": "gopher", "url": "nope"},
                      headers=auth(people["steward"]))
    assert bad.status_code == 422 and "protocol" in bad.json["errors"]
    r = client.post("/api/v1/harvest-sources", json=data, headers=auth(people["steward"]))
    assert r.status_code == 201, r.json
    body = r.json
    assert body["organization"] == "HN" and body["filters"] == {"organizations": ["so-tai-chinh"]}
    slug = body["slug"]
    assert r.headers["Location"].endswith(f"/api/v1/harvest-sources/{slug}")
    listed = client.get("/api/v1/harvest-sources?organization=HN", headers=auth(people["officer"])).json
    assert [i["slug"] for i in listed["items"]] == [slug] and listed["total"] == 1
    r = client.patch(f"/api/v1/harvest-sources/{slug}", json={"schedule": "weekly"}, headers=auth(people["steward"]))
    assert r.status_code == 200 and r.json["schedule"] == "weekly"
    r = client.post(f"/api/v1/harvest-sources/{slug}/run", headers=auth(people["steward"]))
    assert r.status_code == 202 and r.json["status"] in ("queued", "running", "succeeded")
    job_id = r.json["id"]
    tasks.drain(happ)
    job = client.get(f"/api/v1/harvest-jobs/{job_id}", headers=auth(people["officer"])).json
    assert job["status"] == "succeeded" and job["new"] == 7 and job["source"] == slug
    jobs = client.get(f"/api/v1/harvest-sources/{slug}/jobs", headers=auth(people["officer"])).json
    assert [j["id"] for j in jobs["items"]] == [job_id]
    errors = client.get(f"/api/v1/harvest-jobs/{job_id}/errors?level=error", headers=auth(people["officer"])).json
    assert errors["total"] == 0 and errors["items"] == []
    one = client.get(f"/api/v1/harvest-sources/{slug}", headers=auth(people["officer"])).json
    assert one["records"] == {"active": 7} and one["last_status"] == "succeeded"
    assert client.delete(f"/api/v1/harvest-sources/{slug}", headers=auth(people["officer"])).status_code == 403
    assert client.delete(f"/api/v1/harvest-sources/{slug}", headers=auth(people["steward"])).status_code == 204
    assert client.get(f"/api/v1/harvest-sources/{slug}", headers=auth(people["steward"])).status_code == 404
    assert len(datasets_of(happ)) >= 7  # the records it brought stay
    s = session_of(happ)
    actions = [e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.object_type == "harvest_source")
                                                     .order_by(AuditEvent.id))]
    assert actions == ["create", "update", "delete"]
    s.close()


def test_the_openapi_document_lists_the_harvest_routes(happ):
    spec = happ.test_client().get("/api/v1/openapi.json").json
    for path in ("/harvest-sources", "/harvest-sources/{slug}", "/harvest-sources/{slug}/jobs",
                 "/harvest-sources/{slug}/run", "/harvest-jobs/{job_id}", "/harvest-jobs/{job_id}/errors"):
        assert path in spec["paths"], path
    assert "url" in spec["paths"]["/harvest-sources"]["post"]["requestBody"]["content"]["application/json"][
        "schema"]["properties"]


def test_cli_run_list_jobs_errors_and_demo(happ, portal):
    src = make_source(happ, url=portal.url)
    runner = happ.test_cli_runner()
    out = runner.invoke(args=["harvest", "run", src.slug])
    assert out.exit_code == 0, out.output
    assert "succeeded" in out.output and "new 7" in out.output
    out = runner.invoke(args=["harvest", "list"])
    assert src.slug in out.output and "7 active" in out.output
    out = runner.invoke(args=["harvest", "jobs", src.slug])
    assert "succeeded" in out.output and "new 7" in out.output
    job_id = int(out.output.split()[0])
    out = runner.invoke(args=["harvest", "errors", str(job_id)])
    assert "logged nothing" in out.output
    out = runner.invoke(args=["harvest", "run", "no-such-source"])
    assert out.exit_code != 0 and "no harvest source" in out.output
    first = runner.invoke(args=["harvest", "demo"])
    assert first.exit_code == 0, first.output
    assert first.output.count("succeeded") == 4 and "new 5" in first.output
    again = runner.invoke(args=["harvest", "demo"])  # make run does this on every start
    assert again.exit_code == 0 and "new 0" in again.output and "updated 0" in again.output
    errors = runner.invoke(args=["harvest", "errors", str(job_id + 3)])
    assert "row 8" in errors.output


def test_a_failed_run_exits_with_an_error(happ, http_server):
    http_server.route("/bad.json", body=b"{", headers={"Content-Type": "application/json"})
    src = make_source(happ, url=http_server.url("/bad.json"))
    out = happ.test_cli_runner().invoke(args=["harvest", "run", src.slug])
    assert out.exit_code == 1 and "failed" in out.output and "not valid JSON" in out.output
