"""DCAT and DCAT-AP catalogues in Turtle, RDF/XML or JSON-LD (rdflib), with Hydra paging.

- The format comes from the content type, then the file extension, then the first bytes; an HTML
  page (a portal's error page) is refused with a clear message.
- RDF/XML is first checked with defusedxml: a document that declares entities (an "entity bomb")
  or points to external ones is refused before rdflib sees it.
- JSON-LD `@context`s are never fetched, wherever they are (see `jsonld_contexts`): each is replaced
  by a copy shipped in `harvesters/jsonld/` or found in the folder CATALOG_HARVEST_JSONLD_CONTEXTS;
  an unknown one fails the document (or the one record of `@graph` that carries it).
- Multilingual literals map to the Vietnamese and English fields (a literal without a language is
  the main text). Real feeds are inconsistent, so both `dct:identifier` and `dcat:identifier`,
  URIs written as literals, `adms:contactPoint`, and a misspelt `dct:#license` are all accepted.
- The catalogue's own terms (`vncat:database` by its code, `vncat:masterData`) are read back, so
  that our feeds harvest into another of our catalogues with nothing lost.
- `hydra:next` / `hydra:nextPage` are followed, stopping on a repeated page. Single-document sources
  are fetched with ETag / Last-Modified: "not modified" keeps every record as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from rdflib import Graph, Literal, URIRef

from catalog.vocab import (
    ADMS,
    DCAT,
    DCATAP,
    DCT_BAD,
    FOAF,
    HYDRA,
    LOCN,
    OWL,
    POD,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    VCARD,
    VNCAT,
)
from catalog.vocab import DCT as DCTERMS

from . import fidelity
from .base import Harvester, HarvestFailed, LogText, Problem, Record
from .languages import by_language, declared_languages
from .rdf_document import ACCEPT, parse_graph
from .rdf_nodes import (
    _access_level,
    _checksum,
    _contact,
    _first,
    _format,
    _identifiers,
    _label,
    _langs,
    _number,
    _objects,
    _publisher,
    _spatial,
    _temporal,
    _text,
    _texts,
    _uri_or_text,
    _value,
)
from .reading import is_web, join_url, read

MAX_PAGES = 5_000
#: A later page that cannot be read is logged and skipped; after this many in a row the job stops.
MAX_BAD_PAGES = 3

# --- what this harvester maps (the fidelity report counts every other predicate as not kept) ---
#: Predicates of a dcat:Dataset node read by `dataset_record` (as CURIEs, see `curie`).
DATASET_PREDICATES = frozenset({
    "dct:identifier", "dcat:identifier", "dct:title", "dct:description", "dcat:keyword", "dct:license",
    "dct_bad:license", "dcat:distribution", "dcat:contactPoint", "adms:contactPoint", "dct:temporal",
    "dct:publisher", "dct:provenance", "vncat:database", "vncat:masterData", "dcat:theme", "dct:spatial",
    "dct:language", "dct:accessRights", "pod:accessLevel", "dct:accrualPeriodicity", "dct:issued", "dct:modified",
    "dcat:landingPage", "owl:versionInfo", "dcat:version",
    # kept since the languages and fields work: identifiers, legislation, series, coverage
    "adms:identifier", "dcatap:applicableLegislation", "dcat:spatialResolutionInMeters", "dcat:inSeries",
    "dcat:prev", "dcat:next", "dcat:first", "dcat:last",
})
#: Predicates of a dcat:Distribution node read by `distribution` (and the dataset's licence fallback).
DISTRIBUTION_PREDICATES = frozenset({
    "dct:title", "dct:description", "dct:format", "dcat:mediaType", "dcat:byteSize", "dct:identifier",
    "dcat:accessURL", "dcat:downloadURL", "dct:issued", "dct:modified", "dct:license", "dct_bad:license",
    "spdx:checksum",
})
#: Predicates of a dcat:DataService node read by `service_record`.
SERVICE_PREDICATES = frozenset({
    "dct:identifier", "dct:title", "dct:description", "dct:publisher", "dcat:endpointURL",
    "dcat:endpointDescription", "dct:accessRights", "pod:accessLevel",
})
#: Said of every node, with nothing to keep: neither kept nor counted.
IGNORED_PREDICATES = frozenset({"rdf:type"})
DIST = "dcat:distribution/"
DATASET_KNOWN = DATASET_PREDICATES | {DIST + p for p in DISTRIBUTION_PREDICATES}
DATASET_IGNORED = IGNORED_PREDICATES | {DIST + p for p in IGNORED_PREDICATES}
#: Namespaces named by their usual prefix in the report (longest first, so that dct_bad wins over dct).
PREFIXES = sorted({
    str(DCAT): "dcat", str(DCTERMS): "dct", str(DCT_BAD): "dct_bad", str(ADMS): "adms", str(FOAF): "foaf",
    str(VCARD): "vcard", str(LOCN): "locn", str(OWL): "owl", str(RDF): "rdf", str(RDFS): "rdfs",
    str(SKOS): "skos", str(SCHEMA): "schema", str(POD): "pod", str(VNCAT): "vncat", str(HYDRA): "hydra",
    "http://data.europa.eu/r5r/": "dcatap", "http://spdx.org/rdf/terms#": "spdx",
    "http://www.w3.org/ns/prov#": "prov", "http://purl.org/dc/elements/1.1/": "dc",
    "http://www.w3.org/2004/02/skos/core#": "skos", "https://schema.org/": "schema",
    "http://www.w3.org/ns/odrl/2/": "odrl", "http://www.w3.org/2000/01/rdf-schema#": "rdfs",
}.items(), key=lambda kv: -len(kv[0]))


@lru_cache(maxsize=4096)
def curie(predicate: str) -> str:
    """'http://purl.org/dc/terms/conformsTo' -> 'dct:conformsTo' (an unknown namespace keeps the full IRI)."""
    for uri, prefix in PREFIXES:
        if predicate.startswith(uri) and len(predicate) > len(uri):
            return f"{prefix}:{predicate[len(uri):]}"
    return predicate


def predicates(g: Graph, node: Any, prefix: str = "") -> list[str]:
    """The distinct predicates said of a node, as CURIEs."""
    return [prefix + curie(str(p)) for p in set(g.predicates(node, None))]


# --- reading a document -------------------------------------------------------------------------


# --- reading a graph ----------------------------------------------------------------------------


def distribution(g: Graph, node: Any, n: int, declared: list[str] | None = None,
                 main_lang: str | None = None) -> dict[str, Any]:
    title = _texts(g, node, DCTERMS.title, declared or [], main_lang)
    desc = _texts(g, node, DCTERMS.description, declared or [], title.lang)
    fmt, media = _format(g, node)
    size = _first(g, node, DCAT.byteSize)
    identifier = _first(g, node, DCTERMS.identifier)
    remote = str(node) if isinstance(node, URIRef) else identifier
    checksum = _checksum(g, node)
    translations = {k: v for k, v in (("title", title.every), ("description", desc.every)) if v}
    return {
        "remote_id": remote, "identifier": identifier if identifier != remote else None,
        "title_vi": title.vi, "title_en": title.en,
        "description_vi": desc.vi, "description_en": desc.en,
        "access_url": _first(g, node, DCAT.accessURL), "download_url": _first(g, node, DCAT.downloadURL),
        "format": fmt, "media_type": media,
        "byte_size": int(float(size)) if size and size.replace(".", "", 1).isdigit() else None,
        "issued": _first(g, node, DCTERMS.issued), "modified": _first(g, node, DCTERMS.modified),
        "checksum": checksum, "translations": translations or None,
    }


def _series(g: Graph, node: Any, declared: list[str]) -> dict[str, Any] | None:
    """The series this dataset is in (`dcat:inSeries`), described as far as the document says."""
    for series in _objects(g, node, DCAT.inSeries):
        if isinstance(series, Literal):
            continue
        identifier = str(series) if isinstance(series, URIRef) else _first(g, series, DCTERMS.identifier)
        if not identifier:
            continue
        title = _texts(g, series, DCTERMS.title, declared)
        desc = _texts(g, series, DCTERMS.description, declared, title.lang)
        first = next((str(o) for o in g.objects(series, DCAT.first) if isinstance(o, URIRef)), None)
        last = next((str(o) for o in g.objects(series, DCAT.last) if isinstance(o, URIRef)), None)
        return {"identifier": identifier[:500], "title_vi": title.vi, "title_en": title.en, "title_lang": title.lang,
                "description_vi": desc.vi, "description_en": desc.en, "first": first, "last": last,
                "translations": {k: v for k, v in (("title", title.every), ("description", desc.every)) if v}}
    return None


def _neighbours(g: Graph, node: Any) -> dict[str, str]:
    links = {}
    for name, pred in (("prev", DCAT.prev), ("next", DCAT.next)):
        for other in g.objects(node, pred):
            if isinstance(other, URIRef):
                links[name] = str(other)
    return links


def dataset_record(g: Graph, node: Any) -> Record | Problem:
    identifier = _first(g, node, DCTERMS.identifier, DCAT.identifier)
    uri = str(node) if isinstance(node, URIRef) else None
    remote_id = uri or identifier
    languages = sorted(filter(None, (_value(g, lang) for lang in _objects(g, node, DCTERMS.language))))
    declared = declared_languages(languages)
    title = _texts(g, node, DCTERMS.title, declared)
    if not remote_id:
        return Problem(None, LogText("no_id", "a dataset without a URI or identifier was left out ({title})",
                                      title=(title.vi or "")[:200]))
    desc = _texts(g, node, DCTERMS.description, declared, title.lang)
    keywords: dict[str, list[str]] = {}
    for kw in _objects(g, node, DCAT.keyword):
        if isinstance(kw, Literal) and str(kw).strip():
            code = next(iter(by_language({(kw.language or "").lower(): str(kw)}, declared)), "")
            keywords.setdefault(code, []).append(str(kw).strip())
    main = "vi" if "vi" in keywords else (title.lang if title.lang in keywords else
                                          "en" if "en" in keywords else next(iter(keywords), None))
    chosen = keywords.get(main or "", [])
    licence = None
    for lic in _objects(g, node, DCTERMS.license, DCT_BAD.license):
        licence = _text(lic) if isinstance(lic, URIRef | Literal) else (_value(g, lic) or _label(g, lic))
        break
    dist_nodes = _objects(g, node, DCAT.distribution)
    dists = [distribution(g, d, n, declared, title.lang) for n, d in enumerate(dist_nodes)]
    dists.sort(key=lambda d: (d["remote_id"] or "", d["title_vi"] or ""))
    if not licence:
        for d in dist_nodes:
            licence = _first(g, d, DCTERMS.license, DCT_BAD.license)
            if licence:
                break
    name, email, phone = _contact(g, node)
    start, end = _temporal(g, node)
    publisher, publisher_uri = _publisher(g, node)
    provenance = None
    for prov in _objects(g, node, DCTERMS.provenance):
        provenance = _label(g, prov)
    database = None
    for db in _objects(g, node, VNCAT.database):  # our own feeds name the database by its code
        database = _first(g, db, DCTERMS.identifier)
    master = _first(g, node, VNCAT.masterData)
    frequency = None
    for freq in _objects(g, node, DCTERMS.accrualPeriodicity):
        frequency = _value(g, freq)
        break
    places, geometry = _spatial(g, node)
    translations = {k: v for k, v in (("title", title.every), ("description", desc.every),
                                      ("keywords", keywords if set(keywords) - {main} else {})) if v}
    record: Record = {
        "kind": "dataset",
        "remote_id": remote_id,
        "identifier": identifier or uri,
        "source_url": uri if uri and is_web(uri) else None,
        "title_vi": title.vi, "title_en": title.en, "title_lang": title.lang,
        "description_vi": desc.vi, "description_en": desc.en,
        "translations": translations or None,
        "keywords": sorted(dict.fromkeys(chosen)),
        "themes": sorted(_text(t) or "" for t in _objects(g, node, DCAT.theme) if isinstance(t, URIRef | Literal)),
        "spatial": places,
        "spatial_geojson": geometry,
        "spatial_resolution_m": _number(_first(g, node, DCAT.spatialResolutionInMeters)),
        "languages": languages,
        "licence": licence,
        "publisher": publisher, "publisher_uri": publisher_uri,
        "access_level": _access_level(g, node),
        "update_frequency": frequency,
        "temporal_start": start, "temporal_end": end,
        "issued": _first(g, node, DCTERMS.issued), "modified": _first(g, node, DCTERMS.modified),
        "contact_name": name, "contact_email": email, "contact_phone": phone,
        "landing_page": _first(g, node, DCAT.landingPage),
        "version": _first(g, node, OWL.versionInfo, DCAT.version),
        "provenance": provenance,
        "database": database,
        "is_master_data": master in ("true", "1") if master else None,
        "other_identifiers": _identifiers(g, node),
        "applicable_legislation": sorted(str(o) for o in g.objects(node, DCATAP.applicableLegislation)
                                         if isinstance(o, URIRef | Literal)),
        "series": _series(g, node, declared),
        "series_links": _neighbours(g, node) or None,
        "distributions": dists,
    }
    keys = predicates(g, node)
    for dist in _objects(g, node, DCAT.distribution):
        keys += predicates(g, dist, DIST)
    return fidelity.note(record, keys, DATASET_KNOWN, DATASET_IGNORED)


def service_record(g: Graph, node: Any) -> Record | Problem:
    uri = str(node) if isinstance(node, URIRef) else None
    remote_id = uri or _first(g, node, DCTERMS.identifier)
    title_vi, title_en = _langs(g, node, DCTERMS.title)
    if not remote_id:
        return Problem(None, LogText("no_id", "a data service without a URI or identifier was left out ({title})",
                                      title=(title_vi or "")[:200]))
    desc_vi, desc_en = _langs(g, node, DCTERMS.description)
    publisher = None
    for pub in _objects(g, node, DCTERMS.publisher):
        publisher = _label(g, pub) or _uri_or_text(pub)
    return fidelity.note({
        "kind": "dataservice", "remote_id": remote_id, "source_url": uri if uri and is_web(uri) else None,
        "identifier": _first(g, node, DCTERMS.identifier) or uri,
        "title_vi": title_vi, "title_en": title_en, "description_vi": desc_vi, "description_en": desc_en,
        "endpoint_url": _first(g, node, DCAT.endpointURL),
        "endpoint_description": _first(g, node, DCAT.endpointDescription),
        "publisher": publisher, "access_level": _access_level(g, node),
    }, predicates(g, node), SERVICE_PREDICATES, IGNORED_PREDICATES)


def _next_page(g: Graph, current: str) -> str | None:
    for pred in (HYDRA.next, HYDRA.nextPage):
        for obj in g.objects(None, pred):
            target = str(obj)
            if target and target != current:
                return target
    return None


_PAGE_PARAMS = ("page", "p", "pageNumber", "_page", "pagina", "seite")


def _following(url: str) -> str | None:
    """The next page's address told from this one's page number (`?page=3` -> `?page=4`), or None."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for n, (key, value) in enumerate(query):
        if key in _PAGE_PARAMS and value.isdigit():
            query[n] = (key, str(int(value) + 1))
            return urlunsplit(parts._replace(query=urlencode(query)))
    return None


class DcatHarvester(Harvester):
    protocol = "dcat"

    def gather(self) -> Iterator[Record | Problem]:
        url: str | None = self.ctx.url
        single = not self.ctx.state.get("paged")
        seen_urls: set[str] = set()
        seen_bodies: set[int] = set()
        pages, bad = 0, 0
        catalogues = False
        last: str | None = None
        while url and pages < MAX_PAGES:
            if url in seen_urls:
                break
            seen_urls.add(url)
            try:
                response = read(self.ctx, url, accept=ACCEPT, conditional=single and pages == 0)
                if response.not_modified:
                    self.not_modified = True
                    return
                fingerprint = hash(response.content)
                if fingerprint in seen_bodies:
                    break
                seen_bodies.add(fingerprint)
                graph, problems = parse_graph(response, self.ctx.jsonld_contexts)
            except HarvestFailed as exc:
                if pages == 0 or exc.kind != "parse":
                    raise
                # a later page that is not well-formed: logged with its position; the next one is read when
                # its address can be told from this one's page number
                pages += 1
                bad += 1
                self.complete = False
                yield Problem(None, LogText("page_unreadable", "page {page} ({address}) could not be read and was "
                                            "skipped: {reason}", page=pages, address=url[:300],
                                            reason=exc.message[:500]), "page")
                url = None if bad > MAX_BAD_PAGES or url == last else _following(url)
                continue
            bad = 0
            pages += 1
            yield from problems
            for total in graph.objects(None, HYDRA.totalItems):
                if str(total).isdigit():
                    self.ctx.set_total(int(str(total)))
                    self.announced_empty = self.announced_empty or int(str(total)) == 0
            if (None, RDF.type, DCAT.Catalog) in graph:
                catalogues = True
            for obj in graph.objects(None, HYDRA.last):
                last = join_url(response.url if is_web(response.url) else url, str(obj))
            yield from self._records(graph)
            nxt = _next_page(graph, url)
            url = join_url(response.url if is_web(response.url) else url, nxt) if nxt else None
        if url and pages >= MAX_PAGES:
            self.complete = False
        # a catalogue that lists no dataset is an empty source, not an unreadable one
        self.announced_empty = self.announced_empty or (catalogues and not self.records_read)
        self.ctx.state["paged"] = pages > 1
        if pages > 1:
            self.ctx.state.pop("etag", None)
            self.ctx.state.pop("last_modified", None)

    records_read = 0

    def _records(self, g: Graph) -> Iterator[Record | Problem]:
        # a series is kept through its members (dcat:inSeries), not as a dataset of its own
        datasets = sorted(set(g.subjects(RDF.type, DCAT.Dataset)) - set(g.subjects(RDF.type, DCAT.DatasetSeries)),
                          key=str)
        self.records_read += len(datasets)
        for node in datasets:
            try:
                yield dataset_record(g, node)
            except (TypeError, ValueError, AttributeError, KeyError) as exc:
                yield Problem(str(node) if isinstance(node, URIRef) else None, LogText(
                    "record_unreadable", "the record cannot be read: {reason}",
                    reason=f"{type(exc).__name__}: {exc}"[:300]), "parse")
        lonely = set(g.subjects(RDF.type, DCAT.DatasetSeries)) - set(g.objects(None, DCAT.inSeries))
        for series in sorted(lonely, key=str):
            self.ctx.warn(str(series)[:500], "not_kept", LogText(
                "series_without_members", "a dataset series without any member (dcat:inSeries) in the document "
                "is not kept: series are stored through their members"))
        nested = set(g.objects(None, DCAT.accessService))
        services = sorted(set(g.subjects(RDF.type, DCAT.DataService)) - nested, key=str)
        self.records_read += len(services)
        for node in services:
            record = service_record(g, node)
            if isinstance(record, dict) and not record.get("endpoint_url"):
                self.ctx.warn(record["remote_id"], "invalid_value", LogText("service_without_endpoint",
                                                                             "a data service without an endpoint "
                                                                             "was left out"))
                continue
            yield record


HARVESTER = DcatHarvester
