"""The DCAT-AP 3 core mapping of a dataset and its distributions.

Literals carry their language (`@vi`, `@en`); themes, licences, formats, media types, access
rights, frequencies and languages are IRIs from `catalog.vocab` (the same tables the harvesters
read with). The IRIs of controlled vocabularies are typed here with the class DCAT-AP expects
(`dct:LicenseDocument`, `skos:Concept`...), so that the DCAT-AP 3 SHACL shapes find their ranges
without fetching the vocabularies.
"""

from __future__ import annotations

import json

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from sqlalchemy import select

from ... import geo, policy
from ...models import DataService, Dataset, DatasetSeries, Distribution, Organization
from ...vocab import (
    ADMS,
    DCAT,
    DCATAP,
    DCT,
    FOAF,
    LOCN,
    RDF,
    RDFS,
    SKOS,
    SPDX,
    VCARD,
    XSD,
    access_level_to_rdf,
    date_literal_type,
    file_type_to_rdf,
    frequency_to_rdf,
    language_to_rdf,
    licence_to_rdf,
    media_type_to_rdf,
    theme_to_rdf,
)
from .. import uris
from . import FeedContext

GSP = Namespace("http://www.opengis.net/ont/geosparql#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")


def texts(g: Graph, node: URIRef | BNode, pred: URIRef, vi: str | None, en: str | None) -> None:
    """A text in Vietnamese and, when there is one, English."""
    if vi:
        g.add((node, pred, Literal(vi, lang="vi")))
    if en:
        g.add((node, pred, Literal(en, lang="en")))


def all_texts(g: Graph, node: URIRef | BNode, pred: URIRef, obj: object, name: str) -> None:
    """Every language a text is kept in, each tagged with its own language (a harvested German
    title held in `title_vi` goes out as @de, one of undetermined language without a tag)."""
    for code, text in obj.text_languages(name):  # type: ignore[attr-defined]
        g.add((node, pred, Literal(text, lang=code if code != "und" else None)))


def typed(g: Graph, node: URIRef, cls: URIRef) -> URIRef:
    g.add((node, RDF.type, cls))
    return node


def date_value(value: object) -> Literal:
    return Literal(value, datatype=date_literal_type(value))


def agent(g: Graph, org: Organization) -> URIRef:
    """A publisher: its page as IRI, its names, and its electronic identifier code (Decision
    20/2020/QĐ-TTg) as `dct:identifier`, falling back to the catalogue's own code."""
    node = URIRef(uris.organization_uri(org))
    g.add((node, RDF.type, FOAF.Agent))
    g.add((node, RDF.type, FOAF.Organization))
    texts(g, node, FOAF.name, org.name_vi, org.name_en)
    g.add((node, DCT.identifier, Literal(org.identifier or org.code)))
    if org.website:
        g.add((node, FOAF.homepage, typed(g, URIRef(org.website), FOAF.Document)))
    return node


def _contact(g: Graph, node: URIRef, ds: Dataset) -> None:
    if not (ds.contact_name or ds.contact_email or ds.contact_phone):
        return
    point = BNode()
    g.add((node, DCAT.contactPoint, point))
    g.add((point, RDF.type, VCARD.Kind))
    g.add((point, RDF.type, VCARD.Organization))
    g.add((point, VCARD.fn, Literal(ds.contact_name or ds.publisher.name_vi, lang="vi")))
    if ds.contact_email:
        g.add((point, VCARD.hasEmail, URIRef(f"mailto:{ds.contact_email}")))
    if ds.contact_phone:
        g.add((point, VCARD.hasTelephone, URIRef("tel:" + "".join(ds.contact_phone.split()))))


def _licence(g: Graph, node: URIRef, ds: Dataset, ctx: FeedContext) -> None:
    if not ds.licence_code:
        return
    lic = ctx.licences.get(ds.licence_code)
    iri = licence_to_rdf(ds.licence_code, lic.url if lic else None)
    if iri is None:
        return
    g.add((node, DCT.license, typed(g, iri, DCT.LicenseDocument)))
    if lic is not None:
        texts(g, iri, RDFS.label, lic.title_vi, lic.title_en)


def distribution_graph(g: Graph, ds_node: URIRef, dist: Distribution, ds: Dataset, ctx: FeedContext) -> URIRef:
    node = URIRef(uris.distribution_uri(dist))
    g.add((ds_node, DCAT.distribution, node))
    g.add((node, RDF.type, DCAT.Distribution))
    all_texts(g, node, DCT.title, dist, "title")
    all_texts(g, node, DCT.description, dist, "description")
    if dist.identifier:
        g.add((node, DCT.identifier, Literal(dist.identifier)))
    public_file = policy.can_download(ctx.reader, ds)
    address = uris.download_url(dist)
    access = address if public_file else (dist.access_url or uris.dataset_uri(ds))
    g.add((node, DCAT.accessURL, typed(g, URIRef(access), RDFS.Resource)))
    if public_file and (dist.file_path or dist.download_url):
        g.add((node, DCAT.downloadURL, typed(g, URIRef(address), RDFS.Resource)))
    if dist.format:
        fmt = file_type_to_rdf(dist.format)
        if fmt is not None:
            g.add((node, DCT["format"], typed(g, fmt, DCT.MediaTypeOrExtent)))
    if dist.media_type:
        g.add((node, DCAT.mediaType, typed(g, media_type_to_rdf(dist.media_type), DCT.MediaType)))
    if dist.byte_size is not None and dist.byte_size >= 0:
        g.add((node, DCAT.byteSize, Literal(dist.byte_size, datatype=XSD.nonNegativeInteger)))
    if dist.checksum_sha256:
        checksum = BNode()
        g.add((node, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, typed(g, SPDX.checksumAlgorithm_sha256, SPDX.ChecksumAlgorithm)))
        g.add((checksum, SPDX.checksumValue, Literal(dist.checksum_sha256, datatype=XSD.hexBinary)))
    elif dist.checksum and dist.checksum.get("value") and dist.checksum.get("algorithm") in ("md5", "sha1", "sha512"):
        checksum = BNode()
        g.add((node, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        algorithm = SPDX["checksumAlgorithm_" + dist.checksum["algorithm"]]
        g.add((checksum, SPDX.algorithm, typed(g, algorithm, SPDX.ChecksumAlgorithm)))
        g.add((checksum, SPDX.checksumValue, Literal(dist.checksum["value"], datatype=XSD.hexBinary)))
    for pred, value in ((DCT.issued, dist.issued), (DCT.modified, dist.modified)):
        if value:
            g.add((node, pred, date_value(value)))
    _licence(g, node, ds, ctx)
    if ds.access_level:
        g.add((node, DCT.accessRights,
               typed(g, access_level_to_rdf(ds.access_level), DCT.RightsStatement)))
    return node


def dataset_graph(g: Graph, node: URIRef, ds: Dataset, ctx: FeedContext) -> None:
    g.add((node, RDF.type, DCAT.Dataset))
    all_texts(g, node, DCT.title, ds, "title")
    # DCAT-AP requires a description: a dataset without one is described by its title.
    if ds.description_vi or ds.description_en:
        all_texts(g, node, DCT.description, ds, "description")
    else:
        all_texts(g, node, DCT.description, ds, "title")
    g.add((node, DCT.identifier, Literal(ds.identifier)))
    _keywords(g, node, ds)
    for code in ds.themes or []:
        theme = ctx.themes.get(code)
        iri = typed(g, theme_to_rdf(code, theme.uri if theme else None), SKOS.Concept)
        g.add((node, DCAT.theme, iri))
        if theme is not None:
            texts(g, iri, SKOS.prefLabel, theme.name_vi, theme.name_en)
    g.add((node, DCT.publisher, agent(g, ds.publisher)))
    _contact(g, node, ds)
    _licence(g, node, ds, ctx)
    g.add((node, DCT.accessRights, typed(g, access_level_to_rdf(ds.access_level), DCT.RightsStatement)))
    if ds.update_frequency:
        g.add((node, DCT.accrualPeriodicity, typed(g, frequency_to_rdf(ds.update_frequency), DCT.Frequency)))
    for code in ds.languages or []:
        lang = language_to_rdf(code)
        if lang is not None:
            g.add((node, DCT.language, typed(g, lang, DCT.LinguisticSystem)))
    if ds.temporal_start or ds.temporal_end:
        period = BNode()
        g.add((node, DCT.temporal, period))
        g.add((period, RDF.type, DCT.PeriodOfTime))
        if ds.temporal_start:
            g.add((period, DCAT.startDate, date_value(ds.temporal_start)))
        if ds.temporal_end:
            g.add((period, DCAT.endDate, date_value(ds.temporal_end)))
    for pred, value in ((DCT.issued, ds.issued), (DCT.modified, ds.modified)):
        if value:
            g.add((node, pred, date_value(value)))
    if ds.landing_page:
        g.add((node, DCAT.landingPage, typed(g, URIRef(ds.landing_page), FOAF.Document)))
    if ds.version:
        g.add((node, DCAT.version, Literal(ds.version)))
    if ds.provenance:
        statement = BNode()
        g.add((node, DCT.provenance, statement))
        g.add((statement, RDF.type, DCT.ProvenanceStatement))
        g.add((statement, RDFS.label, Literal(ds.provenance, lang="vi")))
    _kept_fields(g, node, ds)
    _series(g, node, ds, ctx)
    for dist in ds.distributions:
        distribution_graph(g, node, dist, ds, ctx)


def _keywords(g: Graph, node: URIRef, ds: Dataset) -> None:
    """The keywords, in the language of the record's main text, and every other language kept."""
    main = ds.title_lang or "vi"
    for word in ds.keywords or []:
        g.add((node, DCAT.keyword, Literal(word, lang=main if main != "und" else None)))
    kept = (ds.translations or {}).get("keywords") or {}
    for code, words in kept.items() if isinstance(kept, dict) else ():
        if code == main:
            continue
        for word in words if isinstance(words, list) else []:
            g.add((node, DCAT.keyword, Literal(str(word), lang=code if code != "und" else None)))


def _kept_fields(g: Graph, node: URIRef, ds: Dataset) -> None:
    """What harvests keep beyond the core: coverage geometry, resolution, identifiers, legislation."""
    box = geo.bounds(ds.spatial_geojson)
    if ds.spatial_geojson and box is not None:
        place = BNode()
        g.add((node, DCT.spatial, place))
        g.add((place, RDF.type, DCT.Location))
        shape = BNode()  # DCAT-AP 3 wants a locn:Geometry node, carrying its GeoSPARQL literal
        g.add((place, LOCN.geometry, shape))
        g.add((shape, RDF.type, LOCN.Geometry))
        g.add((shape, GSP.asGeoJSON, Literal(json.dumps(ds.spatial_geojson, separators=(",", ":")),
                                             datatype=GSP.geoJSONLiteral)))
        west, south, east, north = box
        wkt = (f"POLYGON(({west} {south},{east} {south},{east} {north},{west} {north},{west} {south}))")
        g.add((place, DCAT.bbox, Literal(wkt, datatype=GSP.wktLiteral)))
    if ds.spatial_resolution_m is not None:
        g.add((node, DCAT.spatialResolutionInMeters, Literal(ds.spatial_resolution_m, datatype=XSD.decimal)))
    for value in ds.other_identifiers or []:
        identifier = BNode()
        g.add((node, ADMS.identifier, identifier))
        g.add((identifier, RDF.type, ADMS.Identifier))
        g.add((identifier, SKOS.notation, Literal(value)))
    for law in ds.applicable_legislation or []:
        if law.startswith(("http://", "https://")):
            g.add((node, DCATAP.applicableLegislation, typed(g, URIRef(law), ELI.LegalResource)))


def series_uri(series: DatasetSeries) -> str:
    return uris.absolute(f"/series/{series.slug}")


def _series(g: Graph, node: URIRef, ds: Dataset, ctx: FeedContext) -> None:
    """`dcat:inSeries` and the series itself; neighbours only when the reader may see them."""
    series = ds.series
    if series is None:
        return
    snode = URIRef(series_uri(series))
    g.add((node, DCAT.inSeries, snode))
    g.add((snode, RDF.type, DCAT.DatasetSeries))
    all_texts(g, snode, DCT.title, series, "title")
    all_texts(g, snode, DCT.description, series, "description" if series.description_vi else "title")
    g.add((snode, DCT.identifier, Literal(series.identifier)))
    wanted = {k: v for k, v in {**(ds.series_links or {}), "first": series.first_uri,
                                "last": series.last_uri}.items() if v}
    if not wanted:
        return
    found = {d.identifier: d for d in ctx.session.scalars(select(Dataset).where(
        Dataset.identifier.in_(set(wanted.values())), policy.dataset_visibility(ctx.reader)))}
    for side, iri in wanted.items():
        other = found.get(iri)
        if other is None:
            continue
        target = URIRef(uris.dataset_uri(other))
        if side in ("prev", "next"):
            g.add((node, DCAT[side], target))
        else:
            g.add((snode, DCAT[side], target))


def service_graph(g: Graph, node: URIRef, svc: DataService, ctx: FeedContext) -> None:
    """A data service (an API); `dcat:servesDataset` names only datasets the reader may see."""
    g.add((node, RDF.type, DCAT.DataService))
    texts(g, node, DCT.title, svc.title_vi, svc.title_en)
    texts(g, node, DCT.description, svc.description_vi, svc.description_en)
    g.add((node, DCAT.endpointURL, typed(g, URIRef(svc.endpoint_url), RDFS.Resource)))
    if svc.endpoint_description:
        g.add((node, DCAT.endpointDescription, typed(g, URIRef(svc.endpoint_description), RDFS.Resource)))
    g.add((node, DCT.publisher, agent(g, svc.publisher)))
    g.add((node, DCT.accessRights, typed(g, access_level_to_rdf(svc.access_level), DCT.RightsStatement)))
    for ds in svc.datasets:
        if policy.can_view_dataset(ctx.reader, ds):
            g.add((node, DCAT.servesDataset, URIRef(uris.dataset_uri(ds))))
