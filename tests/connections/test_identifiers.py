"""Agency identifier codes (Decision 20/2020/QĐ-TTg): every ministry and every province carries
one, and the connection and reuse filters accept it in place of the portal's own code."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from sqlalchemy import select

from catalog import policy
from catalog.models import Organization
from catalog.services import reuse

from .test_reuse import pair  # noqa: F401 - the fixture

LEVEL1 = re.compile(r"^000\.00\.00\.[GH]\d\d$")
SEED = Path(__file__).resolve().parents[2] / "seed" / "organizations.csv"
SOURCES = {row["code"]: row["source"] for row in csv.DictReader(SEED.open(encoding="utf-8"))}


def test_every_ministry_and_province_has_an_identifier(world):
    s = world.session
    orgs = s.scalars(select(Organization).where(
        Organization.kind.in_(("ministry", "ministerial_agency", "province", "city")))).all()
    assert len([o for o in orgs if o.kind in ("province", "city")]) == 34
    assert len([o for o in orgs if o.kind in ("ministry", "ministerial_agency")]) == 17
    for org in orgs:
        assert org.identifier and LEVEL1.match(org.identifier), org.code
        letter = "H" if org.kind in ("province", "city") else "G"
        assert org.identifier[-3] == letter, org.code
    assert len({o.identifier for o in orgs}) == len(orgs)
    by_code = {o.code: o.identifier for o in orgs}
    assert by_code["NA"] == "000.00.00.H41" and by_code["BTC"] == "000.00.00.G12"
    assert by_code["HCM"] == "000.00.00.H29" and by_code["HN"] == "000.00.00.H26"
    # every province says where its code comes from: a public source, or that it is inferred
    for org in orgs:
        if org.kind in ("province", "city"):
            row_source = SOURCES[org.code]
            assert "mã định danh" in row_source, org.code


def test_connections_filter_by_identifier(world):
    client = world.app.test_client()
    by_code = client.get("/api/v1/connections?province=NA&per_page=100").json
    by_identifier = client.get("/api/v1/connections?province=000.00.00.H41&per_page=100").json
    assert by_code["total"] > 0
    assert [i["code"] for i in by_identifier["items"]] == [i["code"] for i in by_code["items"]]
    ministry = client.get("/api/v1/connections?ministry=000.00.00.G01&per_page=100").json
    assert ministry["total"] == client.get("/api/v1/connections?ministry=BCA&per_page=100").json["total"] > 0
    unknown = client.get("/api/v1/connections?province=000.00.00.H99")
    assert unknown.status_code == 422 and "organization" in unknown.json["errors"]
    page = client.get("/connections?province=000.00.00.H41&lang=vi").get_data(as_text=True)
    assert f"({by_code['total']})" in page


def test_reuse_finder_filters_by_identifier(pair):  # noqa: F811
    s = pair.session
    officer = policy.reader_for(s, pair.outsider)
    hn = s.scalar(select(Organization).where(Organization.code == "HN"))
    groups = reuse.findings(s, officer, hn.identifier)
    assert [g.concept.code for g in groups] == ["personal_id"]
    assert {f.system.code for f in groups[0].findings} == {"HN-TTHC"}
