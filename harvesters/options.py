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
    delegated_by.metadata.update(
        label=_l("Agencies that delegated their harvesting to this source (codes; administrators only)"),
        help=_l("Agency codes separated by commas, e.g. HN-SKHCN: records naming these agencies are imported "
                "as theirs."),
        admin_only=True)


def _label(field: fields.Field, text: Any, help: Any = None) -> fields.Field:
    """A field's label and help text, shown by the source form (catalog/web/harvest_options.py)."""
    field.metadata["label"] = text
    if help is not None:
        field.metadata["help"] = help
    return field


_COMMAS = _l("Separated by commas.")


class CkanOptions(HarvestOptions):
    organizations = _label(words(), _l("Only these organisations of the portal (names)"), _l(
        "The names in the portal's addresses (/organization/<name>), separated by commas. Empty: every "
        "organisation."))
    tags = _label(words(), _l("Only datasets with one of these tags"), _COMMAS)
    groups = _label(words(), _l("Only datasets in one of these groups"), _COMMAS)
    q = _label(Text(validate=max_len(500)), _l("A Solr query the portal understands"),
               _l("For example res_format:CSV. Empty: every dataset."))
    rows = _label(fields.Integer(validate=validate.Range(1, 1000)), _l("Records per page (1–1000)"),
                  _l("Default: 100."))
    incremental = _label(fields.Boolean(), _l("Ask only for what changed since the last complete run"),
                         _l("Default: yes. Choose no to read the whole portal at every run."))


class CswOptions(HarvestOptions):
    constraint = _label(Text(validate=max_len(2000)), _l("A CQL constraint on the records"),
                        _l("For example AnyText LIKE '%đất đai%'. Empty: every record."))
    max_records = _label(fields.Integer(validate=validate.Range(1, 500)), _l("Records per page (1–500)"),
                         _l("Default: 100."))
    type_names = _label(Text(validate=max_len(100)), _l("Type of records asked for (typeNames)"),
                        _l("Default: csw:Record."))


class SpreadsheetOptions(HarvestOptions):
    sheet = _label(Text(validate=max_len(100)), _l("The sheet to read (default: every sheet)"),
                   _l("Its name as written on its tab."))


class SqlOptions(HarvestOptions):
    schemas = _label(words(), _l("Only these schemas of the database"),
                     _l("Separated by commas, e.g. public. Empty: every schema the account may read."))
    exclude = _label(words(), _l("Tables left out (names or patterns such as tmp_*)"),
                     _l("Separated by commas; * stands for any characters."))


class GatewayOptions(HarvestOptions):
    platform = _label(Text(validate=max_len(32)), _l("The platform the APIs run through (e.g. LGSP, NDXP)"),
                      _l("Recorded on each data service found."))
    gateway_url = _label(OptionalUrl(validate=max_len(1000)), _l("The gateway's public address"),
                         _l("Used when the listing does not say where the APIs are (http or https)."))
    subscriptions = _label(fields.Boolean(), _l("Read each API's subscriptions: the systems that call it "
                                                "become connections"), _l("Default: no."))


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

