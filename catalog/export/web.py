"""Routes of the DCAT-AP feeds: `/catalog.ttl|rdf|jsonld` (Hydra-paged; `q`, `modified_since` and
`organization` filters)
and `/datasets/<key>.ttl|rdf|jsonld`. Thin: the source picks the datasets, the serializer writes."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from marshmallow import ValidationError
from werkzeug.exceptions import BadRequest

from ..db import db_session
from ..web.params import MAX_PAGE
from . import serializer, source
from .profiles import FeedContext

bp = Blueprint("feeds", __name__)

FEED_FORMATS = "any(ttl, rdf, jsonld)"


def _document(body: bytes, fmt: str) -> Response:
    response = Response(body, mimetype=serializer.FORMATS[fmt][1].split(";")[0])
    response.headers["Content-Type"] = serializer.FORMATS[fmt][1]
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def bad_request(error: ValidationError) -> BadRequest:
    """A query parameter's error as a 400 page naming the parameter."""
    messages = error.normalized_messages()
    text = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in messages.items()) if isinstance(messages, dict) \
        else str(messages)
    return BadRequest(description=text)


def page_number(name: str = "page") -> int:
    """Feeds are read by programs: a page that is not a whole number from 1 to MAX_PAGE is a 400
    naming the parameter (a larger one would overflow the database's offset)."""
    raw = request.args.get(name, "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise bad_request(ValidationError({name: [f"not a page number from 1 to {MAX_PAGE}: {raw[:20]}"]}))
    return int(raw)


#: media types a client may ask for at `/catalog` -> our suffix
ACCEPTED = {"text/turtle": "ttl", "application/rdf+xml": "rdf", "application/ld+json": "jsonld",
            "application/json": "jsonld"}


@bp.get("/catalog")
def negotiated_catalog() -> Response:
    """The catalogue in the syntax the `Accept` header prefers (Turtle when it names none of ours)."""
    best = request.accept_mimetypes.best_match(list(ACCEPTED))
    response = catalog(ACCEPTED.get(best or "", "ttl"))
    response.headers["Vary"] = "Accept"
    return response


@bp.get(f"/catalog.<{FEED_FORMATS}:fmt>")
def catalog(fmt: str) -> Response:
    s = db_session()
    try:
        since = source.parse_since(request.args.get("modified_since"))
    except ValidationError as exc:
        raise bad_request(exc) from None
    q = (request.args.get("q") or "").strip()[:500] or None
    page = page_number()
    per_page = current_app.config["CATALOG"]["FEED_PAGE_SIZE"]
    organization = (request.args.get("organization") or "").strip()[:64] or None
    result = source.feed_page(s, q=q, modified_since=since, organization=organization, page=page,
                              per_page=per_page)
    filters = {"q": q, "modified_since": request.args.get("modified_since") or None, "organization": organization}
    # data services are few: the first page of the unfiltered catalogue lists them all
    services = source.feed_services(s) if page == 1 and not (q or since or organization) else []
    graph = serializer.catalog_graph(result.items, FeedContext.load(s), page=page, per_page=per_page,
                                     total=result.total, fmt=fmt, filters=filters, services=services)
    return _document(serializer.serialize(graph, fmt), fmt)


@bp.get(f"/datasets/<key>.<{FEED_FORMATS}:fmt>")
def dataset(key: str, fmt: str) -> Response:
    s = db_session()
    ds = source.feed_dataset(s, key)
    response = _document(serializer.serialize(serializer.dataset_graph(ds, FeedContext.load(s)), fmt), fmt)
    if ds.updated_at:
        response.last_modified = ds.updated_at
    return response
