"""Our own harvesters read our feeds back into a second catalogue with nothing lost."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalog.db import registry_db
from catalog.models import Dataset

from ..harvest.conftest import errors_of, make_source, run
from ..helpers import csv_distribution, dataset


def snapshot(app, *, by: str = "title_vi") -> dict[str, dict]:
    """What must survive a round trip, per dataset, comparable across catalogues."""
    s = registry_db(app).session_factory()
    try:
        rows = s.scalars(select(Dataset).where(Dataset.status == "published", Dataset.access_level == "open")
                         .options(selectinload(Dataset.distributions), selectinload(Dataset.publisher),
                                  selectinload(Dataset.database)))
        out = {}
        for ds in rows:
            out[getattr(ds, by)] = {
                "title_vi": ds.title_vi, "title_en": ds.title_en,
                "description_vi": ds.description_vi, "description_en": ds.description_en,
                "licence": ds.licence_code, "issued": ds.issued, "modified": ds.modified,
                "temporal": (ds.temporal_start, ds.temporal_end), "publisher": ds.publisher.code,
                "themes": sorted(ds.themes or []), "keywords": sorted(ds.keywords or []),
                "spatial": sorted(ds.spatial or []), "frequency": ds.update_frequency,
                "languages": sorted(ds.languages or []), "contact_email": ds.contact_email,
                "database": ds.database.code if ds.database else None, "master": ds.is_master_data,
                "access_level": ds.access_level,
                "files": sorted((d.title_vi, d.title_en, (d.format or "").upper(), d.byte_size)
                                for d in ds.distributions),
            }
        return out
    finally:
        s.close()


def download_urls(app) -> set[str]:
    s = registry_db(app).session_factory()
    try:
        return {d.download_url for ds in s.scalars(select(Dataset).options(selectinload(Dataset.distributions)))
                for d in ds.distributions}
    finally:
        s.close()


def open_master_dataset(app) -> None:
    """An open dataset of a registered database, marked master data, covering two provinces."""
    s = registry_db(app).session_factory()
    try:
        ds = dataset(s, "BTC", "open", title_vi="Danh sách doanh nghiệp mới thành lập", title_en="Newly founded firms",
                     description_en="Firms founded each month.", database="DKDN", is_master_data=True,
                     spatial=["01", "04"], themes=["ECON"], keywords=["doanh nghiệp"], update_frequency="MONTHLY",
                     issued="2025-07-01", modified="2025-08-01", temporal_start="2025-01-01",
                     temporal_end="2025-06-30", languages=["vi", "en"])
        csv_distribution(s, ds, app.config["CATALOG"]["UPLOAD_FOLDER"], "ma,ten\n0101,Công ty A\n".encode())
    finally:
        s.close()


@pytest.mark.parametrize("fmt", ["ttl", "rdf", "jsonld"])
def test_dcat_feed_harvests_back_with_nothing_lost(served, seeded_app, second_catalogue, fmt):
    open_master_dataset(seeded_app)
    original = snapshot(seeded_app)
    assert len(original) == 6
    assert all(v["title_en"] and v["files"] and v["licence"] and v["issued"] for v in original.values())
    assert any(v["database"] for v in original.values()) and any(v["spatial"] for v in original.values())
    publishers = {v["publisher"] for v in original.values()}
    for code in sorted(publishers):
        source = make_source(second_catalogue, name=f"Cổng {code}", protocol="dcat", organization=code,
                             url=f"{served.url}/catalog.{fmt}?organization={code}", default_licence=None)
        summary = run(second_catalogue, source)
        assert summary.status == "succeeded", summary
        assert not errors_of(second_catalogue, summary.job_id), errors_of(second_catalogue, summary.job_id)
    assert snapshot(second_catalogue) == original
    # the files are reachable where the first catalogue serves them
    urls = download_urls(second_catalogue)
    assert urls and all(u.startswith(f"{served.url}/distributions/") for u in urls)
