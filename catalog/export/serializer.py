"""Graphs to documents: the catalogue page with Hydra paging, one dataset, and the three syntaxes.

rdflib writes every document; nothing here builds RDF text by hand. Paging links are absolute
addresses from `CATALOG_BASE_URL` and repeat the reader's filters.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext
from rdflib import Graph, Literal, URIRef

from ..models import DataService, Dataset
from ..vocab import (
    ADMS,
    DCAT,
    DCT,
    FOAF,
    HYDRA,
    LOCN,
    RDF,
    RDFS,
    SKOS,
    SPDX,
    VCARD,
    VNCAT,
    XSD,
)
from . import uris
from .profiles import FeedContext, profiles_named
from .profiles.dcat_ap_3 import service_graph, texts

#: URL suffix -> (rdflib format, media type)
FORMATS = {
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "rdf": ("xml", "application/rdf+xml; charset=utf-8"),
    "jsonld": ("json-ld", "application/ld+json; charset=utf-8"),
}
PREFIXES = {"dcat": DCAT, "dct": DCT, "foaf": FOAF, "vcard": VCARD, "skos": SKOS, "rdfs": RDFS, "xsd": XSD,
            "hydra": HYDRA, "spdx": SPDX, "adms": ADMS, "locn": LOCN, "vncat": VNCAT}


def new_graph() -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    return g


def add_datasets(g: Graph, datasets: Iterable[Dataset], ctx: FeedContext) -> list[URIRef]:
    profiles = profiles_named(current_app.config["CATALOG"]["DCAT_PROFILES"])
    nodes = []
    for ds in datasets:
        node = URIRef(uris.dataset_uri(ds))
        for profile in profiles:
            profile(g, node, ds, ctx)
        nodes.append(node)
    return nodes


def catalog_graph(datasets: list[Dataset], ctx: FeedContext, *, page: int, per_page: int, total: int, fmt: str,
                  filters: dict[str, Any], services: Iterable[DataService] = ()) -> Graph:
    """One page of the catalogue: the dcat:Catalog with this page's datasets (and the data
    services given, which the first page carries), and a hydra:PagedCollection (first, last,
    previous, next) for harvesters to walk."""
    cfg = current_app.config["CATALOG"]
    g = new_graph()
    cat = URIRef(uris.catalog_uri())
    g.add((cat, RDF.type, DCAT.Catalog))
    texts(g, cat, DCT.title, cfg["SITE_NAME_VI"], cfg["SITE_NAME_EN"])
    descriptions = {}
    for lang in ("vi", "en"):
        with force_locale(lang):
            descriptions[lang] = gettext("Open data of %(site)s", site=cfg[f"SITE_NAME_{lang.upper()}"])
    texts(g, cat, DCT.description, descriptions["vi"], descriptions["en"])
    g.add((cat, FOAF.homepage, URIRef(uris.absolute("/"))))
    g.add((URIRef(uris.absolute("/")), RDF.type, FOAF.Document))
    publisher = URIRef(uris.absolute("/") + "#publisher")
    g.add((publisher, RDF.type, FOAF.Agent))
    texts(g, publisher, FOAF.name, cfg["SITE_NAME_VI"], cfg["SITE_NAME_EN"])
    g.add((cat, DCT.publisher, publisher))
    for node in add_datasets(g, datasets, ctx):
        g.add((cat, DCAT.dataset, node))
    for svc in services:
        node = URIRef(uris.dataservice_uri(svc))
        service_graph(g, node, svc, ctx)
        g.add((cat, DCAT.service, node))
    last = max(1, -(-total // per_page))

    def link(n: int) -> URIRef:
        return URIRef(uris.absolute(f"/catalog.{fmt}", **filters, page=n if n > 1 else None))

    here = link(page)
    g.add((here, RDF.type, HYDRA.PagedCollection))
    g.add((here, HYDRA.totalItems, Literal(total, datatype=XSD.integer)))
    g.add((here, HYDRA.itemsPerPage, Literal(per_page, datatype=XSD.integer)))
    g.add((here, HYDRA.firstPage, link(1)))
    g.add((here, HYDRA.lastPage, link(last)))
    if page < last:
        g.add((here, HYDRA.nextPage, link(page + 1)))
    if page > 1:
        g.add((here, HYDRA.previousPage, link(page - 1)))
    return g


def dataset_graph(ds: Dataset, ctx: FeedContext) -> Graph:
    g = new_graph()
    add_datasets(g, [ds], ctx)
    return g


def serialize(g: Graph, fmt: str) -> bytes:
    syntax = FORMATS[fmt][0]
    if syntax == "json-ld":
        context = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return g.serialize(format="json-ld", context=context, auto_compact=True, encoding="utf-8")
    return g.serialize(format=syntax, encoding="utf-8")


def last_modified(datasets: Iterable[Dataset]) -> datetime | None:
    stamps = [ds.updated_at for ds in datasets if ds.updated_at]
    return max(stamps) if stamps else None
