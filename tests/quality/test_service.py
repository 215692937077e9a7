"""Running the checks on datasets: after uploads (at once or in the background), on remote files,
with broken input, re-scoring, and the grade kept on the dataset and in the search index."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from catalog import policy
from catalog.models import Dataset, QualityReport
from catalog.quality import links, service
from catalog.search.service import SearchParams, search
from catalog.services import files as stored_files
from catalog.tasks import drain

from ..httpserver import Reply
from .conftest import add_file, add_link, check, codes, dataset_row, new_dataset, reports_of, session_of

GOOD_CSV = "ma,ten,so_luong\nA1,Hà Nội,10\nA2,Huế,0\nA3,Cần Thơ,7\n".encode()
SCHEMA = {"fields": [{"name": "ma", "type": "string", "classification": "open"},
                     {"name": "ten", "type": "string", "classification": "open"},
                     {"name": "so_luong", "type": "integer", "classification": "open"}], "primaryKey": ["ma"]}


def test_an_upload_is_checked_at_once_and_the_grade_lands_on_the_dataset(qapp):
    ds_id = new_dataset(qapp)
    created = reports_of(qapp, ds_id)
    assert [(r.status, r.trigger, r.files) for r in created] == [("done", "edit", [])]  # a new dataset is graded
    before = dataset_row(qapp, ds_id).updated_at
    add_file(qapp, ds_id, "bang.csv", GOOD_CSV, SCHEMA)
    reports = reports_of(qapp, ds_id)[1:]
    assert [(r.status, r.trigger) for r in reports] == [("done", "upload")]  # one check, no loop of re-checks
    report = reports[0]
    assert report.rows_checked == 3 and report.complete and report.grade in ("A", "B")
    assert check(report, "data_types")["status"] == "pass" and check(report, "data_primary_key")["status"] == "pass"
    ds = dataset_row(qapp, ds_id)
    assert (ds.quality_grade, ds.quality_score) == (report.grade, report.score)
    assert ds.quality_checked_at == report.finished_at
    # the upload is an edit of the dataset (new data: its date of last change is today)...
    assert ds.updated_at > before and ds.modified == report.finished_at.date()
    # ...but writing the grade is not one (its modification time is left from the upload)...
    assert ds.updated_at < report.finished_at
    s = session_of(qapp)
    try:
        with qapp.app_context():
            # ...but the search index follows it at once
            found = search(s, policy.ANONYMOUS, SearchParams.from_args(MultiDict({"grade": report.grade})))
            assert ds_id in {r.record.id for r in found.results}
    finally:
        s.close()


def test_a_large_upload_is_checked_in_the_background_with_progress(qapp):
    qapp.config["CATALOG"]["QUALITY_INLINE_MB"] = 0
    ds_id = new_dataset(qapp)
    rows = "".join(f"M{i},Tên {i},{i}\n" for i in range(12_000))
    add_file(qapp, ds_id, "lon.csv", ("ma,ten,so_luong\n" + rows).encode(), SCHEMA)
    queued = reports_of(qapp, ds_id)[1:]  # after the one of the dataset's creation
    assert [r.status for r in queued] in (["queued"], ["running"], ["done"])  # the request did not wait
    drain(qapp)
    report = reports_of(qapp, ds_id)[-1]
    assert report.status == "done" and report.rows_checked == 12_000 and report.rows_expected == 12_000
    assert report.complete and report.heartbeat_at is not None


def test_progress_is_written_while_a_file_is_read(qapp, monkeypatch):
    monkeypatch.setattr(service, "PROGRESS_INTERVAL", 0.0)
    qapp.config["CATALOG"]["QUALITY_AUTO"] = False
    ds_id = new_dataset(qapp)
    add_file(qapp, ds_id, "lon.csv", ("ma,ten,so_luong\n" + "".join(f"M{i},x,{i}\n" for i in range(11_000))).encode(),
             SCHEMA)
    seen = []

    def progress(report: QualityReport) -> None:
        if report.status == "running":
            s = session_of(qapp)
            try:  # what another process (a page, the API) reads meanwhile
                stored = s.get(QualityReport, report.id)
                seen.append((stored.rows_checked, stored.rows_expected))
            finally:
                s.close()

    service.check_dataset(qapp, ds_id, "manual", service.RunOptions(network=False), progress)
    assert seen[0][0] == 5000 and 10_000 < seen[0][1] < 12_500
    assert seen[-1] == (11_000, 11_000)


def test_an_unchanged_file_is_not_read_again_and_force_reads_it(qapp):
    ds_id = new_dataset(qapp)
    add_file(qapp, ds_id, "bang.csv", GOOD_CSV, SCHEMA)
    again = service.check_dataset(qapp, ds_id, "manual", service.RunOptions(network=False))
    assert again.files[0]["reused"] and again.rows_checked == 3
    forced = service.check_dataset(qapp, ds_id, "manual", service.RunOptions(network=False, force=True))
    assert not forced.files[0]["reused"]


def test_a_missing_stored_file_and_a_binary_csv_are_findings_not_errors(qapp):
    ds_id = new_dataset(qapp)
    dist_id = add_file(qapp, ds_id, "bang.csv", GOOD_CSV, SCHEMA)
    add_file(qapp, ds_id, "anh.csv", b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 4, title_vi="Ảnh")
    s = session_of(qapp)
    try:
        from catalog.models import Distribution

        path = stored_files.resolve(qapp.config["CATALOG"]["UPLOAD_FOLDER"], s.get(Distribution, dist_id).file_path)
    finally:
        s.close()
    path.unlink()
    report = service.check_dataset(qapp, ds_id, "manual", service.RunOptions(network=False, force=True))
    assert report.status == "done"
    assert codes(report)["file-missing"] == 1 and codes(report)["binary-file"] == 1
    assert check(report, "data_readable")["earned"] == 0 and check(report, "links_alive")["status"] == "partial"


def test_remote_files_are_fetched_through_the_guarded_fetcher(qapp, http_server):
    http_server.route("/ok.csv", body=GOOD_CSV, headers={"Content-Type": "text/csv"})
    http_server.route("/broken.csv", status=500)
    ds_id = new_dataset(qapp)
    qapp.config["CATALOG"]["QUALITY_AUTO"] = False
    add_link(qapp, ds_id, http_server.url("/ok.csv"), title_vi="Tệp tốt", table_schema=SCHEMA)
    add_link(qapp, ds_id, http_server.url("/broken.csv"), title_vi="Tệp lỗi")
    report = service.check_dataset(qapp, ds_id, "manual")
    files = {f["title"]: f for f in report.files}
    assert files["Tệp tốt"]["table"]["rows"] == 3 and files["Tệp tốt"]["table"]["complete"]
    assert files["Tệp lỗi"]["table"]["fatal"] == "fetch-failed"
    failed = next(f for f in report.findings if f["code"] == "fetch-failed")
    assert failed["params"] == {"kind": "http_status", "status": 500}
    assert check(report, "links_alive")["earned"] == 20.0  # one of two links answers
    qapp.config["CATALOG"]["QUALITY_REMOTE_MAX_MB"] = 0
    too_big = service.check_dataset(qapp, ds_id, "manual")
    assert {f["params"].get("kind") for f in too_big.findings if f["code"] == "fetch-failed"} == {
        "too_large", "http_status"}


def test_a_metadata_edit_rescores_without_reading_files(qapp):
    from catalog.services import datasets
    from catalog.services.actor import system_actor

    ds_id = new_dataset(qapp, update_frequency=None)
    add_file(qapp, ds_id, "bang.csv", GOOD_CSV, SCHEMA)
    first = reports_of(qapp, ds_id)[-1]
    assert check(first, "meta_frequency")["status"] == "fail"
    s = session_of(qapp)
    try:
        datasets.update_dataset(s, system_actor("test"), s.get(type(dataset_row(qapp, ds_id)), ds_id),
                                {"update_frequency": "NEVER"})
        s.commit()
    finally:
        s.close()
    latest = reports_of(qapp, ds_id)[-1]
    assert latest.id != first.id and latest.trigger == "edit"
    assert check(latest, "meta_frequency")["status"] == "pass" and latest.files[0]["reused"]
    assert latest.score > first.score
    # a re-score that changes nothing keeps the report in force rather than piling up copies
    count = len(reports_of(qapp, ds_id))
    assert service.rescore(qapp, ds_id).id == latest.id and len(reports_of(qapp, ds_id)) == count


def test_a_second_run_waits_for_the_first(qapp):
    ds_id = new_dataset(qapp)
    s = session_of(qapp)
    try:
        ds = s.get(type(dataset_row(qapp, ds_id)), ds_id)
        first, created = service.request_check(s, ds, "manual")
        again, created_again = service.request_check(s, ds, "manual")
        assert created and not created_again and again.id == first.id
        s.commit()
    finally:
        s.close()
    try:
        service.check_dataset(qapp, ds_id)
        raise AssertionError("a second run started")
    except service.AlreadyChecking:
        pass
    done = service.run_report(qapp, first.id, service.RunOptions(network=False))
    assert done.status == "done"


def test_a_column_naming_a_code_list_is_checked_against_the_catalogues_list(qapp):
    schema = {"fields": [{"name": "ma_tinh", "type": "string", "codeList": "admin_unit", "classification": "open"},
                         {"name": "so", "type": "integer", "classification": "open"}]}
    ds_id = new_dataset(qapp)
    add_file(qapp, ds_id, "tinh.csv", b"ma_tinh,so\n01,1\n79,2\n02,3\n", schema)  # 02 was Ha Giang, merged in 2025
    report = reports_of(qapp, ds_id)[-1]
    assert report.files[0]["table"]["code_columns"] == ["ma_tinh"]
    finding = next(f for f in report.findings if f["code"] == "code-not-in-list")
    assert finding["examples"] == [{"row": 4, "column": "ma_tinh", "value": "02"}]
    assert check(report, "codes_data_columns")["status"] == "partial"


def test_the_link_schedule_asks_due_links_and_rescores_what_changed(qapp, http_server):
    from datetime import timedelta

    from catalog.models import LinkCheck, utcnow
    from catalog.quality import tasks as quality_tasks
    from catalog.tasks import periodic_jobs

    assert {"quality.links", "quality.freshness"} <= set(periodic_jobs())
    answers = iter([200, 200])  # the first check's HEAD and download; the file is gone afterwards
    http_server.handler("/data.csv", lambda _seen: Reply(next(answers, 404), GOOD_CSV))
    ds_id = new_dataset(qapp)
    add_link(qapp, ds_id, http_server.url("/data.csv"), table_schema=SCHEMA)
    drain(qapp)  # a link is not small: checked in the background
    first = reports_of(qapp, ds_id)[-1]
    assert check(first, "links_alive")["status"] == "pass"
    s = session_of(qapp)
    try:
        for row in s.query(LinkCheck):
            row.checked_at = utcnow() - timedelta(days=2)  # older than the recheck interval
        s.commit()
    finally:
        s.close()
    ours = http_server.url("/data.csv")
    s = session_of(qapp)
    try:  # the seed's own addresses (on the internet) are made recent, so that only ours is due
        for url in quality_tasks.due_links(qapp):
            if url != ours:
                links.remember(s, url, {"ok": True})
        s.commit()
    finally:
        s.close()
    assert list(quality_tasks.due_links(qapp)) == [ours]
    with qapp.app_context():
        assert quality_tasks.check_due_links() == 1
    latest = reports_of(qapp, ds_id)[-1]
    assert latest.id != first.id and latest.trigger == "schedule"
    assert check(latest, "links_alive")["status"] == "fail" and latest.files[0]["reused"]


def test_the_freshness_schedule_catches_a_promise_not_kept(qapp, monkeypatch):
    from datetime import date, timedelta

    from catalog.quality import tasks as quality_tasks

    ds_id = new_dataset(qapp, update_frequency="WEEKLY", modified=date.today().isoformat())
    first = reports_of(qapp, ds_id)[-1]
    assert check(first, "meta_fresh")["status"] == "pass"
    monkeypatch.setattr(service._Runner, "_today", lambda _self: date.today() + timedelta(days=30))
    with qapp.app_context():
        quality_tasks.rescore_checked()
    latest = reports_of(qapp, ds_id)[-1]
    assert latest.trigger == "schedule" and check(latest, "meta_fresh")["status"] == "fail"
    assert dataset_row(qapp, ds_id).quality_score == latest.score < first.score


def test_deleting_a_checked_dataset_removes_its_reports(qapp, caplog):
    from catalog.models import Dataset
    from catalog.services import datasets
    from catalog.services.actor import system_actor

    ds_id = new_dataset(qapp)
    add_file(qapp, ds_id, "bang.csv", GOOD_CSV, SCHEMA)
    assert len(reports_of(qapp, ds_id)) == 2
    s = session_of(qapp)
    try:
        datasets.delete_dataset(s, system_actor("test"), s.get(Dataset, ds_id), qapp.config["CATALOG"]["UPLOAD_FOLDER"])
        s.commit()
    finally:
        s.close()
    assert reports_of(qapp, ds_id) == []
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_a_just_uploaded_file_without_schema_is_fresh_and_not_asked_for_a_key(qapp):
    """Issue 12: the upload renews the dataset's date of last change (which freshness reads), and a
    table nobody gave a schema is not marked down for lacking a primary key."""
    import datetime as dt

    old = dt.date.today() - dt.timedelta(days=400)
    ds_id = new_dataset(qapp, update_frequency="MONTHLY", issued=old.isoformat(), modified=old.isoformat())
    assert check(reports_of(qapp, ds_id)[-1], "meta_fresh")["status"] == "fail"
    add_file(qapp, ds_id, "moi.csv", b"ten,so\nA,1\nB,2\n")
    report = reports_of(qapp, ds_id)[-1]
    today = report.finished_at.date()
    s = session_of(qapp)
    try:
        ds = s.get(Dataset, ds_id)
        assert ds.modified == today and ds.distributions[0].modified == today
        slug = ds.slug
    finally:
        s.close()
    fresh = check(report, "meta_fresh")
    assert fresh["status"] == "pass" and fresh["detail"]["age_days"] == 0
    key = check(report, "data_primary_key")
    assert key["status"] == "na" and key["earned"] is None
    page = qapp.test_client().get(f"/datasets/{slug}/quality?lang=en").get_data(as_text=True)
    assert "not applicable" in page
