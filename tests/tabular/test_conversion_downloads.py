"""Downloads of conversions are counted per file and per form, beside the file's own downloads:
on the dataset page (per file and per format) and in the preview API (issue 13)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from catalog.models import DownloadCount
from catalog.services import download_counts

from ..helpers import FakeUpload, csv_distribution, dataset, uploaded_distribution
from .conftest import PROVINCES, SCHEMA


@pytest.fixture
def published(seeded_app, session):
    ds = dataset(session, "BTC", "open", title_vi="Dân số các tỉnh")
    dist = csv_distribution(session, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], PROVINCES, SCHEMA)
    return ds, dist


def _counts(session, dist_id: str) -> dict[str, int]:
    session.expire_all()
    rows = session.execute(select(DownloadCount.kind, DownloadCount.count)
                           .where(DownloadCount.distribution_id == dist_id))
    return {kind: int(n) for kind, n in rows}


def _cell(page: str, attrs: str) -> str:
    found = re.search(rf'<td class="num" {attrs}>([^<]*)<', page)
    assert found, attrs
    return found.group(1)


def test_each_conversion_download_is_counted_under_its_form(seeded_app, session, published):
    ds, dist = published
    client = seeded_app.test_client()
    for kind, times in (("csv", 2), ("json", 1), ("xlsx", 3), ("zip", 1)):
        for _ in range(times):
            assert client.get(f"/distributions/{dist.id}/download/{kind}").status_code == 200
    assert client.get(f"/distributions/{dist.id}/download").status_code == 200
    assert _counts(session, dist.id) == {"csv": 2, "json": 1, "xlsx": 3, "zip": 1, "file": 1}
    assert download_counts.counts_for_dataset(session, ds.id) == {dist.id: 8}


def test_the_dataset_page_shows_downloads_per_file_and_per_format(seeded_app, session, published):
    ds, dist = published
    other = csv_distribution(session, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], PROVINCES, SCHEMA)
    client = seeded_app.test_client()
    for url in (f"/distributions/{dist.id}/download/xlsx", f"/distributions/{dist.id}/download/xlsx",
                f"/distributions/{dist.id}/download/zip", f"/distributions/{other.id}/download/csv",
                f"/distributions/{other.id}/download"):
        assert client.get(url).status_code == 200
    page = client.get(f"/datasets/{ds.slug}?lang=en").get_data(as_text=True)
    assert _cell(page, f'data-dist="{dist.id}"') == "3"
    assert _cell(page, f'data-dist="{dist.id}" data-kind="xlsx"') == "2"
    assert _cell(page, f'data-dist="{dist.id}" data-kind="zip"') == "1"
    assert _cell(page, f'data-dist="{dist.id}" data-kind="file"') == "0"
    assert _cell(page, f'data-dist="{other.id}" data-kind="csv"') == "1"
    assert _cell(page, f'data-dist="{other.id}" data-kind="file"') == "1"
    assert _cell(page, 'data-total="xlsx"') == "2" and _cell(page, 'data-total="csv"') == "1"
    assert _cell(page, 'data-total="all"') == "5"
    assert "Data package" in page
    vi = client.get(f"/datasets/{ds.slug}?lang=vi").get_data(as_text=True)
    assert "Gói dữ liệu" in vi and "Tất cả các tệp" in vi


def test_the_preview_api_gives_download_counts_per_form(seeded_app, published):
    _ds, dist = published
    client = seeded_app.test_client()
    assert client.get(f"/distributions/{dist.id}/download/json").status_code == 200
    assert client.get(f"/api/v1/distributions/{dist.id}/download").status_code == 200
    body = client.get(f"/api/v1/distributions/{dist.id}/preview").get_json()
    assert body["download_counts"] == {"file": 1, "csv": 0, "json": 1, "xlsx": 0, "zip": 0}


def test_a_conversion_that_is_not_served_is_not_counted(seeded_app, session):
    ds = dataset(session, "BTC", "open")
    dist = uploaded_distribution(session, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"],
                                 FakeUpload("hong.xlsx", b"PK\x03\x04 not a workbook", "application/zip"),
                                 {"title_vi": "Hỏng"})
    for kind in ("csv", "json", "xlsx", "zip"):
        assert seeded_app.test_client().get(f"/distributions/{dist.id}/download/{kind}").status_code == 404
    assert _counts(session, dist.id) == {}


def test_an_unknown_form_is_refused(session, published):
    _ds, dist = published
    with pytest.raises(ValueError, match="unknown download kind"):
        download_counts.record_download(session, dist, "pdf")
