"""Every IRI and public address the feeds write, built in one place from the configured public
base URL (`CATALOG_BASE_URL`), never from the request's host: links stay right behind a proxy."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import current_app

from ..models import Database, DataService, Dataset, Distribution, Organization


def base_url() -> str:
    return str(current_app.config["CATALOG"]["BASE_URL"]).rstrip("/")


def absolute(path: str, **params: object) -> str:
    """A public address of a path on this portal, with query parameters (None ones left out)."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{base_url()}{path}" + (f"?{query}" if query else "")


def catalog_uri() -> str:
    return f"{base_url()}/catalog"


def dataset_uri(ds: Dataset) -> str:
    """The dataset's IRI is its page (stable: a slug is kept across edits and re-harvests)."""
    return f"{base_url()}/datasets/{quote(ds.slug)}"


def distribution_uri(dist: Distribution) -> str:
    return f"{base_url()}/distributions/{dist.id}"


def download_url(dist: Distribution) -> str:
    """Where the public fetches a file: ours for a stored file, else the publisher's address."""
    if dist.file_path:
        return f"{base_url()}/distributions/{dist.id}/download"
    return dist.download_url or dist.access_url or dataset_uri(dist.dataset)


def version_download_url(dist: Distribution, number: int) -> str:
    """The stable address of an earlier file of a stored distribution."""
    return f"{base_url()}/distributions/{dist.id}/versions/{number}/download"


def organization_uri(org: Organization) -> str:
    return f"{base_url()}/organizations/{quote(org.code)}"


def database_uri(db: Database) -> str:
    return f"{base_url()}/databases/{quote(db.code)}"


def admin_unit_uri(code: str) -> str:
    return f"{base_url()}/admin-units/{quote(code)}"


def dataservice_uri(svc: DataService) -> str:
    return f"{base_url()}/services/{quote(svc.slug)}"
