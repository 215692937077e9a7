"""Fixtures of the quality tests: an app with automatic checks on, that may reach the loopback
test server, and helpers to build datasets with files through the real services."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from catalog.db import registry_db
from catalog.models import Dataset, QualityReport
from catalog.services import distributions
from catalog.services.actor import system_actor

from ..conftest import _dispose, build_app
from ..helpers import FakeUpload
from ..helpers import dataset as make_dataset

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "quality"


@pytest.fixture
def qapp(seeded_template: Path, tmp_path: Path) -> Iterator[Flask]:
    """The seeded app with automatic checks on, loopback addresses allowed, short link timeouts."""
    instance = tmp_path / "instance"
    shutil.copytree(seeded_template, instance)
    app = build_app(instance, QUALITY_AUTO=True, ALLOW_PRIVATE_URLS=True, QUALITY_LINK_TIMEOUT=1,
                    QUALITY_INLINE_MB=2)
    yield app
    from catalog.tasks import drain

    drain(app)
    _dispose(app)


def session_of(app: Flask):
    return registry_db(app).session_factory()


def new_dataset(app: Flask, publisher: str = "BTC", access: str = "open", **fields: Any) -> str:
    """A published dataset made through the service; returns its id."""
    s = session_of(app)
    try:
        defaults = {"keywords": ["thử nghiệm"], "themes": ["ECON"], "update_frequency": "NEVER"}
        return make_dataset(s, publisher, access, **{**defaults, **fields}).id
    finally:
        s.close()


def add_file(app: Flask, dataset_id: str, name: str, content: bytes, schema: dict | None = None,
             **fields: Any) -> str:
    """Upload a file to a dataset (the real upload path, which says "upload"); returns the distribution id."""
    s = session_of(app)
    try:
        ds = s.get(Dataset, dataset_id)
        dist = distributions.add_distribution(
            s, system_actor("test"), ds, {"title_vi": fields.pop("title_vi", name), "table_schema": schema, **fields},
            distributions.storage_for(app.config["CATALOG"]), FakeUpload(name, content),
        )
        s.commit()
        return dist.id
    finally:
        s.close()


def add_link(app: Flask, dataset_id: str, url: str, fmt: str = "CSV", **fields: Any) -> str:
    s = session_of(app)
    try:
        ds = s.get(Dataset, dataset_id)
        dist = distributions.add_distribution(
            s, system_actor("test"), ds, {"title_vi": fields.pop("title_vi", "Liên kết"), "download_url": url,
                                          "format": fmt, **fields},
            distributions.storage_for(app.config["CATALOG"]))
        s.commit()
        return dist.id
    finally:
        s.close()


def reports_of(app: Flask, dataset_id: str) -> list[QualityReport]:
    s = session_of(app)
    try:
        return list(s.scalars(select(QualityReport).where(QualityReport.dataset_id == dataset_id)
                              .order_by(QualityReport.id)))
    finally:
        s.close()


def dataset_row(app: Flask, dataset_id: str) -> Dataset:
    s = session_of(app)
    try:
        return s.get(Dataset, dataset_id)
    finally:
        s.close()


def check(report: QualityReport, check_id: str) -> dict[str, Any]:
    return next(c for c in report.checks if c["id"] == check_id)


def codes(report: QualityReport) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in report.findings:
        out[item["code"]] = out.get(item["code"], 0) + item["count"]
    return out
