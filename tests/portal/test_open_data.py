"""Open-data lists: every status (overdue worked out from the date), filters, paging, CSV and XLSX,
the stewards' planned entries by form and API, and nothing hidden named."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from ..helpers import login, token_for
from .conftest import ORG


def _rows_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_agency_list_shows_every_status_and_hides_hidden_datasets(world):
    r = world.app.test_client().get(f"/organizations/{ORG}/open-data?lang=en")
    assert r.status_code == 200
    page = r.text
    for title in ("Ptkehoach", "Ptchuanbi", "Ptquahan", "Ptmo du lieu mo", "Ptan ke hoach cong khai"):
        assert title in page
    for status in ("Planned to open", "In preparation", "Overdue", "Already open"):
        assert f">{status}</span>" in page
    assert 'class="od-row od-overdue"' in page
    # the plan carried out by the open dataset shows once, as that dataset, linked
    assert "Ptdamo" not in page and "/datasets/pt-open" in page
    # a plan whose dataset is hidden keeps its own title and never names or links the dataset
    assert "Ptan du lieu rieng" not in page and "pt-restricted" not in page
    assert "Ptnhap" not in page and "pt-draft" not in page


def test_statuses_through_the_api(world):
    body = world.app.test_client().get(f"/api/v1/organizations/{ORG}/open-data?per_page=100").json
    by_title = {e["title_vi"]: e for e in body["items"]}
    assert by_title["Ptkehoach ke hoach mo"]["status"] == "planned"
    assert by_title["Ptchuanbi dang chuan bi"]["status"] == "in_preparation"
    assert by_title["Ptquahan qua han"]["status"] == "overdue"
    opened = by_title["Ptmo du lieu mo cong khai"]
    assert opened["status"] == "open" and opened["dataset"] == "pt-open"
    assert opened["planned_date"] == world.plans["opened"].planned_date.isoformat()
    hidden = by_title["Ptan ke hoach cong khai"]
    assert hidden["status"] == "planned" and hidden["dataset"] is None and hidden["url"] is None
    assert "pt-restricted" not in str(body) and "Ptan du lieu rieng" not in str(body)


def test_filters_by_status_theme_and_agency(world):
    c = world.app.test_client()
    overdue = c.get("/api/v1/open-data?status=overdue&per_page=100").json
    assert "Ptquahan qua han" in {e["title_vi"] for e in overdue["items"]}
    assert {e["status"] for e in overdue["items"]} == {"overdue"}
    opened = c.get(f"/api/v1/open-data?status=open&organization={ORG}&per_page=100").json
    assert {e["status"] for e in opened["items"]} == {"open"}
    assert "Ptmo du lieu mo cong khai" in {e["title_vi"] for e in opened["items"]}
    econ = c.get(f"/api/v1/open-data?theme=ECON&organization={ORG}").json
    assert [e["title_vi"] for e in econ["items"]] == ["Ptkehoach ke hoach mo"]
    other = c.get("/api/v1/open-data?organization=DN&per_page=100").json
    assert not any(e["title_vi"].startswith("Pt") for e in other["items"])
    page = c.get("/open-data?status=in_preparation&lang=en").text
    assert "Ptchuanbi" in page and "Ptkehoach" not in page


def test_bad_status_and_absurd_pages_are_answered_plainly(world):
    c = world.app.test_client()
    r = c.get("/open-data?status=nonsense&lang=en")
    assert r.status_code == 400 and "Status" in r.text
    assert c.get("/api/v1/open-data?status=nonsense").status_code == 400
    assert c.get("/api/v1/open-data?page=99999999999999999999").status_code == 400
    far = c.get("/open-data?page=99999999999999999999")
    assert far.status_code == 200
    beyond = c.get("/api/v1/open-data?page=500").json
    assert beyond["items"] == [] and beyond["total"] > 0


def test_paging_runs_from_planned_entries_into_opened_ones(world):
    c = world.app.test_client()
    seen: list[str] = []
    for n in range(1, 10):
        body = c.get(f"/api/v1/organizations/{ORG}/open-data?per_page=2&page={n}").json
        seen += [e["title_vi"] for e in body["items"]]
        if not body["items"]:
            break
    total = c.get(f"/api/v1/organizations/{ORG}/open-data?per_page=100").json
    assert seen == [e["title_vi"] for e in total["items"]] and len(seen) == total["total"]
    statuses = [e["status"] for e in total["items"]]
    assert statuses.index("open") > max(i for i, s in enumerate(statuses) if s != "open") or \
        statuses[-1] == "open"


def test_csv_and_xlsx_downloads(world):
    c = world.app.test_client()
    r = c.get(f"/organizations/{ORG}/open-data.csv?lang=en")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = _rows_csv(r.data)
    assert rows[0][:5] == ["Agency code", "Agency", "Title (Vietnamese)", "Title (English)", "Status"]
    by_title = {row[2]: row for row in rows[1:]}
    assert by_title["Ptquahan qua han"][4] == "Overdue"
    assert by_title["Ptmo du lieu mo cong khai"][4] == "Already open"
    assert by_title["Ptmo du lieu mo cong khai"][9].endswith("/datasets/pt-open")
    assert "Ptan du lieu rieng" not in r.text and "pt-restricted" not in r.text
    x = c.get(f"/organizations/{ORG}/open-data.xlsx?status=overdue&lang=vi")
    assert x.status_code == 200 and x.data[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(x.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert any(row[2] == "Ptquahan qua han" for row in values[1:])
    assert {row[4] for row in values[1:]} == {"Quá hạn"}  # the list's language (Vietnamese by default)
    country = _rows_csv(c.get("/open-data.csv?lang=en").data)
    assert len(country) > len(rows) - 1
    assert c.get("/open-data.pdf").status_code == 404


def test_overdue_on_the_agency_quality_dashboard(world):
    page = world.app.test_client().get(f"/organizations/{ORG}/quality?lang=en").text
    assert 'id="overdue-open-data"' in page and "Ptquahan qua han" in page
    assert "Ptkehoach" not in page


def test_steward_adds_edits_and_removes_a_planned_entry_by_form(world):
    c = world.app.test_client()
    login(c, world.steward.email)
    r = c.post(f"/organizations/{ORG}/open-data/plans/new", data={
        "title_vi": "Ptmoi danh muc", "planned_date": "2030-01-15", "status": "in_preparation",
        "update_frequency": "QUARTERLY", "themes": ["ECON"], "dataset": ""})
    assert r.status_code == 302, r.text[:2000]
    body = c.get(f"/api/v1/organizations/{ORG}/open-data?status=in_preparation&per_page=100").json
    plan = next(e for e in body["items"] if e["title_vi"] == "Ptmoi danh muc")
    assert plan["planned_date"] == "2030-01-15" and plan["update_frequency"] == "QUARTERLY"
    bad = c.post(f"/organizations/{ORG}/open-data/plans/new?lang=en",
                 data={"title_vi": "", "planned_date": "not a date", "dataset": "no-such-dataset"})
    assert bad.status_code == 400 and "Planned date" in bad.text
    # a dataset of another agency cannot be named
    other = c.post(f"/organizations/{ORG}/open-data/plans/{plan['plan_id']}/edit?lang=en", data={
        "title_vi": "Ptmoi danh muc", "planned_date": "2030-01-15", "status": "planned", "dataset": "xx-none"})
    assert other.status_code == 400 and "No dataset of this agency" in other.text
    ok = c.post(f"/organizations/{ORG}/open-data/plans/{plan['plan_id']}/edit", data={
        "title_vi": "Ptmoi danh muc", "planned_date": "2030-01-15", "status": "planned", "dataset": "pt-open"})
    assert ok.status_code == 302
    opened = c.get(f"/api/v1/organizations/{ORG}/open-data/{plan['plan_id']}").json
    assert opened["dataset"] == "pt-open"
    assert c.post(f"/organizations/{ORG}/open-data/plans/{plan['plan_id']}/delete").status_code == 302
    assert c.get(f"/api/v1/organizations/{ORG}/open-data/{plan['plan_id']}").status_code == 404


def test_only_the_agency_stewards_keep_the_list(world):
    c = world.app.test_client()
    login(c, world.editor.email)
    assert c.get(f"/organizations/{ORG}/open-data/plans/new").status_code == 403
    anonymous = world.app.test_client()
    assert anonymous.post(f"/organizations/{ORG}/open-data/plans/new", data={}).status_code == 302  # sign in
    assert "plans/new" not in anonymous.get(f"/organizations/{ORG}/open-data").text


def test_planned_entries_through_the_api(world):
    c = world.app.test_client()
    with world.app.app_context():
        steward = {"Authorization": f"Bearer {token_for(world.session, world.steward)}"}
        editor = {"Authorization": f"Bearer {token_for(world.session, world.editor)}"}
    body = {"title_vi": "Ptapi ke hoach", "planned_date": "2031-06-30", "themes": ["ECON"]}
    assert c.post(f"/api/v1/organizations/{ORG}/open-data", json=body).status_code == 401
    assert c.post(f"/api/v1/organizations/{ORG}/open-data", json=body, headers=editor).status_code == 403
    r = c.post(f"/api/v1/organizations/{ORG}/open-data", json=body, headers=steward)
    assert r.status_code == 201 and r.json["status"] == "planned"
    plan_id = r.json["id"]
    bad = c.put(f"/api/v1/organizations/{ORG}/open-data/{plan_id}", headers=steward,
                json={"title_vi": "x", "planned_date": "2031-13-01", "status": "open"})
    assert bad.status_code == 422 and {"planned_date", "status"} <= set(bad.json["errors"])
    unknown = c.put(f"/api/v1/organizations/{ORG}/open-data/{plan_id}", headers=steward,
                    json={"title_vi": "x", "planned_date": "2031-12-01", "themes": ["NOPE"]})
    assert unknown.status_code == 422 and "themes" in unknown.json["errors"]
    put = c.put(f"/api/v1/organizations/{ORG}/open-data/{plan_id}", headers=steward,
                json={"title_vi": "Ptapi doi", "planned_date": "2020-01-01", "dataset": "pt-restricted"})
    assert put.status_code == 200 and put.json["dataset"] is None  # hidden from the public: not named
    listed = c.get(f"/api/v1/open-data?status=overdue&organization={ORG}&per_page=100").json
    assert "Ptapi doi" in {e["title_vi"] for e in listed["items"]}
    assert c.delete(f"/api/v1/organizations/{ORG}/open-data/{plan_id}", headers=steward).status_code == 204
