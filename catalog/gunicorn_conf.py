"""gunicorn settings for production: `gunicorn -c python:catalog.gunicorn_conf --workers 4 --bind 127.0.0.1:8000
'catalog:create_app()'`.

With several workers, Prometheus figures are kept in files under `PROMETHEUS_MULTIPROC_DIR`; a
worker that exits must be marked dead so that its live gauges stop counting (its counters stay).

A worker is replaced after some 20,000 requests (jittered, so that workers are not replaced all at
once): a safety net against memory fragmentation only. What a worker keeps is bounded by itself
(issue 17: the page cache's copies, the kept values and the search bitmaps are capped in bytes or
entries and drop what an index or registry change made stale); bench_mixed measures it flat without
this net, which it does not load.
"""

from __future__ import annotations

import os
from typing import Any

control_socket_disable = True  # gunicorn 23+ would create ~/.gunicorn otherwise (LESSONS.md)
accesslog = "-"
max_requests = 20_000
max_requests_jitter = 2_000


def child_exit(_server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
