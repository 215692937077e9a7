"""A small sharing world on the seeded registry: a provider (the civil-status police unit, under
the Ministry of Public Security), a requesting provincial department, their people, and two
datasets whose columns carry different classes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from catalog import policy
from catalog.db import registry_db
from catalog.models import Dataset, Distribution, User
from catalog.services.actor import Actor
from catalog.services.sharing import requests as sharing_requests
from catalog.services.sharing import workflow

from ..helpers import csv_distribution, dataset, make_user

PEOPLE_CSV = (
    "so_dinh_danh,ho_ten,nam_sinh,tinh\r\n"
    "001204000001,Nguyễn Văn An,2004,HN\r\n"
    "079198000002,Trần Thị Bình,1998,HCM\r\n"
).encode()
PEOPLE_SCHEMA = {"fields": [
    {"name": "so_dinh_danh", "type": "string", "classification": "special_request"},
    {"name": "ho_ten", "type": "string", "title": "Họ và tên", "classification": "special_request"},
    {"name": "nam_sinh", "type": "integer", "classification": "default_shared"},
    {"name": "tinh", "type": "string", "classification": "open"},
]}
STATS_CSV = "tinh,so_dan,ghi_chu\r\nHN,8500000,mật\r\nHCM,9300000,mật\r\n".encode()
STATS_SCHEMA = {"fields": [
    {"name": "tinh", "type": "string", "classification": "open"},
    {"name": "so_dan", "type": "integer", "classification": "default_shared"},
    {"name": "ghi_chu", "type": "string", "classification": "special_request"},
]}

FULL_SPECIAL: dict[str, Any] = {
    "requester_identifier": "H26.40",
    "application": "Hệ thống một cửa điện tử của Sở Tài chính Hà Nội",
    "purpose": "Xác minh thông tin công dân khi giải quyết thủ tục hành chính.",
    "intended_use": "Đối chiếu họ tên và số định danh với hồ sơ nộp trực tuyến.",
    "frequency": "daily",
    "contact_email": "cntt@hanoi.gov.vn",
    "special_reason": "Dịch vụ chia sẻ mặc định không cung cấp số định danh và họ tên.",
    "start_date": "2026-01-05",
    "end_date": "2030-12-31",
    "methods": ["api_lgsp"],
    "limits_of_use": "Chỉ dùng cho thủ tục hành chính của Sở.",
    "protection_commitment": True,
    "security_measures": "Kết nối qua LGSP, mã hóa TLS, nhật ký truy cập.",
    "retention_deletion": "Xóa toàn bộ dữ liệu trong 30 ngày sau khi thỏa thuận kết thúc.",
}
FULL_DEFAULT: dict[str, Any] = {k: FULL_SPECIAL[k] for k in (
    "requester_identifier", "application", "purpose", "intended_use", "frequency", "contact_email")}


@dataclass
class World:
    app: Flask
    session: Session
    users: dict[str, User]
    people: Dataset
    stats: Dataset
    people_dist: Distribution
    stats_dist: Distribution

    def actor(self, who: str) -> Actor:
        self.session.expire_all()
        user = self.session.get(User, self.users[who].id)
        return Actor(reader=policy.reader_for(self.session, user), label=user.email)

    def reader(self, who: str) -> policy.Reader:
        return self.actor(who).reader

    def request(self, who: str = "officer", kind: str = "special", items: list[dict] | None = None,
                submit: bool = True, **fields: Any):
        body = {"kind": kind, "requester": "HN-STC",
                "items": items or [{"dataset": self.people.slug, "columns": ["ho_ten", "so_dinh_danh"]}],
                **(FULL_SPECIAL if kind == "special" else FULL_DEFAULT), **fields}
        req = sharing_requests.create_request(self.session, self.actor(who), body)
        self.session.commit()
        if submit:
            workflow.perform(self.session, self.actor(who), req, "submit")
            self.session.commit()
        return req

    def act(self, who: str, req, action: str, **body: Any):
        result = workflow.perform(self.session, self.actor(who), req, action, body)
        self.session.commit()
        return result


def make_world(app: Flask) -> World:
    s = registry_db(app).session_factory()
    users = {
        "officer": make_user(s, "officer@stc.hanoi.gov.vn", roles={"HN-STC": "member"}),
        "hn_steward": make_user(s, "steward@stc.hanoi.gov.vn", roles={"HN-STC": "steward"}),
        "provider": make_user(s, "steward@c06.gov.vn", roles={"BCA-C06": "steward"}),
        "provider_editor": make_user(s, "editor@c06.gov.vn", roles={"BCA-C06": "editor"}),
        "it_unit": make_user(s, "cntt@bocongan.gov.vn", roles={"BCA": "steward"}),
        "admin": make_user(s, "admin@catalog.gov.vn", admin=True),
        "outsider": make_user(s, "officer@stc.danang.gov.vn", roles={"DN-STC": "member"}),
    }
    users["hn_steward"].locale = "en"
    users["provider"].locale = "vi"
    s.commit()
    folder = app.config["CATALOG"]["UPLOAD_FOLDER"]
    people = dataset(s, "BCA-C06", "restricted", title_vi="Thông tin hộ tịch", title_en="Civil status records")
    people_dist = csv_distribution(s, people, folder, PEOPLE_CSV, PEOPLE_SCHEMA)
    stats = dataset(s, "BCA-C06", "shared", title_vi="Dân số theo tỉnh", title_en="Population by province")
    stats_dist = csv_distribution(s, stats, folder, STATS_CSV, STATS_SCHEMA)
    return World(app, s, users, people, stats, people_dist, stats_dist)


@pytest.fixture
def world(seeded_app: Flask) -> World:
    made = make_world(seeded_app)
    yield made
    made.session.close()


@pytest.fixture
def pg_world(pg_seeded_app: Flask) -> World:
    made = make_world(pg_seeded_app)
    yield made
    made.session.close()
