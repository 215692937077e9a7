"""Where is the same data typed twice? Data items collected by more than one system.

Every field of the registered schemas (the datasets of a system, visible to the reader) is matched
to a concept of the common data dictionary: by the `concept` the field names, else by its
normalised name or title ("so_cccd", "Số định danh cá nhân", "CCCD" all fold to one concept). For
each system that collects a concept a national database holds as master data, the finding says
"collected again here; available from <national database> through <service>", and concepts are
ranked by how many systems collect them again. Stewards answer a finding: intended (with a reason)
or now reused through a connection.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import policy
from ..models import Connection, Database, DataService, Dataset, ReuseMark
from ..schemas.connections import ReuseMarkInput
from ..text import fold
from . import audit
from .actor import Actor
from .common import NotFound, field_error, load
from .connections import agency_and_units
from .reuse_concepts import CONCEPTS, Concept

_BY_CODE = {c.code: c for c in CONCEPTS}
_SEP = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """"Số CCCD", "so_cccd" and "SO-CCCD" all become "so cccd"."""
    return _SEP.sub(" ", fold(text)).strip()


_BY_NAME = {normalise(name): c for c in CONCEPTS for name in (*c.names, c.label_vi, c.label_en)}


def concept_of(fld: Mapping[str, Any]) -> Concept | None:
    """The concept a schema field holds: the one it names, else the one its name or title means."""
    named = fld.get("concept")
    if named in _BY_CODE:
        return _BY_CODE[named]
    for text in (fld.get("name"), fld.get("title")):
        if text:
            concept = _BY_NAME.get(normalise(str(text)))
            if concept is not None and (fld.get("type") or "string") in concept.types:
                return concept
    return None


@dataclass
class Finding:
    concept: Concept
    system: Database
    fields: list[str]
    holder: Database | None
    services: list[DataService]
    connections: list[Connection]
    mark: ReuseMark | None = None
    datasets: list[Dataset] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.mark is None


@dataclass
class Group:
    concept: Concept
    holder: Database | None
    findings: list[Finding]

    @property
    def open_count(self) -> int:
        return sum(1 for f in self.findings if f.open)


def findings(session: Session, reader: policy.Reader, organization: str | None = None) -> list[Group]:
    """Concepts collected by systems other than the national database that holds them, ranked by
    how many systems collect them again (then by name)."""
    q = (select(Dataset).where(Dataset.database_id.is_not(None), policy.dataset_visibility(reader))
         .options(selectinload(Dataset.distributions), selectinload(Dataset.database)))
    if organization:
        q = q.join(Database, Database.id == Dataset.database_id).where(
            Database.owner_id.in_(agency_and_units(session, organization)))
    holders = {db.code: db for db in session.scalars(
        select(Database).where(Database.code.in_([c.held_by for c in CONCEPTS])))}
    found: dict[tuple[str, str], Finding] = {}
    for ds in session.scalars(q):
        system = ds.database
        for dist in ds.distributions:
            for fld in dist.schema_fields():
                concept = concept_of(fld)
                if concept is None or system.code == concept.held_by:
                    continue
                key = (concept.code, system.id)
                if key not in found:
                    found[key] = Finding(concept, system, [], holders.get(concept.held_by), [], [])
                f = found[key]
                if fld["name"] not in f.fields:
                    f.fields.append(fld["name"])
                if ds not in f.datasets:
                    f.datasets.append(ds)
    if not found:
        return []
    marks = {(m.concept, m.database_id): m for m in session.scalars(select(ReuseMark))}
    for f in found.values():
        f.mark = marks.get((f.concept.code, f.system.id))
        if f.holder is not None:
            f.services = [s for s in session.scalars(select(DataService).where(DataService.database_id == f.holder.id))
                          if policy.can_view_dataservice(reader, s)]
            f.connections = list(session.scalars(select(Connection).where(
                Connection.consumer_id == f.system.id, Connection.provider_database_id == f.holder.id,
                policy.connection_visibility(reader))))
    groups: dict[str, Group] = {}
    for f in found.values():
        groups.setdefault(f.concept.code, Group(f.concept, f.holder, [])).findings.append(f)
    for g in groups.values():
        g.findings.sort(key=lambda f: (not f.open, f.system.code))
    return sorted(groups.values(), key=lambda g: (-len(g.findings), g.concept.code))


def mark(session: Session, actor: Actor, db_code: str, concept: str, raw: Mapping[str, Any]) -> ReuseMark:
    """A steward of the collecting system answers a finding (the latest answer replaces the last)."""
    db = session.scalar(select(Database).where(Database.code == db_code))
    if db is None or concept not in _BY_CODE:
        raise NotFound(f"{db_code}/{concept}")
    policy.require(policy.can_mark_reuse(actor.reader, db))
    data = load(ReuseMarkInput(), raw)
    conn_id = None
    if data.get("connection"):
        conn = session.scalar(select(Connection).where(Connection.code == data["connection"]))
        if conn is None or conn.consumer_id != db.id:
            raise field_error("connection", gettext("No connection with this code takes data into this system."))
        conn_id = conn.id
    existing = session.scalar(select(ReuseMark).where(ReuseMark.database_id == db.id, ReuseMark.concept == concept))
    m = existing or ReuseMark(database_id=db.id, concept=concept)
    m.decision, m.reason, m.connection_id = data["decision"], data.get("reason"), conn_id
    m.marked_by_id = actor.reader.user_id
    session.add(m)
    session.flush()
    audit.record(session, actor, "mark_reuse", "database", db.id, label=db.code, organization_id=db.owner_id,
                 after={"concept": concept, "decision": m.decision, "reason": m.reason})
    return m


def finding_json(group: Group, locale: str) -> dict[str, Any]:
    c = group.concept
    return {
        "concept": c.code, "label": c.label_en if locale == "en" else c.label_vi,
        "held_by": group.holder.code if group.holder else c.held_by,
        "systems_collecting_again": len(group.findings), "open": group.open_count,
        "findings": [{
            "system": f.system.code, "system_name": f.system.name(locale), "owner": f.system.owner.code,
            "fields": f.fields, "datasets": [d.slug for d in f.datasets],
            "available_through": [s.slug for s in f.services],
            "connections": [conn.code for conn in f.connections],
            "mark": {"decision": f.mark.decision, "reason": f.mark.reason} if f.mark else None,
        } for f in group.findings],
    }
