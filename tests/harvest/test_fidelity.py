"""Issue 14, part A: every job says what it could not keep (the fidelity report), one log line per record and
problem, and a job that read something but found no record fails."""

from __future__ import annotations

from sqlalchemy import select

from catalog.models import HarvestError
from harvesters import fidelity, job_log

from ..helpers import login, make_user, token_for
from .conftest import FIXTURES, datasets_of, errors_of, job, make_source, package, run, session_of

FID = FIXTURES / "fidelity"
JSON = {"Content-Type": "application/json"}
TURTLE = {"Content-Type": "text/turtle"}


def _ckan(happ, http_server):
    http_server.route("/dump.json", body=(FID / "ckan_fidelity.json").read_bytes(), headers=JSON)
    return make_source(happ, url=http_server.url("/dump.json"))


def test_the_ckan_fidelity_figure_is_exact(happ, http_server):
    src = _ckan(happ, http_server)
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 2
    # p-1: 6 package keys (ma_noi_bo lost), 2 extras (ghi_chu_rieng lost), 4 resource keys (x_mirror lost);
    # p-2: 5 + 2 + 4 with 2 lost; state, num_tags, private, position, extras and resources are bookkeeping
    assert result.fidelity == {"records": 2, "fields": 23,
                               "not_kept": {"extras.ghi_chu_rieng": 2, "resource.x_mirror": 2, "ma_noi_bo": 1}}
    assert fidelity.kept_percent(result.fidelity) == 78.2  # 18 / 23, rounded down
    assert fidelity.summary_text(result.fidelity) == (
        "kept 78.2 % of 23 source fields in 2 records; not kept: extras.ghi_chu_rieng ×2, resource.x_mirror ×2, "
        "ma_noi_bo ×1")
    stored = job(happ, result.job_id)
    assert stored.fidelity == result.fidelity


def test_the_dcat_fidelity_figure_is_exact(happ, http_server):
    http_server.route("/catalogue.ttl", body=(FID / "fidelity.ttl").read_bytes(), headers=TURTLE)
    src = make_source(happ, protocol="dcat", url=http_server.url("/catalogue.ttl"))
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 1
    assert result.fidelity == {"records": 1, "fields": 10, "not_kept": {
        "dct:conformsTo": 1, "adms:versionNotes": 1, "dcat:distribution/dct:conformsTo": 1}}
    assert fidelity.kept_percent(result.fidelity) == 70.0
    (ds,) = datasets_of(happ, src)
    assert ds.title_vi == "Đường bộ"


def test_an_unchanged_rerun_still_reports_its_fidelity_and_the_hash_ignores_it(happ, http_server):
    src = _ckan(happ, http_server)
    first = run(happ, src)
    again = run(happ, src)
    assert again.counts["unchanged"] == 2 and again.counts["new"] == again.counts["updated"] == 0
    assert again.fidelity == first.fidelity


def test_the_report_is_on_the_job_page_the_source_page_the_api_and_the_cli(happ, http_server):
    src = _ckan(happ, http_server)
    src_org = "BTC"
    result = run(happ, src)
    s = session_of(happ)
    make_user(s, "cb.fid@mof.gov.vn", roles={src_org: "member"})
    token = token_for(s, make_user(s, "cb.api@mof.gov.vn", roles={src_org: "member"}))
    s.close()
    client = happ.test_client()
    login(client, "cb.fid@mof.gov.vn")
    page = client.get(f"/harvest/jobs/{result.job_id}?lang=en").get_data(as_text=True)
    assert "What this job could not keep" in page and "78.2" in page
    assert "<code>extras.ghi_chu_rieng</code>" in page and "<code>ma_noi_bo</code>" in page
    vi = client.get(f"/harvest/jobs/{result.job_id}?lang=vi").get_data(as_text=True)
    assert "Những gì lần thu thập này không giữ được" in vi
    trend = client.get(f"/harvest/{src.slug}?lang=en").get_data(as_text=True)
    assert "Source fields kept" in trend and "78.2 %" in trend and "5 fields not kept" in trend
    body = happ.test_client().get(f"/api/v1/harvest-jobs/{result.job_id}",
                                  headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["fidelity"]["kept_percent"] == 78.2 and body["fidelity"]["fields"] == 23
    assert body["fidelity"]["not_kept"][0] == {"field": "extras.ghi_chu_rieng", "count": 2}
    assert body["fidelity"]["summary"].startswith("kept 78.2 % of 23 source fields")
    out = happ.test_cli_runner().invoke(args=["harvest", "errors", str(result.job_id)])
    assert out.exit_code == 0, out.output
    assert "Fidelity: kept 78.2 % of 23 source fields in 2 records; not kept: extras.ghi_chu_rieng ×2" in out.output


def test_warnings_are_not_collapsed_across_records(happ, portal):
    # the same problem in five records: five lines, and the count shown is the lines stored
    portal.packages[:] = [package(n, maintainer_email="không-phải-thư") for n in range(1, 6)]
    src = make_source(happ, url=portal.url)
    result = run(happ, src)
    lines = [e for e in errors_of(happ, result.job_id, "warning") if "không-phải-thư" in e]
    assert len(lines) == 5 and {e.split(":")[0] for e in lines} == {f"pkg-{n:04d}" for n in range(1, 6)}
    assert result.counts["warnings"] == len(errors_of(happ, result.job_id, "warning"))


def test_past_the_cap_warnings_are_still_counted_and_the_log_says_how_many_were_not_stored(happ, portal,
                                                                                       monkeypatch):
    monkeypatch.setattr(job_log, "MAX_STORED_WARNINGS", 2)
    portal.packages[:] = [package(n, maintainer_email="không-phải-thư") for n in range(1, 6)]
    src = make_source(happ, url=portal.url)
    result = run(happ, src)
    stored = errors_of(happ, result.job_id, "warning")
    j = job(happ, result.job_id)
    assert len(stored) == 2 and j.warnings_not_stored == result.counts["warnings"] - 2 == 3
    (note,) = errors_of(happ, result.job_id, "info")
    assert "3 more warnings were counted but not stored" in note


def test_the_job_page_groups_the_log_with_counts(happ, portal):
    portal.packages[:] = [package(n, maintainer_email="không-phải-thư") for n in range(1, 6)]
    src = make_source(happ, url=portal.url)
    result = run(happ, src)
    s = session_of(happ)
    make_user(s, "cb.log@mof.gov.vn", roles={"BTC": "member"})
    n = len(list(s.scalars(select(HarvestError).where(HarvestError.job_id == result.job_id,
                                                      HarvestError.code == "not_email"))))
    s.close()
    assert n == 5
    client = happ.test_client()
    login(client, "cb.log@mof.gov.vn")
    page = client.get(f"/harvest/jobs/{result.job_id}?lang=en").get_data(as_text=True)
    assert "Log summary" in page
    summary = page.split("Log summary", 1)[1].split("</table>", 1)[0]
    assert "<td>5</td>" in summary and "is not valid" in summary


def test_a_gather_that_read_a_document_but_found_no_record_fails(happ, http_server):
    http_server.route("/about.ttl", body=(FID / "nothing.ttl").read_bytes(), headers=TURTLE)
    src = make_source(happ, protocol="dcat", url=http_server.url("/about.ttl"))
    result = run(happ, src)
    assert result.status == "failed"
    assert "no record could be read" in (result.message or "")
    assert any("no record could be read" in e for e in errors_of(happ, result.job_id, "error"))


def test_a_source_that_says_it_lists_nothing_succeeds(happ, portal):
    portal.packages[:] = []
    src = make_source(happ, url=portal.url)
    result = run(happ, src)
    assert result.status == "succeeded" and sum(result.counts.values()) == 0


def test_the_report_and_the_grouped_log_on_a_postgresql_registry(pg_seeded_app, http_server):
    from catalog.services import harvest as service

    http_server.route("/dump.json", body=(FID / "ckan_fidelity.json").read_bytes(), headers=JSON)
    pg_seeded_app.config["CATALOG"]["ALLOW_PRIVATE_URLS"] = True
    src = make_source(pg_seeded_app, url=http_server.url("/dump.json"))
    result = run(pg_seeded_app, src)
    assert result.status == "succeeded"
    s = session_of(pg_seeded_app)
    try:
        stored = job(pg_seeded_app, result.job_id)
        assert stored.fidelity["not_kept"] == {"extras.ghi_chu_rieng": 2, "resource.x_mirror": 2, "ma_noi_bo": 1}
        groups = service.log_groups(s, stored)
        assert sum(g["count"] for g in groups) == len(errors_of(pg_seeded_app, result.job_id))
    finally:
        s.close()
