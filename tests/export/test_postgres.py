"""The feeds on PostgreSQL (its full-text search folds diacritics for `q`; JSON lists filter `fq`)."""

from __future__ import annotations

from rdflib import Graph

from catalog.db import registry_db
from catalog.vocab import DCAT, RDF

from ..helpers import dataset


def test_feeds_on_postgresql(pg_seeded_app):
    app = pg_seeded_app
    s = registry_db(app).session_factory()
    try:
        hidden = [dataset(s, "BTC", "restricted", title_vi="Riêng tư").slug,
                  dataset(s, "BTC", "open", title_vi="Nháp", status="draft").slug]
    finally:
        s.close()
    client = app.test_client()
    g = Graph().parse(data=client.get("/catalog.ttl").data, format="turtle")
    assert len(set(g.subjects(RDF.type, DCAT.Dataset))) == 5
    g = Graph().parse(data=client.get("/catalog.ttl?q=hanh+chinh").data, format="turtle")
    assert any("don-vi-hanh-chinh" in str(d) for d in g.subjects(RDF.type, DCAT.Dataset))
    result = client.get("/api/3/action/package_search?q=don+vi+hanh+chinh").get_json()["result"]
    assert "don-vi-hanh-chinh-cap-tinh-2025" in {p["name"] for p in result["results"]}
    tag = result["results"][0]["tags"][0]["name"]
    tagged = client.get(f'/api/3/action/package_search?fq=tags:"{tag}"&facet.field=["tags","groups"]')
    body = tagged.get_json()["result"]
    assert body["count"] >= 1 and body["facets"]["tags"][tag] == body["count"]
    modified = client.get("/api/3/action/package_search?fq=metadata_modified:[2000-01-01T00:00:00Z TO *]")
    assert modified.get_json()["result"]["count"] == 5
    listed = client.get("/api/3/action/package_list").get_json()["result"]
    assert len(listed) == 5 and not set(hidden) & set(listed)
    assert client.get("/sitemaps/datasets-1.xml").data.count(b"<url>") == 5
