"""Pages: every page renders in Vietnamese and English, forms refuse bad input and store nothing,
sign-in is throttled, forms need their CSRF token."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from catalog.models import Database, Dataset, Distribution, LoginAttempt, Organization

from .helpers import PASSWORD, FakeUpload, dataset, login, make_user

PUBLIC_PAGES = [
    "/", "/datasets", "/datasets?q=hanh&access_level=open&sort=title", "/organizations", "/organizations?kind=province",
    "/organizations/BCA", "/organizations/HN", "/databases", "/databases?kind=national&platform=NDXP",
    "/databases/DC", "/services", "/rules", "/login", "/datasets/don-vi-hanh-chinh-cap-tinh-2025",
]
STEWARD_PAGES = [
    "/account", "/datasets/new", "/databases/new", "/services/new", "/organizations/BTC/edit",
    "/organizations/BTC/members", "/datasets/don-vi-hanh-chinh-cap-tinh-2025/edit",
    "/datasets/don-vi-hanh-chinh-cap-tinh-2025/distributions/new", "/databases/DKDN/edit",
]
ADMIN_PAGES = ["/admin/users", "/admin/audit", "/organizations/new"]


def _lang_of(html: str) -> str:
    return re.search(r'<html lang="(\w+)"', html).group(1)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_page_renders_in_both_languages(client, session, lang):
    # the demo dataset of the Ministry of Home Affairs: give a steward of it an account
    make_user(session, "steward@moha.gov.vn", roles={"BNV": "steward", "BTC": "steward"})
    make_user(session, "admin@example.vn", admin=True)
    client.get(f"/language/{lang}")
    for path in PUBLIC_PAGES:
        r = client.get(path)
        assert r.status_code == 200, path
        assert _lang_of(r.text) == lang, path
    login(client, "steward@moha.gov.vn")
    for path in STEWARD_PAGES:
        r = client.get(path)
        assert r.status_code == 200, path
    client.post("/logout")
    login(client, "admin@example.vn")
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 200, path


def test_vietnamese_is_the_default_and_english_is_a_switch(client):
    home = client.get("/").text
    assert _lang_of(home) == "vi"
    assert "Tập dữ liệu" in home
    english = client.get("/language/en", follow_redirects=True).text
    assert _lang_of(english) == "en" and "Datasets" in english
    # the choice sticks for later pages
    assert _lang_of(client.get("/datasets").text) == "en"


def test_diacritics_render_intact(client):
    page = client.get("/datasets/don-vi-hanh-chinh-cap-tinh-2025").text
    assert "Danh mục 34 đơn vị hành chính cấp tỉnh" in page
    assert "Thành phố Hà Nội" in page  # from the CSV preview


def test_dataset_page_explains_access_in_plain_words(client, session):
    dataset(session, "BTC", "restricted", title_vi="Dữ liệu dùng riêng thử")
    make_user(session, "o@hn.gov.vn", roles={"HN": "member"})
    login(client, "o@hn.gov.vn")
    ds = session.scalar(select(Dataset).where(Dataset.title_vi == "Dữ liệu dùng riêng thử"))
    page = client.get(f"/datasets/{ds.slug}").text
    assert "thỏa thuận chia sẻ" in page  # given only under a sharing agreement


def test_hidden_datasets_answer_404_not_403(client, session):
    ds = dataset(session, "BTC", "shared")
    assert client.get(f"/datasets/{ds.slug}").status_code == 404


def test_dataset_form_refuses_bad_input_and_stores_nothing(client, session):
    make_user(session, "ed@mof.gov.vn", roles={"BTC": "editor"})
    login(client, "ed@mof.gov.vn")
    before = session.scalar(select(func.count()).select_from(Dataset))
    r = client.post("/datasets/new", data={
        "title_vi": "", "publisher": "BTC", "access_level": "secret", "landing_page": "javascript:alert(1)",
        "temporal_start": "2025-13-45", "themes": "NOPE",
    })
    assert r.status_code == 400
    assert "Nhập tiêu đề bằng tiếng Việt." in r.text  # what the empty required field needs
    assert "http://" in r.text  # the message explains what a web address looks like
    assert session.scalar(select(func.count()).select_from(Dataset)) == before


def test_dataset_form_refuses_other_agencies(client, session):
    make_user(session, "ed@mof.gov.vn", roles={"BTC": "editor"})
    login(client, "ed@mof.gov.vn")
    r = client.post("/datasets/new", data={"title_vi": "X", "publisher": "BCA", "access_level": "open"})
    assert r.status_code == 403


def test_steward_registers_a_dataset_and_uploads_a_file(client, session, seeded_app):
    make_user(session, "ed@mof.gov.vn", roles={"BTC": "editor"})
    login(client, "ed@mof.gov.vn")
    r = client.post("/datasets/new", data={
        "title_vi": "Thu ngân sách theo tỉnh", "description_vi": "Số thu.", "publisher": "BTC",
        "access_level": "open", "licence": "CC-BY-4.0", "contact_email": "ns@mof.gov.vn",
        "keywords": "ngân sách, thu", "themes": ["ECON", "GOVE"], "spatial": "VN", "status": "draft",
    })
    assert r.status_code == 302
    ds = session.scalar(select(Dataset).where(Dataset.title_vi == "Thu ngân sách theo tỉnh"))
    assert ds.slug == "thu-ngan-sach-theo-tinh"
    assert ds.keywords == ["ngân sách", "thu"] and ds.themes == ["ECON", "GOVE"]
    upload = FakeUpload("thu.csv", "tinh,so_thu\nHà Nội,10\n".encode())
    r = client.post(f"/datasets/{ds.slug}/distributions/new",
                    data={"title_vi": "Số liệu", "file": (upload.stream, "thu.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    session.expire_all()
    dist = session.scalar(select(Distribution).where(Distribution.dataset_id == ds.id))
    assert dist.format == "CSV" and dist.byte_size == len("tinh,so_thu\nHà Nội,10\n".encode())
    download = client.get(f"/distributions/{dist.id}/download")
    assert download.status_code == 200 and download.data.decode() == "tinh,so_thu\nHà Nội,10\n"


def test_upload_over_the_limit_is_refused_and_leaves_nothing(seeded_app, session):
    seeded_app.config["CATALOG"]["MAX_UPLOAD_MB"] = 1
    client = seeded_app.test_client()
    make_user(session, "ed@mof.gov.vn", roles={"BTC": "editor"})
    ds = dataset(session, "BTC", "open")
    login(client, "ed@mof.gov.vn")
    big = FakeUpload("big.csv", b"a,b\n" + b"1,2\n" * 300_000)
    r = client.post(f"/datasets/{ds.slug}/distributions/new", data={"title_vi": "Lớn", "file": (big.stream, "big.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 400
    assert "1 MB" in r.text
    assert session.scalar(select(func.count()).select_from(Distribution).where(Distribution.dataset_id == ds.id)) == 0
    import os

    leftovers = [f for _, _, files in os.walk(seeded_app.config["CATALOG"]["UPLOAD_FOLDER"]) for f in files
                 if not f.endswith(".csv") or "big" in f]
    assert leftovers == []


def test_database_form_keeps_stored_data_on_error(client, session):
    make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"})
    login(client, "st@mof.gov.vn")
    db = session.scalar(select(Database).where(Database.code == "DKDN"))
    name = db.name_vi
    r = client.post("/databases/DKDN/edit", data={"name_vi": "", "code": "DKDN", "kind": "national", "owner": "BTC",
                                                  "website": "not a url", "status": "operating"})
    assert r.status_code == 400
    session.expire_all()
    assert session.scalar(select(Database).where(Database.code == "DKDN")).name_vi == name


def test_members_page_gives_roles(client, session):
    make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"})
    make_user(session, "new@mof.gov.vn")
    login(client, "st@mof.gov.vn")
    r = client.post("/organizations/BTC/members", data={"email": "new@mof.gov.vn", "role": "editor"})
    assert r.status_code == 302
    r = client.post("/organizations/BTC/members", data={"email": "ghost@mof.gov.vn", "role": "editor"})
    assert r.status_code == 400
    # a steward of one agency cannot manage another's members
    assert client.get("/organizations/BCA/members").status_code == 403


def test_steward_cannot_move_their_agency_in_the_tree(client, session):
    make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"})
    login(client, "st@mof.gov.vn")
    r = client.post("/organizations/BTC/edit", data={"name_vi": "Bộ Tài chính", "focal_officer_name": "Nguyễn Văn A",
                                                      "parent": "BCA"})
    assert r.status_code == 403
    r = client.post("/organizations/BTC/edit", data={"name_vi": "Bộ Tài chính", "focal_officer_name": "Nguyễn Văn A"})
    assert r.status_code == 302
    session.expire_all()
    assert session.scalar(select(Organization).where(Organization.code == "BTC")).focal_officer_name == "Nguyễn Văn A"


def test_login_is_throttled_after_repeated_failures(client, session):
    make_user(session, "o@hn.gov.vn")
    for _ in range(5):
        assert client.post("/login", data={"email": "o@hn.gov.vn", "password": "wrong"}).status_code == 401
    r = client.post("/login", data={"email": "o@hn.gov.vn", "password": PASSWORD})
    assert r.status_code == 429  # even the right password waits out the pause
    assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 6


def test_wrong_password_and_unknown_account_look_the_same(client, session):
    make_user(session, "o@hn.gov.vn")
    a = client.post("/login", data={"email": "o@hn.gov.vn", "password": "wrong"})
    b = client.post("/login", data={"email": "nobody@hn.gov.vn", "password": "wrong"})
    assert a.status_code == b.status_code == 401
    assert a.text.count("sai") == b.text.count("sai") > 0


def test_forms_need_their_csrf_token(seeded_app, session):
    seeded_app.config["WTF_CSRF_ENABLED"] = True
    client = seeded_app.test_client()
    make_user(session, "o@hn.gov.vn")
    r = client.post("/login", data={"email": "o@hn.gov.vn", "password": PASSWORD})
    assert r.status_code == 400
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/login", data={"email": "o@hn.gov.vn", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302


def test_open_redirects_are_refused(client):
    r = client.get("/language/en?next=//evil.example/")
    assert r.headers["Location"] == "/"


def test_behind_a_trusted_proxy_the_client_address_is_used(seeded_app, session):
    from catalog import create_app

    cfg = seeded_app.config["CATALOG"]
    app = create_app({"INSTANCE_PATH": cfg["INSTANCE_PATH"], "DATABASE_URL": cfg["DATABASE_URL"], "SECRET_KEY": "t",
                      "TRUSTED_PROXIES": 1})
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    client.post("/login", data={"email": "x@hn.gov.vn", "password": "bad"},
                headers={"X-Forwarded-For": "203.0.113.7"})
    ips = session.scalars(select(LoginAttempt.ip)).all()
    assert ips == ["203.0.113.7"]
