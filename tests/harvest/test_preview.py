"""The dry run: what a harvest would create, change and withdraw, and nothing saved."""

from __future__ import annotations

from sqlalchemy import func, select

from catalog.models import AuditEvent, Dataset, HarvestJob, HarvestRecord
from harvesters.preview import preview_source

from .conftest import FAST, make_source, run, session_of


def _counts(app) -> tuple[int, int, int, int]:
    s = session_of(app)
    try:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Dataset, HarvestJob, HarvestRecord,
                                                                               AuditEvent))
    finally:
        s.close()


def _preview(app, src):
    with app.app_context():
        return preview_source(app, src.id, policy=FAST)


def test_a_dry_run_shows_new_changed_and_withdrawn_and_saves_nothing(happ, portal):
    src = make_source(happ, url=portal.url + "/api/3/action", filters={"incremental": False})
    before = _counts(happ)
    first = _preview(happ, src)
    assert sorted(first.new) == [f"pkg-{n:04d}" for n in range(1, 8)]
    assert (first.changed, first.withdrawn, first.unchanged, first.complete) == ([], [], 0, True)
    assert _counts(happ) == before  # no dataset, job, record or audit event

    run(happ, src)
    again = _preview(happ, src)
    assert (again.new, again.changed, again.unchanged) == ([], [], 7)

    portal.packages[0]["title"] = "Bộ dữ liệu số 1 (sửa)"
    del portal.packages[6]
    portal.packages.append({"id": "pkg-broken", "license_id": "cc-by"})  # no title: not taken
    after_run = _counts(happ)
    changed = _preview(happ, src)
    assert changed.changed == ["pkg-0001"] and changed.withdrawn == ["pkg-0007"]
    assert [rid for rid, _msg in changed.invalid] == ["pkg-broken"]
    assert _counts(happ) == after_run


def test_a_failed_gather_withdraws_nothing(happ, portal):
    src = make_source(happ, url=portal.url + "/api/3/action", filters={"incremental": False})
    run(happ, src)
    portal.fail_next = 10
    result = _preview(happ, src)
    assert not result.complete and result.withdrawn == [] and result.message


def test_the_command_line_dry_run(happ, portal):
    src = make_source(happ, url=portal.url + "/api/3/action", filters={"incremental": False})
    before = _counts(happ)
    out = happ.test_cli_runner().invoke(args=["harvest", "run", src.slug, "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "nothing was saved" in out.output and "would be new: 7" in out.output
    assert _counts(happ) == before


def test_the_dry_run_button_for_the_source_s_stewards(happ, portal):
    from ..helpers import login, make_user

    src = make_source(happ, url=portal.url + "/api/3/action", filters={"incremental": False})
    s = session_of(happ)
    make_user(s, "st@mof.gov.vn", roles={"BTC": "steward"})
    make_user(s, "st@hn.gov.vn", roles={"HN": "steward"})
    s.close()
    before = _counts(happ)
    client = happ.test_client()
    login(client, "st@hn.gov.vn")
    assert client.post(f"/harvest/{src.slug}/dry-run").status_code == 403
    client = happ.test_client()
    login(client, "st@mof.gov.vn")
    assert "dry-run" in client.get(f"/harvest/{src.slug}").get_data(as_text=True)
    page = client.post(f"/harvest/{src.slug}/dry-run").get_data(as_text=True)
    assert "Chạy thử" in page and "pkg-0001" in page and "Không có gì được lưu" in page
    assert _counts(happ)[:3] == before[:3]
