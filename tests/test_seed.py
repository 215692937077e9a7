"""seed/ loads completely, twice gives the same registry, and a broken file loads nothing."""

from __future__ import annotations

import html
import json
import re
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


# --- the official letters the open datasets cite (seed/letters/, seed/README.md) ----------------

#: "Công văn số 7983/BKHCN-VP ngày 05/12/2025 của Bộ Khoa học và Công nghệ" (one letter of a pair
#: such as "Các Công văn số A ngày … và số B ngày … của <body>" is read with the body that follows).
CITED = re.compile(r"(?:Công văn|và) số (\d+)/([A-Za-zĐđ]+-[A-Za-z]+) ngày (\d{1,2})/(\d{1,2})/(\d{4})"
                   r"(?: của ([^,;.(]+?)(?=[,;.(]|$| trả| yêu| nêu))?")
HEADER_NUMBER = re.compile(r"Số:\s*(\d+)\s*/\s*([A-Za-zĐđ]+-[A-Za-z]+)")
HEADER_DATE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
SEED = PROJECT_ROOT / "seed"


def _letters() -> dict[str, dict]:
    """Each letter in seed/letters/ by "number/symbol", read from its own header (not its file name)."""
    out = {}
    for path in sorted((SEED / "letters").glob("*.txt")):
        text_ = path.read_text(encoding="utf-8").replace("*", "")
        number, date = HEADER_NUMBER.search(text_), HEADER_DATE.search(text_)
        assert number and date, f"{path.name}: no number or date in its header"
        out[f"{number[1]}/{number[2]}"] = {"date": tuple(int(x) for x in date.groups()), "text": text_.casefold(),
                                           "file": path.name}
    return out


def _citations(text_: str) -> list[tuple[str, tuple[int, int, int], str | None]]:
    return [(f"{m[1]}/{m[2]}", (int(m[3]), int(m[4]), int(m[5])), m[6]) for m in CITED.finditer(text_)]


def test_the_letters_the_open_datasets_cite_are_in_the_seed_as_their_headers_give_them():
    letters = _letters()
    assert len(letters) == 5
    readme = (SEED / "README.md").read_text(encoding="utf-8")
    items = json.loads((SEED / "datasets.json").read_text(encoding="utf-8"))
    cited = set()
    for item in items:
        for field in ("description_vi", "source_note"):
            for number, date, body in _citations(item.get(field) or ""):
                assert number in letters, f"{item['slug']} cites {number}, which is not in seed/letters/"
                assert date == letters[number]["date"], f"{item['slug']}: {number} is dated {date}"
                if body is not None:
                    assert body.strip().casefold() in letters[number]["text"], f"{number} is not from {body}"
                cited.add(number)
    # the open datasets that the letters concern cite them, and the README says where each comes from
    assert {"1665/VPCP-KSTT", "3474/BTTTT-VP", "4819/TTTT-VP", "7983/BKHCN-VP"} <= cited
    for number, letter in letters.items():
        assert f"| {number} |" in readme and letter["file"] in readme


def test_the_cited_letters_show_on_the_dataset_pages(client):
    items = {i["slug"]: i for i in json.loads((SEED / "datasets.json").read_text(encoding="utf-8"))}
    for slug in ("don-vi-hanh-chinh-cap-tinh-2025", "co-cau-to-chuc-chinh-phu-2025",
                 "don-vi-thuoc-bo-khoa-hoc-va-cong-nghe-2025"):
        assert items[slug]["access_level"] == "open"
        numbers = {n for n, _d, _b in _citations(items[slug]["source_note"])}
        assert numbers, f"{slug} cites no letter"
        vi = client.get(f"/datasets/{slug}?lang=vi")
        assert vi.status_code == 200
        page = html.unescape(vi.get_data(as_text=True))
        assert "Văn bản nêu vấn đề: Công văn số" in page
        for number in numbers:
            assert number in page
        en = html.unescape(client.get(f"/datasets/{slug}?lang=en").get_data(as_text=True))
        assert all(f"No. {n}" in en for n in numbers), f"{slug}: the English description does not cite them"
    page = html.unescape(client.get("/datasets/don-vi-hanh-chinh-cap-tinh-2025?lang=vi").get_data(as_text=True))
    assert "Công văn số 7983/BKHCN-VP ngày 05/12/2025 của Bộ Khoa học và Công nghệ" in page
