"""schema.org JSON-LD in dataset pages, sitemaps, robots.txt and the Atom feed."""

from __future__ import annotations

import json
import re

import defusedxml.ElementTree as ET

from catalog.export import public

from .conftest import HIDDEN_TITLES

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "http://127.0.0.1:5000"
JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def test_dataset_page_embeds_schema_org_dataset(client):
    page = client.get("/datasets/don-vi-hanh-chinh-cap-tinh-2025").get_data(as_text=True)
    blocks = JSONLD.findall(page)
    assert len(blocks) == 1
    doc = json.loads(blocks[0])
    assert doc["@context"] == "https://schema.org" and doc["@type"] == "Dataset"
    assert doc["url"] == f"{BASE}/datasets/don-vi-hanh-chinh-cap-tinh-2025"
    assert "hành chính" in doc["name"] and doc["alternateName"]
    assert doc["publisher"]["@type"] == "GovernmentOrganization" and doc["publisher"]["name"] == "Bộ Nội vụ"
    assert doc["license"].startswith("https://creativecommons.org/")
    assert doc["distribution"][0]["@type"] == "DataDownload"
    assert doc["distribution"][0]["contentUrl"].endswith("/download")
    assert doc["includedInDataCatalog"]["@type"] == "DataCatalog"


def test_jsonld_cannot_break_out_of_its_script(client, session, seeded_app):
    from ..helpers import dataset

    ds = dataset(session, "BTC", "open", title_vi="Tên có </script><b>thẻ</b>")
    page = client.get(f"/datasets/{ds.slug}").get_data(as_text=True)
    block = JSONLD.findall(page)[0]
    assert "</script>" not in block and json.loads(block)["name"] == "Tên có </script><b>thẻ</b>"


def test_no_jsonld_for_a_dataset_the_public_may_not_see(client, session):
    from ..helpers import login, make_user

    make_user(session, "can-bo@bca.gov.vn", roles={"BCA": "editor"})
    login(client, "can-bo@bca.gov.vn")
    page = client.get("/datasets/thong-tin-co-ban-cong-dan")
    assert page.status_code == 200 and not JSONLD.findall(page.get_data(as_text=True))


def test_sitemap_index_and_sitemaps(client):
    index = ET.fromstring(client.get("/sitemap.xml").data)
    locs = [e.text for e in index.iter(f"{SM}loc")]
    assert locs == [f"{BASE}/sitemaps/pages.xml", f"{BASE}/sitemaps/datasets-1.xml"]
    datasets = ET.fromstring(client.get("/sitemaps/datasets-1.xml").data)
    urls = {e.text for e in datasets.iter(f"{SM}loc")}
    assert len(urls) == 5 and f"{BASE}/datasets/don-vi-hanh-chinh-cap-tinh-2025" in urls
    assert all(e.text.endswith("Z") for e in datasets.iter(f"{SM}lastmod"))
    pages = ET.fromstring(client.get("/sitemaps/pages.xml").data)
    assert f"{BASE}/organizations/BNV" in {e.text for e in pages.iter(f"{SM}loc")}
    assert client.get("/sitemaps/datasets-2.xml").status_code == 404


def test_sitemap_index_pages_past_the_limit(client, monkeypatch):
    monkeypatch.setattr(public, "SITEMAP_LIMIT", 2)
    index = ET.fromstring(client.get("/sitemap.xml").data)
    locs = [e.text for e in index.iter(f"{SM}loc")]
    assert locs[1:] == [f"{BASE}/sitemaps/datasets-{n}.xml" for n in (1, 2, 3)]
    seen = []
    for n in (1, 2, 3):
        seen += [e.text for e in ET.fromstring(client.get(f"/sitemaps/datasets-{n}.xml").data).iter(f"{SM}loc")]
    assert len(seen) == len(set(seen)) == 5


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "User-agent: *" in text and f"Sitemap: {BASE}/sitemap.xml" in text and "Disallow: /login" in text


def test_atom_feed_of_new_and_updated_open_datasets(client, session):
    from ..helpers import dataset

    newest = dataset(session, "BTC", "open", title_vi="Mới nhất")
    response = client.get("/feeds/datasets.atom")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 6
    assert entries[0].find(f"{ATOM}title").text == "Mới nhất"
    assert entries[0].find(f"{ATOM}id").text == f"{BASE}/datasets/{newest.slug}"
    assert feed.find(f"{ATOM}updated").text == entries[0].find(f"{ATOM}updated").text


def test_nothing_hidden_in_sitemaps_atom_or_pages(client, hidden):
    bodies = [client.get(u).get_data(as_text=True) for u in (
        "/sitemap.xml", "/sitemaps/pages.xml", "/sitemaps/datasets-1.xml", "/feeds/datasets.atom")]
    for body in bodies:
        for title in HIDDEN_TITLES:
            assert title not in body
        for slug in hidden:
            assert slug not in body
    for slug in hidden:
        assert client.get(f"/datasets/{slug}").status_code == 404
