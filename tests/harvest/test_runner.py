"""The runner: incremental re-harvests, withdrawal rules, local edits, killed jobs, the lock, duplicates."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from catalog.models import AuditEvent, Dataset, HarvestJob, HarvestSource, utcnow
from catalog.services import datasets as dataset_service
from catalog.services.actor import system_actor
from catalog.signals import records_changed
from harvesters import runner as runner_module
from harvesters.runner import AlreadyRunning

from ..httpserver import Reply
from .conftest import (
    CkanPortal,
    datasets_of,
    errors_of,
    job,
    make_source,
    package,
    records_of,
    run,
    session_of,
)


def _full(portal: CkanPortal, **kw):
    """A CKAN source read in full every time (the hash diff decides what changed)."""
    return make_source(portal.app, url=portal.url, filters={"incremental": False, "rows": 3}, **kw)


@pytest.fixture
def full_portal(happ, http_server):
    portal = CkanPortal(http_server, [package(n) for n in range(1, 8)])
    portal.app = happ
    return portal


def test_first_run_creates_every_record_with_its_provenance(happ, full_portal):
    src = _full(full_portal)
    result = run(happ, src)
    assert result.status == "succeeded" and result.gather_complete
    assert result.counts["new"] == 7 and result.counts["failed"] == 0
    found = datasets_of(happ, src)
    assert len(found) == 7
    ds = found[0]
    assert ds.origin == "harvested" and ds.remote_id == "pkg-0001" and ds.status == "published"
    assert ds.licence_code == "CC-BY-4.0" and ds.themes == ["ECON"] and ds.keywords == ["tài chính", "ngân sách"]
    assert ds.source_url == full_portal.url + "/dataset/bo-du-lieu-1"
    assert [d.format for d in ds.distributions] == ["CSV"]
    # paged 3 by 3
    assert [p["start"] for p in full_portal.searches] == ["0", "3", "6"]


def test_incremental_reharvest_changed_unchanged_withdrawn_reappeared(happ, full_portal):
    src = _full(full_portal)
    run(happ, src)
    # one changed, one gone, the others as they were
    full_portal.packages[0] = package(1, title="Bộ dữ liệu số 1 (sửa)", metadata_modified="2025-06-01T00:00:00")
    gone = full_portal.packages.pop(3)
    second = run(happ, src)
    assert second.counts == {"new": 0, "updated": 1, "unchanged": 5, "withdrawn": 1, "failed": 0, "warnings": 0}
    by_remote = {d.remote_id: d for d in datasets_of(happ, src)}
    assert by_remote["pkg-0001"].title_vi == "Bộ dữ liệu số 1 (sửa)"
    assert by_remote["pkg-0004"].status == "withdrawn"  # withdrawn, not deleted
    states = {r.remote_id: r.state for r in records_of(happ, src)}
    assert states["pkg-0004"] == "withdrawn"
    # it comes back
    full_portal.packages.append(gone)
    third = run(happ, src)
    assert third.counts["updated"] == 1 and third.counts["unchanged"] == 6 and third.counts["withdrawn"] == 0
    assert {d.remote_id: d for d in datasets_of(happ, src)}["pkg-0004"].status == "published"
    assert {r.remote_id: r.state for r in records_of(happ, src)}["pkg-0004"] == "active"
    # nothing changed: nothing written
    assert run(happ, src).counts["unchanged"] == 7


def test_ckan_incremental_mode_asks_only_for_changes_and_still_notices_deletions(happ, portal):
    src = make_source(happ, url=portal.url)
    run(happ, src)
    portal.searches.clear()
    portal.packages[1] = package(2, notes="Mô tả mới.", metadata_modified="2099-01-01T00:00:00")
    portal.packages.pop(0)
    portal.packages.append(package(99, metadata_modified="2099-01-01T00:00:00"))
    result = run(happ, src)
    assert result.counts == {"new": 1, "updated": 1, "unchanged": 5, "withdrawn": 1, "failed": 0, "warnings": 0}
    assert any("metadata_modified:[" in p.get("fq", "") for p in portal.searches)
    assert any(p.get("fl") == "id" for p in portal.searches)  # the id listing that finds deletions
    assert {d.remote_id: d.status for d in datasets_of(happ, src)}["pkg-0001"] == "withdrawn"


def test_nothing_is_withdrawn_when_the_gather_fails_halfway(happ, full_portal, http_server):
    src = _full(full_portal)
    run(happ, src)
    original = http_server.routes["/api/3/action/package_search"]
    calls = {"n": 0}

    def second_page_breaks(seen):
        calls["n"] += 1
        return original(seen) if calls["n"] == 1 else Reply(500, b"down")

    http_server.handler("/api/3/action/package_search", second_page_breaks)
    result = run(happ, src)
    assert result.status == "failed" and "500" in (result.message or "")
    assert result.counts["withdrawn"] == 0 and result.counts["unchanged"] == 3
    assert all(d.status == "published" for d in datasets_of(happ, src))
    assert "500" in " ".join(errors_of(happ, result.job_id, "error"))


def test_a_short_listing_is_incomplete_and_withdraws_nothing(happ, full_portal, http_server):
    import json

    src = _full(full_portal)
    run(happ, src)
    full_portal.packages.pop()
    original = http_server.routes["/api/3/action/package_search"]

    def announces_more_than_it_gives(seen):
        body = json.loads(original(seen).body)
        body["result"]["count"] = 50
        return Reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    http_server.handler("/api/3/action/package_search", announces_more_than_it_gives)
    result = run(happ, src)
    assert result.status == "succeeded" and not result.gather_complete
    assert result.counts["withdrawn"] == 0 and result.counts["unchanged"] == 6
    assert all(d.status == "published" for d in datasets_of(happ, src))


def test_local_edits_survive_a_reharvest(happ, full_portal):
    src = _full(full_portal)
    run(happ, src)
    s = session_of(happ)
    ds = s.scalar(select(Dataset).where(Dataset.remote_id == "pkg-0002"))
    with happ.test_request_context():
        dataset_service.update_dataset(s, system_actor("steward"), ds, {"title_vi": "Tên do cán bộ sửa",
                                                                       "keywords": ["sửa tay"]})
    s.commit()
    assert sorted(ds.local_edits) == ["keywords", "title_vi"]
    s.close()
    full_portal.packages[1] = package(2, title="Tên mới ở nguồn", notes="Mô tả mới ở nguồn.",
                                      metadata_modified="2025-09-09T00:00:00")
    result = run(happ, src)
    assert result.counts["updated"] == 1
    after = {d.remote_id: d for d in datasets_of(happ, src)}["pkg-0002"]
    assert after.title_vi == "Tên do cán bộ sửa" and after.keywords == ["sửa tay"]  # kept
    assert after.description_vi == "Mô tả mới ở nguồn."  # the rest follows the source


def test_a_steward_withdrawal_is_kept(happ, full_portal):
    src = _full(full_portal)
    run(happ, src)
    s = session_of(happ)
    ds = s.scalar(select(Dataset).where(Dataset.remote_id == "pkg-0003"))
    with happ.test_request_context():
        dataset_service.update_dataset(s, system_actor("steward"), ds, {"status": "withdrawn"})
    s.commit()
    s.close()
    full_portal.packages[2] = package(3, notes="Đổi ở nguồn.")
    run(happ, src)
    assert {d.remote_id: d.status for d in datasets_of(happ, src)}["pkg-0003"] == "withdrawn"


class Killed(BaseException):
    """What a killed process looks like from inside: the run stops without cleaning up."""


def _snapshot(app, src):
    """What readers see of a source's datasets (ids and times aside)."""
    return sorted((d.slug, d.identifier, d.title_vi, d.status, d.licence_code, tuple(d.keywords),
                   tuple(sorted((x.remote_id, x.access_url, x.format) for x in d.distributions)))
                  for d in datasets_of(app, src))


def other_app(template, tmp_path):
    import shutil

    from ..conftest import build_app

    folder = tmp_path / "other-instance"
    shutil.copytree(template, folder)
    app = build_app(folder)
    app.config["CATALOG"]["HARVEST_BATCH_SIZE"] = 3
    return app


def test_a_killed_job_can_be_run_again_with_nothing_lost_or_doubled(happ, full_portal, monkeypatch, tmp_path,
                                                                  seeded_template):
    src = _full(full_portal)
    commits = {"n": 0}
    real_commit = runner_module._Run._commit

    def dies_after_two_batches(self):
        real_commit(self)
        commits["n"] += 1
        if commits["n"] == 2:
            raise Killed()

    monkeypatch.setattr(runner_module._Run, "_commit", dies_after_two_batches)
    with pytest.raises(Killed):
        run(happ, src)
    monkeypatch.setattr(runner_module._Run, "_commit", real_commit)
    assert len(datasets_of(happ, src)) == 6  # two batches of three were committed
    # the dead job still holds the source: a second job is refused while its heartbeat is fresh
    with pytest.raises(AlreadyRunning):
        run(happ, src)
    # once the heartbeat is stale, the dead job is marked failed and the source can be run again
    s = session_of(happ)
    s.execute(update(HarvestSource).values(heartbeat_at=utcnow() - timedelta(hours=1)))
    s.execute(update(HarvestJob).where(HarvestJob.status == "running")
              .values(heartbeat_at=utcnow() - timedelta(hours=1)))
    s.commit()
    s.close()
    again = run(happ, src)
    assert again.status == "succeeded" and again.counts["new"] == 1 and again.counts["unchanged"] == 6
    jobs = {j.status for j in session_of(happ).scalars(select(HarvestJob))}
    assert "running" not in jobs
    dead = list(session_of(happ).scalars(select(HarvestJob).where(HarvestJob.status == "failed")))
    assert any("stopped responding" in (j.message or "") for j in dead)
    # the same catalogue as one clean run in another installation
    clean = other_app(seeded_template, tmp_path)
    try:
        clean_src = make_source(clean, url=full_portal.url, filters={"incremental": False, "rows": 3})
        assert run(clean, clean_src).counts["new"] == 7
        assert _snapshot(happ, src) == _snapshot(clean, clean_src)
    finally:
        from ..conftest import _dispose

        _dispose(clean)


def test_two_jobs_of_one_source_never_run_at_once(happ, http_server):
    http_server.route("/slow.json", body=b'{"result": {"results": []}}', delay=1.5,
                      headers={"Content-Type": "application/json"})
    src = make_source(happ, url=http_server.url("/slow.json"))
    results = []
    worker = threading.Thread(target=lambda: results.append(run(happ, src)))
    worker.start()
    time.sleep(0.5)
    with pytest.raises(AlreadyRunning):
        run(happ, src)
    worker.join(10)
    assert results and results[0].status == "succeeded"
    s = session_of(happ)
    refused = s.scalars(select(HarvestJob).where(HarvestJob.status == "failed")).all()
    assert len(refused) == 1 and "not started" in refused[0].message
    assert s.get(HarvestSource, src.id).running_job_id is None
    s.close()


def test_one_bad_record_does_not_stop_the_others(happ, http_server):
    import json

    packages = [package(1), {"id": "no-title", "resources": []}, package(3), "not an object"]
    http_server.route("/dump.json", body=json.dumps(packages), headers={"Content-Type": "application/json"})
    src = make_source(happ, url=http_server.url("/dump.json"))
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 2 and result.counts["failed"] == 2
    errors = errors_of(happ, result.job_id, "error")
    assert any(e.startswith("no-title:") and "title_vi" in e for e in errors)
    assert any("not a package" in e for e in errors)


def test_unknown_codes_are_dropped_with_a_warning(happ, http_server):
    import json

    pkg = package(1, license_id="some-odd-licence", groups=[{"name": "khong-co-linh-vuc-nay"}],
                  extras=[{"key": "language", "value": "Klingon"}, {"key": "frequency", "value": "mỗi khi rảnh"}])
    http_server.route("/one.json", body=json.dumps([pkg]), headers={"Content-Type": "application/json"})
    src = make_source(happ, url=http_server.url("/one.json"))
    result = run(happ, src)
    assert result.counts["new"] == 1 and result.counts["failed"] == 0
    ds = datasets_of(happ, src)[0]
    assert ds.themes == [] and ds.languages == [] and ds.update_frequency is None
    assert ds.licence_code == "CC-BY-4.0"  # the source's default
    warnings = " ".join(errors_of(happ, result.job_id, "warning"))
    for word in ("some-odd-licence", "khong-co-linh-vuc-nay", "Klingon", "mỗi khi rảnh"):
        assert word in warnings


def test_open_records_missing_what_publishing_needs_stay_drafts(happ, http_server):
    import json

    pkg = package(1, license_id="", maintainer="", maintainer_email="")
    http_server.route("/one.json", body=json.dumps([pkg]), headers={"Content-Type": "application/json"})
    src = make_source(happ, url=http_server.url("/one.json"), default_licence=None)
    result = run(happ, src)
    ds = datasets_of(happ, src)[0]
    assert ds.status == "draft" and ds.published_at is None
    assert any("kept as a draft" in w for w in errors_of(happ, result.job_id, "warning"))


def test_derived_data_hears_about_harvests_and_the_audit_log_gets_one_event_per_end(happ, full_portal):
    heard = []

    def listener(_info, changes, reason):
        heard.append((reason, set(changes.get("dataset", ()))))

    records_changed.connect(listener)
    try:
        src = _full(full_portal)
        s = session_of(happ)
        before = s.scalar(select(func.count()).select_from(AuditEvent))
        s.close()
        run(happ, src)
    finally:
        records_changed.disconnect(listener)
    harvested = {d.id for d in datasets_of(happ, src)}
    assert {r for r, _ in heard} == {"harvest"}
    assert set().union(*(ids for _r, ids in heard)) == harvested
    s = session_of(happ)
    events = s.scalars(select(AuditEvent).order_by(AuditEvent.id).offset(before)).all()
    s.close()
    assert [e.action for e in events] == ["harvest_start", "harvest_finish"]
    assert events[-1].after["new"] == 7


def test_the_same_dataset_from_two_sources_is_catalogued_once(happ, http_server):
    import json

    shared_id = "https://data.example.gov.vn/dataset/ngan-sach-2025"
    a = package(1, extras=[{"key": "identifier", "value": shared_id}], title="Ngân sách 2025 (cổng tỉnh)")
    b = package(2, extras=[{"key": "identifier", "value": shared_id}], title="Ngân sách 2025 (cổng quốc gia)")
    http_server.route("/a.json", body=json.dumps([a, package(5)]), headers={"Content-Type": "application/json"})
    http_server.route("/b.json", body=json.dumps([b]), headers={"Content-Type": "application/json"})
    src_a = make_source(happ, name="Cổng tỉnh", url=http_server.url("/a.json"))
    src_b = make_source(happ, name="Cổng quốc gia", url=http_server.url("/b.json"), authoritative=True)
    run(happ, src_a)
    result = run(happ, src_b)
    assert result.counts["new"] == 1
    s = session_of(happ)
    matches = s.scalars(select(Dataset).where(Dataset.identifier == shared_id)).all()
    assert len(matches) == 1
    ds = matches[0]
    # the authoritative source keeps it; both provenances are recorded
    assert ds.harvest_source_id == src_b.id and ds.title_vi == "Ngân sách 2025 (cổng quốc gia)"
    from catalog.services.harvest import provenance

    prov = provenance(s, ds.id)
    assert [(p["source"].slug, p["primary"]) for p in prov] == [(src_b.slug, True), (src_a.slug, False)]
    s.close()
    # a re-run of the other source changes nothing
    assert run(happ, src_a).counts["unchanged"] == 2
    assert datasets_of(happ, None, identifier=shared_id)[0].title_vi == "Ngân sách 2025 (cổng quốc gia)"
    # when the authoritative source drops it, the dataset stays, kept by the other source
    http_server.route("/b.json", body=b"[]", headers={"Content-Type": "application/json"})
    run(happ, src_b)
    kept = datasets_of(happ, None, identifier=shared_id)[0]
    assert kept.status == "published" and kept.harvest_source_id == src_a.id


def test_a_registered_dataset_is_matched_on_its_landing_page_and_not_overwritten(happ, http_server):
    import json

    from ..helpers import dataset

    s = session_of(happ)
    mine = dataset(s, "BTC", title_vi="Bộ dữ liệu đăng ký tay", landing_page="https://mof.gov.vn/du-lieu/thu-chi")
    s.close()
    pkg = package(1, url="https://mof.gov.vn/du-lieu/thu-chi", title="Cùng bộ dữ liệu, từ cổng khác")
    http_server.route("/x.json", body=json.dumps([pkg]), headers={"Content-Type": "application/json"})
    src = make_source(happ, url=http_server.url("/x.json"), authoritative=True)
    result = run(happ, src)
    assert result.counts["new"] == 1
    assert datasets_of(happ, src) == []  # no second dataset
    after = datasets_of(happ, None, id=mine.id)[0]
    assert after.title_vi == "Bộ dữ liệu đăng ký tay" and after.origin == "registered"
    assert records_of(happ, src)[0].dataset_id == mine.id and records_of(happ, src)[0].role == "duplicate"
    page = happ.test_client().get(f"/datasets/{mine.slug}").get_data(as_text=True)
    assert "harvest-provenance" in page and "cũng có ở nguồn này" in page


def test_the_schedule_queues_due_sources_and_reaps_dead_jobs(happ, full_portal):
    from catalog import tasks
    from harvesters.jobs import harvest_due

    src = _full(full_portal, schedule="daily")
    make_source(happ, name="Thủ công", url=full_portal.url, filters={"incremental": False})
    s = session_of(happ)
    dead = HarvestJob(source_id=src.id, status="running", heartbeat_at=utcnow() - timedelta(hours=2),
                      created_at=utcnow() - timedelta(hours=2))
    s.add(dead)
    s.commit()
    dead_id = dead.id
    s.close()
    with happ.app_context():
        queued = harvest_due()
    tasks.drain(happ)
    assert len(queued) == 1
    assert job(happ, dead_id).status == "failed"
    done = job(happ, queued[0])
    assert done.status == "succeeded" and done.new == 7 and done.triggered_by == "schedule"
    with happ.app_context():
        assert harvest_due() == []  # ran today


@pytest.mark.postgres
def test_the_runner_on_a_postgresql_registry(pg_seeded_app, http_server):
    pg_seeded_app.config["CATALOG"]["HARVEST_BATCH_SIZE"] = 3
    portal = CkanPortal(http_server, [package(n) for n in range(1, 8)])
    src = make_source(pg_seeded_app, url=portal.url, filters={"incremental": False, "rows": 3})
    assert run(pg_seeded_app, src).counts["new"] == 7
    portal.packages[0] = package(1, title="Đã đổi")
    portal.packages.pop()
    second = run(pg_seeded_app, src)
    assert second.counts == {"new": 0, "updated": 1, "unchanged": 5, "withdrawn": 1, "failed": 0, "warnings": 0}
    statuses = {d.remote_id: (d.status, d.title_vi) for d in datasets_of(pg_seeded_app, src)}
    assert statuses["pkg-0007"][0] == "withdrawn" and statuses["pkg-0001"] == ("published", "Đã đổi")
    with pytest.raises(AlreadyRunning):
        s = session_of(pg_seeded_app)
        s.execute(update(HarvestSource).values(running_job_id=999, heartbeat_at=utcnow()))
        s.commit()
        s.close()
        run(pg_seeded_app, src)
