"""The DCAT-AP 3 feeds: SHACL, languages, IRIs, paging, filters, and nothing hidden."""

from __future__ import annotations

import pyshacl
import pytest
from rdflib import Graph, Literal, URIRef

from catalog.vocab import DCAT, DCT, FOAF, HYDRA, RDF, VNCAT

from .conftest import HIDDEN_TITLES, SHAPES

SYNTAX = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld"}
BASE = "http://127.0.0.1:5000"


def graph_of(response, fmt: str) -> Graph:
    assert response.status_code == 200, response.data[:500]
    return Graph().parse(data=response.data, format=SYNTAX[fmt])


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


@pytest.mark.parametrize("fmt", ["ttl", "rdf", "jsonld"])
def test_catalogue_passes_the_dcat_ap_3_shapes(client, shapes, fmt):
    g = graph_of(client.get(f"/catalog.{fmt}"), fmt)
    assert len(set(g.subjects(RDF.type, DCAT.Dataset))) == 5
    conforms, _report, text = pyshacl.validate(g, shacl_graph=shapes, inference="none")
    assert conforms, text[:4000]


@pytest.mark.parametrize("fmt", ["ttl", "rdf", "jsonld"])
def test_one_dataset_in_each_syntax(client, shapes, fmt):
    response = client.get(f"/datasets/don-vi-hanh-chinh-cap-tinh-2025.{fmt}")
    assert response.headers["Content-Type"].startswith({"ttl": "text/turtle", "rdf": "application/rdf+xml",
                                                        "jsonld": "application/ld+json"}[fmt])
    g = graph_of(response, fmt)
    node = URIRef(f"{BASE}/datasets/don-vi-hanh-chinh-cap-tinh-2025")
    assert (node, RDF.type, DCAT.Dataset) in g
    titles = {t.language: str(t) for t in g.objects(node, DCT.title)}
    assert set(titles) == {"vi", "en"} and "hành chính" in titles["vi"]
    conforms, _report, text = pyshacl.validate(g, shacl_graph=shapes, inference="none")
    assert conforms, text[:4000]


def test_dataset_terms_are_iris_from_the_eu_vocabularies(client):
    g = graph_of(client.get("/datasets/don-vi-hanh-chinh-cap-tinh-2025.ttl"), "ttl")
    node = URIRef(f"{BASE}/datasets/don-vi-hanh-chinh-cap-tinh-2025")
    themes = {str(t) for t in g.objects(node, DCAT.theme)}
    assert themes and all(t.startswith("http://publications.europa.eu/resource/authority/data-theme/") for t in themes)
    assert URIRef("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0") in set(
        g.objects(node, DCT.license))
    assert URIRef("http://publications.europa.eu/resource/authority/access-right/PUBLIC") in set(
        g.objects(node, DCT.accessRights))
    publisher = next(g.objects(node, DCT.publisher))
    assert str(publisher) == f"{BASE}/organizations/BNV"
    assert Literal("Bộ Nội vụ", lang="vi") in set(g.objects(publisher, FOAF.name))
    assert Literal("BNV") in set(g.objects(publisher, VNCAT.agencyCode))
    assert Literal("open") in set(g.objects(node, VNCAT.accessLevel))
    dists = list(g.objects(node, DCAT.distribution))
    assert dists
    for dist in dists:
        assert URIRef("http://publications.europa.eu/resource/authority/file-type/CSV") in set(
            g.objects(dist, DCT["format"]))
        download = next(g.objects(dist, DCAT.downloadURL))
        assert str(download).startswith(f"{BASE}/distributions/") and str(download).endswith("/download")


def test_publisher_carries_its_electronic_identifier_code(client, session):
    from sqlalchemy import select

    from catalog.models import Organization

    code = session.scalar(select(Organization.identifier).where(Organization.code == "BNV"))
    g = graph_of(client.get("/datasets/don-vi-hanh-chinh-cap-tinh-2025.ttl"), "ttl")
    assert Literal(code) in set(g.objects(URIRef(f"{BASE}/organizations/BNV"), DCT.identifier))


def test_hydra_paging_walks_every_dataset_once(client, seeded_app):
    seeded_app.config["CATALOG"]["FEED_PAGE_SIZE"] = 2
    url, seen, pages = "/catalog.ttl", [], 0
    while url:
        g = graph_of(client.get(url), "ttl")
        pages += 1
        seen += [str(d) for d in g.subjects(RDF.type, DCAT.Dataset)]
        assert {int(t) for t in g.objects(None, HYDRA.totalItems)} == {5}
        nxt = list(g.objects(None, HYDRA.nextPage))
        assert all(str(n).startswith(BASE + "/catalog.ttl") for n in nxt)  # from BASE_URL, not the host
        url = str(nxt[0]).removeprefix(BASE) if nxt else None
    assert pages == 3 and len(seen) == len(set(seen)) == 5


def test_filters_modified_since_q_and_organization(client):
    g = graph_of(client.get("/catalog.ttl?modified_since=2999-01-01"), "ttl")
    assert not set(g.subjects(RDF.type, DCAT.Dataset))
    assert {int(t) for t in g.objects(None, HYDRA.totalItems)} == {0}
    g = graph_of(client.get("/catalog.ttl?modified_since=2000-01-01T00:00:00Z"), "ttl")
    assert len(set(g.subjects(RDF.type, DCAT.Dataset))) == 5
    # the text query folds diacritics: "hanh chinh" finds "hành chính"
    g = graph_of(client.get("/catalog.ttl?q=don+vi+hanh+chinh"), "ttl")
    found = {str(d).rsplit("/", 1)[-1] for d in g.subjects(RDF.type, DCAT.Dataset)}
    assert "don-vi-hanh-chinh-cap-tinh-2025" in found and len(found) < 5
    nxt = [str(x) for x in g.objects(None, HYDRA.firstPage)]
    assert nxt and "q=don+vi+hanh+chinh" in nxt[0]
    g = graph_of(client.get("/catalog.ttl?organization=BNV"), "ttl")
    publishers = {str(p) for p in g.objects(None, DCT.publisher)} - {BASE + "/#publisher"}
    assert publishers == {f"{BASE}/organizations/BNV"}


def test_bad_parameters_are_named(client):
    response = client.get("/catalog.ttl?modified_since=yesterday")
    assert response.status_code == 400
    assert "modified_since" in response.get_data(as_text=True)
    response = client.get("/catalog.ttl?page=abc")
    assert response.status_code == 400 and "page" in response.get_data(as_text=True)
    assert client.get("/catalog.csv").status_code == 404


def test_nothing_hidden_in_the_dcat_feeds(client, hidden):
    for fmt in ("ttl", "rdf", "jsonld"):
        body = client.get(f"/catalog.{fmt}").get_data(as_text=True)
        for title in HIDDEN_TITLES:
            assert title not in body
        for slug in hidden:
            assert slug not in body
            assert client.get(f"/datasets/{slug}.{fmt}").status_code == 404
    # seed data shared with agencies or restricted is not public either
    assert client.get("/datasets/thong-tin-co-ban-cong-dan.ttl").status_code == 404
    assert client.get("/datasets/ho-so-dien-tu-can-bo-cong-chuc-vien-chuc.jsonld").status_code == 404


def test_catalog_address_negotiates_the_syntax(client):
    for accept, mimetype in (("application/rdf+xml", "application/rdf+xml"), ("application/ld+json",
                             "application/ld+json"), ("text/html,*/*;q=0.1", "text/turtle"), ("", "text/turtle")):
        response = client.get("/catalog", headers={"Accept": accept} if accept else {})
        assert response.status_code == 200 and response.mimetype == mimetype, accept
        assert "Accept" in response.headers["Vary"]


def test_open_data_services_join_the_first_page(client, session, shapes):
    from catalog.services import dataservices
    from catalog.services.actor import system_actor

    def service(title: str, access: str, status: str = "published"):
        svc = dataservices.create_dataservice(session, system_actor("test"), {
            "title_vi": title, "publisher": "BNV", "endpoint_url": "https://api.example.gov.vn/v1",
            "access_level": access, "status": status,
            "datasets": ["don-vi-hanh-chinh-cap-tinh-2025", "thong-tin-co-ban-cong-dan"]})
        session.commit()
        return svc

    open_svc = service("API đơn vị hành chính", "open")
    service("API nội bộ", "shared")
    service("API nháp", "open", "draft")
    body = client.get("/catalog.ttl").get_data(as_text=True)
    assert "API nội bộ" not in body and "API nháp" not in body
    g = Graph().parse(data=body, format="turtle")
    services = set(g.subjects(RDF.type, DCAT.DataService))
    assert services == {URIRef(f"{BASE}/services/{open_svc.slug}")}
    served = {str(d) for d in g.objects(next(iter(services)), DCAT.servesDataset)}
    assert served == {f"{BASE}/datasets/don-vi-hanh-chinh-cap-tinh-2025"}  # not the shared dataset
    conforms, _report, text = pyshacl.validate(g, shacl_graph=shapes, inference="none")
    assert conforms, text[:4000]
    g2 = graph_of(client.get("/catalog.ttl?page=1&q=hanh+chinh"), "ttl")
    assert not set(g2.subjects(RDF.type, DCAT.DataService))
