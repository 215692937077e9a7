"""The report page and the dashboards in Vietnamese and English, the API's JSON, and who sees what."""

from __future__ import annotations

import csv
import io

from catalog.models import Dataset
from catalog.quality import service
from catalog.services import datasets
from catalog.services.actor import system_actor

from ..helpers import login, make_user, token_for
from .conftest import add_file, new_dataset, reports_of, session_of

SCHEMA = {"fields": [{"name": "ma", "type": "string", "classification": "open"},
                     {"name": "so_cccd", "type": "string", "classification": "special_request"},
                     {"name": "so_luong", "type": "integer", "classification": "open"}], "primaryKey": ["ma"]}


def _people_csv(bad_amount: str = "mười") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["ma", "so_cccd", "so_luong"])
    for i in range(40):
        writer.writerow([f"M{i}", f"0792030{i:05d}", bad_amount if i == 5 else i])
    return out.getvalue().encode()


def _checked(qapp, access: str = "open", publisher: str = "BTC", **fields) -> str:
    ds_id = new_dataset(qapp, publisher=publisher, access=access, **fields)
    add_file(qapp, ds_id, "nguoi.csv", _people_csv(), SCHEMA)
    assert reports_of(qapp, ds_id)[-1].status == "done"
    return ds_id


def _slug(qapp, ds_id: str) -> str:
    s = session_of(qapp)
    try:
        return s.get(Dataset, ds_id).slug
    finally:
        s.close()


def test_the_report_page_in_vietnamese_and_english(qapp):
    slug = _slug(qapp, _checked(qapp))
    client = qapp.test_client()
    vi = client.get(f"/datasets/{slug}/quality").get_data(as_text=True)
    assert "Chất lượng dữ liệu" in vi and "Giá trị đúng kiểu dữ liệu" in vi and "Cách khắc phục:" in vi
    # the column is named in a code font (a column with a Table Schema title shows the title first)
    assert '1 giá trị ở cột <code class="small">so_luong</code> không đúng kiểu integer.' in vi
    assert "Phát hiện dữ liệu cá nhân." in vi and "số căn cước công dân (CCCD)" in vi
    assert 'role="img"' in vi and "<title" in vi  # the SVG chart, accessible
    en = client.get(f"/datasets/{slug}/quality?lang=en").get_data(as_text=True)
    assert "Values match their types" in en and \
        '1 values in column <code class="small">so_luong</code> are not of type integer.' in en
    assert "Personal data found." in en and "How to fix:" in en
    # the dataset page links to the report with the grade
    page = client.get(f"/datasets/{slug}").get_data(as_text=True)
    assert f"/datasets/{slug}/quality" in page and "badge grade" in page


def test_dashboards_in_vietnamese_and_english(qapp):
    _checked(qapp)
    client = qapp.test_client()
    vi = client.get("/quality").get_data(as_text=True)
    assert "Tập dữ liệu theo xếp hạng" in vi and "Tập dữ liệu cần cải thiện nhiều nhất" in vi and "Theo cơ quan" in vi
    assert vi.count('role="img"') >= 3  # grades, dimensions, trend
    en = client.get("/organizations/BTC/quality?lang=en").get_data(as_text=True)
    assert "Data quality of Ministry of Finance" in en and "Datasets by grade" in en
    assert client.get("/organizations/NOPE/quality").status_code == 404
    assert "/quality" in client.get("/").get_data(as_text=True)  # in the site navigation


def test_example_values_follow_the_readers_column_access(qapp):
    ds_id = _checked(qapp, access="shared", publisher="BTC")
    slug = _slug(qapp, ds_id)
    s = session_of(qapp)
    try:
        make_user(s, "officer@example.gov.vn", roles={"BXD": "member"})  # another agency
        make_user(s, "owner@example.gov.vn", roles={"BTC": "editor"})
    finally:
        s.close()
    officer = qapp.test_client()
    login(officer, "officer@example.gov.vn")
    body = officer.get(f"/api/v1/datasets/{slug}/quality").json
    personal = body["files"][0]["personal_data"][0]
    assert personal["column"] == "so_cccd" and personal["example"] is None  # a special-request column
    type_error = next(f for f in body["files"][0]["findings"] if f["code"] == "type-error")
    assert type_error["examples"][0]["value"] == "mười"  # an open column
    owner = qapp.test_client()
    login(owner, "owner@example.gov.vn")
    mine = owner.get(f"/api/v1/datasets/{slug}/quality").json
    assert "*" in mine["files"][0]["personal_data"][0]["example"]  # masked even for the owner
    # the dataset page warns its editors, and only them
    assert "Phát hiện dữ liệu cá nhân trong các tệp." in owner.get(f"/datasets/{slug}").get_data(as_text=True)
    assert "Phát hiện dữ liệu cá nhân trong các tệp." not in officer.get(f"/datasets/{slug}").get_data(as_text=True)
    anonymous = qapp.test_client()
    assert anonymous.get(f"/datasets/{slug}/quality").status_code == 404  # shared data: officers only
    assert anonymous.get(f"/api/v1/datasets/{slug}/quality").status_code == 404


def test_the_api_report_history_run_and_summary(qapp):
    ds_id = _checked(qapp)
    slug = _slug(qapp, ds_id)
    client = qapp.test_client()
    body = client.get(f"/api/v1/datasets/{slug}/quality").json
    assert body["status"] == "done" and body["grade"] in "ABCDE" and set(body["dimensions"]) == {
        "dung", "du", "sach", "song", "thong_nhat", "dung_chung"}
    check = next(c for c in body["checks"] if c["id"] == "data_types")
    assert check["points"] == 35 and check["status"] == "partial" and check["fix"]
    assert body["running"] is None and body["files"][0]["rows"] == 40
    history = client.get(f"/api/v1/datasets/{slug}/quality/history").json
    assert [i["status"] for i in history["items"]] == ["done", "done"]  # the creation, then the upload
    s = session_of(qapp)
    try:
        editor = make_user(s, "editor@example.gov.vn", roles={"BTC": "editor"})
        other = make_user(s, "other@example.gov.vn", roles={"BXD": "editor"})
        tokens = {"editor": token_for(s, editor), "other": token_for(s, other)}
    finally:
        s.close()
    assert client.post(f"/api/v1/datasets/{slug}/quality/run").status_code == 401
    forbidden = client.post(f"/api/v1/datasets/{slug}/quality/run",
                            headers={"Authorization": f"Bearer {tokens['other']}"})
    assert forbidden.status_code == 403
    qapp.config["CATALOG"]["QUALITY_AUTO"] = False
    started = client.post(f"/api/v1/datasets/{slug}/quality/run",
                          headers={"Authorization": f"Bearer {tokens['editor']}"})
    assert started.status_code == 202 and started.json["status"] == "queued"
    again = client.post(f"/api/v1/datasets/{slug}/quality/run", headers={"Authorization": f"Bearer {tokens['editor']}"})
    assert again.status_code in (202, 409)  # 409 while the first is still queued or running
    from catalog.tasks import drain

    drain(qapp)
    assert reports_of(qapp, ds_id)[-1].trigger == "manual"
    summary = client.get("/api/v1/quality/summary?organization=BTC").json
    assert summary["checked"] >= 1 and summary["worst"][0]["slug"] == slug
    assert client.get("/api/v1/quality/summary?organization=NOPE").status_code == 404


def test_dashboards_count_only_what_the_reader_may_see(qapp):
    visible = _checked(qapp, title_vi="Dữ liệu mở")
    hidden = _checked(qapp, title_vi="Bản nháp")
    s = session_of(qapp)
    try:
        datasets.update_dataset(s, system_actor("test"), s.get(Dataset, hidden), {"status": "draft"})
        s.commit()
    finally:
        s.close()
    summary = qapp.test_client().get("/api/v1/quality/summary?organization=BTC").json
    slugs = {w["slug"] for w in summary["worst"]}
    assert _slug(qapp, visible) in slugs and _slug(qapp, hidden) not in slugs
    page = qapp.test_client().get("/organizations/BTC/quality").get_data(as_text=True)
    assert "Dữ liệu mở" in page and "Bản nháp" not in page


def test_editors_run_the_checks_from_the_page_and_adopt_an_inferred_schema(qapp):
    ds_id = new_dataset(qapp)
    add_file(qapp, ds_id, "bang.csv", b"ma,so\nA,1\nB,2\n")
    slug = _slug(qapp, ds_id)
    s = session_of(qapp)
    try:
        make_user(s, "editor@example.gov.vn", roles={"BTC": "editor"})
    finally:
        s.close()
    client = qapp.test_client()
    page = client.get(f"/datasets/{slug}/quality").get_data(as_text=True)
    assert "Lược đồ suy ra từ dữ liệu" in page and "Chạy lại kiểm tra" not in page  # not signed in
    assert client.post(f"/datasets/{slug}/quality/run").status_code == 302  # to the sign-in page
    login(client, "editor@example.gov.vn")
    latest = reports_of(qapp, ds_id)[-1]
    dist_id = latest.files[0]["distribution_id"]
    response = client.post(f"/datasets/{slug}/quality/adopt-schema/{dist_id}")
    assert response.status_code == 302
    report = reports_of(qapp, ds_id)[-1]
    assert report.id != latest.id  # the schema change was checked again
    entry = report.files[0]
    assert entry["schema_fields"] == 2 and entry["table"]["schema_declared"]
    response = client.post(f"/datasets/{slug}/quality/run", follow_redirects=True)
    assert "Chạy lại kiểm tra" in response.get_data(as_text=True)
    from catalog.tasks import drain

    drain(qapp)
    assert reports_of(qapp, ds_id)[-1].trigger == "manual"


def test_a_failed_run_is_shown_and_a_dead_one_can_be_run_again(qapp, monkeypatch):
    ds_id = new_dataset(qapp)
    slug = _slug(qapp, ds_id)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(service.metadata, "outcomes", broken)
    report = service.check_dataset(qapp, ds_id)
    assert report.status == "failed" and "disk on fire" in report.message
    page = qapp.test_client().get(f"/datasets/{slug}/quality").get_data(as_text=True)
    assert "Lần kiểm tra gần nhất bị lỗi" in page
