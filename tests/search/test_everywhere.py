"""One matching everywhere (issue 12, "Search"): every box and every list's `q` finds the same
records for the same words, typed with or without diacritics; the search page opens on the
mixed tab; titles holding the words as a phrase rank first; visitors learn when signing in
shows more. Run on both backends (the `corpus` fixture is parametrized)."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from catalog import policy
from catalog.db import registry_db
from catalog.services import dataservices
from catalog.services import harvest as harvest_service
from catalog.services.actor import system_actor

from ..conftest import whoosh_only
from ..helpers import dataset, login, make_user
from .conftest import A, B, Corpus

#: the same words, as people type them
VARIANTS = ("dat dai", "đất đai", "ĐẤT ĐAI", "Dat Đai")
_H3 = re.compile(r'<h3><a href="(/[a-z]+/[^"]+)"')


def _with_land_records(corpus: Corpus) -> None:
    """A data service, a harvest source and an account with "đất đai", next to the corpus's
    land datasets and the seed's national land database and land department."""
    s = registry_db(corpus.app).session_factory()
    try:
        dataservices.create_dataservice(s, system_actor("test"), {
            "title_vi": "Dịch vụ tra cứu thông tin đất đai", "publisher": A, "status": "published",
            "endpoint_url": "https://api.example.gov.vn/dd", "access_level": "open"})
        dataservices.create_dataservice(s, system_actor("test"), {
            "title_vi": "Dịch vụ tra cứu hộ tịch", "publisher": A, "status": "published",
            "endpoint_url": "https://api.example.gov.vn/ht", "access_level": "open"})
        for name in ("Danh mục đất đai của tỉnh", "Cổng dữ liệu thống kê"):
            harvest_service.create_source(s, system_actor("test"), {
                "name": name, "protocol": "ckan", "organization": A,
                "url": "https://data.example.gov.vn/api/3/action/package_search"}, corpus.app.config["SECRET_KEY"])
        s.commit()
        make_user(s, "chuyenvien.datdai@bnnmt.gov.vn", admin=True)
        make_user(s, "ke.toan@bnnmt.gov.vn")
        user = make_user(s, "admin@catalog.test", admin=True)
        user.name = "Quản trị Đất Đai"
        s.commit()
    finally:
        s.close()


def _page_links(client: FlaskClient, url: str, prefix: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return {link for link in _H3.findall(response.get_data(as_text=True)) if link.startswith(prefix)}


def _api(client: FlaskClient, url: str, key: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    body = response.get_json()
    return {item[key] for item in body.get("items", body.get("results", []))}


def _every_route(client: FlaskClient, q: str) -> dict[str, set[str]]:
    """What each list, page and API finds for `q`, as record keys."""
    w = quote(q)
    found: dict[str, set[str]] = {}
    for kind, prefix, page, api, key in (
        ("dataset", "/datasets/", "/datasets", "/api/v1/datasets", "slug"),
        ("organization", "/organizations/", "/organizations", "/api/v1/organizations", "code"),
        ("database", "/databases/", "/databases", "/api/v1/databases", "code"),
        ("dataservice", "/services/", "/services", "/api/v1/dataservices", "slug"),
    ):
        found[f"{page} page"] = {link[len(prefix):] for link in _page_links(client, f"{page}?q={w}&per_page=100",
                                                                             prefix)}
        found[f"{page} api"] = _api(client, f"{api}?q={w}&per_page=100", key)
        found[f"search {kind}"] = {link[len(prefix):] for link in _page_links(
            client, f"/search?q={w}&type={kind}&per_page=100", prefix)}
        found[f"search api {kind}"] = _api(client, f"/api/v1/search?q={w}&type={kind}&per_page=100", key)
    return found


def test_the_same_words_find_the_same_records_everywhere(corpus):
    _with_land_records(corpus)
    client = corpus.app.test_client()
    results = {q: _every_route(client, q) for q in VARIANTS}
    first = results[VARIANTS[0]]
    for q in VARIANTS[1:]:
        assert results[q] == first, q
    for kind, page in (("dataset", "/datasets"), ("organization", "/organizations"), ("database", "/databases"),
                       ("dataservice", "/services")):
        # the list, its API, the search tab and the search API agree
        assert first[f"{page} page"] == first[f"{page} api"] == first[f"search {kind}"] \
            == first[f"search api {kind}"], kind
        assert first[f"{page} page"], f"{kind}: nothing found"
    assert first["/databases page"] == {"DD"}
    assert "BNNMT-QLDD" in first["/organizations page"]
    s = registry_db(corpus.app).session_factory()
    try:
        from catalog.models import Dataset
        slugs = {s.get(Dataset, corpus.ids[k]).slug for k in ("phrase", "apart", "nodiacritics")}
    finally:
        s.close()
    assert first["/datasets page"] == slugs  # open land datasets only: the shared ones stay hidden
    assert first["/services page"] == {slug for slug in first["/services page"] if "dat-dai" in slug}


def test_many_matching_ids_give_the_same_lists(corpus, monkeypatch):
    """Past `INLINE_IDS` matches, the ids travel another way (one JSON value on SQLite)."""
    from catalog.services import listing

    _with_land_records(corpus)
    client = corpus.app.test_client()
    few = _every_route(client, "dat dai")
    monkeypatch.setattr(listing, "INLINE_IDS", 0)
    assert _every_route(client, "dat dai") == few
    assert _every_route(client, "zzzz") == {route: set() for route in few}


def test_harvest_and_account_lists_fold_the_words_too(corpus):
    _with_land_records(corpus)
    client = corpus.app.test_client()
    login(client, "admin@catalog.test")
    pages, apis, accounts = [], [], []
    for q in VARIANTS:
        w = quote(q)
        html = client.get(f"/harvest?q={w}").get_data(as_text=True)
        pages.append(set(re.findall(r'href="/harvest/([a-z0-9-]+)"', html)) - {"new"})
        apis.append(_api(client, f"/api/v1/harvest-sources?q={w}", "name"))
        html = client.get(f"/admin/users?q={w}").get_data(as_text=True)
        accounts.append(set(re.findall(r"[\w.]+@[\w.]+", html)))
    assert all(p == pages[0] for p in pages) and len(pages[0]) == 1
    assert all(a == {"Danh mục đất đai của tỉnh"} for a in apis)
    assert all(a == accounts[0] for a in accounts)
    assert {"chuyenvien.datdai@bnnmt.gov.vn", "admin@catalog.test"} <= accounts[0]
    assert "ke.toan@bnnmt.gov.vn" not in accounts[0]
    everyone = client.get("/admin/users").get_data(as_text=True)
    assert "ke.toan@bnnmt.gov.vn" in everyone


def test_list_words_still_respect_the_access_policy_and_drafts(corpus):
    """The backend only says which records hold the words; each list keeps its own policy."""
    s = registry_db(corpus.app).session_factory()
    make_user(s, "steward@bnnmt.gov.vn", roles={A: "steward"})
    s.close()
    client = corpus.app.test_client()
    anonymous = _page_links(client, "/datasets?q=muong+khuong", "/datasets/")
    assert anonymous == set()  # B's shared and restricted data, A's draft: all hidden
    login(client, "steward@bnnmt.gov.vn")
    drafts = _page_links(client, "/datasets?q=ban+nhap+dan+cu&status=draft", "/datasets/")
    assert len(drafts) == 1  # the owner finds its draft by its words, without diacritics


# --- the search page ------------------------------------------------------------------------------


def test_a_query_matching_only_a_database_opens_showing_it(corpus):
    client = corpus.app.test_client()
    html = client.get("/search?q=" + quote("ho tich dien tu")).get_data(as_text=True)
    assert re.search(r'<a href="/search\?q=[^"]*type=all[^"]*" aria-current="page">', html)
    links = _H3.findall(html)
    assert links and links[0].startswith("/databases/")
    assert '<span class="badge kind">Cơ sở dữ liệu</span>' in html
    assert 'class="box facet"' not in html  # facets concern datasets: their tab shows them
    # the dataset tab, chosen and empty, points to where the results are
    html = client.get("/search?q=" + quote("ho tich dien tu") + "&type=dataset").get_data(as_text=True)
    assert "Không có kết quả loại này" in html and 'type=database' in html


def test_the_home_box_searches_everything_and_its_example_finds_the_land_records(corpus):
    client = corpus.app.test_client()
    home = client.get("/").get_data(as_text=True)
    form = re.search(r'<form class="site-search[^"]*"[^>]*action="([^"]+)"[^>]*>\s*<label[^>]*for="home-q"', home)
    assert form and form.group(1) == "/search"
    assert "dat dai" in home  # the example in the box
    html = client.get("/search?q=dat+dai").get_data(as_text=True)
    links = _H3.findall(html)
    assert "/databases/DD" in links and "/organizations/BNNMT-QLDD" in links
    s = registry_db(corpus.app).session_factory()
    try:
        from catalog.models import Dataset
        land = {f"/datasets/{s.get(Dataset, corpus.ids[k]).slug}" for k in ("phrase", "apart", "nodiacritics")}
    finally:
        s.close()
    assert land <= set(links)


def test_the_api_can_mix_kinds_too(corpus):
    client = corpus.app.test_client()
    body = client.get("/api/v1/search?q=dat+dai&type=all").get_json()
    assert body["type"] == "all"
    assert {"dataset", "database", "organization"} <= {r["type"] for r in body["results"]}
    assert body["total"] == sum(body["counts_by_type"].values())
    # without `type` the API keeps answering with datasets, as before
    assert {r["type"] for r in client.get("/api/v1/search?q=dat+dai").get_json()["results"]} == {"dataset"}


# --- ranking --------------------------------------------------------------------------------------


def _titles(corpus: Corpus, q: str, kind: str = "dataset") -> list[str]:
    from werkzeug.datastructures import MultiDict

    from catalog.search.service import SearchParams, search

    s = registry_db(corpus.app).session_factory()
    try:
        params = SearchParams.from_args(MultiDict({"q": q, "type": kind, "per_page": "50"}))
        return [r.title for r in search(s, policy.ANONYMOUS, params).results]
    finally:
        s.close()


@pytest.mark.parametrize("q", ["dan cu", "Dan Cu"])
def test_syllables_as_a_phrase_rank_above_the_same_syllables_scattered(corpus, q):
    s = registry_db(corpus.app).session_factory()
    try:
        # scattered first in every other respect: newer, the words twice, the words in the keywords
        dataset(s, A, title_vi="Dân tộc thiểu số: nhà ở cũ", keywords=["dân", "cũ"])
        dataset(s, A, title_vi="Dân số và nhà ở cũ", keywords=["dân", "cũ"],
                description_vi="Dân cư, dân cư, dân cư.")
    finally:
        s.close()
    titles = _titles(corpus, q)
    scattered = [titles.index("Dân tộc thiểu số: nhà ở cũ"), titles.index("Dân số và nhà ở cũ")]
    assert titles.index("Dữ liệu dân cư tỉnh Lào Cai") < min(scattered)
    # on the mixed tab too: the national population database, its title holding the phrase
    mixed = _titles(corpus, q, "all")
    assert mixed.index("Cơ sở dữ liệu quốc gia về dân cư") < min(mixed.index("Dân tộc thiểu số: nhà ở cũ"),
                                                                  mixed.index("Dân số và nhà ở cũ"))


def test_exact_title_comes_first_with_or_without_diacritics(corpus):
    s = registry_db(corpus.app).session_factory()
    try:
        dataset(s, A, title_vi="Đất đai")
        # newer, and the words more often, in the title and the keywords
        dataset(s, A, title_vi="Đất đai: đất đai và đai đất", keywords=["đất đai", "đất", "đai"],
                description_vi="Đất đai, đất đai.")
    finally:
        s.close()
    assert _titles(corpus, "dat dai")[0] == "Đất đai"
    assert _titles(corpus, "ĐẤT ĐAI")[0] == "Đất đai"
    titles = _titles(corpus, "dat dai ha nam")
    assert titles.index("Hồ sơ đất đai Hà Nam") < titles.index("Đất nông nghiệp và đai rừng phòng hộ Hà Nam")


# --- what signing in would show ---------------------------------------------------------------


HINT = "Cán bộ của cơ quan nhà nước thấy nhiều hơn"


def test_visitors_learn_that_officers_see_more_without_learning_what(corpus):
    client = corpus.app.test_client()
    # B shares data with agencies: a visitor facing nothing is told, with no number and no title
    html = client.get("/datasets?q=" + quote("hộ nghèo")).get_data(as_text=True)
    assert HINT in html and "Danh sách hộ nghèo" not in html
    hint = re.search(r'<p class="notice officer-hint">(.*?)</p>', html, re.S)
    assert hint and not re.search(r"\d", re.sub(r"<[^>]+>", "", hint.group(1)))  # no count of any kind
    assert "/login?next=" in hint.group(1)
    # the hint never depends on the words: a query no record matches gets the very same one
    other = client.get("/datasets?q=zzzz").get_data(as_text=True)
    assert HINT in other
    assert HINT in client.get("/search?q=" + quote("hộ nghèo")).get_data(as_text=True)
    # a list with results does not repeat it; agencies and databases are public anyway
    assert HINT not in client.get("/datasets?q=khoang+san").get_data(as_text=True)
    assert HINT not in client.get("/search?q=dat+dai&type=database").get_data(as_text=True)
    # officers already see it all
    s = registry_db(corpus.app).session_factory()
    make_user(s, "officer@btp.gov.vn", roles={"BTP": "member"})
    s.close()
    login(client, "officer@btp.gov.vn")
    assert HINT not in client.get("/datasets?q=zzzz").get_data(as_text=True)


def test_zero_data_services_says_when_officers_have_some(corpus):
    client = corpus.app.test_client()
    # no data service at all: nothing to sign in for
    assert HINT not in client.get("/services").get_data(as_text=True)
    assert HINT not in client.get("/").get_data(as_text=True)
    s = registry_db(corpus.app).session_factory()
    try:
        dataservices.create_dataservice(s, system_actor("test"), {
            "title_vi": "Dịch vụ chia sẻ hộ nghèo", "publisher": B, "status": "published",
            "endpoint_url": "https://api.example.gov.vn/hn", "access_level": "shared"})
        s.commit()
        hidden_only = policy.officers_see_more(s, policy.ANONYMOUS, "dataservice")
    finally:
        s.close()
    assert hidden_only
    services = client.get("/services").get_data(as_text=True)
    assert "Dịch vụ chia sẻ hộ nghèo" not in services and HINT in services
    assert HINT in client.get("/").get_data(as_text=True)


@whoosh_only
def test_an_index_built_before_the_id_column_still_serves_the_lists(seeded_app, monkeypatch):
    """Lists read matching ids from the Whoosh `id` column; an older index without it still works."""
    from whoosh import fields

    from catalog.search import whoosh_backend
    from catalog.search.indexer import reindex

    from .conftest import build_corpus

    corpus = build_corpus(seeded_app)
    client = seeded_app.test_client()
    with_column = _every_route(client, "dat dai")
    original = whoosh_backend.make_schema

    def schema_without_columns() -> fields.Schema:
        schema = original()
        for name in ("id", "kind"):
            schema.remove(name)
        schema.add("id", fields.ID(stored=True, unique=True))
        schema.add("kind", fields.ID(stored=True))
        return schema

    monkeypatch.setattr(whoosh_backend, "make_schema", schema_without_columns)
    with seeded_app.app_context():
        reindex(seeded_app)
    assert _every_route(client, "dat dai") == with_column
    assert with_column["/datasets page"] and corpus.ids
    from catalog.search import backend_for
    assert backend_for(seeded_app)._current()._id_column is False  # the stored fields served
