"""Send one harvest job per source to the Celery workers and wait for them all (bench_harvest_workers).

    python -m bench.harvest_workers_child '["http://127.0.0.1:PORT", ...]' LIMIT_SECONDS

Creates the sources in the registry named by the environment, queues a job of each, sends them to
the workers (nothing runs in this process) and prints one JSON line: the seconds from sending to the
last job ending, and the jobs' counts added up.
"""

from __future__ import annotations

import json
import sys
import time


def main(urls: list[str], limit: float) -> dict:
    from sqlalchemy import select

    from catalog import create_app, tasks
    from catalog.db import registry_db
    from catalog.models import HarvestJob
    from catalog.services import harvest as service
    from catalog.services.actor import system_actor
    from harvesters.runner import queue_job

    app = create_app()
    cfg = app.config["CATALOG"]
    s = registry_db(app).session_factory()
    sources = [service.create_source(s, system_actor("bench"), {
        "name": f"Bench CKAN {k}", "slug": f"bench-ckan-{k}", "protocol": "ckan", "url": url, "organization": "BTC",
        "default_licence": "CC-BY-4.0", "filters": {"incremental": False, "rows": 1000}}, app.config["SECRET_KEY"])
        for k, url in enumerate(urls)]
    s.commit()
    jobs = []
    for src in sources:
        job, _created = queue_job(s, src, "bench", cfg)
        s.commit()
        jobs.append((src.id, job.id))
    started = time.perf_counter()
    for source_id, job_id in jobs:
        sent = tasks.enqueue(app, "harvest.run", source_id, job_id)
        if not isinstance(sent, str):
            raise RuntimeError("the job ran in this process: no broker is configured")
    ids = [job_id for _source, job_id in jobs]
    while True:
        s.expire_all()
        found = s.scalars(select(HarvestJob).where(HarvestJob.id.in_(ids))).all()
        if all(j.status not in ("queued", "running") for j in found):
            break
        if time.perf_counter() - started > limit:
            raise RuntimeError(f"the jobs did not end within {limit:.0f} s: {[j.status for j in found]}")
        s.rollback()
        time.sleep(0.5)
    seconds = time.perf_counter() - started
    counts = {"new": sum(j.new for j in found), "failed": sum(j.failed for j in found),
              "statuses": sorted({j.status for j in found})}
    s.close()
    return {"seconds": seconds, "counts": counts}


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]), float(sys.argv[2]))))
