"""A small connection world on the seeded registry: the National Public Service Portal (consumer,
Government Office) takes identity checks from the National Population Database (provider, the
police's C06 unit); a steward on each side and an outsider officer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from catalog.db import registry_db
from catalog.models import Connection, User
from catalog.services import connections
from catalog.services.actor import system_actor

from ..helpers import make_user

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday


@dataclass
class World:
    app: Flask
    session: Session
    consumer_steward: User
    provider_steward: User
    outsider: User

    def cfg(self, **overrides: Any) -> dict[str, Any]:
        return {**self.app.config["CATALOG"], "ALLOW_PRIVATE_URLS": True, "PROBE_FAILURES_FOR_INCIDENT": 3,
                "PROBE_TIMEOUT_SECONDS": 1, **overrides}

    def connection(self, code: str = "T-NPSP-DC", **fields: Any) -> Connection:
        data = {"code": code, "consumer": "NPSP", "provider_database": "DC", "platform": "NDXP",
                "mode": "realtime_api", "status": "operating", "legal_basis": "Nghị định 47/2020/NĐ-CP",
                "items": [{"name": "so_dinh_danh", "label_vi": "Số định danh cá nhân",
                           "classification": "default_shared", "concept": "personal_id"},
                          {"name": "trang_thai", "label_vi": "Trạng thái hồ sơ", "classification": "open"}],
                **fields}
        conn = connections.create_connection(self.session, system_actor("test"), data, confirmed=True)
        self.session.commit()
        return conn


@pytest.fixture
def world(seeded_app: Flask) -> World:
    s = registry_db(seeded_app).session_factory()
    s.info["app"] = seeded_app
    w = World(seeded_app, s,
              make_user(s, "vpcp@example.gov.vn", roles={"VPCP-KSTT": "steward"}),
              make_user(s, "c06@example.gov.vn", roles={"BCA-C06": "steward"}),
              make_user(s, "hn@example.gov.vn", roles={"HN": "editor"}))
    yield w
    s.close()
