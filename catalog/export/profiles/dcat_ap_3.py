"""The DCAT-AP 3 core mapping of a dataset and its distributions.

Literals carry their language (`@vi`, `@en`); themes, licences, formats, media types, access
rights, frequencies and languages are IRIs from `catalog.vocab` (the same tables the harvesters
read with). The IRIs of controlled vocabularies are typed here with the class DCAT-AP expects
(`dct:LicenseDocument`, `skos:Concept`...), so that the DCAT-AP 3 SHACL shapes find their ranges
without fetching the vocabularies.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef

from ... import policy
from ...models import DataService, Dataset, Distribution, Organization
from ...vocab import (
    DCAT,
    DCT,
    FOAF,
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


def texts(g: Graph, node: URIRef | BNode, pred: URIRef, vi: str | None, en: str | None) -> None:
    """A text in Vietnamese and, when there is one, English."""
    if vi:
        g.add((node, pred, Literal(vi, lang="vi")))
    if en:
        g.add((node, pred, Literal(en, lang="en")))


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
    texts(g, node, DCT.title, dist.title_vi, dist.title_en)
    texts(g, node, DCT.description, dist.description_vi, dist.description_en)
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
    texts(g, node, DCT.title, ds.title_vi, ds.title_en)
    # DCAT-AP requires a description: a dataset without one is described by its title.
    texts(g, node, DCT.description, ds.description_vi or ds.title_vi,
          ds.description_en or (ds.title_en if not ds.description_vi else None))
    g.add((node, DCT.identifier, Literal(ds.identifier)))
    for word in ds.keywords or []:
        g.add((node, DCAT.keyword, Literal(word, lang="vi")))
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
    for dist in ds.distributions:
        distribution_graph(g, node, dist, ds, ctx)


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
