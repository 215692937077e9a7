"""Connections read from an API gateway: each application subscribed to a harvested service is a
system that takes data from it.

An application is matched to a registered system (`Database`) by its code, else by its exact
name. The connection is marked as harvested (`harvest_source_id`, and `source` says which gateway
and which application): the gateway's subscription is both sides' agreement, so it is confirmed.
Its status follows the subscription's (WSO2 words: UNBLOCKED operating, BLOCKED suspended, ON_HOLD
testing; REJECTED is no connection); when the subscription goes, the connection is retired, not
deleted, so its health history stays. A connection a steward registered between the same system
and service is left alone: the harvest adds no second one.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from catalog.models import CONNECTION_PLATFORMS, Connection, Database, DataService, HarvestSource, utcnow

from .base import LogText, Warn

STATUSES = {"UNBLOCKED": "operating", "ACTIVE": "operating", "TIER_UPDATE_PENDING": "operating",
            "PROD_ONLY_BLOCKED": "suspended", "BLOCKED": "suspended", "ON_HOLD": "testing"}
NOT_CONNECTED = {"REJECTED", "DELETE_PENDING"}


def code_for(system: Database, svc: DataService) -> str:
    return f"GW-{system.code[:40]}-{hashlib.sha256(svc.id.encode()).hexdigest()[:10]}"


def _system(session: Session, name: str) -> Database | None:
    return session.scalar(select(Database).where(or_(Database.code == name, Database.code == name.upper(),
                                                     Database.name_vi == name, Database.name_en == name)).limit(1))


def sync_consumers(session: Session, source: HarvestSource, svc: DataService, consumers: list[dict[str, Any]],
                   rid: str, warn: Warn) -> None:
    """Create, update and retire the harvested connections into `svc` to match its subscriptions."""
    mine = {c.consumer_id: c for c in session.scalars(select(Connection).where(
        Connection.harvest_source_id == source.id, Connection.provider_service_id == svc.id))}
    seen: set[str] = set()
    for item in consumers:
        word = (item.get("status") or "UNBLOCKED").upper()
        if word in NOT_CONNECTED:
            continue
        system = _system(session, item["application"])
        if system is None:
            warn(rid, "unknown_code", LogText("unknown_consumer", "the application {value!r} that calls this API is "
                                              "not a registered system; no connection made",
                                              value=item["application"][:200]))
            continue
        seen.add(system.id)
        conn = mine.get(system.id)
        if conn is None:
            if session.scalar(select(Connection.id).where(Connection.consumer_id == system.id,
                                                          Connection.provider_service_id == svc.id)):
                continue  # registered by a steward: theirs
            conn = Connection(code=code_for(system, svc), consumer_id=system.id, consumer_org_id=system.owner_id,
                              provider_service_id=svc.id, provider_database_id=svc.database_id,
                              provider_org_id=svc.publisher_id, items=[], mode="realtime_api",
                              platform=svc.platform if svc.platform in CONNECTION_PLATFORMS else "direct",
                              harvest_source_id=source.id, registered_by_org_id=svc.publisher_id,
                              confirmed_at=utcnow())
            session.add(conn)
            mine[system.id] = conn
        conn.status = STATUSES.get(word, "operating")
        who = f" ({item['subscriber']})" if item.get("subscriber") else ""
        conn.source = f"API gateway {source.url}: subscription of the application {item['application']}{who}"
    for consumer_id, conn in mine.items():
        if consumer_id not in seen and conn.status != "retired":
            conn.status = "retired"
    session.flush()
