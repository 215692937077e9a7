"""Registering connections between systems: one side registers, the other confirms.

Either side's stewards or editors register a connection (pages, API, seed); it is public only
once the other side confirms it. The data items name fields of the provider's registered schemas
where those exist, so the field classes and sharing agreements apply to them.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from .. import policy, rules
from ..models import (
    CONNECTION_PLATFORMS,
    CONNECTION_STATUSES,
    HEALTH_STATES,
    Connection,
    Database,
    DataService,
    Dataset,
    Organization,
    SharingAgreement,
    utcnow,
)
from ..schemas.connections import ConnectionInput
from . import audit
from .actor import Actor
from .common import NotFound, apply, blank_values, field_error, load, org_by_code
from .listing import org_tree_ids

FIELDS = (
    "code", "items", "platform", "mode", "sync_interval_minutes", "legal_basis", "status", "description_vi",
    "description_en", "consumer_contact_name", "consumer_contact_email", "provider_contact_name",
    "provider_contact_email", "source", "unconfirmed_fact", "probe_url", "probe_expected_status",
    "probe_interval_minutes",
)
AUDITED = (*FIELDS, "consumer_id", "provider_database_id", "provider_service_id", "agreement_id", "confirmed_at")


def _state(conn: Connection) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in AUDITED:
        value = getattr(conn, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def _resolve(session: Session, data: dict[str, Any], conn: Connection | None) -> dict[str, Any]:
    """Codes to rows: the two systems, the service, the agreement; checks the items' fields."""
    if "code" in data:
        clash = session.scalar(select(Connection.id).where(Connection.code == data["code"]))
        if clash and (conn is None or clash != conn.id):
            raise field_error("code", gettext("This code is already used."))
    if "consumer" in data:
        consumer = session.scalar(select(Database).where(Database.code == data.pop("consumer")))
        if consumer is None:
            raise field_error("consumer", gettext("No system or database has this code."))
        data["consumer_id"], data["consumer_org_id"] = consumer.id, consumer.owner_id
    provider_org: str | None = None
    if "provider_database" in data:
        code = data.pop("provider_database")
        db = session.scalar(select(Database).where(Database.code == code)) if code else None
        if code and db is None:
            raise field_error("provider_database", gettext("No system or database has this code."))
        data["provider_database_id"] = db.id if db else None
        provider_org = db.owner_id if db else None
    if "provider_service" in data:
        slug = data.pop("provider_service")
        svc = session.scalar(select(DataService).where(DataService.slug == slug)) if slug else None
        if slug and svc is None:
            raise field_error("provider_service", gettext("No data service has this address key."))
        data["provider_service_id"] = svc.id if svc else None
        if svc is not None:
            provider_org = svc.publisher_id
            if data.get("provider_database_id") is None and svc.database_id:
                data["provider_database_id"] = svc.database_id
    if provider_org is not None:
        data["provider_org_id"] = provider_org
    if "agreement" in data:
        number = data.pop("agreement")
        agreement = (session.scalar(select(SharingAgreement).where(SharingAgreement.number == number))
                     if number else None)
        if number and agreement is None:
            raise field_error("agreement", gettext("No sharing agreement has this number."))
        data["agreement_id"] = agreement.id if agreement else None
    if "items" in data:
        data["items"] = [_checked_item(session, item, n) for n, item in enumerate(data["items"])]
    return data


def _checked_item(session: Session, item: dict[str, Any], n: int) -> dict[str, Any]:
    """An item naming a dataset must name one of its schema's fields; keeps only what was given."""
    item = {k: v for k, v in item.items() if v not in (None, "")}
    slug = item.get("dataset")
    if slug:
        ds = session.scalar(select(Dataset).where(Dataset.slug == slug))
        if ds is None:
            raise field_error("items", gettext("Item %(n)s: no dataset has the address key %(slug)s.",
                                               n=n + 1, slug=slug))
        names = {f.get("name") for d in ds.distributions for f in d.schema_fields()}
        if names and item["name"] not in names:
            raise field_error("items", gettext("Item %(n)s: the dataset has no field named %(name)s.",
                                               n=n + 1, name=item["name"]))
    return item


def create_connection(session: Session, actor: Actor, raw: Mapping[str, Any], *,
                      confirmed: bool = False) -> Connection:
    """Register a connection; it waits for the other side's confirmation unless `confirmed` (seed)."""
    schema = ConnectionInput()
    data = _resolve(session, load(schema, raw), None)
    if "provider_org_id" not in data:
        raise field_error("provider_database", gettext("Name the provider's data service or database."))
    reader = actor.reader
    policy.require(policy.can_register_connection(reader, data["consumer_org_id"], data["provider_org_id"]))
    conn = Connection()
    apply(conn, {**blank_values(schema), **data},
          [*FIELDS, "consumer_id", "consumer_org_id", "provider_database_id", "provider_service_id",
           "provider_org_id", "agreement_id"])
    if reader.is_member_of(conn.consumer_org_id):
        conn.registered_by_org_id = conn.consumer_org_id
    elif reader.is_member_of(conn.provider_org_id):
        conn.registered_by_org_id = conn.provider_org_id
    if confirmed:
        conn.confirmed_at = utcnow()
    session.add(conn)
    session.flush()
    audit.record(session, actor, "create", "connection", conn.id, label=conn.code,
                 organization_id=conn.consumer_org_id, after=_state(conn))
    return conn


def update_connection(session: Session, actor: Actor, conn: Connection, raw: Mapping[str, Any], *,
                      partial: bool = True) -> Connection:
    policy.require(policy.can_edit_connection(actor.reader, conn))
    schema = ConnectionInput()
    data = _resolve(session, load(schema, raw, partial=partial), conn)
    if not partial:
        data = {**blank_values(schema), **data}
    before = _state(conn)
    for side in ("consumer_org_id", "provider_org_id"):
        if side in data and data[side] != getattr(conn, side):
            policy.require(actor.reader.may_edit_in(data[side]) or actor.reader.is_admin)
    apply(conn, data, [*FIELDS, "consumer_id", "consumer_org_id", "provider_database_id", "provider_service_id",
                       "provider_org_id", "agreement_id"])
    if conn.mode == "scheduled_sync" and not conn.sync_interval_minutes:
        raise field_error("sync_interval_minutes",
                          gettext("A scheduled synchronisation needs its interval in minutes."))
    if not conn.provider_database_id and not conn.provider_service_id:
        raise field_error("provider_database", gettext("Name the provider's data service or database."))
    session.flush()
    audit.record(session, actor, "update", "connection", conn.id, label=conn.code,
                 organization_id=conn.consumer_org_id, before=before, after=_state(conn))
    return conn


def confirm_connection(session: Session, actor: Actor, conn: Connection) -> Connection:
    """The other side agrees that the connection exists as registered."""
    policy.require(policy.can_confirm_connection(actor.reader, conn))
    before = _state(conn)
    conn.confirmed_at = utcnow()
    conn.confirmed_by_id = actor.reader.user_id
    session.flush()
    audit.record(session, actor, "confirm", "connection", conn.id, label=conn.code,
                 organization_id=conn.provider_org_id, before=before, after=_state(conn))
    return conn


def delete_connection(session: Session, actor: Actor, conn: Connection) -> None:
    policy.require(policy.can_edit_connection(actor.reader, conn))
    audit.record(session, actor, "delete", "connection", conn.id, label=conn.code,
                 organization_id=conn.consumer_org_id, before=_state(conn))
    session.delete(conn)
    session.flush()


# --- heartbeat tokens ---------------------------------------------------------------------------

TOKEN_PREFIX = "hb_"  # noqa: S105 - a prefix, not a secret


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_heartbeat_token(session: Session, actor: Actor, conn: Connection) -> str:
    """A new token that lets a system report heartbeats for this connection only (the old one stops)."""
    policy.require(policy.can_edit_connection(actor.reader, conn))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.heartbeat_token_hash = _hash(token)
    session.flush()
    audit.record(session, actor, "issue_heartbeat_token", "connection", conn.id, label=conn.code,
                 organization_id=conn.consumer_org_id)
    return token


def token_matches(conn: Connection, token: str | None) -> bool:
    if not token or not conn.heartbeat_token_hash:
        return False
    return secrets.compare_digest(conn.heartbeat_token_hash, _hash(token))


# --- reading ------------------------------------------------------------------------------------


def by_id(session: Session, reader: policy.Reader, conn_id: str) -> Connection:
    conn = session.get(Connection, conn_id)
    if conn is None:
        conn = session.scalar(select(Connection).where(Connection.code == conn_id))
    if conn is None or not policy.can_view_connection(reader, conn):
        raise NotFound(conn_id)
    return conn


@dataclass(frozen=True)
class Filters:
    province: str | None = None  # an organisation code of a province or city
    ministry: str | None = None  # an organisation code of a ministry
    platform: str | None = None
    status: str | None = None
    health: str | None = None


def agency_by_code_or_identifier(session: Session, code: str, field: str = "organization") -> Organization:
    """The agency named by the portal's code ("NA") or its electronic identifier code under
    Decision 20/2020/QĐ-TTg ("000.00.00.H41"), which other agencies' systems use."""
    org = session.scalar(select(Organization).where(Organization.identifier == code.strip()))
    return org if org is not None else org_by_code(session, code, field)


def agency_and_units(session: Session, code: str) -> Select[Any]:
    """The agency of `code` (or of its identifier code) and its units (an unknown one is a field error)."""
    return org_tree_ids(agency_by_code_or_identifier(session, code).code)


def query(session: Session, reader: policy.Reader, filters: Filters = Filters()) -> Select[tuple[Connection]]:
    """The connections the reader may know of, filtered; an unknown filter value is a field error."""
    q = select(Connection).where(policy.connection_visibility(reader))
    for value in (filters.province, filters.ministry):
        if value:
            ids = agency_and_units(session, value)
            q = q.where(Connection.consumer_org_id.in_(ids) | Connection.provider_org_id.in_(ids))
    for field, value, allowed, column in (("platform", filters.platform, CONNECTION_PLATFORMS, Connection.platform),
                                          ("status", filters.status, CONNECTION_STATUSES, Connection.status),
                                          ("health", filters.health, HEALTH_STATES, Connection.health)):
        if value:
            if value not in allowed:
                raise field_error(field, gettext("Must be one of: %(choices)s.", choices=", ".join(allowed)))
            q = q.where(column == value)
    return q.order_by(Connection.code)


def visible_items(reader: policy.Reader, conn: Connection, session: Session) -> list[dict[str, Any]]:
    """The data items the reader may see exchanged, each with its class (hidden ones are left out)."""
    out = []
    for item in conn.items or []:
        ds = None
        if item.get("dataset"):
            ds = session.scalar(select(Dataset).where(Dataset.slug == item["dataset"]))
        cls = item.get("classification")
        if ds is not None:
            fld = next((f for d in ds.distributions for f in d.schema_fields() if f.get("name") == item["name"]),
                       None)
            cls = policy.field_class(fld or {}, ds)
        cls = cls if cls in rules.FIELD_CLASSES else rules.FIELD_SPECIAL_REQUEST
        if policy.connection_item_visible(reader, conn, cls, ds.id if ds else None, item["name"]):
            out.append({**item, "classification": cls})
    return out


def hidden_item_count(reader: policy.Reader, conn: Connection, session: Session) -> int:
    return len(conn.items or []) - len(visible_items(reader, conn, session))


def province_orgs(session: Session) -> list[Organization]:
    return list(session.scalars(select(Organization).where(Organization.kind.in_(("province", "city")))
                                .order_by(Organization.admin_unit_code)))


def by_code_or_none(session: Session, code: str) -> Connection | None:
    return session.scalar(select(Connection).where(Connection.code == code))
