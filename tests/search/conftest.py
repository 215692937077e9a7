"""Search fixtures: the same corpus on both backends (Whoosh on SQLite, PostgreSQL full-text)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from catalog import policy
from catalog.db import registry_db
from catalog.models import Organization
from catalog.services.common import org_by_code

from ..conftest import whoosh_only
from ..helpers import dataset

#: agencies of the corpus: A publishes open data, B shared and restricted data, C only reads
A, B, C = "BNNMT", "BXD", "BTP"


@dataclass
class Corpus:
    app: Flask
    ids: dict[str, str]
    org_ids: dict[str, str]

    def reader(self, *codes: str, admin: bool = False, grants: dict | None = None) -> policy.Reader:
        return policy.Reader(user_id="u" if codes or admin else None, is_admin=admin,
                             roles={self.org_ids[c]: "member" for c in codes}, grants=grants or {})


def build_corpus(app: Flask) -> Corpus:
    s: Session = registry_db(app).session_factory()
    try:
        made = {
            "dancu": dataset(s, A, title_vi="Dữ liệu dân cư tỉnh Lào Cai", title_en="Population of Lao Cai province",
                             description_en="Population statistics by commune and year.",
                             keywords=["dân số"], themes=["SOCI"]),
            "nodiacritics": dataset(s, A, title_vi="Ban do dat dai tinh Ha Giang",
                                    description_vi="Du lieu nhap tu he thong cu, khong co dau."),
            "duongbo": dataset(s, A, title_vi="Mạng lưới đường bộ quốc gia", themes=["TRAN"]),
            "ca_fish": dataset(s, A, title_vi="Sản lượng cá biển Quảng Ninh", themes=["AGRI"]),
            "ca_shift": dataset(s, A, title_vi="Lịch ca biển Quảng Ninh"),
            "phrase": dataset(s, A, title_vi="Hồ sơ đất đai Hà Nam"),
            "apart": dataset(s, A, title_vi="Đất nông nghiệp và đai rừng phòng hộ Hà Nam"),
            "title_hit": dataset(s, A, title_vi="Khoáng sản Tây Nguyên", themes=["ENVI"]),
            "desc_hit": dataset(s, A, title_vi="Báo cáo môi trường Tây Nguyên",
                                description_vi="Báo cáo có nhắc tới khoáng sản trong vùng."),
            "keyword": dataset(s, A, title_vi="Công trình tưới tiêu", keywords=["thủy lợi"]),
            "shared": dataset(s, B, "shared", title_vi="Danh sách hộ nghèo xã Mường Khương"),
            "restricted": dataset(s, B, "restricted", title_vi="Hồ sơ cấp phép xây dựng Mường Khương"),
            "unlisted": dataset(s, B, "restricted", title_vi="Sổ theo dõi mỏ urani Mường Khương", unlisted=True),
            "draft": dataset(s, A, title_vi="Bản nháp dân cư Mường Khương", status="draft"),
        }
        ids = {k: v.id for k, v in made.items()}
        org_ids = {c: org_by_code(s, c).id for c in (A, B, C)}
        assert s.get(Organization, org_ids[A]) is not None
    finally:
        s.close()
    return Corpus(app=app, ids=ids, org_ids=org_ids)


@pytest.fixture(params=[pytest.param("whoosh", marks=whoosh_only), "postgres"])
def corpus(request: pytest.FixtureRequest) -> Iterator[Corpus]:
    """The corpus on one backend; every search test runs on both."""
    app = request.getfixturevalue("seeded_app" if request.param == "whoosh" else "pg_seeded_app")
    assert app.config["CATALOG"]["SEARCH_BACKEND"] == request.param
    with app.app_context():
        yield build_corpus(app)


@pytest.fixture
def grant_provider() -> Iterator[None]:
    """Restores the grant provider a test replaces."""
    saved = policy._grant_provider
    yield
    policy.set_grant_provider(saved)
