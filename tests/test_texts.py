"""Texts and labels: readers see labels in their language, never code names; Vietnamese dates;
the language chosen by ?lang= sticks; validation summaries name fields by their labels.

The code-name check renders each page with data on it and looks at the text a reader sees: what is
inside <code>/<pre> and in attributes (title=, value=...) is marked as code and left aside.
"""

from __future__ import annotations

import html as html_lib
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from catalog.dates import format_date, format_datetime
from catalog.models import Dataset, HarvestError

from .conftest import _dispose, build_app
from .harvest.conftest import FAST, CkanPortal, make_source, package, run
from .helpers import login, make_user
from .quality.conftest import add_file, new_dataset, session_of

#: snake_case identifiers (meta_dates, harvest_start, thong_tin_co_ban) and "dataset:" prefixes
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
PREFIX = re.compile(r"\b(?:dataset|database|dataservice|distribution|organization|user|membership|harvest_job|"
                    r"harvest_source|api_token|sharing_request|sharing_agreement|harvest):\S?")


def visible_text(page: str) -> str:
    """The text a reader sees: no tags or attributes, no code, no scripts; addresses left aside."""
    body = re.sub(r"<(script|style|code|pre)\b.*?</\1>", " ", page, flags=re.S | re.I)
    body = re.sub(r"<[^>]+>", " ", body)
    body = html_lib.unescape(body)
    body = re.sub(r"https?://\S+|\S+@\S+", " ", body)
    return body


def code_names(page: str) -> list[str]:
    text = visible_text(page)
    return sorted(set(SNAKE.findall(text)) | set(PREFIX.findall(text)))


def test_the_detector_catches_code_names_outside_code():
    assert code_names("<p>Kiểm tra meta_dates thất bại</p>") == ["meta_dates"]
    assert code_names("<td>dataset: Dân số</td>") == ["dataset:"]
    assert code_names('<p title="harvest_start">Bắt đầu <code>harvest_start</code></p>') == []


# --- the pages, in Vietnamese, with data ----------------------------------------------------------


def test_rules_page_shows_labels_and_keeps_keys_as_code(client):
    page = client.get("/rules").get_data(as_text=True)
    assert code_names(page) == []
    assert "Các loại dữ liệu theo đối tượng được sử dụng" in page
    assert '<code class="small muted">access_levels</code>' in page
    assert "2 ngày làm việc" in page and "Nội dung yêu cầu chia sẻ" in page
    assert 'title="special_request"' in page  # a value keeps its code in a tooltip
    # the notes of rules.py are translated
    assert "được chấm điểm trong kiểm tra chất lượng (đủ)" in page
    en = client.get("/rules?lang=en").get_data(as_text=True)
    assert "scored by the quality checks" in en and "Kinds of data by who may use them" in en


PEOPLE = "so_luong,ho_ten,so_dien_thoai\n1,An,0912345678\nhai,Bình,0987654321\n3,Chi,0911222333\n".encode()
PEOPLE_SCHEMA = {"fields": [
    {"name": "so_luong", "type": "integer", "title": "Số lượng"},
    {"name": "ho_ten", "type": "string", "title": "Họ và tên"},
    {"name": "so_dien_thoai", "type": "string", "title": "Số điện thoại"},
]}


@pytest.fixture
def qapp(seeded_template: Path, tmp_path: Path) -> Iterator[Flask]:
    instance = tmp_path / "instance"
    shutil.copytree(seeded_template, instance)
    app = build_app(instance, QUALITY_AUTO=True)
    yield app
    from catalog.tasks import drain

    drain(app)
    _dispose(app)


def test_quality_report_names_columns_by_title_and_checks_by_name(qapp):
    ds_id = new_dataset(qapp, issued=date(2030, 6, 1), modified=date(2030, 7, 1))  # future dates fail meta_dates
    add_file(qapp, ds_id, "nguoi.csv", PEOPLE, PEOPLE_SCHEMA)
    s = session_of(qapp)
    slug = s.get(Dataset, ds_id).slug
    s.close()
    page = qapp.test_client().get(f"/datasets/{slug}/quality").get_data(as_text=True)
    assert "<code class=\"small muted\" title=\"Mã của phép kiểm tra\">meta_dates</code>" in page
    assert 'Số lượng <code class="small">so_luong</code>' in page  # the column's title, its name beside
    assert "Kiểm tra gần nhất" in page and "Kiểm tra lúc" not in page
    assert code_names(page) == []


def test_quality_dashboard_counts_checked_datasets_with_their_own_label(client):
    page = client.get("/quality").get_data(as_text=True)
    assert "Số tập dữ liệu đã kiểm tra" in page and "Kiểm tra lúc" not in page


def test_audit_log_shows_labels(client, session):
    make_user(session, "admin@catalog.gov.vn", admin=True)
    editor = make_user(session, "ed@mof.gov.vn", roles={"BTC": "editor"})
    session.commit()
    login(client, "ed@mof.gov.vn")
    assert client.post("/datasets/new", data={"title_vi": "Ngân sách 2026", "publisher": "BTC",
                                              "access_level": "open"}).status_code == 302
    client.post("/logout")
    login(client, "admin@catalog.gov.vn")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert editor.email in page and "Ngân sách 2026" in page
    assert "Đã thêm" in page and "Tập dữ liệu" in page  # the action and the object by their labels
    assert "Nạp dữ liệu khởi tạo" in page  # the seed loader, not "seed"
    assert code_names(page) == []


def test_harvest_job_log_in_the_readers_language(seeded_app, http_server):
    seeded_app.config["CATALOG"]["ALLOW_PRIVATE_URLS"] = True
    portal = CkanPortal(http_server, [
        package(1, license_id="giay-phep-la", notes=""),  # unknown licence, then kept as a draft
        package(2, url="javascript:alert(1)"),  # a landing page that is not a web address
        package(3),
    ])
    src = make_source(seeded_app, url=portal.url + "/api/3/action", auto_publish=True)
    job = run(seeded_app, src, FAST)
    s = session_of(seeded_app)
    lines = s.scalars(select(HarvestError).where(HarvestError.job_id == job.job_id)).all()
    codes = {e.code for e in lines}
    s.close()
    assert {"unknown_licence", "draft_until"} <= codes
    s = session_of(seeded_app)
    make_user(s, "admin@catalog.gov.vn", admin=True)
    s.commit()
    s.close()
    client = seeded_app.test_client()
    login(client, "admin@catalog.gov.vn")
    page = client.get(f"/harvest/jobs/{job.job_id}").get_data(as_text=True)
    assert "Giấy phép “giay-phep-la” không có trong danh sách của danh mục; đã bỏ qua." in page
    assert "Giữ ở dạng bản nháp cho đến khi có:" in page and "Mô tả bằng tiếng Việt" in page
    assert code_names(page) == []
    # the same line in English, from the same stored code
    en = client.get(f"/harvest/jobs/{job.job_id}?lang=en").get_data(as_text=True)
    assert "The licence “giay-phep-la” is not in the catalogue's list; left out." in html_lib.unescape(en)
    # the audit log names the harvest by its source, not "harvest:slug"
    audit = client.get("/admin/audit?lang=vi").get_data(as_text=True)
    assert "Bắt đầu thu thập" in audit and "Thu thập từ nguồn" in audit
    assert code_names(audit) == []


def test_sharing_request_form_shows_column_titles(client, session):
    make_user(session, "officer@stc.hanoi.gov.vn", roles={"HN-STC": "member"})
    session.commit()
    login(client, "officer@stc.hanoi.gov.vn")
    page = client.get("/sharing/requests/new?dataset=ho-so-dien-tu-can-bo-cong-chuc-vien-chuc")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'Thông tin cơ bản về bản thân <code class="small">thong_tin_co_ban</code>' in html
    assert code_names(html) == []


def test_validation_summary_names_fields_by_label_with_what_each_needs(client, session):
    make_user(session, "officer@stc.hanoi.gov.vn", roles={"HN-STC": "member"})
    session.commit()
    login(client, "officer@stc.hanoi.gov.vn")
    r = client.post("/sharing/requests/new", data={
        "kind": "special", "requester": "HN-STC", "item_dataset": "ho-so-dien-tu-can-bo-cong-chuc-vien-chuc",
        "action": "submit"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert "Mục đích" in summary and "Nêu lý do cơ quan bạn cần dữ liệu." in summary
    assert "Nêu cách sử dụng dữ liệu sau khi nhận." in summary
    assert "Chọn tần suất cần dữ liệu." in summary
    # each line says what its field needs: the generic reason is not repeated line after line
    assert summary.count("Trường này là bắt buộc") == 0
    assert code_names(summary) == []


# --- dates -----------------------------------------------------------------------------------------


def test_vietnamese_dates_are_dd_mm_yyyy(app):
    moment = datetime(2026, 3, 5, 7, 30, tzinfo=UTC)  # 14:30 in Hanoi
    with app.test_request_context("/?lang=vi"):
        assert format_date(date(2026, 3, 5)) == "05/03/2026"
        assert format_date(date(2026, 3, 5), "short") == "05/03/2026"
        assert format_datetime(moment) == "14:30 05/03/2026"
        assert format_datetime(moment, "medium") == "14:30:00 05/03/2026"
    # outside a request (a service run from a script): the default language's form, in Hanoi time
    assert format_date(date(2026, 3, 5)) == "05/03/2026" and format_datetime(moment) == "14:30 05/03/2026"
    with app.test_request_context("/?lang=en"):
        assert format_date(date(2026, 3, 5)) == "March 5, 2026"
        assert format_date(date(2026, 3, 5), "short") == "Mar 5, 2026"
        assert format_datetime(moment) == "Mar 5, 2026, 2:30 PM"


def test_pages_show_four_digit_years_in_vietnamese(client, session):
    ds = session.scalars(select(Dataset).where(Dataset.modified.is_not(None))).first()
    page = client.get(f"/datasets/{ds.slug}").get_data(as_text=True)
    assert ds.modified.strftime("%d/%m/%Y") in page


# --- language -------------------------------------------------------------------------------------


def test_lang_parameter_sticks_like_the_header_switch(client):
    assert '<html lang="en">' in client.get("/datasets?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/organizations").get_data(as_text=True)
    assert '<html lang="vi">' in client.get("/rules?lang=vi").get_data(as_text=True)
    assert '<html lang="vi">' in client.get("/rules").get_data(as_text=True)


def test_api_lang_parameter_sets_no_session(client):
    r = client.get("/api/datasets?lang=en")
    assert "Set-Cookie" not in r.headers or "session" not in r.headers.get("Set-Cookie", "")


# --- the dataset page, the header ----------------------------------------------------------------


def test_english_title_is_no_subtitle_on_the_vietnamese_page(client, session):
    ds = session.scalars(select(Dataset).where(Dataset.title_en.is_not(None))).first()
    vi = client.get(f"/datasets/{ds.slug}").get_data(as_text=True)
    h1_to_badges = vi.split("<h1>", 1)[1].split('<div class="notice" id="access">', 1)[0]
    assert ds.title_en not in h1_to_badges
    assert "Ngôn ngữ khác" in vi and f'<td lang="en">{html_lib.escape(ds.title_en)}</td>' in vi
    en = client.get(f"/datasets/{ds.slug}?lang=en").get_data(as_text=True)
    assert f"<h1>{html_lib.escape(ds.title_en)}</h1>" in en


def test_admin_name_is_not_repeated_in_the_header(client, session):
    make_user(session, "qt@catalog.gov.vn", admin=True).name = "Quản trị"
    session.commit()
    login(client, "qt@catalog.gov.vn")
    page = client.get("/").get_data(as_text=True)
    tools = page.split('<span class="user">', 1)[1].split("</span>\n", 1)[0]
    assert visible_text(tools).count("Quản trị") == 1 and "Quản lý hệ thống" in tools
    signed_out = client.application.test_client().get("/").get_data(as_text=True)
    assert '<span class="user">' in signed_out  # the same place in the header, signed out too


def test_every_harvest_log_code_has_its_translatable_line():
    """A LogText code without a line here would show English on Vietnamese pages."""
    from catalog.config import PROJECT_ROOT
    from catalog.web.harvest_messages import MESSAGES

    used = set()
    for path in (PROJECT_ROOT / "harvesters").glob("*.py"):
        used |= set(re.findall(r'LogText\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert len(used) > 30
    assert sorted(used - set(MESSAGES)) == []


def test_a_log_line_keeps_its_english_text_code_and_parameters(app):
    from harvesters.base import LogText

    line = LogText("not_date", "{field} {value!r} is not a date; left out", field="issued", value="31/02")
    assert line == "issued '31/02' is not a date; left out" and line.code == "not_date"
    from catalog.web.harvest_messages import line as say

    with app.test_request_context("/?lang=vi"):
        assert say(line.code, line.params, str(line)) == "Ngày ban hành “31/02” không phải là ngày; đã bỏ qua."
        assert say(None, None, "free text") == "free text"
