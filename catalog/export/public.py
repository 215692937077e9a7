"""What crawlers and feed readers fetch: `sitemap.xml` (a sitemap index, paged at 50,000 URLs per
sitemap as the protocol allows), `robots.txt`, the Atom feed `/feeds/datasets.atom` of new and
updated open datasets, and the schema.org JSON-LD that dataset pages embed. XML is written with
ElementTree, never by hand."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from flask import Blueprint, Response, abort
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..db import db_session
from ..i18n import current_locale
from ..models import Database, Dataset, Licence, Organization
from . import schema_org, source, uris

bp = Blueprint("public_feeds", __name__)

#: URLs per sitemap (the sitemaps.org limit)
SITEMAP_LIMIT = 50_000
ATOM_ENTRIES = 50
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
ATOM_NS = "http://www.w3.org/2005/Atom"
#: pages of accounts, forms and internal work: nothing for a crawler
ROBOTS_DISALLOW = ("/login", "/logout", "/account", "/admin", "/harvest", "/sharing", "/notifications",
                   "/language", "/api/v1/", "/datasets/new")


@bp.app_template_global()
def schema_org_jsonld(ds: Dataset) -> dict | None:
    """For `{{ schema_org_jsonld(ds)|tojson }}` in the dataset page (None: not public)."""
    licence = db_session().get(Licence, ds.licence_code) if ds.licence_code else None
    return schema_org.dataset_jsonld(ds, licence)


def _xml(root: ET.Element, mimetype: str) -> Response:
    ET.register_namespace("", root.tag.split("}")[0].lstrip("{"))
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _w3c(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dataset_count() -> int:
    query = source.open_datasets().with_only_columns(func.count()).order_by(None)
    return db_session().scalar(query) or 0


@bp.get("/sitemap.xml")
def sitemap_index() -> Response:
    """Index of the sitemaps: one of the catalogue's pages, then one per 50,000 dataset pages."""
    pages = max(1, -(-_dataset_count() // SITEMAP_LIMIT))
    root = ET.Element(f"{{{SITEMAP_NS}}}sitemapindex")
    locations = [uris.absolute("/sitemaps/pages.xml")]
    locations += [uris.absolute(f"/sitemaps/datasets-{n}.xml") for n in range(1, pages + 1)]
    for loc in locations:
        ET.SubElement(ET.SubElement(root, f"{{{SITEMAP_NS}}}sitemap"), f"{{{SITEMAP_NS}}}loc").text = loc
    return _xml(root, "application/xml")


def _urlset(entries: list[tuple[str, datetime | None]]) -> Response:
    root = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for loc, modified in entries:
        url = ET.SubElement(root, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = loc
        if modified is not None:
            ET.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = _w3c(modified)
    return _xml(root, "application/xml")


@bp.get("/sitemaps/pages.xml")
def sitemap_pages() -> Response:
    """The home page, the lists, and the pages of agencies and databases (public entries)."""
    s = db_session()
    entries: list[tuple[str, datetime | None]] = [(uris.absolute(p), None) for p in (
        "/", "/datasets", "/organizations", "/databases")]
    for code, stamp in s.execute(select(Organization.code, Organization.updated_at).order_by(Organization.code)):
        entries.append((uris.absolute(f"/organizations/{code}"), stamp))
    for code, stamp in s.execute(select(Database.code, Database.updated_at).order_by(Database.code)):
        entries.append((uris.absolute(f"/databases/{code}"), stamp))
    return _urlset(entries[:SITEMAP_LIMIT])


@bp.get("/sitemaps/datasets-<int:n>.xml")
def sitemap_datasets(n: int) -> Response:
    if n < 1:
        abort(404)
    query = source.open_datasets().with_only_columns(Dataset.slug, Dataset.updated_at).order_by(
        Dataset.created_at, Dataset.id).limit(SITEMAP_LIMIT).offset((n - 1) * SITEMAP_LIMIT)
    rows = db_session().execute(query).all()
    if not rows and n > 1:
        abort(404)
    return _urlset([(uris.absolute(f"/datasets/{slug}"), stamp) for slug, stamp in rows])


@bp.get("/robots.txt")
def robots() -> Response:
    lines = ["User-agent: *", "Allow: /"] + [f"Disallow: {p}" for p in ROBOTS_DISALLOW]
    lines += ["", f"Sitemap: {uris.absolute('/sitemap.xml')}", ""]
    return Response("\n".join(lines), mimetype="text/plain")


@bp.get("/feeds/datasets.atom")
def atom() -> Response:
    """The latest new and updated open datasets, most recent first."""
    from flask import current_app

    s = db_session()
    cfg = current_app.config["CATALOG"]
    rows = list(s.scalars(source.open_datasets().options(selectinload(Dataset.publisher)).order_by(
        Dataset.updated_at.desc(), Dataset.id).limit(ATOM_ENTRIES)))
    a = f"{{{ATOM_NS}}}"
    loc = current_locale()
    feed = ET.Element(f"{a}feed", {"{http://www.w3.org/XML/1998/namespace}lang": loc})
    ET.SubElement(feed, f"{a}id").text = uris.absolute("/feeds/datasets.atom")
    ET.SubElement(feed, f"{a}title").text = gettext("%(site)s: new and updated open data",
                                                     site=cfg["SITE_NAME_EN" if loc == "en" else "SITE_NAME_VI"])
    ET.SubElement(feed, f"{a}updated").text = _w3c(max((d.updated_at for d in rows), default=None)) or \
        _w3c(datetime.now(UTC))
    ET.SubElement(feed, f"{a}link", rel="self", type="application/atom+xml", href=uris.absolute("/feeds/datasets.atom"))
    ET.SubElement(feed, f"{a}link", rel="alternate", type="text/html", href=uris.absolute("/datasets"))
    for ds in rows:
        entry = ET.SubElement(feed, f"{a}entry")
        ET.SubElement(entry, f"{a}id").text = uris.dataset_uri(ds)
        ET.SubElement(entry, f"{a}title").text = ds.title(loc)
        ET.SubElement(entry, f"{a}updated").text = _w3c(ds.updated_at)
        ET.SubElement(entry, f"{a}published").text = _w3c(ds.published_at or ds.created_at)
        ET.SubElement(entry, f"{a}link", rel="alternate", type="text/html", href=uris.dataset_uri(ds))
        ET.SubElement(entry, f"{a}link", rel="alternate", type="text/turtle", href=uris.dataset_uri(ds) + ".ttl")
        author = ET.SubElement(entry, f"{a}author")
        ET.SubElement(author, f"{a}name").text = ds.publisher.name_vi
        ET.SubElement(author, f"{a}uri").text = uris.organization_uri(ds.publisher)
        if ds.description(loc):
            ET.SubElement(entry, f"{a}summary").text = ds.description(loc)
        for code in ds.themes or []:
            ET.SubElement(entry, f"{a}category", term=code)
    return _xml(feed, "application/atom+xml")
