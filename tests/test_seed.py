"""seed/ loads completely, twice gives the same registry, and a broken file loads nothing."""

from __future__ import annotations

import shutil

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select, text

from catalog.config import PROJECT_ROOT
from catalog.models import AdminUnit, AuditEvent, Database, Dataset, Organization
from catalog.services.seed import load_seed

TABLES = ["organization", "database", "dataset", "distribution", "theme", "licence", "admin_unit"]


def _snapshot(session):
    return {t: sorted(map(tuple, session.execute(text(f"select * from {t}")).all())) for t in TABLES}  # noqa: S608


def test_seed_holds_the_2025_state_structure(session):
    kinds = dict(session.execute(select(Organization.kind, func.count()).group_by(Organization.kind)).all())
    assert kinds["ministry"] == 14
    assert kinds["ministerial_agency"] == 3
    assert kinds["city"] == 6 and kinds["province"] == 28
    provinces = session.scalars(select(AdminUnit).where(AdminUnit.kind.in_(["city", "province"]))).all()
    assert len(provinces) == 34
    assert session.get(AdminUnit, "VN") is not None
    population = session.scalar(select(Database).where(Database.code == "DC"))
    assert population.kind == "national" and population.owner.code == "BCA-C06"
    assert session.scalar(select(func.count()).select_from(Dataset).where(Dataset.status == "published")) >= 5


def test_loading_twice_changes_nothing(seeded_app, session):
    before = _snapshot(session)
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    report = load_seed(session, PROJECT_ROOT / "seed", seeded_app.config["CATALOG"])
    session.commit()
    assert all(counts.get("created", 0) == 0 and counts.get("updated", 0) == 0 for counts in report.values())
    assert _snapshot(session) == before
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_a_broken_seed_file_names_the_row_and_stores_nothing(app, tmp_path):
    seed = tmp_path / "seed"
    shutil.copytree(PROJECT_ROOT / "seed", seed)
    lines = (seed / "databases.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    bad = ["" for _ in header]
    bad[header.index("code")] = "BROKEN"
    bad[header.index("name_vi")] = "Hỏng"
    bad[header.index("kind")] = "galactic"
    bad[header.index("owner_code")] = "NOBODY"
    (seed / "databases.csv").write_text("\n".join([*lines, ",".join(bad)]) + "\n", encoding="utf-8")
    from catalog.db import registry_db

    with app.app_context():
        s = registry_db(app).session_factory()
        with pytest.raises(ValidationError) as info:
            load_seed(s, seed, app.config["CATALOG"])
        s.rollback()
        where = [k for k in info.value.messages if k.startswith("databases.csv row")]
        assert where == [f"databases.csv row {len(lines) + 1}"]
        assert "kind" in info.value.messages[where[0]]
        assert s.scalar(select(func.count()).select_from(Organization)) == 0
        s.close()
    uploads = app.config["CATALOG"]["UPLOAD_FOLDER"]
    import os

    assert not os.path.exists(uploads) or not any(files for _, _, files in os.walk(uploads))
