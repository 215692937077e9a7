"""Registering national, sectoral and local databases and information systems."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import policy, rules
from ..models import Database, DataService, Dataset
from ..schemas.registry import DatabaseInput
from . import audit, references
from .actor import Actor
from .common import apply, blank_values, columns_of, field_error, load, org_by_code, state

COLUMNS = columns_of(Database, exclude=("owner_id",))


def missing_legal_items(db: Database) -> list[str]:
    """Items the law asks a database's catalogue entry to state that this one leaves empty."""
    return [name for name in rules.DATABASE_REQUIRED_FIELDS if not getattr(db, name)]


def _resolve(session: Session, data: dict[str, Any], db: Database | None) -> dict[str, Any]:
    if "owner" in data:
        data["owner_id"] = org_by_code(session, data.pop("owner"), "owner").id
    if "code" in data:
        clash = session.scalar(select(Database.id).where(Database.code == data["code"]))
        if clash and (db is None or clash != db.id):
            raise field_error("code", gettext("This code is already used."))
    return data


def create_database(session: Session, actor: Actor, raw: Mapping[str, Any]) -> Database:
    schema = DatabaseInput()
    data = _resolve(session, load(schema, raw), None)
    policy.require(policy.can_register_in(actor.reader, data["owner_id"]))
    db = Database()
    apply(db, {**blank_values(schema), **data}, [*COLUMNS, "owner_id"])
    session.add(db)
    session.flush()
    audit.record(session, actor, "create", "database", db.id, label=db.name_vi,
                 organization_id=db.owner_id, after=state(db))
    return db


def update_database(
    session: Session, actor: Actor, db: Database, raw: Mapping[str, Any], *, replace: bool = False
) -> list[str]:
    policy.require(policy.can_edit_database(actor.reader, db))
    schema = DatabaseInput()
    data = load(schema, raw, partial=not replace)
    if replace:
        data = {**blank_values(schema), **data}
    data = _resolve(session, data, db)
    if data.get("owner_id", db.owner_id) != db.owner_id:
        policy.require(policy.can_register_in(actor.reader, data["owner_id"]))
    before = state(db)
    changed = apply(db, data, [*COLUMNS, "owner_id"])
    if changed:
        session.flush()
        after = state(db)
        audit.record(session, actor, "update", "database", db.id, label=db.name_vi,
                     organization_id=db.owner_id, before={k: before[k] for k in changed},
                     after={k: after[k] for k in changed})
    return changed


def delete_database(session: Session, actor: Actor, db: Database) -> None:
    policy.require(policy.can_delete_database(actor.reader, db))
    # datasets and services would lose their database quietly (SET NULL): the registry forbids that
    references.require_unreferenced(session, db, {
        "dataset": session.scalar(select(func.count()).where(Dataset.database_id == db.id)) or 0,
        "dataservice": session.scalar(select(func.count()).where(DataService.database_id == db.id)) or 0,
    })
    audit.record(session, actor, "delete", "database", db.id, label=db.name_vi,
                 organization_id=db.owner_id, before=state(db))
    session.delete(db)
    session.flush()
