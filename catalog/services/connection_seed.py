"""Seed of the integration map: every province's systems, and the connections the government's
documents describe (seed/province_systems.csv, seed/connections.csv; sources in seed/README.md)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Connection, Database
from . import connections, databases
from .actor import system_actor

_SKIP = ("source", "unconfirmed")


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as handle:
        yield from enumerate(csv.DictReader(handle), start=2)


def load_systems(session: Session, root: Path, errors: dict[str, Any]) -> dict[str, int]:
    """Add the provinces' and ministries' systems that are not registered yet (never overwrites)."""
    actor = system_actor("seed")
    counts = {"created": 0, "unchanged": 0}
    for n, row in _rows(root / "province_systems.csv"):
        if session.scalar(select(Database.id).where(Database.code == row["code"])):
            counts["unchanged"] += 1
            continue
        data: dict[str, Any] = {k: v for k, v in row.items() if k not in _SKIP and v != ""}
        data["owner"] = data.pop("owner_code")
        data["platforms"] = [p for p in row.get("platforms", "").split(";") if p]
        try:
            databases.create_database(session, actor, data)
            counts["created"] += 1
        except ValidationError as err:
            errors[f"province_systems.csv row {n}"] = err.messages
    return counts


def load_connections(session: Session, root: Path, errors: dict[str, Any]) -> dict[str, int]:
    """Register the documented connections, confirmed (both sides are state systems named in law)."""
    actor = system_actor("seed")
    counts = {"created": 0, "unchanged": 0}
    for n, row in _rows(root / "connections.csv"):
        if session.scalar(select(Connection.id).where(Connection.code == row["code"])):
            counts["unchanged"] += 1
            continue
        data: dict[str, Any] = {k: v for k, v in row.items() if k not in _SKIP and v != ""}
        try:
            data["items"] = json.loads(row.get("items") or "[]")
        except ValueError as exc:
            errors[f"connections.csv row {n}"] = {"items": [f"not valid JSON: {exc}"]}
            continue
        if data.get("sync_interval_minutes"):
            data["sync_interval_minutes"] = int(data["sync_interval_minutes"])
        data["unconfirmed_fact"] = row.get("unconfirmed") == "yes"
        data["source"] = row.get("source") or None
        try:
            connections.create_connection(session, actor, data, confirmed=True)
            counts["created"] += 1
        except ValidationError as err:
            errors[f"connections.csv row {n}"] = err.messages
    return counts
