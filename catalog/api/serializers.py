"""Output schemas of the API. Dumped once per page (many=True), never field by field in a loop."""

from __future__ import annotations

from typing import Any

from flask import url_for
from marshmallow import INCLUDE, Schema, fields

from .. import policy
from ..auth import current_reader
from ..services.databases import missing_legal_items


def visible_dataset_slugs(svc: Any) -> list[str]:
    """The datasets a service serves, named only if the reader may see them (policy.py)."""
    reader = current_reader()
    return sorted(d.slug for d in svc.datasets if policy.can_view_dataset(reader, d))


class Links(Schema):
    self = fields.String()
    html = fields.String()


class FocalOfficer(Schema):
    name = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class OrganizationOut(Schema):
    id = fields.String()
    code = fields.String()
    identifier = fields.String(allow_none=True)
    name_vi = fields.String()
    name_en = fields.String(allow_none=True)
    acronym = fields.String(allow_none=True)
    kind = fields.String()
    parent = fields.Function(lambda o: o.parent.code if o.parent else None)
    admin_unit_code = fields.String(allow_none=True)
    description_vi = fields.String(allow_none=True)
    description_en = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    focal_officer = fields.Function(lambda o: {
        "name": o.focal_officer_name, "title": o.focal_officer_title,
        "email": o.focal_officer_email, "phone": o.focal_officer_phone,
    })
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    links = fields.Function(lambda o: {
        "self": url_for("api.organization", code=o.code, _external=True),
        "html": url_for("organizations.show", code=o.code, _external=True),
    })


class DatabaseOut(Schema):
    id = fields.String()
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String(allow_none=True)
    kind = fields.String()
    owner = fields.Function(lambda d: d.owner.code)
    legal_basis = fields.String(allow_none=True)
    purpose_vi = fields.String(allow_none=True)
    purpose_en = fields.String(allow_none=True)
    scope_vi = fields.String(allow_none=True)
    scope_en = fields.String(allow_none=True)
    collection_method_vi = fields.String(allow_none=True)
    collection_method_en = fields.String(allow_none=True)
    update_method_vi = fields.String(allow_none=True)
    update_method_en = fields.String(allow_none=True)
    data_sources_vi = fields.String(allow_none=True)
    data_sources_en = fields.String(allow_none=True)
    status = fields.String()
    hosting = fields.String(allow_none=True)
    platforms = fields.List(fields.String())
    platforms_other = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    contact_name = fields.String(allow_none=True)
    contact_email = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    in_operation_since = fields.Date(allow_none=True)
    missing_legal_items = fields.Method("_missing")
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    links = fields.Function(lambda d: {
        "self": url_for("api.database", code=d.code, _external=True),
        "html": url_for("databases.show", code=d.code, _external=True),
    })

    def _missing(self, db: Any) -> list[str]:
        return missing_legal_items(db)


class DistributionVersionOut(Schema):
    """An earlier file of a distribution: when it was current, what it was, where it stays.
    Who replaced it is not public and is not given."""

    number = fields.Integer(metadata={"description": "1 for the first file replaced, then 2, ..."})
    file_name = fields.String(allow_none=True)
    format = fields.String(allow_none=True)
    media_type = fields.String(allow_none=True)
    byte_size = fields.Integer(allow_none=True)
    checksum_sha256 = fields.String(allow_none=True)
    valid_from = fields.DateTime(metadata={"description": "when this file became the current one"})
    replaced_at = fields.DateTime(metadata={"description": "when a newer file replaced it"})
    download_url = fields.Function(
        lambda v: url_for("publishing.version_download", dist_id=v.distribution_id, number=v.number, _external=True),
        metadata={"description": "stable address of this file, trimmed to the columns the caller may receive"})


class _VisibleVersions(fields.List):
    """The earlier files the caller may fetch (services.distributions.visible_versions asks policy.py)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> list[Any] | None:
        from ..services.distributions import visible_versions

        return super()._serialize(visible_versions(current_reader(), obj), attr, obj, **kwargs)


class DistributionOut(Schema):
    id = fields.String()
    dataset = fields.Function(lambda d: d.dataset.slug)
    position = fields.Integer()
    title_vi = fields.String()
    title_en = fields.String(allow_none=True)
    description_vi = fields.String(allow_none=True)
    description_en = fields.String(allow_none=True)
    stored = fields.Function(lambda d: d.is_stored)
    access_url = fields.String(allow_none=True)
    download_url = fields.Function(
        lambda d: url_for("api.distribution_download", dist_id=d.id, _external=True) if d.is_stored else d.download_url
    )
    file_name = fields.String(allow_none=True)
    format = fields.String(allow_none=True)
    media_type = fields.String(allow_none=True)
    byte_size = fields.Integer(allow_none=True)
    checksum_sha256 = fields.String(allow_none=True)
    checksum = fields.Dict(allow_none=True, metadata={"description": "another checksum: {algorithm, value}"})
    translations = fields.Dict(metadata={"description": "every language the source gave: {title: {de: ...}}"})
    table_schema = fields.Dict(allow_none=True)
    readable_columns = fields.Method("_readable")
    versions = _VisibleVersions(fields.Nested(DistributionVersionOut), attribute="versions", metadata={
        "description": "earlier files this one replaced, newest first; only those the caller may download"})
    issued = fields.Date(allow_none=True)
    modified = fields.Date(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    def _readable(self, dist: Any) -> list[str] | None:
        """Columns the caller may receive (null: all); only meaningful with a table schema."""
        cols = policy.readable_columns(current_reader(), dist)
        return sorted(cols) if cols is not None else None


def _series_of(ds: Any) -> dict[str, Any] | None:
    """The dataset's series and its neighbours the caller may see (by slug)."""
    if ds.series is None:
        return None
    from ..db import db_session
    from ..services.series import neighbours

    near = neighbours(db_session(), current_reader(), ds)
    return {"slug": ds.series.slug, "identifier": ds.series.identifier, "title_vi": ds.series.title_vi,
            "title_en": ds.series.title_en, "html": url_for("series.show", slug=ds.series.slug, _external=True),
            **{side: other.slug for side, other in near.items()}}


class DatasetOut(Schema):
    id = fields.String()
    identifier = fields.String()
    slug = fields.String()
    title_vi = fields.String()
    title_en = fields.String(allow_none=True)
    description_vi = fields.String(allow_none=True)
    description_en = fields.String(allow_none=True)
    keywords = fields.List(fields.String())
    themes = fields.List(fields.String())
    publisher = fields.Function(lambda d: d.publisher.code)
    database = fields.Function(lambda d: d.database.code if d.database else None)
    access_level = fields.String()
    unlisted = fields.Boolean()
    is_master_data = fields.Boolean()
    licence = fields.String(attribute="licence_code", allow_none=True)
    update_frequency = fields.String(allow_none=True)
    temporal_start = fields.Date(allow_none=True)
    temporal_end = fields.Date(allow_none=True)
    spatial = fields.List(fields.String())
    languages = fields.List(fields.String())
    contact_name = fields.String(allow_none=True)
    contact_email = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    landing_page = fields.String(allow_none=True)
    version = fields.String(allow_none=True)
    issued = fields.Date(allow_none=True)
    modified = fields.Date(allow_none=True)
    provenance = fields.String(allow_none=True)
    status = fields.String()
    origin = fields.String()
    harvest_source_id = fields.String(allow_none=True)
    remote_id = fields.String(allow_none=True)
    local_edits = fields.List(fields.String())
    published_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    translations = fields.Dict(metadata={"description": "every language the source gave: {title: {de: ...}, "
                                                        "description: {...}, keywords: {de: [...]}}"})
    title_lang = fields.String(allow_none=True, metadata={
        "description": "language of title_vi/description_vi when not Vietnamese ('und': not stated)"})
    publisher_name = fields.String(allow_none=True, metadata={"description": "the source's own publisher"})
    publisher_uri = fields.String(allow_none=True)
    maintainer_name = fields.String(allow_none=True)
    maintainer_email = fields.String(allow_none=True)
    spatial_geojson = fields.Dict(allow_none=True, metadata={"description": "coverage as a GeoJSON geometry"})
    spatial_resolution_m = fields.Float(allow_none=True)
    other_identifiers = fields.List(fields.String())
    applicable_legislation = fields.List(fields.String())
    series = fields.Function(_series_of, metadata={
        "description": "the dataset series it belongs to, with the slugs of its visible first/prev/next/last"})
    distributions = fields.List(fields.Nested(DistributionOut))
    quality_grade = fields.String(allow_none=True, metadata={"description": "A-E, from the latest quality report"})
    quality_score = fields.Integer(allow_none=True)
    quality_checked_at = fields.DateTime(allow_none=True)
    links = fields.Function(lambda d: {
        "self": url_for("api.dataset", key=d.slug, _external=True),
        "html": url_for("datasets.show", key=d.slug, _external=True),
        "quality": url_for("quality_api.dataset_report", key=d.slug, _external=True),
    })


def _publication(svc: Any) -> dict[str, Any]:
    from ..services.dataservices import publication_timeliness

    t = publication_timeliness(svc)
    return {"status": t.status, "due_at": t.due_at.isoformat() if t.due_at else None,
            "working_days_late": t.working_days_late}


class DataServiceOut(Schema):
    id = fields.String()
    slug = fields.String()
    title_vi = fields.String()
    title_en = fields.String(allow_none=True)
    description_vi = fields.String(allow_none=True)
    description_en = fields.String(allow_none=True)
    publisher = fields.Function(lambda s: s.publisher.code)
    database = fields.Function(lambda s: s.database.code if s.database else None)
    endpoint_url = fields.String()
    endpoint_description = fields.String(allow_none=True)
    openapi_spec = fields.Dict(allow_none=True)
    protocol = fields.String(allow_none=True)
    platform = fields.String(allow_none=True)
    access_level = fields.String()
    status = fields.String()
    in_operation_since = fields.DateTime(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    publication = fields.Function(_publication, metadata={
        "description": "published within 1 working day of going live (Decree 47/2020 Arts. 25-26): "
                       "on_time, late, overdue, pending or unknown"})
    datasets = fields.Function(lambda s: visible_dataset_slugs(s))
    origin = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    links = fields.Function(lambda s: {
        "self": url_for("api.dataservice", slug=s.slug, _external=True),
        "html": url_for("dataservices.show", slug=s.slug, _external=True),
    })


class ThemeOut(Schema):
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    uri = fields.String(allow_none=True)


class LicenceOut(Schema):
    code = fields.String()
    title_vi = fields.String()
    title_en = fields.String()
    url = fields.String(allow_none=True)
    is_open = fields.Boolean()


class AdminUnitOut(Schema):
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String(allow_none=True)
    kind = fields.String()
    merged_from = fields.String(allow_none=True)
    area_km2 = fields.Float(allow_none=True)
    population = fields.Integer(allow_none=True)


class PageMeta(Schema):
    """The paging fields beside a page's `items` (open: the items come from the page's own schema)."""

    class Meta:
        unknown = INCLUDE

    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()
    links = fields.Dict()


class ErrorOut(Schema):
    class Meta:
        unknown = INCLUDE  # some errors add context: the bad `parameter`, what refers to a record...

    error = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    parameter = fields.String()


class MeOut(Schema):
    id = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    is_admin = fields.Boolean()
    memberships = fields.List(fields.Dict())
    token_scopes = fields.List(fields.String(), allow_none=True,
                               metadata={"description": "scopes of the token used (null without one)"})
