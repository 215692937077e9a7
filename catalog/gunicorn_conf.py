"""gunicorn settings for production: `gunicorn -c python:catalog.gunicorn_conf --workers 4 --bind 127.0.0.1:8000
'catalog:create_app()'`.

With several workers, Prometheus figures are kept in files under `PROMETHEUS_MULTIPROC_DIR`; a
worker that exits must be marked dead so that its live gauges stop counting (its counters stay).
"""

from __future__ import annotations

import os
from typing import Any

control_socket_disable = True  # gunicorn 23+ would create ~/.gunicorn otherwise (LESSONS.md)
accesslog = "-"


def child_exit(_server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
