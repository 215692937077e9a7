"""Reading a DCAT document: its RDF syntax from the content type, extension or first bytes; RDF/XML
checked with defusedxml before rdflib sees it; JSON-LD with its contexts replaced by local copies."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException
from rdflib import Graph

from catalog.http import Response

from .base import HarvestFailed, Problem
from .jsonld_contexts import Contexts
from .reading import is_web

ACCEPT = "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.9, application/json;q=0.5, */*;q=0.1"

FORMATS = {
    "text/turtle": "turtle", "application/x-turtle": "turtle", "text/n3": "n3", "application/n-triples": "nt",
    "application/rdf+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "application/ld+json": "json-ld", "application/json": "json-ld",
}

EXTENSIONS = {".ttl": "turtle", ".n3": "n3", ".nt": "nt", ".rdf": "xml", ".xml": "xml", ".owl": "xml",
              ".jsonld": "json-ld", ".json": "json-ld"}

def detect_format(response: Response) -> str:
    ctype = response.content_type
    if ctype in FORMATS:
        return FORMATS[ctype]
    if ctype in ("text/html", "application/xhtml+xml"):
        raise HarvestFailed(f"{response.url}: the address answered an HTML page, not a DCAT document "
                            f"(content type {ctype})", "parse")
    suffix = Path(response.url.split("?", 1)[0]).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    head = response.content[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "xml"
    if head.startswith((b"{", b"[")):
        return "json-ld"
    if head.lower().startswith((b"@prefix", b"prefix", b"@base")):
        return "turtle"
    raise HarvestFailed(f"{response.url}: cannot tell the format (content type {ctype or 'none'}); "
                        "expected Turtle, RDF/XML or JSON-LD", "parse")

def check_xml(data: bytes, url: str) -> None:
    """Refuse entity declarations and external references before any RDF parser reads the XML."""
    try:
        DET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise HarvestFailed(f"{url}: refused, the XML declares entities or external references "
                            f"({type(exc).__name__}), which can exhaust the server", "parse") from exc
    except DET.ParseError as exc:
        raise HarvestFailed(f"{url}: the XML is not well-formed: {exc}", "parse") from exc

def parse_graph(response: Response, contexts: Contexts | None = None) -> tuple[Graph, list[Problem]]:
    """The document's graph, and the records left out of it (a JSON-LD node whose context is unknown)."""
    fmt = detect_format(response)
    graph = Graph()
    data = response.content
    problems: list[Problem] = []
    try:
        if fmt == "xml":
            check_xml(data, response.url)
        if fmt == "json-ld":
            try:
                doc = json.loads(data)
            except ValueError as exc:
                raise HarvestFailed(f"{response.url}: the JSON-LD is not valid JSON: {exc}", "parse") from exc
            doc, problems = (contexts or Contexts()).offline(doc, response.url if is_web(response.url) else None)
            with warnings.catch_warnings():  # rdflib's own JSON-LD parser uses its deprecated ConjunctiveGraph
                warnings.simplefilter("ignore", DeprecationWarning)
                graph.parse(data=json.dumps(doc), format="json-ld",
                            base=response.url if is_web(response.url) else None)
        else:
            graph.parse(data=data, format=fmt, publicID=response.url if is_web(response.url) else None)
    except HarvestFailed:
        raise
    except Exception as exc:  # rdflib raises many kinds (BadSyntax, SAXParseException, ValueError...)
        message = str(exc).strip().splitlines()
        detail = " ".join(line.strip() for line in message[:3])[:400]
        raise HarvestFailed(f"{response.url}: the {fmt} document cannot be read: {detail}", "parse") from exc
    return graph, problems
