"""Reading the nodes of a DCAT graph: literals by language, and the properties that sources give as
IRIs, plain values or described nodes (labels, values, names, geometries, periods, checksums)."""

from __future__ import annotations

from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef

from catalog import geo
from catalog.vocab import (
    ADMS,
    DCAT,
    FOAF,
    LOCN,
    POD,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    SPDX,
    VCARD,
    access_level_from_rdf,
    file_type_from_rdf,
    media_type_from_rdf,
)
from catalog.vocab import DCT as DCTERMS

from .languages import by_language, place
from .record import as_text


def _objects(g: Graph, s: Any, *preds: Any) -> list[Any]:
    out: list[Any] = []
    for p in preds:
        out.extend(g.objects(s, p))
    return out

def _text(node: Any) -> str | None:
    return as_text(str(node)) if node is not None else None

def _first(g: Graph, s: Any, *preds: Any) -> str | None:
    for obj in _objects(g, s, *preds):
        if isinstance(obj, URIRef | Literal):
            text = _text(obj)
            if text:
                return text
    return None

def _tagged(g: Graph, s: Any, *preds: Any) -> dict[str, str]:
    """{language tag ("" when untagged): text} of a node's literals."""
    values: dict[str, str] = {}
    for obj in _objects(g, s, *preds):
        if isinstance(obj, Literal) and str(obj).strip():
            values.setdefault((obj.language or "").lower(), str(obj).strip())
    return values

def _langs(g: Graph, s: Any, *preds: Any) -> tuple[str | None, str | None]:
    """(Vietnamese or main text, English) of a label; a label's language is not recorded."""
    placed = place(by_language(_tagged(g, s, *preds), []))
    return placed.vi, placed.en

_LABELS = (SKOS.prefLabel, RDFS.label, FOAF.name, LOCN.geographicName, DCTERMS.title, RDF.value)

def _label(g: Graph, node: Any) -> str | None:
    """A node's readable name (a literal, or the label of a resource)."""
    if isinstance(node, Literal):
        return _text(node)
    vi, _en = _langs(g, node, *_LABELS)
    return vi

def _value(g: Graph, node: Any) -> str | None:
    """An IRI, a literal, or a described node's value or label (`rdf:value`, `skos:notation`, labels)."""
    if isinstance(node, URIRef | Literal):
        return _text(node)
    return _first(g, node, RDF.value, SKOS.notation, DCTERMS.identifier) or _label(g, node)

def _uri_or_text(node: Any) -> str | None:
    return _text(node) if isinstance(node, URIRef | Literal) else None

def _contact(g: Graph, s: Any) -> tuple[str | None, str | None, str | None]:
    for point in _objects(g, s, DCAT.contactPoint, ADMS.contactPoint):
        if isinstance(point, URIRef) and str(point).startswith("mailto:") and not list(g.predicate_objects(point)):
            return None, str(point).removeprefix("mailto:"), None
        if isinstance(point, Literal):
            text = str(point).strip()
            if "@" in text:
                return None, text.removeprefix("mailto:"), None
            if text:
                return text, None, None
            continue
        name = _langs(g, point, VCARD.fn, VCARD["organization-name"], VCARD.organisationName, FOAF.name)[0]
        email = None
        for mail in _objects(g, point, VCARD.hasEmail, FOAF.mbox):
            email = _text(mail) if isinstance(mail, URIRef | Literal) else _first(g, mail, VCARD.hasValue)
        phone = None
        for tel in _objects(g, point, VCARD.hasTelephone):
            phone = _text(tel) if isinstance(tel, URIRef | Literal) else _first(g, tel, VCARD.hasValue)
        if name or email or phone:
            return name, email.removeprefix("mailto:") if email else None, phone.removeprefix("tel:") if phone else None
    return None, None, None

TIME = Namespace("http://www.w3.org/2006/time#")

GSP = Namespace("http://www.opengis.net/ont/geosparql#")

def _instant(g: Graph, node: Any) -> str | None:
    """An OWL-Time instant (`time:inXSDDate`, `time:inXSDDateTime`) or a literal date."""
    if isinstance(node, Literal):
        return _text(node)
    return _first(g, node, TIME.inXSDDate, TIME.inXSDDateTimeStamp, TIME.inXSDDateTime, TIME.inXSDgYear)

def _temporal(g: Graph, s: Any) -> tuple[str | None, str | None]:
    for node in _objects(g, s, DCTERMS.temporal):
        if isinstance(node, Literal):
            text = str(node)
            if "/" in text:
                start, _sep, end = text.partition("/")
                return start, end
            continue
        start = _first(g, node, DCAT.startDate, SCHEMA.startDate)
        end = _first(g, node, DCAT.endDate, SCHEMA.endDate)
        for begin in _objects(g, node, TIME.hasBeginning):
            start = start or _instant(g, begin)
        for finish in _objects(g, node, TIME.hasEnd):
            end = end or _instant(g, finish)
        if start or end:
            return start, end
    return None, None

def _format(g: Graph, s: Any) -> tuple[str | None, str | None]:
    """`dct:format` and `dcat:mediaType` as IRIs, literals or described nodes (`rdf:value`, labels)."""
    fmt, media, literal = None, None, False
    for node in _objects(g, s, DCTERMS.format):
        if isinstance(node, URIRef):
            fmt, literal = file_type_from_rdf(str(node)), False
        elif isinstance(node, Literal):
            fmt, literal = str(node), True
        else:
            text = _value(g, node)
            if text and "/" in text and "://" not in text:
                media = media or text
            elif text:
                fmt, literal = (file_type_from_rdf(text) if "://" in text else text), "://" not in text
    for node in _objects(g, s, DCAT.mediaType):
        text = _value(g, node)
        if text:
            media = media_type_from_rdf(text)
    if not fmt:
        fmt = media.rsplit("/", 1)[-1].split("+")[0] if media else None
        return (fmt.upper()[:32] if fmt else None), media
    if literal:
        if "/" in fmt:
            media = media or fmt
        fmt = file_type_from_rdf(fmt)
    return fmt, media

def _checksum(g: Graph, s: Any) -> dict[str, str] | None:
    for node in _objects(g, s, SPDX.checksum):
        value = _first(g, node, SPDX.checksumValue)
        algorithms = _objects(g, node, SPDX.algorithm)
        algorithm = _value(g, algorithms[0]) if algorithms else None
        if value:
            name = (algorithm or "").rsplit("_", 1)[-1].rsplit("#", 1)[-1].lower() or "unknown"
            return {"algorithm": name, "value": value.strip().lower()}
    return None

def _access_level(g: Graph, s: Any) -> str | None:
    for node in _objects(g, s, DCTERMS.accessRights, POD.accessLevel):
        text = (_label(g, node) if isinstance(node, BNode) else str(node)) or ""
        level = access_level_from_rdf(text)
        if level:
            return level
    return None

def _texts(g: Graph, s: Any, pred: Any, declared: list[str], main_lang: str | None = None) -> Any:
    return place(by_language(_tagged(g, s, pred), declared), main_lang=main_lang, declared=declared)

def _publisher(g: Graph, node: Any) -> tuple[str | None, str | None]:
    """(name, IRI) of `dct:publisher`: an IRI with or without a description, a literal, a blank node."""
    for pub in _objects(g, node, DCTERMS.publisher):
        uri = str(pub) if isinstance(pub, URIRef) else None
        name = _label(g, pub) if not isinstance(pub, Literal) else _text(pub)
        return name or uri, uri
    return None, None

def _spatial(g: Graph, node: Any) -> tuple[list[str], dict[str, Any] | None]:
    """Place names or IRIs (matched to administrative units later) and the geometry, if any."""
    places: list[str] = []
    geometry = None
    for place_node in _objects(g, node, DCTERMS.spatial):
        if isinstance(place_node, Literal):
            parsed = geo.parse(str(place_node)) if str(place_node).lstrip()[:1] in "{PMEpme<" else None
            if parsed:
                geometry = geometry or parsed
            elif _text(place_node):
                places.append(_text(place_node) or "")
            continue
        label = _label(g, place_node)
        if isinstance(place_node, URIRef):
            places.append(str(place_node))
        elif label:
            places.append(label)
        for pred in (LOCN.geometry, DCAT.bbox, DCAT.centroid):
            for shape in g.objects(place_node, pred):
                if not isinstance(shape, Literal):  # a described geometry (GeoSPARQL asGeoJSON / asWKT)
                    shape = next((v for v in _objects(g, shape, GSP.asGeoJSON, GSP.asWKT, RDF.value)
                                  if isinstance(v, Literal)), None)
                parsed = geo.parse(str(shape)) if isinstance(shape, Literal) else None
                # the first shape given, unless only a point came before an area
                if parsed and (geometry is None or (geometry["type"] == "Point" and parsed["type"] != "Point")):
                    geometry = parsed
    return sorted(dict.fromkeys(p for p in places if p)), geometry

def _identifiers(g: Graph, node: Any) -> list[str]:
    out = []
    for other in _objects(g, node, ADMS.identifier):
        text = _value(g, other)
        if text:
            out.append(text)
    return list(dict.fromkeys(out))

def _number(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None
