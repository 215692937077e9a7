"""A harvested dataset is checked after the harvest: a real harvest of a data package through the
runner, then ONE background job for the source checks it. Asked to (CATALOG_QUALITY_HARVEST_NETWORK)
it reads the package's table from the (local) web server; by default it asks no server at all."""

from __future__ import annotations

import json

from sqlalchemy import select

from catalog.http import FetchPolicy
from catalog.models import Dataset
from catalog.services import harvest as harvest_service
from catalog.services.actor import system_actor
from catalog.tasks import drain
from harvesters.runner import run_source

from .conftest import check, codes, dataset_row, reports_of, session_of

TABLE = "ma_tinh,ten,dan_so\n01,Hà Nội,8500000\n79,Hồ Chí Minh,hơn chín triệu\n79,Hồ Chí Minh,hơn chín triệu\n"
PACKAGE = {
    "name": "dan-so-tinh", "title": "Dân số các tỉnh", "description": "Dân số theo tỉnh.",
    "licenses": [{"name": "CC-BY-4.0"}], "keywords": ["dân số"],
    "resources": [{"name": "dan-so", "title": "Bảng dân số", "path": "dan_so.csv", "format": "csv",
                   "schema": {"fields": [{"name": "ma_tinh", "type": "string"}, {"name": "ten", "type": "string"},
                                         {"name": "dan_so", "type": "integer"}], "primaryKey": ["ma_tinh"]}}],
}


def _harvest(qapp, http_server, **run_options):
    http_server.route("/pkg/datapackage.json", body=json.dumps(PACKAGE, ensure_ascii=False).encode(),
                      headers={"Content-Type": "application/json"})
    http_server.route("/pkg/dan_so.csv", body=TABLE.encode(), headers={"Content-Type": "text/csv; charset=utf-8"})
    s = session_of(qapp)
    try:
        source = harvest_service.create_source(s, system_actor("test"), {
            "name": "Gói dữ liệu dân số", "protocol": "datapackage", "organization": "BTC",
            "url": http_server.url("/pkg/datapackage.json"), "default_licence": "CC-BY-4.0"}, qapp.config["SECRET_KEY"])
        s.commit()
        source_id = source.id
    finally:
        s.close()
    with qapp.app_context():
        summary = run_source(qapp, source_id, policy=FetchPolicy(allow_loopback=True, timeout=2, retries=0),
                             **run_options)
    assert summary.status == "succeeded" and summary.counts["new"] == 1
    drain(qapp)  # the job the harvest queued, in the background
    s = session_of(qapp)
    try:
        ds_id = s.scalar(select(Dataset.id).where(Dataset.harvest_source_id == source_id))
    finally:
        s.close()
    return source_id, ds_id


def test_a_harvested_dataset_is_checked_after_the_harvest(qapp, http_server):
    qapp.config["CATALOG"]["QUALITY_HARVEST_NETWORK"] = True
    _source_id, ds_id = _harvest(qapp, http_server)
    reports = reports_of(qapp, ds_id)
    assert [(r.status, r.trigger) for r in reports] == [("done", "harvest")]
    report = reports[0]
    assert report.rows_checked == 3 and report.complete
    assert codes(report) == {"type-error": 2, "primary-key-duplicate": 1, "duplicate-row": 1}
    assert check(report, "links_alive")["status"] == "pass"
    assert dataset_row(qapp, ds_id).quality_grade == report.grade


def test_the_check_after_a_harvest_asks_no_server_by_default(qapp, http_server):
    _source_id, ds_id = _harvest(qapp, http_server)
    reports = reports_of(qapp, ds_id)
    assert [(r.status, r.trigger) for r in reports] == [("done", "harvest")]
    assert reports[0].rows_checked == 0  # the remote table was not downloaded
    assert "/pkg/dan_so.csv" not in [seen.path for seen in http_server.requests]


def test_a_cli_harvest_queues_nothing_and_the_scheduled_job_catches_up(qapp, http_server):
    from catalog.quality.tasks import check_harvested

    _source_id, ds_id = _harvest(qapp, http_server, queue_checks=False)
    assert reports_of(qapp, ds_id) == []  # nothing was queued: the CLI process exits at once
    assert check_harvested(qapp) == 1
    assert [(r.status, r.trigger) for r in reports_of(qapp, ds_id)] == [("done", "harvest")]
    assert check_harvested(qapp) == 0  # checked: not due again until the dataset changes
