"""Fixtures of the harvest tests: an app that may reach the loopback test server, sources made
through the real service, and a fake CKAN portal served by the real local HTTP server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from catalog.db import registry_db
from catalog.http import FetchPolicy
from catalog.models import Dataset, HarvestJob, HarvestRecord, HarvestSource
from catalog.services import harvest as harvest_service
from catalog.services.actor import system_actor
from harvesters import base
from harvesters.base import Harvester, HarvestFailed, Problem, Record
from harvesters.runner import run_source

from ..httpserver import LocalServer, Reply, Seen

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "harvest"
#: Loopback allowed (the test server), short timeouts, quick retries.
FAST = FetchPolicy(allow_loopback=True, timeout=2, deadline=5, retries=2, backoff=0.01)


@pytest.fixture
def happ(seeded_app):
    """The seeded app with small batches, so that every test crosses batch boundaries; background
    jobs may reach the loopback test server (CATALOG_ALLOW_PRIVATE_URLS)."""
    seeded_app.config["CATALOG"]["HARVEST_BATCH_SIZE"] = 3
    seeded_app.config["CATALOG"]["ALLOW_PRIVATE_URLS"] = True
    return seeded_app


def session_of(app):
    return registry_db(app).session_factory()


def make_source(app, **fields: Any) -> HarvestSource:
    data = {"name": "Nguồn thử", "protocol": "ckan", "organization": "BTC", "default_licence": "CC-BY-4.0", **fields}
    s = session_of(app)
    try:
        src = harvest_service.create_source(s, system_actor("test"), data, app.config["SECRET_KEY"])
        s.commit()
        s.refresh(src)
        s.expunge(src)
        return src
    finally:
        s.close()


def run(app, source: HarvestSource, policy: FetchPolicy = FAST, **kw: Any):
    with app.app_context():
        return run_source(app, source.id, policy=policy, **kw)


def datasets_of(app, source: HarvestSource | None = None, **where: Any) -> list[Dataset]:
    s = session_of(app)
    try:
        q = select(Dataset).order_by(Dataset.title_vi)
        if source is not None:
            q = q.where(Dataset.harvest_source_id == source.id)
        for key, value in where.items():
            q = q.where(getattr(Dataset, key) == value)
        items = list(s.scalars(q))
        for ds in items:
            _ = ds.distributions, ds.publisher, ds.database
        return items
    finally:
        s.close()


def records_of(app, source: HarvestSource) -> list[HarvestRecord]:
    s = session_of(app)
    try:
        return list(s.scalars(select(HarvestRecord).where(HarvestRecord.source_id == source.id)
                              .order_by(HarvestRecord.remote_id)))
    finally:
        s.close()


def job(app, job_id: int) -> HarvestJob:
    s = session_of(app)
    try:
        j = s.get(HarvestJob, job_id)
        _ = j.source
        return j
    finally:
        s.close()


def errors_of(app, job_id: int, level: str | None = None) -> list[str]:
    from catalog.models import HarvestError

    s = session_of(app)
    try:
        q = select(HarvestError).where(HarvestError.job_id == job_id).order_by(HarvestError.id)
        if level:
            q = q.where(HarvestError.level == level)
        return [f"{e.remote_id}: {e.message}" for e in s.scalars(q)]
    finally:
        s.close()


# --- a fake CKAN portal -------------------------------------------------------------------------

_FQ = re.compile(r'(\w+):(\(.*?\)|\[.*?\])')


class CkanPortal:
    """package_search over a list of package dicts, with start/rows, fl and the fq forms the harvester sends."""

    def __init__(self, server: LocalServer, packages: list[dict[str, Any]]) -> None:
        self.server = server
        self.packages = packages
        self.searches: list[dict[str, str]] = []
        self.fail_next = 0
        server.handler("/api/3/action/package_search", self._search)

    @property
    def url(self) -> str:
        return self.server.url("")

    def _match(self, pkg: dict[str, Any], fq: str) -> bool:
        for field, expr in _FQ.findall(fq):
            if expr.startswith("["):
                low = expr[1:-1].split(" TO ")[0]
                if str(pkg.get(field, "")) < low:
                    return False
            else:
                wanted = set(re.findall(r'"([^"]*)"', expr))
                value = pkg.get("organization", {}).get("name") if field == "organization" else pkg.get(field)
                if field == "tags":
                    if not wanted & {t["name"] for t in pkg.get("tags", [])}:
                        return False
                elif value not in wanted:
                    return False
        return True

    def _search(self, seen: Seen) -> Reply:
        if self.fail_next:
            self.fail_next -= 1
            return Reply(500, b"oops")
        params = {k: v[0] for k, v in parse_qs(urlsplit(seen.path).query).items()}
        self.searches.append(params)
        matching = [p for p in self.packages if self._match(p, params.get("fq", ""))]
        start, rows = int(params.get("start", 0)), int(params.get("rows", 10))
        page = matching[start:start + rows]
        if params.get("fl") == "id":
            page = [{"id": p["id"]} for p in page]
        body = {"help": self.server.url("/api/3/action/help_show?name=package_search"), "success": True,
                "result": {"count": len(matching), "results": page}}
        return Reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})


def package(n: int, **extra: Any) -> dict[str, Any]:
    """A CKAN package as portals return them."""
    return {
        "id": f"pkg-{n:04d}", "name": f"bo-du-lieu-{n}", "title": f"Bộ dữ liệu số {n}",
        "notes": f"Mô tả bộ dữ liệu số {n}.", "license_id": "cc-by", "maintainer": "Phòng Dữ liệu",
        "maintainer_email": "dulieu@example.gov.vn", "metadata_created": "2025-01-01T00:00:00",
        "metadata_modified": "2025-02-01T00:00:00", "organization": {"name": "so-tai-chinh", "title": "Sở Tài chính"},
        "tags": [{"name": "tài chính"}, {"name": "ngân sách"}], "groups": [{"name": "econ"}],
        "resources": [{"id": f"res-{n}-1", "name": "Dữ liệu CSV", "format": "csv",
                       "url": f"https://data.example.gov.vn/files/{n}.csv"}],
        **extra,
    }


@pytest.fixture
def portal(http_server):
    return CkanPortal(http_server, [package(n) for n in range(1, 8)])


# --- an in-memory harvester: the runner's own behaviour, without any protocol -----------------------


class FakeHarvester(Harvester):
    """Records from memory. `fail_after` makes the gather break after that many items (a source going
    down halfway); `incomplete` says the listing was short (a capped source)."""

    protocol = "fake"
    records: ClassVar[list[Record | Problem]] = []
    fail_after: ClassVar[int | None] = None
    incomplete: ClassVar[bool] = False

    def gather(self) -> Iterator[Record | Problem]:
        self.complete = not self.incomplete
        for n, item in enumerate(self.records):
            if self.fail_after is not None and n == self.fail_after:
                raise HarvestFailed("the source stopped answering halfway", "fetch")
            yield dict(item) if isinstance(item, dict) else item


@pytest.fixture
def fake():
    base.register("fake", FakeHarvester)
    yield FakeHarvester
    base.unregister("fake")
    FakeHarvester.records = []
    FakeHarvester.fail_after = None
    FakeHarvester.incomplete = False


def fake_record(n: int, **extra: Any) -> Record:
    return {"remote_id": f"r{n}", "title_vi": f"Bản ghi {n}", "description_vi": f"Mô tả bản ghi {n}.",
            "licence": "CC-BY-4.0",
            "contact_email": "dl@mof.gov.vn", "contact_name": "Phòng Dữ liệu",
            "distributions": [{"remote_id": f"f{n}", "download_url": f"https://example.vn/{n}.csv", "format": "CSV"}],
            **extra}


def fake_source(app, **fields: Any) -> HarvestSource:
    """A source of the registered fake protocol (the protocol column is a plain string)."""
    src = make_source(app, url="https://example.vn/datapackage.json", protocol="datapackage", **fields)
    s = session_of(app)
    try:
        row = s.get(HarvestSource, src.id)
        row.protocol = "fake"
        s.commit()
        s.refresh(row)
        s.expunge(row)
        return row
    finally:
        s.close()
