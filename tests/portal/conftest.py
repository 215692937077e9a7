"""A small public world on the seeded registry: the police's C06 unit has an open dataset, a
restricted one and an open draft; its open-data list has a planned entry, one in preparation, one
overdue, one carried out by the open dataset and one whose dataset is still hidden. A steward of
C06 keeps the list and answers the public."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from catalog.db import registry_db
from catalog.models import Dataset, OpenDataPlan, User
from catalog.services.common import org_by_code

from ..helpers import csv_distribution, dataset, make_user

ORG = "BCA-C06"
TODAY = date.today()


@dataclass
class World:
    app: Flask
    session: Session
    steward: User
    editor: User
    open_ds: Dataset
    restricted: Dataset
    draft: Dataset
    plans: dict[str, OpenDataPlan]
    dist_id: str


def _plan(s: Session, title: str, days: int, status: str = "planned", ds: Dataset | None = None,
          themes: list[str] | None = None) -> OpenDataPlan:
    org = org_by_code(s, ORG)
    plan = OpenDataPlan(organization_id=org.id, title_vi=title, title_en=f"{title} (en)",
                        planned_date=TODAY + timedelta(days=days), update_frequency="ANNUAL", status=status,
                        themes=themes or [], dataset_id=ds.id if ds else None)
    s.add(plan)
    s.commit()
    return plan


@pytest.fixture
def world(seeded_app: Flask) -> World:
    with seeded_app.app_context():
        s = registry_db(seeded_app).session_factory()
        steward = make_user(s, "pt-steward@c06.gov.vn", roles={ORG: "steward"})
        editor = make_user(s, "pt-editor@c06.gov.vn", roles={ORG: "editor"})
        open_ds = dataset(s, ORG, "open", title_vi="Ptmo du lieu mo cong khai", slug="pt-open", themes=["GOVE"],
                          update_frequency="MONTHLY")
        restricted = dataset(s, ORG, "restricted", title_vi="Ptan du lieu rieng", slug="pt-restricted")
        draft = dataset(s, ORG, "open", title_vi="Ptnhap ban nhap", slug="pt-draft", status="draft")
        dist = csv_distribution(s, open_ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], b"ma,ten\n01,Ha Noi\n")
        plans = {
            "planned": _plan(s, "Ptkehoach ke hoach mo", 30, themes=["ECON"]),
            "in_preparation": _plan(s, "Ptchuanbi dang chuan bi", 10, "in_preparation"),
            "overdue": _plan(s, "Ptquahan qua han", -5),
            "opened": _plan(s, "Ptdamo da mo", -40, ds=open_ds),
            "hidden": _plan(s, "Ptan ke hoach cong khai", 20, ds=restricted),
        }
        made = World(seeded_app, s, steward, editor, open_ds, restricted, draft, plans, dist.id)
    # no app context is held open while the test runs: each request gets its own (and its language)
    yield made
    s.close()
