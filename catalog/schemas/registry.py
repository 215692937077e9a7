"""Input schemas of the registry: the only way organisations, databases, datasets, distributions
and data services enter, whether from a form, the API, a seed file or a harvest.

References to other records are given by code or slug; services resolve and check them.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from marshmallow import ValidationError, fields, validates_schema

from .. import rules
from ..models import DATABASE_STATUSES, DATASET_STATUSES, PLATFORMS, UPDATE_FREQUENCIES
from .base import (
    VIETNAM_TZ,
    BaseSchema,
    OptionalDate,
    OptionalEmail,
    OptionalUrl,
    Text,
    code_format,
    max_len,
    one_of,
    slug_format,
    words,
)

TABLE_SCHEMA_TYPES = (
    "string", "number", "integer", "boolean", "date", "datetime", "time", "year", "yearmonth",
    "duration", "geopoint", "geojson", "object", "array", "any",
)


class OrganizationInput(BaseSchema):
    code = Text(required=True, validate=code_format)
    identifier = Text(allow_none=True, validate=max_len(64))
    name_vi = Text(required=True, validate=max_len(300))
    name_en = Text(allow_none=True, validate=max_len(300))
    acronym = Text(allow_none=True, validate=max_len(32))
    kind = Text(required=True, validate=one_of(rules.ORGANIZATION_KINDS))
    parent = Text(allow_none=True, validate=code_format)
    admin_unit_code = Text(allow_none=True, validate=max_len(16))
    description_vi = Text(allow_none=True)
    description_en = Text(allow_none=True)
    website = OptionalUrl(allow_none=True, validate=max_len(500))
    email = OptionalEmail(allow_none=True)
    phone = Text(allow_none=True, validate=max_len(64))
    address = Text(allow_none=True, validate=max_len(500))
    focal_officer_name = Text(allow_none=True, validate=max_len(200))
    focal_officer_title = Text(allow_none=True, validate=max_len(200))
    focal_officer_email = OptionalEmail(allow_none=True)
    focal_officer_phone = Text(allow_none=True, validate=max_len(64))


class DatabaseInput(BaseSchema):
    code = Text(required=True, validate=code_format)
    name_vi = Text(required=True, validate=max_len(300))
    name_en = Text(allow_none=True, validate=max_len(300))
    kind = Text(required=True, validate=one_of(rules.DATABASE_KINDS))
    owner = Text(required=True, validate=code_format)
    legal_basis = Text(allow_none=True)
    purpose_vi = Text(allow_none=True)
    purpose_en = Text(allow_none=True)
    scope_vi = Text(allow_none=True)
    scope_en = Text(allow_none=True)
    collection_method_vi = Text(allow_none=True)
    collection_method_en = Text(allow_none=True)
    update_method_vi = Text(allow_none=True)
    update_method_en = Text(allow_none=True)
    data_sources_vi = Text(allow_none=True)
    data_sources_en = Text(allow_none=True)
    status = Text(load_default="operating", validate=one_of(DATABASE_STATUSES))
    hosting = Text(allow_none=True, validate=max_len(300))
    platforms = fields.List(Text(validate=one_of(PLATFORMS)), load_default=list)
    platforms_other = Text(allow_none=True, validate=max_len(300))
    website = OptionalUrl(allow_none=True, validate=max_len(500))
    contact_name = Text(allow_none=True, validate=max_len(200))
    contact_email = OptionalEmail(allow_none=True)
    contact_phone = Text(allow_none=True, validate=max_len(64))
    in_operation_since = OptionalDate(allow_none=True)


class SchemaFieldInput(BaseSchema):
    """One field of a Frictionless Table Schema, with the class the law gives each data item."""

    name = Text(required=True, validate=max_len(200))
    type = Text(load_default="string", validate=one_of(TABLE_SCHEMA_TYPES))
    format = Text(allow_none=True, validate=max_len(100))
    title = Text(allow_none=True, validate=max_len(300))
    description = Text(allow_none=True)
    classification = Text(allow_none=True, validate=one_of(rules.FIELD_CLASSES))
    #: the catalogue's code list the values come from (checked by the quality checks)
    code_list = Text(allow_none=True, data_key="codeList", attribute="codeList",
                     validate=one_of(("admin_unit", "organization", "theme", "licence")))
    constraints = fields.Dict(allow_none=True)
    #: a concept of the common data dictionary (Decision 2439/QĐ-TTg), e.g. "personal_id"; see services/reuse.py
    concept = Text(allow_none=True, validate=max_len(64))
    example = fields.Raw(allow_none=True)

    class Meta(BaseSchema.Meta):
        # Table Schemas carry extra properties (rdfType, missingValues...); keep what we know.
        unknown = "exclude"


class TableSchemaInput(BaseSchema):
    # Table Schema spells its keys in camelCase; the loaded dict keeps that spelling.
    field_list = fields.List(fields.Nested(SchemaFieldInput), required=True, data_key="fields", attribute="fields")
    primary_key = fields.Raw(allow_none=True, data_key="primaryKey", attribute="primaryKey")
    foreign_keys = fields.List(fields.Dict(), allow_none=True, data_key="foreignKeys", attribute="foreignKeys")
    missing_values = fields.List(
        fields.String(), allow_none=True, data_key="missingValues", attribute="missingValues"
    )

    class Meta(BaseSchema.Meta):
        unknown = "exclude"

    @validates_schema
    def _unique_names(self, data: dict[str, Any], **_kw: Any) -> None:
        names = [f["name"] for f in data.get("fields", [])]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValidationError(gettext("Field names repeat: %(names)s.", names=", ".join(dupes)), "fields")
        pk = data.get("primaryKey")
        keys = [pk] if isinstance(pk, str) else list(pk or [])
        missing = [k for k in keys if k not in names]
        if missing:
            raise ValidationError(
                gettext("The primary key names unknown fields: %(names)s.", names=", ".join(map(str, missing))),
                "primaryKey",
            )


class DatasetInput(BaseSchema):
    slug = Text(allow_none=True, validate=slug_format)
    identifier = Text(allow_none=True, validate=max_len(500))
    title_vi = Text(required=True, validate=max_len(500))
    title_en = Text(allow_none=True, validate=max_len(500))
    description_vi = Text(allow_none=True)
    description_en = Text(allow_none=True)
    keywords = words()
    themes = words(max_items=20, max_length=32)
    publisher = Text(required=True, validate=code_format)
    database = Text(allow_none=True, validate=code_format)
    access_level = Text(required=True, validate=one_of(rules.ACCESS_LEVELS))
    unlisted = fields.Boolean(load_default=False)
    is_master_data = fields.Boolean(load_default=False)
    licence = Text(allow_none=True, validate=max_len(64))
    update_frequency = Text(allow_none=True, validate=one_of(UPDATE_FREQUENCIES))
    temporal_start = OptionalDate(allow_none=True)
    temporal_end = OptionalDate(allow_none=True)
    spatial = words(max_items=200, max_length=16)
    languages = words(max_items=10, max_length=8)
    contact_name = Text(allow_none=True, validate=max_len(200))
    contact_email = OptionalEmail(allow_none=True)
    contact_phone = Text(allow_none=True, validate=max_len(64))
    landing_page = OptionalUrl(allow_none=True, validate=max_len(1000))
    version = Text(allow_none=True, validate=max_len(64))
    issued = OptionalDate(allow_none=True)
    modified = OptionalDate(allow_none=True)
    provenance = Text(allow_none=True)
    status = Text(load_default="draft", validate=one_of(DATASET_STATUSES))

    @validates_schema
    def _coherent(self, data: dict[str, Any], **_kw: Any) -> None:
        errors: dict[str, list[str]] = {}
        if data.get("unlisted") and data.get("access_level") not in (None, rules.ACCESS_RESTRICTED):
            errors["unlisted"] = [gettext("Only restricted datasets can be unlisted.")]
        start, end = data.get("temporal_start"), data.get("temporal_end")
        if start and end and start > end:
            errors["temporal_end"] = [gettext("The end of the period is before its start.")]
        issued, modified = data.get("issued"), data.get("modified")
        if issued and modified and modified < issued:
            errors["modified"] = [gettext("The date of the last change is before the date of issue.")]
        if errors:
            raise ValidationError(errors)


class DistributionInput(BaseSchema):
    title_vi = Text(required=True, validate=max_len(500))
    title_en = Text(allow_none=True, validate=max_len(500))
    description_vi = Text(allow_none=True)
    description_en = Text(allow_none=True)
    access_url = OptionalUrl(allow_none=True, validate=max_len(1000))
    download_url = OptionalUrl(allow_none=True, validate=max_len(1000))
    format = Text(allow_none=True, validate=max_len(32))
    media_type = Text(allow_none=True, validate=max_len(128))
    table_schema = fields.Nested(TableSchemaInput, allow_none=True)
    issued = OptionalDate(allow_none=True)
    modified = OptionalDate(allow_none=True)
    position = fields.Integer(load_default=0)


class DataServiceInput(BaseSchema):
    slug = Text(allow_none=True, validate=slug_format)
    title_vi = Text(required=True, validate=max_len(500))
    title_en = Text(allow_none=True, validate=max_len(500))
    description_vi = Text(allow_none=True)
    description_en = Text(allow_none=True)
    publisher = Text(required=True, validate=code_format)
    database = Text(allow_none=True, validate=code_format)
    endpoint_url = OptionalUrl(required=True, validate=max_len(1000))
    endpoint_description = OptionalUrl(allow_none=True, validate=max_len(1000))
    openapi_spec = fields.Dict(allow_none=True)
    protocol = Text(allow_none=True, validate=max_len(32))
    platform = Text(allow_none=True, validate=one_of(PLATFORMS))
    access_level = Text(load_default=rules.ACCESS_SHARED, validate=one_of(rules.ACCESS_LEVELS))
    status = Text(load_default="draft", validate=one_of(DATASET_STATUSES))
    in_operation_since = fields.AwareDateTime(allow_none=True, default_timezone=VIETNAM_TZ)
    datasets = words(max_items=500, max_length=200)
