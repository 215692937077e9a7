"""Harvesting never lets one agency's source rewrite another agency's datasets (issue 17, item 1).

A source of agency B marked authoritative that yields a record with the identifier of a dataset
harvested by agency A used to replace A's title, contact, access level and files. Now such a clash
is a duplicate to review, logged on the job; only an explicit delegation lets B keep A's datasets.
"""

from __future__ import annotations

import json

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from catalog.models import AuditEvent, HarvestError, Organization
from catalog.policy import Reader
from catalog.services import harvest as harvest_service
from catalog.services.actor import Actor

from .conftest import datasets_of, errors_of, make_source, package, records_of, run, session_of

SHARED_ID = "https://data.example.gov.vn/dataset/thu-chi-2025"


def _serve(http_server, path: str, *packages) -> str:
    http_server.route(path, body=json.dumps(list(packages)), headers={"Content-Type": "application/json"})
    return http_server.url(path)


def _pkg(n: int, title: str, **extra):
    return package(n, extras=[{"key": "identifier", "value": SHARED_ID}], title=title, **extra)


@pytest.fixture
def agency_a(happ, http_server):
    """Agency A (BTC) harvests a shared dataset first."""
    url = _serve(http_server, "/a.json", _pkg(1, "Thu chi 2025 của Bộ Tài chính", maintainer="Phòng A",
                                               maintainer_email="a@mof.gov.vn"))
    src = make_source(happ, name="Cổng Bộ Tài chính", url=url, organization="BTC", default_access_level="shared")
    assert run(happ, src).counts["new"] == 1
    return src


def _the_dataset(happ):
    found = datasets_of(happ, None, identifier=SHARED_ID)
    assert len(found) == 1
    return found[0]


def test_an_authoritative_source_of_another_agency_does_not_take_over(happ, http_server, agency_a):
    hostile = _pkg(2, "Bị ghi đè", maintainer="Kẻ lạ", maintainer_email="x@evil.example",
                   resources=[{"id": "r-x", "name": "Tệp giả", "format": "csv", "url": "https://evil.example/x.csv"}])
    src_b = make_source(happ, name="Cổng Bộ Công an", url=_serve(http_server, "/b.json", hostile),
                        organization="BCA", authoritative=True, default_access_level="open")
    result = run(happ, src_b)
    assert result.status == "succeeded"
    ds = _the_dataset(happ)
    # A's dataset is untouched: title, contact, access level, owner, files
    assert ds.title_vi == "Thu chi 2025 của Bộ Tài chính"
    assert ds.contact_email == "a@mof.gov.vn" and ds.access_level == "shared"
    assert ds.harvest_source_id == agency_a.id
    assert [d.download_url or d.access_url for d in ds.distributions] == ["https://data.example.gov.vn/files/1.csv"]
    # B's record is kept as a duplicate to review
    (rec,) = records_of(happ, src_b)
    assert rec.role == "duplicate" and rec.dataset_id == ds.id
    assert [r.role for r in records_of(happ, agency_a)] == ["primary"]
    # the clash is a warning naming both agencies and the identifier, and it is counted
    s = session_of(happ)
    clashes = s.scalars(select(HarvestError).where(HarvestError.job_id == result.job_id,
                                                   HarvestError.kind == "agency_clash")).all()
    assert len(clashes) == 1 and clashes[0].level == "warning" and clashes[0].remote_id == "pkg-0002"
    assert "BTC" in clashes[0].message and "BCA" in clashes[0].message and SHARED_ID in clashes[0].message
    assert result.counts["warnings"] >= 1
    finish = s.scalars(select(AuditEvent).where(AuditEvent.action == "harvest_finish",
                                                AuditEvent.object_id == str(result.job_id))).one()
    assert finish.after["agency_clashes"] == 1
    s.close()
    # a second (full) run changes nothing either
    run(happ, src_b, full=True)
    assert _the_dataset(happ).title_vi == "Thu chi 2025 của Bộ Tài chính"


def test_a_duplicate_of_another_agency_is_not_taken_over_when_its_source_becomes_authoritative(
        happ, http_server, agency_a):
    src_b = make_source(happ, name="Cổng Bộ Công an", url=_serve(http_server, "/b.json", _pkg(2, "Bị ghi đè")),
                        organization="BCA")
    run(happ, src_b)
    s = session_of(happ)
    harvest_service.update_source(s, _admin(), harvest_service.source_by_slug(s, src_b.slug),
                                  {"authoritative": True}, happ.config["SECRET_KEY"])
    s.commit()
    s.close()
    _serve(http_server, "/b.json", _pkg(2, "Bị ghi đè lần hai"))
    result = run(happ, src_b)
    ds = _the_dataset(happ)
    assert ds.title_vi == "Thu chi 2025 của Bộ Tài chính" and ds.harvest_source_id == agency_a.id
    assert records_of(happ, src_b)[0].role == "duplicate"
    assert any("BTC" in e and "BCA" in e for e in errors_of(happ, result.job_id, "warning"))


def test_a_withdrawn_dataset_is_not_handed_to_another_agency(happ, http_server, agency_a):
    src_b = make_source(happ, name="Cổng Bộ Công an", url=_serve(http_server, "/b.json", _pkg(2, "Bị ghi đè")),
                        organization="BCA")
    run(happ, src_b)
    _serve(http_server, "/a.json")  # A no longer lists it
    run(happ, agency_a)
    ds = _the_dataset(happ)
    assert ds.status == "withdrawn" and ds.harvest_source_id == agency_a.id
    assert records_of(happ, src_b)[0].role == "duplicate"
    # B's next run still cannot write it
    _serve(http_server, "/b.json", _pkg(2, "Bị ghi đè lần hai"))
    run(happ, src_b, full=True)
    assert _the_dataset(happ).title_vi == "Thu chi 2025 của Bộ Tài chính"


def test_the_same_agency_and_an_explicit_delegation_still_take_over(happ, http_server, agency_a):
    same = make_source(happ, name="Cổng quốc gia của Bộ Tài chính", organization="BTC", authoritative=True,
                       url=_serve(http_server, "/same.json", _pkg(3, "Bản chuẩn của Bộ Tài chính")))
    run(happ, same)
    assert _the_dataset(happ).harvest_source_id == same.id
    delegated = make_source(happ, name="Cổng được ủy quyền", organization="BCA", authoritative=True,
                            filters={"delegated_by": ["BTC"]},
                            url=_serve(http_server, "/d.json", _pkg(4, "Bản do Bộ Công an thu thay")))
    result = run(happ, delegated)
    ds = _the_dataset(happ)
    # "same" is authoritative too, so the delegated source records a duplicate; without it, it would keep it
    assert ds.harvest_source_id == same.id
    assert not [e for e in errors_of(happ, result.job_id) if "may not" in e]


def test_a_delegated_source_takes_over_from_the_delegating_agency(happ, http_server, agency_a):
    delegated = make_source(happ, name="Cổng được ủy quyền", organization="BCA", authoritative=True,
                            filters={"delegated_by": ["BTC"]},
                            url=_serve(http_server, "/d.json", _pkg(4, "Bản do Bộ Công an thu thay")))
    result = run(happ, delegated)
    ds = _the_dataset(happ)
    assert ds.harvest_source_id == delegated.id and ds.title_vi == "Bản do Bộ Công an thu thay"
    s = session_of(happ)
    assert not s.scalars(select(HarvestError).where(HarvestError.job_id == result.job_id,
                                                    HarvestError.kind == "agency_clash")).all()
    s.close()


def _admin() -> Actor:
    return Actor(reader=Reader(is_admin=True), label="admin")


def _steward_of(happ, code: str) -> Actor:
    s = session_of(happ)
    org_id = s.scalar(select(Organization.id).where(Organization.code == code))
    s.close()
    return Actor(reader=Reader(user_id="u1", roles={org_id: "steward"}), label="steward")


def test_only_an_administrator_records_a_delegation(happ, http_server):
    data = {"name": "Nguồn tự nhận", "protocol": "ckan", "organization": "BCA", "url": http_server.url("/b.json"),
            "filters": {"delegated_by": ["BTC"]}}
    s = session_of(happ)
    with pytest.raises(ValidationError) as err:
        harvest_service.create_source(s, _steward_of(happ, "BCA"), data, happ.config["SECRET_KEY"])
    assert "delegated_by" in str(err.value.messages["filters"])
    s.rollback()
    src = harvest_service.create_source(s, _steward_of(happ, "BCA"), {**data, "filters": {}},
                                        happ.config["SECRET_KEY"])
    with pytest.raises(ValidationError):
        harvest_service.update_source(s, _steward_of(happ, "BCA"), src, {"filters": {"delegated_by": ["BTC"]}},
                                      happ.config["SECRET_KEY"])
    s.rollback()
    # an administrator may; a steward editing the source afterwards keeps it as it is
    harvest_service.update_source(s, _admin(), src, {"filters": {"delegated_by": ["BTC"]}}, happ.config["SECRET_KEY"])
    harvest_service.update_source(s, _steward_of(happ, "BCA"), src,
                                  {"name": "Đổi tên", "filters": {"delegated_by": ["BTC"]}}, happ.config["SECRET_KEY"])
    s.rollback()
    s.close()


def test_a_delegation_names_existing_agencies(happ, http_server):
    s = session_of(happ)
    with pytest.raises(ValidationError) as err:
        harvest_service.create_source(s, _admin(), {
            "name": "Nguồn", "protocol": "ckan", "organization": "BCA", "url": http_server.url("/b.json"),
            "filters": {"delegated_by": ["KHONG-CO"]}}, happ.config["SECRET_KEY"])
    assert "KHONG-CO" in str(err.value.messages)
    s.close()


def test_a_withdrawn_delegation_stops_the_source_writing_the_agencys_datasets(happ, http_server, agency_a):
    delegated = make_source(happ, name="Cổng được ủy quyền", organization="BCA", authoritative=True,
                            filters={"delegated_by": ["BTC"]},
                            url=_serve(http_server, "/d.json", _pkg(4, "Bản do Bộ Công an thu thay")))
    run(happ, delegated)
    assert _the_dataset(happ).harvest_source_id == delegated.id
    s = session_of(happ)
    harvest_service.update_source(s, _admin(), harvest_service.source_by_slug(s, delegated.slug),
                                  {"filters": {}}, happ.config["SECRET_KEY"])
    s.commit()
    s.close()
    _serve(http_server, "/d.json", _pkg(4, "Sửa sau khi hết ủy quyền"))
    result = run(happ, delegated)
    assert _the_dataset(happ).title_vi == "Bản do Bộ Công an thu thay"
    assert any("BTC" in e and "BCA" in e for e in errors_of(happ, result.job_id, "warning"))
