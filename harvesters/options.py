"""The options each kind of source takes, declared as typed schemas.

A source's options (`HarvestSource.filters`) are checked against its protocol's schema when the
source is saved, so a misspelt or mistyped option is a clear error on the form instead of a
setting silently ignored at the next harvest; the source form lists them with their labels.
Each harvester names its schema (`Harvester.options`); `delegated_by` is common to all.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

from catalog.schemas.base import BaseSchema, OptionalUrl, Text, max_len, words


class HarvestOptions(BaseSchema):
    """Options every source takes."""

    delegated_by = words(max_items=100, max_length=64)
    delegated_by.metadata["label"] = _l("Agencies that delegated their harvesting to this source (codes; "
                                        "administrators only)")


def _label(field: fields.Field, text: Any) -> fields.Field:
    field.metadata["label"] = text
    return field


class CkanOptions(HarvestOptions):
    organizations = _label(words(), _l("Only these organisations of the portal (names)"))
    tags = _label(words(), _l("Only datasets with one of these tags"))
    groups = _label(words(), _l("Only datasets in one of these groups"))
    q = _label(Text(validate=max_len(500)), _l("A Solr query the portal understands"))
    rows = _label(fields.Integer(validate=validate.Range(1, 1000)), _l("Records per page (1–1000)"))
    incremental = _label(fields.Boolean(), _l("Ask only for what changed since the last complete run"))


class CswOptions(HarvestOptions):
    constraint = _label(Text(validate=max_len(2000)), _l("A CQL constraint on the records"))
    max_records = _label(fields.Integer(validate=validate.Range(1, 500)), _l("Records per page (1–500)"))
    type_names = _label(Text(validate=max_len(100)), _l("Type of records asked for (typeNames)"))


class SpreadsheetOptions(HarvestOptions):
    sheet = _label(Text(validate=max_len(100)), _l("The sheet to read (default: every sheet)"))


class SqlOptions(HarvestOptions):
    schemas = _label(words(), _l("Only these schemas of the database"))
    exclude = _label(words(), _l("Tables left out (names or patterns such as tmp_*)"))


class GatewayOptions(HarvestOptions):
    platform = _label(Text(validate=max_len(32)), _l("The platform the APIs run through (e.g. LGSP, NDXP)"))
    gateway_url = _label(OptionalUrl(validate=max_len(1000)), _l("The gateway's public address"))
    subscriptions = _label(fields.Boolean(), _l("Read each API's subscriptions: the systems that call it "
                                                "become connections"))


def check(harvester: Any, filters: dict[str, Any] | None) -> dict[str, Any]:
    """The options as the protocol's schema reads them; ValidationError under `filters` otherwise."""
    given = filters or {}
    try:
        loaded = harvester.options().load(given)
    except ValidationError as err:
        messages = err.normalized_messages()
        raise ValidationError({"filters": [f"{key}: {' '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
                                           for key, msgs in messages.items()]}) from None
    return {key: value for key, value in loaded.items() if key in given}  # no defaults written in


def described(harvester: Any) -> list[tuple[str, str]]:
    """(option, label) for the source form."""
    return [(field.data_key or name, str(field.metadata.get("label", name)))
            for name, field in harvester.options().fields.items()]
