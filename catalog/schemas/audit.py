"""The audit log's filter, as the page and its CSV export read it from the address."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, validates_schema

from .base import BaseSchema, OptionalDate, Text, code_format, max_len


class AuditFilterInput(BaseSchema):
    actor = Text(allow_none=True, validate=max_len(300))
    agency = Text(allow_none=True, validate=code_format)
    object_type = Text(allow_none=True, validate=max_len(64))
    action = Text(allow_none=True, validate=max_len(64))
    since = OptionalDate(allow_none=True)
    until = OptionalDate(allow_none=True)

    @validates_schema
    def _period(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError([str(_l("The period ends before it starts."))], "until")
