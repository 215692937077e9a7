"""The search page and the search API, end to end through HTTP (embedded backend)."""

from __future__ import annotations

from catalog.db import registry_db

from ..conftest import whoosh_only
from ..helpers import login, make_user
from .conftest import C, build_corpus


def test_search_page_in_vietnamese_and_english(seeded_app):
    build_corpus(seeded_app)
    client = seeded_app.test_client()
    page = client.get("/search?q=khoang+san")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<mark>Khoáng</mark> <mark>sản</mark> Tây Nguyên" in html  # the title, highlighted
    assert "nhắc tới <mark>khoáng</mark> <mark>sản</mark>" in html  # a snippet of the description
    assert "Tìm kiếm trong danh mục" in html and "Cơ quan" in html  # facet titles in Vietnamese
    assert 'data-suggest="/api/v1/search/suggest"' in html
    english = client.get("/search?q=khoang+san&type=dataset&lang=en").get_data(as_text=True)
    assert "Search the catalogue" in english and '<h2 class="h4">Agency</h2>' in english  # facets: datasets tab


def test_search_box_on_every_page_leads_to_search(client):
    html = client.get("/").get_data(as_text=True)
    assert 'action="/search"' in html and "js/suggest.js" in html


def test_facet_links_narrow_and_did_you_mean_links(seeded_app):
    build_corpus(seeded_app)
    client = seeded_app.test_client()
    html = client.get("/search?q=tay+nguyen&theme=ENVI").get_data(as_text=True)
    assert "Khoáng sản <mark>Tây</mark> <mark>Nguyên</mark>" in html and "Báo cáo môi trường" not in html
    assert 'aria-current="true"' in html  # the chosen theme is marked
    html = client.get("/search?q=khoang+sab").get_data(as_text=True)
    assert "khoang san" in html and "Có phải bạn muốn tìm" in html


def test_members_of_agencies_see_more_than_the_public(seeded_app):
    build_corpus(seeded_app)
    s = registry_db(seeded_app).session_factory()
    make_user(s, "officer@btp.gov.vn", roles={C: "member"})
    s.close()
    client = seeded_app.test_client()
    assert "Danh sách hộ nghèo" not in client.get("/search?q=ho+ngheo").get_data(as_text=True)
    login(client, "officer@btp.gov.vn")
    html = client.get("/search?q=ho+ngheo").get_data(as_text=True)
    assert "Danh sách <mark>hộ</mark> <mark>nghèo</mark> xã Mường Khương" in html


def test_search_api_returns_results_facets_and_counts(seeded_app):
    build_corpus(seeded_app)
    client = seeded_app.test_client()
    body = client.get("/api/v1/search?q=tay%20nguyen&sort=name").get_json()
    assert body["total"] == 2
    assert [r["title"] for r in body["results"]] == ["Báo cáo môi trường Tây Nguyên", "Khoáng sản Tây Nguyên"]
    assert body["results"][0]["url"].endswith("/datasets/" + body["results"][0]["slug"])
    assert {f["value"]: f["count"] for f in body["facets"]["access"]} == {"open": 2}
    assert body["counts_by_type"]["dataset"] == 2
    narrowed = client.get("/api/v1/search?q=tay%20nguyen&theme=ENVI").get_json()
    assert narrowed["total"] == 1
    assert client.get("/api/v1/search?q=muong%20khuong").get_json()["total"] == 0
    bad = client.get("/api/v1/search?q=x&page=abc&per_page=100000&sort=nonsense&type=nonsense").get_json()
    assert bad["page"] == 1 and bad["per_page"] == 100 and bad["sort"] == "relevance" and bad["type"] == "dataset"


def test_suggest_api(seeded_app):
    build_corpus(seeded_app)
    client = seeded_app.test_client()
    body = client.get("/api/v1/search/suggest?q=khoang%20s").get_json()
    assert body["suggestions"][0]["title"] == "Khoáng sản Tây Nguyên"
    assert client.get("/api/v1/search/suggest?q=ho%20so%20cap").get_json()["suggestions"] == []


@whoosh_only
def test_reindex_command(seeded_app):
    build_corpus(seeded_app)
    result = seeded_app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "whoosh" in result.output
    client = seeded_app.test_client()
    assert client.get("/api/v1/search?q=khoang%20san").get_json()["total"] == 2


def test_harvested_records_are_searchable_right_after_the_harvest(seeded_app):
    from sqlalchemy import func, select

    from catalog.models import Dataset

    client = seeded_app.test_client()
    before = client.get("/api/v1/search?per_page=1").get_json()["total"]
    result = seeded_app.test_cli_runner().invoke(args=["harvest", "demo"])
    assert result.exit_code == 0, result.output
    s = registry_db(seeded_app).session_factory()
    harvested = s.scalars(select(Dataset).where(Dataset.origin == "harvested", Dataset.status == "published",
                                                Dataset.access_level == "open")).all()
    visible = s.scalar(select(func.count()).select_from(Dataset).where(
        Dataset.status == "published", Dataset.access_level == "open"))
    s.close()
    assert harvested
    assert client.get("/api/v1/search?per_page=1").get_json()["total"] == visible > before
    title = harvested[0].title_vi
    hits = client.get("/api/v1/search", query_string={"q": title}).get_json()["results"]
    assert harvested[0].id in [h["id"] for h in hits]


def test_column_names_and_titles_of_table_schemas_are_searched(seeded_app):
    from sqlalchemy import select

    from catalog.models import Dataset
    from catalog.services.actor import system_actor
    from catalog.services.distributions import Storage, add_distribution

    build_corpus(seeded_app)
    s = registry_db(seeded_app).session_factory()
    ds = s.scalar(select(Dataset).where(Dataset.title_vi == "Công trình tưới tiêu"))
    schema = {"fields": [{"name": "ma_so_thue", "title": "Mã số thuế doanh nghiệp", "type": "string"}]}
    raw = {"title_vi": "Danh sách", "download_url": "https://example.gov.vn/a.csv", "format": "CSV",
           "table_schema": schema}
    add_distribution(s, system_actor("test"), ds, raw, Storage(str(seeded_app.instance_path), 1024))
    s.commit()
    s.close()
    hits = seeded_app.test_client().get("/api/v1/search?q=ma%20so%20thue").get_json()["results"]
    assert [h["title"] for h in hits] == ["Công trình tưới tiêu"]
    assert seeded_app.test_client().get("/api/v1/search?q=ma_so_thue").get_json()["total"] == 1
