"""Input of sharing requests, decisions and agreement actions.

A draft may be saved half-filled (`RequestInput`); submitting checks the assembled request
against `DefaultSubmission` or `SpecialSubmission`, which require every item the law asks a
request (Decree 47/2020 Art. 35) or an agreement (Arts. 36-38) to state.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from .. import rules
from .base import (
    VIETNAM_TZ,
    BaseSchema,
    OptionalDate,
    OptionalEmail,
    Text,
    code_format,
    max_len,
    one_of,
)


class ColumnList(fields.List):
    """Column names; a form sends them comma-separated, an empty list means "the whole dataset"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str] | None:
        if isinstance(value, str):
            value = [v for v in (p.strip() for p in value.split(",")) if v]
        items = super()._deserialize(value, attr, data, **kwargs)
        return list(dict.fromkeys(items)) or None


_AT_MOST_500 = validate.Length(max=500, error=_l("At most {max} items."))


def _column_count(value: list[str] | None) -> None:
    """An empty list deserialises to None ("the whole dataset"), which has no length to check."""
    if value is not None:
        _AT_MOST_500(value)


def _columns() -> ColumnList:
    return ColumnList(Text(validate=max_len(200)), allow_none=True, load_default=None, validate=_column_count)


class ItemInput(BaseSchema):
    """One dataset asked for (by slug or id) and the columns wanted (none: all of them)."""

    dataset = Text(required=True, validate=max_len(200))
    columns = _columns()


def _methods() -> fields.List:
    return fields.List(Text(validate=one_of(rules.SHARING_METHODS)), load_default=list)


class RequestInput(BaseSchema):
    """A request as a draft: everything but the kind, the requesting agency and the data may wait."""

    kind = Text(required=True, validate=one_of(rules.SHARING_KINDS))
    requester = Text(required=True, validate=code_format)
    items = fields.List(fields.Nested(ItemInput), required=True,
                        validate=validate.Length(min=1, max=50, error=_l("Between {min} and {max} datasets.")))
    requester_identifier = Text(allow_none=True, validate=max_len(64))
    application = Text(allow_none=True, validate=max_len(300))
    purpose = Text(allow_none=True, validate=max_len(4000))
    intended_use = Text(allow_none=True, validate=max_len(4000))
    service = Text(allow_none=True, validate=max_len(200))
    frequency = Text(allow_none=True, validate=one_of(rules.SHARING_FREQUENCIES))
    contact_name = Text(allow_none=True, validate=max_len(200))
    contact_email = OptionalEmail(allow_none=True)
    contact_phone = Text(allow_none=True, validate=max_len(64))
    special_reason = Text(allow_none=True, validate=max_len(4000))
    start_date = OptionalDate(allow_none=True)
    end_date = OptionalDate(allow_none=True)
    methods = _methods()
    limits_of_use = Text(allow_none=True, validate=max_len(4000))
    protection_commitment = fields.Boolean(load_default=False)
    security_measures = Text(allow_none=True, validate=max_len(4000))
    retention_deletion = Text(allow_none=True, validate=max_len(4000))

    @validates_schema
    def _dates(self, data: dict[str, Any], **_kw: Any) -> None:
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            raise ValidationError({"end_date": [gettext("The end date is before the start date.")]})


def _required_text(limit: int = 4000) -> Text:
    return Text(required=True, validate=max_len(limit))


class DefaultSubmission(BaseSchema):
    """What a default-sharing request must state before it is sent (Decree 47/2020 Art. 35(1-2))."""

    class Meta(BaseSchema.Meta):
        unknown = "exclude"

    requester_identifier = _required_text(64)
    application = _required_text(300)
    purpose = _required_text()
    intended_use = _required_text()
    frequency = Text(required=True, validate=one_of(rules.SHARING_FREQUENCIES))
    contact_email = OptionalEmail(required=True)


class SpecialSubmission(DefaultSubmission):
    """A special request also states the agreement's terms (Decree 47/2020 Arts. 36-38)."""

    special_reason = _required_text()
    start_date = OptionalDate(required=True)
    end_date = OptionalDate(required=True)
    methods = fields.List(Text(validate=one_of(rules.SHARING_METHODS)), required=True,
                          validate=validate.Length(min=1, error=_l("Choose at least one method.")))
    limits_of_use = _required_text()
    protection_commitment = fields.Boolean(required=True, validate=validate.Equal(
        True, error=_l("The requesting agency must commit to protect the data.")))
    security_measures = _required_text()
    retention_deletion = _required_text()


class GrantInput(BaseSchema):
    """Part of a partial approval: one dataset of the request, granted or not, and its columns."""

    dataset = Text(required=True, validate=max_len(200))
    granted = fields.Boolean(load_default=True)
    columns = _columns()


class ApproveInput(BaseSchema):
    note = Text(allow_none=True, validate=max_len(4000))
    connection_details = Text(allow_none=True, validate=max_len(4000))


class PartialApproveInput(ApproveInput):
    """Fewer columns, a shorter period or another method, with the reasons and legal basis."""

    items = fields.List(fields.Nested(GrantInput), load_default=list)
    end_date = OptionalDate(allow_none=True)
    methods = fields.List(Text(validate=one_of(rules.SHARING_METHODS)), allow_none=True, load_default=None)
    reasons = _required_text()
    legal_basis = _required_text(1000)


class RefuseInput(BaseSchema):
    reasons = _required_text()
    legal_basis = _required_text(1000)


class MessageInput(BaseSchema):
    message = _required_text()


class EscalateInput(BaseSchema):
    reason = _required_text()


class SuspendInput(BaseSchema):
    reason = Text(required=True, validate=one_of(rules.SUSPENSION_REASONS))
    note = _required_text()
    starts_at = fields.AwareDateTime(allow_none=True, load_default=None, default_timezone=VIETNAM_TZ)
    until = fields.AwareDateTime(allow_none=True, load_default=None, default_timezone=VIETNAM_TZ)


class TerminateInput(BaseSchema):
    ground = Text(required=True, validate=one_of([g for g in rules.TERMINATION_GROUNDS if g != "expired"]))
    note = _required_text()


class RenewInput(BaseSchema):
    end_date = OptionalDate(required=True)
    purpose = Text(allow_none=True, validate=max_len(4000))

