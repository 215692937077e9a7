"""What the CKAN harvester maps, declared in one place: the fidelity report counts every other key
of a package (its extras' and resources' keys included) as not kept."""

from __future__ import annotations

from typing import Any

from . import fidelity

#: Package keys read by `package_record`; an extra with one of these keys is read too (`get`).
PACKAGE_KEYS = frozenset({
    "id", "name", "title", "title_translated", "notes", "notes_translated", "tags", "tags_translated", "groups",
    "organization", "maintainer", "maintainer_email", "author", "author_email", "contact", "contact_name",
    "contact_email", "provenance", "spatial_text", "spatial_uri", "identifier", "guid", "dct_identifier", "uri",
    "theme", "language", "license_id", "license_url", "license_title", "publisher_name", "frequency",
    "accrual_periodicity", "update_frequency", "temporal_start", "temporal_end", "issued", "dcat_issued",
    "metadata_created", "modified", "dcat_modified", "metadata_modified", "url", "version",
    # languages, coverage, identifiers and the rest kept since the fidelity work
    "keywords", "spatial", "spatial_resolution_in_meters", "temporal_coverage_from", "temporal_coverage_to",
    "update_freq", "publisher_uri", "maintainer_name", "alternate_identifier", "other_identifier",
    "applicable_legislation",
})
#: Resource keys read by `resource`.
RESOURCE_KEYS = frozenset({
    "id", "name", "name_translated", "description", "description_translated", "format", "mimetype",
    "mimetype_inner", "url", "access_url", "download_url", "url_type", "size", "issued", "created", "modified",
    "last_modified", "hash", "hash_algorithm", "checksum", "byte_size",
})
#: CKAN's own bookkeeping: nothing in it describes the data, so it is neither kept nor counted.
IGNORED_PACKAGE_KEYS = frozenset({
    "extras", "resources", "owner_org", "private", "state", "type", "num_tags", "num_resources",
    "creator_user_id", "revision_id", "isopen", "relationships_as_object", "relationships_as_subject",
    "tracking_summary", "organization_id",
})
IGNORED_RESOURCE_KEYS = frozenset({
    "package_id", "position", "state", "revision_id", "cache_url", "cache_last_updated", "datastore_active",
    "tracking_summary", "resource_type", "webstore_url", "webstore_last_updated",
    "datastore_contains_all_records_of_source_file",
})
KNOWN = PACKAGE_KEYS | {f"extras.{k}" for k in PACKAGE_KEYS} | {f"resource.{k}" for k in RESOURCE_KEYS}
IGNORED = IGNORED_PACKAGE_KEYS | {f"resource.{k}" for k in IGNORED_RESOURCE_KEYS}


def source_keys(pkg: dict[str, Any], extras: dict[str, Any]) -> list[str]:
    """The keys of a package with a value: its own, its extras' ("extras.KEY"), its resources' ("resource.KEY")."""
    keys = fidelity.present(pkg) + fidelity.present(extras, "extras.")
    for res in pkg.get("resources") or []:
        if isinstance(res, dict):
            keys += fidelity.present(res, "resource.")
    return keys
