"""The public portal: home blocks, theme pages, the dataset page's summary, licence sentence,
citation and download counts per file (counted in the database, per download)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from catalog.db import registry_db
from catalog.models import DownloadCount
from catalog.services import portal


def test_theme_index_and_theme_page_list_only_open_published_datasets(world):
    c = world.app.test_client()
    index = c.get("/themes?lang=en")
    assert index.status_code == 200 and "/themes/GOVE" in index.text
    page = c.get("/themes/GOVE?lang=en").text
    assert "Ptmo du lieu mo cong khai" in page
    assert "Ptan" not in page and "Ptnhap" not in page
    assert c.get("/themes/NOPE").status_code == 404
    assert c.get("/themes/GOVE?page=99999999999999999999").status_code == 200


def test_theme_counts_ignore_hidden_datasets(world):
    with world.app.app_context():
        s = registry_db(world.app).session_factory()
        before = portal.theme_counts(s)["GOVE"]
        world.restricted.themes = ["GOVE"]
        world.draft.themes = ["GOVE"]
        world.session.commit()
        assert portal.theme_counts(s)["GOVE"] == before
        s.close()


def test_dataset_page_says_who_publishes_how_often_the_licence_and_how_to_cite(world):
    c = world.app.test_client()
    page = c.get("/datasets/pt-open?lang=en").text
    assert 'id="for-the-public"' in page
    assert "publishes this data and updates it: monthly." in page
    assert "as long as you name the source" in page  # CC BY 4.0 in one sentence
    year = date.today().year
    assert f"({year}). Ptmo du lieu mo cong khai [dataset]. http://127.0.0.1:5000/datasets/pt-open." in page
    assert "Accessed on" in page
    vi = c.get("/datasets/pt-open?lang=vi").text
    assert 'lang="vi"' in vi and 'id="cite"' in vi


def test_citation_names_agency_year_title_address_and_day(world):
    with world.app.test_request_context("/?lang=en"):
        text = portal.citation(world.open_ds, "en", "https://data.example.gov.vn/", accessed=date(2026, 3, 5))
    assert text.startswith(world.open_ds.publisher.name("en"))
    assert "https://data.example.gov.vn/datasets/pt-open" in text and "March 5, 2026" in text


def test_licence_sentences(world):
    from catalog.models import Licence

    with world.app.test_request_context("/?lang=en"):
        s = world.session
        assert "without conditions" in portal.licence_sentence(s.get(Licence, "CC0-1.0"), "en")
        assert "same licence" in portal.licence_sentence(s.get(Licence, "ODbL-1.0"), "en")
        assert "not under an open licence" in portal.licence_sentence(s.get(Licence, "other-closed"), "en")
        assert "No licence" in portal.licence_sentence(None, "en")


def test_downloads_are_counted_per_file_and_shown(world):
    c = world.app.test_client()
    assert c.get(f"/distributions/{world.dist_id}/download").status_code == 200
    for _ in range(2):
        assert c.get(f"/api/v1/distributions/{world.dist_id}/download").status_code == 200
    world.session.expire_all()
    row = world.session.scalar(select(DownloadCount).where(DownloadCount.distribution_id == world.dist_id))
    assert row is not None and row.count == 3 and row.dataset_id == world.open_ds.id
    counted = row.count
    page = c.get("/datasets/pt-open?lang=en").text
    assert f'data-dist="{world.dist_id}">{counted}<' in page
    home = c.get("/?lang=en").text
    assert "Most downloaded" in home and "/datasets/pt-open" in home
    # a file the reader may not download is not counted
    assert c.get("/api/v1/distributions/00000000-0000-0000-0000-000000000000/download").status_code == 404


def test_home_shows_themes_agencies_and_the_lists_without_hidden_data(world):
    page = world.app.test_client().get("/?lang=en").text
    assert "/themes/GOVE" in page and "/open-data" in page and "/requests" in page
    assert "/organizations/BCA-C06/open-data" in page
    assert "Ptan" not in page and "Ptnhap" not in page


def test_public_pages_in_vietnamese(world):
    c = world.app.test_client()
    c.get("/?lang=en")
    lists = c.get("/organizations/BCA-C06/open-data?lang=vi").text
    assert "Danh mục dữ liệu mở của" in lists and "Quá hạn" in lists and "Dự kiến mở" in lists
    assert "Đang chuẩn bị" in lists and "Đã mở" in lists
    page = c.get("/datasets/pt-open?lang=vi").text
    assert "Cách trích dẫn dữ liệu này" in page and "Truy cập ngày" in page
    assert "miễn là trích dẫn nguồn" in page and "cập nhật: hằng tháng." in page
    assert "Phản ánh vấn đề về dữ liệu này" in page
    assert "Dữ liệu mở theo lĩnh vực" in c.get("/?lang=vi").text
    assert "Đề nghị và trả lời" in c.get("/requests?lang=vi").text
