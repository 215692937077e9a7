"""One measured step of bench_harvest, in its own process so that its peak memory is its own.

    python -m bench.harvest_child ceiling|validate|harvest INSTANCE URL  |  checks INSTANCE SAMPLE

Prints one JSON line: records, seconds, peak resident memory (MB) and, for a harvest, its counts and
the CPU seconds of the harvesting process (the figure to compare on a loaded machine).
`harvest` is the product as shipped: what `flask --app catalog harvest run` does (search index kept
current, quality checks left to their one job per source); `checks` is that job (`quality.check_source`).
With CATALOG_HARVEST_INDEX_PROCESS=true a harvest writes the search index in a forked process beside it: its peak
memory is given apart (`children_peak_mb`).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _children_peak_mb() -> float:
    """The largest of the processes this step forked and reaped (the harvest's search index process)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def ceiling(url: str) -> dict:
    """Only download and parse the same pages, with the same guarded fetcher."""
    from catalog.http import Fetcher, FetchPolicy

    started = time.perf_counter()
    records, start = 0, 0
    with Fetcher(FetchPolicy(allow_loopback=True)) as fetcher:
        while True:
            body = fetcher.get(f"{url}/api/3/action/package_search",
                               params={"q": "*:*", "rows": 1000, "start": start}).json()
            results = body["result"]["results"]
            if not results:
                break
            records += len(results)
            start += len(results)
            if start >= body["result"]["count"]:
                break
    return {"records": records, "seconds": time.perf_counter() - started}


def validate_only(instance: str, url: str) -> dict:
    """Download, parse, map and validate with the record schema, writing nothing: the floor of a first run."""
    os.environ["CATALOG_INSTANCE_PATH"] = instance
    os.environ.setdefault("CATALOG_SECRET_KEY", "bench")
    from catalog import create_app
    from catalog.http import Fetcher, FetchPolicy
    from harvesters import fidelity
    from harvesters.base import HarvestContext
    from harvesters.ckan import CkanHarvester
    from harvesters.record import load_record, record_loader, tidy

    def warn(*_args: object) -> None:
        pass

    app = create_app()
    with app.app_context(), Fetcher(FetchPolicy(allow_loopback=True)) as fetcher:
        started = time.perf_counter()
        schema, records, kept = record_loader(), 0, fidelity.Fidelity()
        ctx = HarvestContext(url=url, fetcher=fetcher, filters={"incremental": False, "rows": 1000})
        for item in CkanHarvester(ctx).gather():
            kept.add(fidelity.take(item))
            load_record(schema, tidy(item, warn), warn)
            records += 1
        return {"records": records, "seconds": time.perf_counter() - started, "fidelity": kept.as_json()}


def harvest(instance: str, url: str) -> dict:
    os.environ["CATALOG_INSTANCE_PATH"] = instance
    os.environ.setdefault("CATALOG_SECRET_KEY", "bench")
    os.environ["CATALOG_LOG_LEVEL"] = "WARNING"
    from sqlalchemy import select

    from catalog import create_app
    from catalog.db import registry_db
    from catalog.http import FetchPolicy
    from catalog.models import HarvestSource
    from catalog.services import harvest as service
    from catalog.services.actor import system_actor
    from harvesters.runner import run_source

    app = create_app()
    with app.app_context():
        s = registry_db(app).session_factory()
        src = s.scalar(select(HarvestSource).where(HarvestSource.slug == "bench-ckan"))
        if src is None:
            src = service.create_source(s, system_actor("bench"), {
                "name": "Bench CKAN", "slug": "bench-ckan", "protocol": "ckan", "url": url, "organization": "BTC",
                "default_licence": "CC-BY-4.0", "filters": {"incremental": False, "rows": 1000}},
                app.config["SECRET_KEY"])
            s.commit()
        source_id = src.id
        s.close()
        started, cpu = time.perf_counter(), time.process_time()
        # as the CLI does: without workers, the quality checks are left to their job (see `checks`)
        summary = run_source(app, source_id, policy=FetchPolicy(allow_loopback=True), triggered_by="bench",
                             queue_checks=bool(app.config["CATALOG"]["CELERY_BROKER_URL"]))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    counts = summary.counts
    return {"records": counts["new"] + counts["updated"] + counts["unchanged"], "seconds": seconds,
            "cpu_seconds": cpu, "counts": counts, "status": summary.status, "message": summary.message,
            "fidelity": summary.fidelity}


def checks(instance: str, sample: str) -> dict:
    """The post-harvest quality job of the bench source (`quality.check_source`), as a worker runs it,
    on its first `sample` datasets."""
    os.environ["CATALOG_INSTANCE_PATH"] = instance
    os.environ.setdefault("CATALOG_SECRET_KEY", "bench")
    os.environ["CATALOG_LOG_LEVEL"] = "WARNING"
    from sqlalchemy import select

    from catalog import create_app
    from catalog.db import registry_db
    from catalog.models import HarvestSource
    from catalog.quality.tasks import check_harvested

    app = create_app()
    with app.app_context():
        s = registry_db(app).session_factory()
        source_id = s.scalar(select(HarvestSource.id).where(HarvestSource.slug == "bench-ckan"))
        s.close()
        started = time.perf_counter()
        done = check_harvested(app, source_id, limit=int(sample))
    return {"records": done, "seconds": time.perf_counter() - started}


if __name__ == "__main__":
    mode = sys.argv[1]
    steps = {"ceiling": lambda: ceiling(sys.argv[3]), "validate": lambda: validate_only(sys.argv[2], sys.argv[3]),
             "harvest": lambda: harvest(sys.argv[2], sys.argv[3]), "checks": lambda: checks(sys.argv[2], sys.argv[3])}
    result = steps[mode]()
    result["peak_mb"] = _peak_mb()
    result["children_peak_mb"] = _children_peak_mb()
    print(json.dumps(result))
