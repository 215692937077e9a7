"""Every public feed, with a restricted, an unlisted, a draft, a withdrawn and a shared dataset
present, shows none of them — even when an officer of their own agency is signed in (feeds are
read as the anonymous reader)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.db import registry_db
from catalog.models import Dataset, Distribution

from ..helpers import csv_distribution, login, make_user
from .conftest import HIDDEN_TITLES

FEEDS = [
    "/catalog.ttl", "/catalog.rdf", "/catalog.jsonld", "/catalog.ttl?organization=BTC", "/catalog.ttl?q=dung",
    "/api/3/action/package_list", "/api/3/action/package_search?rows=1000",
    "/api/action/package_search?q=du+lieu&rows=1000", "/api/3/action/package_search?fq=organization:BTC",
    "/api/3/action/current_package_list_with_resources?limit=1000", "/api/3/action/tag_list",
    "/api/3/action/organization_show?id=BTC&include_datasets=true",
    "/api/3/action/organization_list?all_fields=true", "/api/3/action/group_list?all_fields=true",
    "/sitemap.xml", "/sitemaps/pages.xml", "/sitemaps/datasets-1.xml", "/feeds/datasets.atom", "/robots.txt",
]


@pytest.fixture
def hidden_with_files(seeded_app, hidden):
    s = registry_db(seeded_app).session_factory()
    try:
        out = []
        for ds in s.scalars(select(Dataset).where(Dataset.slug.in_(hidden))):
            dist = csv_distribution(s, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], b"a,b\n1,2\n")
            out.append((ds.slug, ds.id, ds.identifier, dist.id))
        return out
    finally:
        s.close()


@pytest.mark.parametrize("signed_in", [False, True])
def test_no_feed_shows_anything_hidden(client, session, hidden_with_files, signed_in):
    if signed_in:
        make_user(session, "quan-ly@mof.gov.vn", roles={"BTC": "steward"})
        login(client, "quan-ly@mof.gov.vn")
    for url in FEEDS:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        for title in HIDDEN_TITLES:
            assert title not in body, (url, title)
        for slug, ds_id, identifier, dist_id in hidden_with_files:
            for secret in (slug, ds_id, identifier, dist_id):
                assert secret not in body, (url, secret)
    for slug, ds_id, _identifier, dist_id in hidden_with_files:
        for url in (f"/datasets/{slug}.ttl", f"/datasets/{ds_id}.jsonld",
                    f"/api/3/action/package_show?id={slug}", f"/api/3/action/resource_show?id={dist_id}"):
            assert client.get(url).status_code == 404, url
    assert session.scalar(select(Distribution.id).where(Distribution.id == hidden_with_files[0][3]))
