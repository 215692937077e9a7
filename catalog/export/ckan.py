"""Our records as CKAN dictionaries (package, resource, organization, group), the shapes CKAN's
Action API answers with, so that CKAN clients and harvesters read us unchanged.

Translated fields follow ckanext-fluent (`title_translated: {"vi": ..., "en": ...}`); the DCAT
fields CKAN core has no column for travel as `extras`, as ckanext-dcat writes them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from .. import policy
from ..models import Dataset, Distribution, Licence, Organization, Theme
from ..services.distributions import visible_versions
from . import uris


def stamp(value: datetime | date | None) -> str | None:
    """CKAN writes times as naive ISO 8601 in UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    return value.isoformat()


def translated(vi: str | None, en: str | None) -> dict[str, str]:
    return {k: v for k, v in (("vi", vi), ("en", en)) if v}


def organization_dict(org: Organization, package_count: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": org.id, "name": org.code, "title": org.name_vi,
        "title_translated": translated(org.name_vi, org.name_en),
        "display_name": org.name_vi, "description": org.description_vi or "",
        "description_translated": translated(org.description_vi, org.description_en),
        "image_url": "", "type": "organization", "is_organization": True, "state": "active",
        "approval_status": "approved", "created": stamp(org.created_at),
        "identifier": org.identifier, "url": uris.organization_uri(org),
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


def group_dict(theme: Theme, package_count: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": theme.code.lower(), "name": theme.code.lower(), "title": theme.name_vi,
        "title_translated": translated(theme.name_vi, theme.name_en), "display_name": theme.name_vi,
        "description": "", "image_url": "", "type": "group", "is_organization": False, "state": "active",
        "approval_status": "approved", "uri": theme.uri,
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


def resource_dict(dist: Distribution, ds: Dataset, reader: policy.Reader = policy.ANONYMOUS) -> dict[str, Any]:
    public_file = policy.can_download(reader, ds)
    address = uris.download_url(dist) if public_file else (dist.access_url or uris.dataset_uri(ds))
    return {
        "id": dist.id, "package_id": ds.id, "position": dist.position,
        "name": dist.title_vi, "name_translated": translated(dist.title_vi, dist.title_en),
        "description": dist.description_vi or "",
        "description_translated": translated(dist.description_vi, dist.description_en),
        "url": address, "url_type": "upload" if dist.file_path and public_file else "",
        "download_url": address if public_file and (dist.file_path or dist.download_url) else None,
        "access_url": dist.access_url or address,
        "format": dist.format or "", "mimetype": dist.media_type, "size": dist.byte_size,
        "hash": f"sha256:{dist.checksum_sha256}" if dist.checksum_sha256 else "",
        "issued": stamp(dist.issued), "modified": stamp(dist.modified),
        "created": stamp(dist.created_at), "last_modified": stamp(dist.updated_at),
        "state": "active", "uri": uris.distribution_uri(dist),
        # CKAN core has no versions of a resource; like any extra key of a resource, this list
        # travels as is (ckanapi and CKAN harvesters keep or ignore it). Only files the reader may fetch.
        "versions": [{
            "number": v.number, "name": v.file_name, "format": v.format or "", "mimetype": v.media_type,
            "size": v.byte_size, "hash": f"sha256:{v.checksum_sha256}" if v.checksum_sha256 else "",
            "created": stamp(v.valid_from), "replaced": stamp(v.replaced_at),
            "url": uris.version_download_url(dist, v.number),
        } for v in visible_versions(reader, dist)],
    }


def package_dict(ds: Dataset, licences: dict[str, Licence], themes: dict[str, Theme],
                 reader: policy.Reader = policy.ANONYMOUS) -> dict[str, Any]:
    licence = licences.get(ds.licence_code or "")
    extras = {
        "identifier": ds.identifier, "uri": uris.dataset_uri(ds),
        "issued": stamp(ds.issued), "modified": stamp(ds.modified),
        "frequency": ds.update_frequency, "language": ",".join(ds.languages or []) or None,
        "temporal_start": stamp(ds.temporal_start), "temporal_end": stamp(ds.temporal_end),
        "access_level": ds.access_level, "is_master_data": "true" if ds.is_master_data else "false",
        "database": ds.database.code if ds.database else None, "spatial_uri": ",".join(ds.spatial or []) or None,
        "provenance": ds.provenance, "publisher_name": ds.publisher.name_vi,
        "publisher_identifier": ds.publisher.identifier,
    }
    resources = [resource_dict(d, ds, reader) for d in ds.distributions]
    tags = [{"name": k, "display_name": k, "state": "active"} for k in ds.keywords or []]
    return {
        "id": ds.id, "name": ds.slug, "type": "dataset", "state": "active", "private": False,
        "title": ds.title_vi, "title_translated": translated(ds.title_vi, ds.title_en),
        "notes": ds.description_vi or "", "notes_translated": translated(ds.description_vi, ds.description_en),
        "license_id": ds.licence_code, "license_title": licence.title_vi if licence else None,
        "license_url": licence.url if licence else None, "isopen": bool(licence and licence.is_open),
        "metadata_created": stamp(ds.created_at), "metadata_modified": stamp(ds.updated_at),
        "owner_org": ds.publisher.id, "organization": organization_dict(ds.publisher),
        "maintainer": ds.contact_name, "maintainer_email": ds.contact_email, "author": None, "author_email": None,
        "url": ds.landing_page or uris.dataset_uri(ds), "version": ds.version,
        "tags": tags, "num_tags": len(tags),
        "groups": [group_dict(themes[c]) for c in ds.themes or [] if c in themes],
        "resources": resources, "num_resources": len(resources),
        "extras": [{"key": k, "value": v} for k, v in extras.items() if v not in (None, "")],
    }
