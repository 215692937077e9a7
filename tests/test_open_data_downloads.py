"""Issue 12: open data that can actually be downloaded. After the seed and the demo harvest, every
open dataset on show gives a file or a data link; records that only describe open data are drafts;
the home page lists what can be downloaded first."""

from __future__ import annotations

from sqlalchemy import select

from catalog import rules
from catalog.db import registry_db
from catalog.models import Dataset, HarvestRecord
from catalog.policy import ANONYMOUS
from catalog.services import listing

from .helpers import dataset


def _gives_data(ds: Dataset) -> bool:
    return any(d.file_path or d.download_url or d.access_url for d in ds.distributions)


def test_after_seed_and_demo_harvest_every_open_dataset_on_show_can_be_downloaded(seeded_app):
    result = seeded_app.test_cli_runner().invoke(args=["harvest", "demo"])
    assert result.exit_code == 0, result.output
    s = registry_db(seeded_app).session_factory()
    try:
        shown = s.scalars(select(Dataset).where(Dataset.status == "published",
                                                Dataset.access_level == rules.ACCESS_OPEN)).all()
        assert len(shown) >= 5
        assert [d.slug for d in shown if not _gives_data(d)] == []
        # the harvested records that only describe open data wait as drafts, with the reason logged
        drafts = s.scalars(select(Dataset).where(Dataset.origin == "harvested", Dataset.status == "draft",
                                                 Dataset.access_level == rules.ACCESS_OPEN)).all()
        assert drafts and not any(_gives_data(d) for d in drafts)
        home = seeded_app.test_client().get("/").get_data(as_text=True)
        assert not any(f'/datasets/{d.slug}"' in home for d in drafts)
        assert s.scalar(select(HarvestRecord).where(HarvestRecord.dataset_id == drafts[0].id)) is not None
    finally:
        s.close()


def test_the_home_page_lists_datasets_to_download_first(seeded_app, session):
    folder = seeded_app.config["CATALOG"]["UPLOAD_FOLDER"]
    from .helpers import csv_distribution

    with_file = dataset(session, "BTC", "open", title_vi="Có tệp để tải")
    csv_distribution(session, with_file, folder, b"a,b\n1,2\n")
    for n in range(7):  # newer, but with nothing to download
        dataset(session, "BTC", "open", title_vi=f"Chỉ mô tả {n}")
    first = listing.list_datasets(session, ANONYMOUS, listing.DatasetFilters(), sort="downloadable",
                                  per_page=6).items
    assert _gives_data(first[0]) and first[0].title_vi == "Có tệp để tải"
    html = seeded_app.test_client().get("/").get_data(as_text=True)
    section = html.split('id="newest-h"', 1)[1].split("</section>", 1)[0]
    assert "Có tệp để tải" in section and "Chỉ mô tả" not in section  # seed files and this one fill it
