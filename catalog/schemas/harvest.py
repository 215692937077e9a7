"""Input schema of harvest sources (forms and the API)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from marshmallow import ValidationError, fields, validates

from .. import rules
from ..models import PROTOCOLS, SCHEDULES
from .base import BaseSchema, Text, code_format, max_len, one_of, slug_format


class HarvestSourceInput(BaseSchema):
    name = Text(required=True, validate=max_len(300))
    slug = Text(allow_none=True, validate=slug_format)
    protocol = Text(required=True, validate=one_of(PROTOCOLS))
    #: An http(s) address, a file under seed/ (demo sources) or, for SQL sources, a database URL.
    url = Text(required=True, validate=max_len(1000))
    organization = Text(required=True, validate=code_format)
    database = Text(allow_none=True, validate=code_format)
    default_access_level = Text(load_default=rules.ACCESS_OPEN, validate=one_of(rules.ACCESS_LEVELS))
    default_licence = Text(allow_none=True, validate=max_len(64))
    auto_publish = fields.Boolean(load_default=True)
    schedule = Text(load_default="manual", validate=one_of(SCHEDULES))
    filters = fields.Dict(load_default=dict)
    enabled = fields.Boolean(load_default=True)
    authoritative = fields.Boolean(load_default=False)
    description = Text(allow_none=True)

    @validates("filters")
    def _simple_filters(self, value: dict[str, Any], **_kw: Any) -> None:
        for key, item in value.items():
            ok = isinstance(item, str | int | float | bool) or (
                isinstance(item, list) and all(isinstance(v, str | int | float) for v in item))
            if not ok or len(str(key)) > 64:
                raise ValidationError(gettext(
                    "Each filter is a name with a text, a number, yes/no or a list of texts (%(key)s).",
                    key=str(key)[:64]))
