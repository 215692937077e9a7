"""Registering and editing agencies (admins create them; stewards keep their own entry current)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import policy
from ..models import Organization
from ..schemas.registry import OrganizationInput
from . import audit, references
from .actor import Actor
from .common import apply, blank_values, columns_of, field_error, load, org_by_code, state

COLUMNS = columns_of(Organization, exclude=("parent_id",))


def _resolve(session: Session, data: dict[str, Any], org: Organization | None) -> dict[str, Any]:
    if "parent" in data:
        code = data.pop("parent")
        parent = org_by_code(session, code, "parent") if code else None
        if parent is not None and org is not None and (parent.id == org.id or org in parent.ancestors()):
            raise field_error("parent", gettext("An organization cannot be placed under itself."))
        data["parent_id"] = parent.id if parent else None
    if "code" in data:
        clash = session.scalar(select(Organization.id).where(Organization.code == data["code"]))
        if clash and (org is None or clash != org.id):
            raise field_error("code", gettext("This code is already used."))
    if data.get("identifier"):
        clash = session.scalar(select(Organization.id).where(Organization.identifier == data["identifier"]))
        if clash and (org is None or clash != org.id):
            raise field_error("identifier", gettext("This identifier is already used."))
    return data


def create_organization(session: Session, actor: Actor, raw: Mapping[str, Any]) -> Organization:
    policy.require(policy.can_create_organization(actor.reader))
    data = _resolve(session, load(OrganizationInput(), raw), None)
    org = Organization()
    apply(org, {**blank_values(OrganizationInput()), **data}, [*COLUMNS, "parent_id"])
    session.add(org)
    session.flush()
    audit.record(session, actor, "create", "organization", org.id, label=org.name_vi,
                 organization_id=org.id, after=state(org))
    return org


def update_organization(
    session: Session, actor: Actor, org: Organization, raw: Mapping[str, Any], *, replace: bool = False
) -> list[str]:
    policy.require(policy.can_edit_organization(actor.reader, org))
    schema = OrganizationInput()
    data = load(schema, raw, partial=not replace)
    if replace:
        data = {**blank_values(schema), **data}
    if ("code" in data and data["code"] != org.code) or ("kind" in data and data["kind"] != org.kind) or (
        "parent" in data and data["parent"] != (org.parent.code if org.parent else None)
    ):
        # Where an agency sits in the tree is the administrator's call, not the agency's.
        policy.require(actor.reader.is_admin)
    data = _resolve(session, data, org)
    before = state(org)
    changed = apply(org, data, [*COLUMNS, "parent_id"])
    if changed:
        session.flush()
        audit.record(session, actor, "update", "organization", org.id, label=org.name_vi,
                     organization_id=org.id, before={k: before[k] for k in changed},
                     after={k: state(org)[k] for k in changed})
    return changed


def delete_organization(session: Session, actor: Actor, org: Organization) -> None:
    policy.require(policy.can_delete_organization(actor.reader, org))
    references.require_unreferenced(session, org)
    audit.record(session, actor, "delete", "organization", org.id, label=org.name_vi,
                 organization_id=org.id, before=state(org))
    session.delete(org)
    session.flush()
