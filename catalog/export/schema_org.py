"""schema.org `Dataset` descriptions for the JSON-LD block of dataset pages (what search engines
read). Only datasets the public may see get one, and a file's `contentUrl` only where the public
may download it."""

from __future__ import annotations

from typing import Any

from flask import current_app

from .. import policy
from ..models import Dataset, Licence
from . import uris


def _org(org: Any) -> dict[str, Any]:
    out = {"@type": "GovernmentOrganization", "@id": uris.organization_uri(org), "name": org.name_vi,
           "url": uris.organization_uri(org)}
    if org.name_en:
        out["alternateName"] = org.name_en
    if org.identifier:
        out["identifier"] = org.identifier
    return out


def dataset_jsonld(ds: Dataset, licence: Licence | None = None) -> dict[str, Any] | None:
    """The description, or None for a dataset the public may not see."""
    reader = policy.ANONYMOUS
    if not policy.can_view_dataset(reader, ds):
        return None
    cfg = current_app.config["CATALOG"]
    public_file = policy.can_download(reader, ds)
    doc: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "Dataset", "@id": uris.dataset_uri(ds),
        "url": uris.dataset_uri(ds), "name": ds.title_vi, "identifier": ds.identifier,
        "description": ds.description_vi or ds.title_vi, "isAccessibleForFree": True,
        "publisher": _org(ds.publisher), "creator": _org(ds.publisher),
        "includedInDataCatalog": {"@type": "DataCatalog", "name": cfg["SITE_NAME_VI"], "url": uris.absolute("/")},
        "inLanguage": ds.languages or ([] if ds.title_lang == "und" else [ds.title_lang or "vi"]),
    }
    if ds.title_en:
        doc["alternateName"] = ds.title_en
    if ds.keywords:
        doc["keywords"] = list(ds.keywords)
    if licence is not None and licence.url:
        doc["license"] = licence.url
    if ds.issued:
        doc["datePublished"] = ds.issued.isoformat()
    if ds.modified:
        doc["dateModified"] = ds.modified.isoformat()
    if ds.temporal_start or ds.temporal_end:
        doc["temporalCoverage"] = (f"{ds.temporal_start.isoformat() if ds.temporal_start else '..'}/"
                                   f"{ds.temporal_end.isoformat() if ds.temporal_end else '..'}")
    if ds.version:
        doc["version"] = ds.version
    downloads = []
    for dist in ds.distributions:
        item: dict[str, Any] = {"@type": "DataDownload", "name": dist.title_vi}
        if dist.media_type or dist.format:
            item["encodingFormat"] = dist.media_type or dist.format
        if public_file and (dist.file_path or dist.download_url):
            item["contentUrl"] = uris.download_url(dist)
        if dist.byte_size is not None:
            item["contentSize"] = f"{dist.byte_size} B"
        downloads.append(item)
    if downloads:
        doc["distribution"] = downloads
    return doc
