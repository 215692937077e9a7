"""The runner's own rules on an in-memory harvester (no protocol, no HTTP): the diff, withdrawal and
its safeguards, steward edits and withdrawals, bad records, duplicates inside a source, slugs, the
lock and the audit events. A CKAN or DCAT bug cannot fail these; the protocol tests live beside."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from catalog.models import AuditEvent, Dataset, HarvestJob, HarvestSource
from catalog.services import datasets as dataset_service
from catalog.services.actor import system_actor
from harvesters.base import Problem
from harvesters.runner import AlreadyRunning

from .conftest import datasets_of, errors_of, fake_record, fake_source, records_of, run, session_of


def _states(app, src) -> dict[str, str]:
    return {d.remote_id: d.status for d in datasets_of(app, src)}


def test_new_unchanged_updated_withdrawn_and_back(happ, fake):
    fake.records = [fake_record(n) for n in range(7)]
    src = fake_source(happ)
    first = run(happ, src)
    assert first.status == "succeeded" and first.gather_complete
    assert first.counts == {"new": 7, "updated": 0, "unchanged": 0, "withdrawn": 0, "failed": 0, "warnings": 0}
    fake.records[0] = fake_record(0, title_vi="Bản ghi 0 (sửa)")
    gone = fake.records.pop(3)
    second = run(happ, src)
    assert second.counts == {"new": 0, "updated": 1, "unchanged": 5, "withdrawn": 1, "failed": 0, "warnings": 0}
    assert _states(happ, src)["r3"] == "withdrawn"  # withdrawn, never deleted
    assert {r.remote_id: r.state for r in records_of(happ, src)}["r3"] == "withdrawn"
    fake.records.append(gone)
    third = run(happ, src)
    assert third.counts["updated"] == 1 and third.counts["unchanged"] == 6 and third.counts["withdrawn"] == 0
    assert _states(happ, src)["r3"] == "published"


def test_a_gather_failing_halfway_withdraws_nothing(happ, fake):
    fake.records = [fake_record(n) for n in range(6)]
    src = fake_source(happ)
    run(happ, src)
    fake.fail_after = 3
    result = run(happ, src)
    assert result.status == "failed" and "halfway" in (result.message or "")
    assert result.counts["withdrawn"] == 0 and result.counts["unchanged"] == 3
    assert set(_states(happ, src).values()) == {"published"}


def test_a_short_listing_is_incomplete_and_withdraws_nothing(happ, fake):
    fake.records = [fake_record(n) for n in range(5)]
    src = fake_source(happ)
    run(happ, src)
    fake.records.pop()
    fake.incomplete = True
    result = run(happ, src)
    assert result.status == "succeeded" and not result.gather_complete
    assert result.counts["withdrawn"] == 0 and set(_states(happ, src).values()) == {"published"}


def test_steward_edits_and_withdrawals_survive_a_reharvest(happ, fake):
    fake.records = [fake_record(n) for n in range(3)]
    src = fake_source(happ)
    run(happ, src)
    s = session_of(happ)
    edited = s.scalar(select(Dataset).where(Dataset.remote_id == "r1"))
    stopped = s.scalar(select(Dataset).where(Dataset.remote_id == "r2"))
    with happ.test_request_context():
        dataset_service.update_dataset(s, system_actor("steward"), edited, {"title_vi": "Tên do cán bộ sửa"})
        dataset_service.update_dataset(s, system_actor("steward"), stopped, {"status": "withdrawn"})
    s.commit()
    s.close()
    fake.records[1] = fake_record(1, title_vi="Tên mới ở nguồn", description_vi="Mô tả mới ở nguồn.")
    fake.records[2] = fake_record(2, description_vi="Đổi ở nguồn.")
    result = run(happ, src)
    assert result.counts["updated"] == 2
    after = {d.remote_id: d for d in datasets_of(happ, src)}
    assert after["r1"].title_vi == "Tên do cán bộ sửa"  # the steward's edit is kept
    assert after["r1"].description_vi == "Mô tả mới ở nguồn."  # the rest follows the source
    assert after["r2"].status == "withdrawn"  # the steward's withdrawal is kept


def test_bad_records_fail_alone_and_are_logged_with_their_id(happ, fake):
    fake.records = [fake_record(1), {"remote_id": "no-title"}, Problem("broken", "cannot be read"), fake_record(4)]
    src = fake_source(happ)
    result = run(happ, src)
    assert result.status == "succeeded"
    assert (result.counts["new"], result.counts["failed"]) == (2, 2)
    errors = errors_of(happ, result.job_id, "error")
    assert any(e.startswith("no-title:") and "title_vi" in e for e in errors)
    assert any(e.startswith("broken:") and "cannot be read" in e for e in errors)


def test_two_records_of_one_source_with_one_identifier_are_not_both_taken(happ, fake):
    fake.records = [fake_record(1, identifier="urn:x:1"), fake_record(2, identifier="urn:x:1")]
    src = fake_source(happ)
    result = run(happ, src)
    assert result.counts["new"] == 1 and result.counts["failed"] == 1
    assert any("same identifier" in e for e in errors_of(happ, result.job_id, "error"))


def test_slugs_are_unique_across_the_batch_and_the_registry(happ, fake):
    fake.records = [fake_record(n, title_vi="Cùng một tên") for n in range(5)]
    src = fake_source(happ)
    run(happ, src)
    again = fake_source(happ, name="Nguồn thứ hai")
    fake.records = [fake_record(n + 10, title_vi="Cùng một tên") for n in range(2)]
    run(happ, again)
    slugs = sorted(d.slug for d in datasets_of(happ))
    mine = [s for s in slugs if s.startswith("cung-mot-ten")]
    assert mine == sorted(["cung-mot-ten"] + [f"cung-mot-ten-{n}" for n in range(2, 8)])


def test_open_records_missing_what_publishing_needs_stay_drafts(happ, fake):
    fake.records = [{"remote_id": "r1", "title_vi": "Không giấy phép", "access_level": "open"}]
    src = fake_source(happ, default_licence=None)
    result = run(happ, src)
    assert _states(happ, src)["r1"] == "draft"
    assert any("kept as a draft" in w for w in errors_of(happ, result.job_id, "warning"))


def test_one_start_and_one_finish_event_in_the_audit_log(happ, fake):
    fake.records = [fake_record(n) for n in range(4)]
    src = fake_source(happ)
    s = session_of(happ)
    before = s.scalar(select(func.count()).select_from(AuditEvent))
    s.close()
    run(happ, src)
    s = session_of(happ)
    events = s.scalars(select(AuditEvent).order_by(AuditEvent.id).offset(before)).all()
    s.close()
    assert [e.action for e in events] == ["harvest_start", "harvest_finish"]
    assert events[-1].after["new"] == 4


def test_a_second_job_of_a_running_source_is_refused(happ, fake):
    release = threading.Event()
    entered = threading.Event()

    def slow_records():
        entered.set()
        release.wait(10)
        yield fake_record(1)

    class Slow(fake):
        def gather(self):
            yield from slow_records()

    from harvesters import base

    base.register("fake", Slow)
    src = fake_source(happ)
    results = []
    worker = threading.Thread(target=lambda: results.append(run(happ, src)))
    worker.start()
    try:
        assert entered.wait(10)
        with pytest.raises(AlreadyRunning):
            run(happ, src)
    finally:
        release.set()
        worker.join(10)
    assert results and results[0].status == "succeeded"
    s = session_of(happ)
    refused = s.scalars(select(HarvestJob).where(HarvestJob.status == "failed")).all()
    assert len(refused) == 1 and "not started" in refused[0].message
    assert s.get(HarvestSource, src.id).running_job_id is None
    s.close()
