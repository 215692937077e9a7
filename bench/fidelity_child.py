"""One measured harvest of bench_fidelity, in its own process (its own app, registry and memory).

    python -m bench.fidelity_child INSTANCE URL SLUG

Harvests the DCAT catalogue at URL as the source SLUG, as `flask --app catalog harvest run` does, then
reads every stored dataset back and checks, property by property, that the value the generated
catalogue gave is there (`CHECKS`, `DIST_CHECKS`). Prints one JSON line: records, seconds, counts,
the job's fidelity report and, per property, how many datasets (or distributions) kept its value.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from .dcat_catalogue import SERIES, SHA

Check = Callable[[Any, int], Any]

CHECKS: dict[str, Check] = {
    "dct:identifier": lambda d, n: d.identifier == f"d{n}",
    "dct:title": lambda d, n: (d.title_vi, d.title_en) == (f"Tập dữ liệu ngân sách số {n}",
                                                           f"Budget dataset number {n}"),
    "dct:description": lambda d, n: d.description_vi and d.description_en == f"Budget figures of set {n}.",
    "dcat:keyword": lambda d, n: "ngân sách" in d.keywords
    and "budget" in ((d.translations or {}).get("keywords") or {}).get("en", []),
    "dct:license": lambda d, n: d.licence_code == "CC-BY-4.0",
    "dcat:distribution": lambda d, n: len(d.distributions) == 2,
    "dcat:contactPoint": lambda d, n: (d.contact_name, d.contact_email, d.contact_phone) == (
        "Phòng Dữ liệu", "dulieu@example.gov.vn", "+842412345678"),
    "dct:temporal": lambda d, n: (str(d.temporal_start), str(d.temporal_end)) == ("2020-01-01", "2024-12-31"),
    "dct:publisher": lambda d, n: d.publisher_name == "Budget Office of the Test Region" and d.publisher_uri,
    "dct:provenance": lambda d, n: d.provenance == "Tổng hợp từ báo cáo quyết toán",
    "dcat:theme": lambda d, n: bool(d.themes),
    "dct:spatial": lambda d, n: d.spatial == ["01"] and d.spatial_geojson,  # the box lies in Hà Nội
    "dct:language": lambda d, n: {"vi", "en"} <= set(d.languages),
    "dct:accessRights": lambda d, n: d.access_level == "open",
    "dct:accrualPeriodicity": lambda d, n: bool(d.update_frequency),
    "dct:issued": lambda d, n: str(d.issued) == "2024-01-15",
    "dct:modified": lambda d, n: str(d.modified)[:10] == "2024-06-01",
    "dcat:landingPage": lambda d, n: d.landing_page == f"https://data.example.eu/trang/d{n}",
    "owl:versionInfo": lambda d, n: d.version == f"1.{n % 7}",
    "dcat:version": lambda d, n: d.version == f"1.{n % 7}",
    "adms:identifier": lambda d, n: f"VN-NS-{n:06d}" in (d.other_identifiers or []),
    "dcatap:applicableLegislation": lambda d, n: bool(d.applicable_legislation),
    "dcat:spatialResolutionInMeters": lambda d, n: d.spatial_resolution_m == 30,
    "dcat:inSeries": lambda d, n: bool(d.series_id),
    "dcat:prev": lambda d, n: (d.series_links or {}).get("prev") == f"https://data.example.eu/dataset/d{n - 1}",
    "dcat:next": lambda d, n: (d.series_links or {}).get("next") == f"https://data.example.eu/dataset/d{n + 1}",
}
DIST_CHECKS: dict[str, Callable[[Any, int, int], Any]] = {
    "dct:title": lambda x, n, k: x.title_vi and x.title_en,
    "dct:description": lambda x, n, k: x.description_vi and x.description_en,
    "dct:format": lambda x, n, k: x.format == ("CSV", "JSON")[k],
    "dcat:mediaType": lambda x, n, k: x.media_type == ("text/csv", "application/json")[k],
    "dcat:byteSize": lambda x, n, k: x.byte_size == 12345 + n,
    "dct:identifier": lambda x, n, k: f"d{n}-{k}" in (x.remote_id, getattr(x, "identifier", None)),
    "dcat:accessURL": lambda x, n, k: x.access_url == f"https://data.example.eu/dataset/d{n}",
    "dcat:downloadURL": lambda x, n, k: bool(x.download_url),
    "dct:issued": lambda x, n, k: str(x.issued) == "2024-01-15",
    "dct:modified": lambda x, n, k: str(x.modified) == "2024-06-01",
    "dct:license": lambda x, n, k: x.dataset.licence_code == "CC-BY-4.0",
    "spdx:checksum": lambda x, n, k: x.checksum_sha256 == SHA,
}


def _applies(prop: str, n: int, total: int) -> bool:
    """dcat:prev is not said by a series' first dataset, dcat:next not by its last."""
    if prop == "dcat:prev":
        return n % SERIES != 0
    if prop == "dcat:next":
        return n % SERIES != SERIES - 1 and n != total - 1
    return True


def harvest(instance: str, url: str, slug: str) -> dict[str, Any]:
    os.environ["CATALOG_INSTANCE_PATH"] = instance
    os.environ.setdefault("CATALOG_SECRET_KEY", "bench")
    os.environ["CATALOG_LOG_LEVEL"] = "WARNING"
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from catalog import create_app
    from catalog.db import registry_db
    from catalog.http import FetchPolicy
    from catalog.models import Dataset
    from catalog.services import harvest as service
    from catalog.services.actor import system_actor
    from harvesters.runner import run_source

    app = create_app()
    with app.app_context():
        s = registry_db(app).session_factory()
        src = service.create_source(s, system_actor("bench"), {
            "name": f"Bench DCAT-AP {slug}", "slug": slug, "protocol": "dcat", "url": url, "organization": "BTC",
            "default_licence": "CC-BY-4.0"}, app.config["SECRET_KEY"])
        s.commit()
        source_id = src.id
        s.close()
        started = time.perf_counter()
        summary = run_source(app, source_id, policy=FetchPolicy(allow_loopback=True), triggered_by="bench",
                             queue_checks=False)
        seconds = time.perf_counter() - started
        s = registry_db(app).session_factory()
        datasets = s.scalars(select(Dataset).where(Dataset.harvest_source_id == source_id)
                             .options(selectinload(Dataset.distributions))).all()
        total = len(datasets)
        stored: Counter[str] = Counter()
        expected: Counter[str] = Counter()
        for d in datasets:
            n = int(re.sub(r"\D", "", d.remote_id.rsplit("/", 1)[-1]))
            for prop, check in CHECKS.items():
                if _applies(prop, n, total):
                    expected[prop] += 1
                    stored[prop] += bool(check(d, n))
            for x in d.distributions:
                k = 0 if x.download_url and x.download_url.endswith(".csv") else 1
                for prop, dist_check in DIST_CHECKS.items():
                    expected[f"dcat:distribution/{prop}"] += 1
                    stored[f"dcat:distribution/{prop}"] += bool(dist_check(x, n, k))
        s.close()
    counts = summary.counts
    return {"records": counts["new"] + counts["updated"] + counts["unchanged"], "seconds": seconds,
            "counts": counts, "status": summary.status, "message": summary.message, "fidelity": summary.fidelity,
            "stored": dict(stored), "expected": dict(expected)}


if __name__ == "__main__":
    print(json.dumps(harvest(sys.argv[1], sys.argv[2], sys.argv[3])))
