"""What enters the registry of connections: API bodies, forms and seed rows all pass here."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from marshmallow import ValidationError, fields, validates_schema

from .. import rules
from ..models import CONNECTION_MODES, CONNECTION_PLATFORMS, CONNECTION_STATUSES
from .base import BaseSchema, OptionalEmail, OptionalUrl, Text, code_format, max_len, one_of


class ConnectionItemInput(BaseSchema):
    """One data item exchanged: a field of the provider's schema, or a named item when none is registered."""

    name = Text(required=True, validate=max_len(200))
    label_vi = Text(allow_none=True, validate=max_len(300))
    label_en = Text(allow_none=True, validate=max_len(300))
    #: the provider's dataset (slug) whose schema holds the field
    dataset = Text(allow_none=True, validate=max_len(200))
    classification = Text(allow_none=True, validate=one_of(rules.FIELD_CLASSES))
    #: a concept of the common data dictionary (see catalog/services/reuse.py)
    concept = Text(allow_none=True, validate=max_len(64))


class ConnectionInput(BaseSchema):
    code = Text(required=True, validate=code_format)
    consumer = Text(required=True, validate=code_format)
    provider_database = Text(allow_none=True, validate=code_format)
    provider_service = Text(allow_none=True, validate=max_len(200))
    items = fields.List(fields.Nested(ConnectionItemInput), load_default=list)
    platform = Text(load_default="direct", validate=one_of(CONNECTION_PLATFORMS))
    mode = Text(load_default="realtime_api", validate=one_of(CONNECTION_MODES))
    sync_interval_minutes = fields.Integer(allow_none=True, validate=lambda v: 1 <= v <= 525600)
    legal_basis = Text(allow_none=True)
    agreement = Text(allow_none=True, validate=max_len(32))
    status = Text(load_default="planned", validate=one_of(CONNECTION_STATUSES))
    description_vi = Text(allow_none=True)
    description_en = Text(allow_none=True)
    consumer_contact_name = Text(allow_none=True, validate=max_len(200))
    consumer_contact_email = OptionalEmail(allow_none=True)
    provider_contact_name = Text(allow_none=True, validate=max_len(200))
    provider_contact_email = OptionalEmail(allow_none=True)
    source = Text(allow_none=True)
    unconfirmed_fact = fields.Boolean(load_default=False)
    probe_url = OptionalUrl(allow_none=True, validate=max_len(1000))
    probe_expected_status = fields.Integer(load_default=200, validate=lambda v: 100 <= v <= 599)
    probe_interval_minutes = fields.Integer(allow_none=True, validate=lambda v: 1 <= v <= 10080)

    @validates_schema
    def _provider_and_interval(self, data: dict[str, Any], **kw: Any) -> None:
        partial = bool(kw.get("partial") or self.partial)
        named = "provider_database" in data or "provider_service" in data or not partial
        if named and not data.get("provider_database") and not data.get("provider_service"):
            raise ValidationError(gettext("Name the provider's data service or database."), "provider_database")
        if not partial and data.get("mode") == "scheduled_sync" and not data.get("sync_interval_minutes"):
            raise ValidationError(gettext("A scheduled synchronisation needs its interval in minutes."),
                                  "sync_interval_minutes")


class HeartbeatInput(BaseSchema):
    """What a system reports of its last synchronisation."""

    last_sync_at = fields.AwareDateTime(required=True, default_timezone=None)
    ok = fields.Boolean(load_default=True)
    records_sent = fields.Integer(allow_none=True, validate=lambda v: v >= 0)
    records_received = fields.Integer(allow_none=True, validate=lambda v: v >= 0)
    records_failed = fields.Integer(allow_none=True, validate=lambda v: v >= 0)
    message = Text(allow_none=True, validate=max_len(1000))


class MaintenanceInput(BaseSchema):
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    note = Text(allow_none=True, validate=max_len(2000))

    @validates_schema
    def _order(self, data: dict[str, Any], **_kw: Any) -> None:
        if data["ends_at"] <= data["starts_at"]:
            raise ValidationError(gettext("The end must come after the start."), "ends_at")


class ReuseMarkInput(BaseSchema):
    decision = Text(required=True, validate=one_of(("intended", "reused")))
    reason = Text(allow_none=True)
    connection = Text(allow_none=True, validate=code_format)

    @validates_schema
    def _reason(self, data: dict[str, Any], **_kw: Any) -> None:
        if data["decision"] == "intended" and not data.get("reason"):
            raise ValidationError(gettext("Say why collecting it again is intended."), "reason")
        if data["decision"] == "reused" and not data.get("connection"):
            raise ValidationError(gettext("Name the connection that now reuses the data."), "connection")
