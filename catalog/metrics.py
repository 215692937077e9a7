"""Prometheus metrics: requests per route, and the catalogue's work read from the registry.

Request counts and latencies are kept by prometheus-client in each process; with several
gunicorn workers set `PROMETHEUS_MULTIPROC_DIR` (an empty folder, emptied at each start) and every
worker writes its figures there, summed at scrape time. The rest (harvest job outcomes, quality
checks, sharing deadlines overdue, queue length) is counted from the registry and the broker when
/metrics is asked, so that work done by Celery workers counts too, whatever process did it.

The label of a request is its route rule ("/datasets/<key>"), never the raw path, so that the
number of series stays bounded.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

REQUESTS = Counter("catalog_http_requests_total", "HTTP requests answered, by route rule, method and status",
                   ["method", "endpoint", "status"])
LATENCY = Histogram("catalog_http_request_duration_seconds",
                    "Time to build the answer (streamed bodies excluded), by route rule",
                    ["method", "endpoint"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
UNMATCHED = "<unmatched>"


def _started() -> None:
    g._metrics_start = time.perf_counter()


def _finished(response: Response) -> Response:
    start = g.pop("_metrics_start", None)
    if start is not None:
        rule = request.url_rule.rule if request.url_rule is not None else UNMATCHED
        REQUESTS.labels(request.method, rule, str(response.status_code)).inc()
        LATENCY.labels(request.method, rule).observe(time.perf_counter() - start)
    return response


class RegistryCollector(Collector):
    """Figures counted from the registry and the broker of one app at scrape time."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        from .db import registry_db
        from .models import HarvestJob, QualityReport, SharingRequest, utcnow
        from .models.sharing import PENDING_STATUSES

        ok = 1
        jobs = GaugeMetricFamily("catalog_harvest_jobs", "Harvest jobs by outcome (queued, running, ok, "
                                 "failed…), all kept jobs", labels=["status"])
        checks = GaugeMetricFamily("catalog_quality_checks", "Quality check runs by state, all kept reports",
                                   labels=["status"])
        overdue = GaugeMetricFamily("catalog_sharing_requests_overdue",
                                    "Sharing requests waiting for a decision past their legal deadline")
        try:
            with registry_db(self.app).session_factory() as s:
                for status, n in s.execute(select(HarvestJob.status, func.count()).group_by(HarvestJob.status)):
                    jobs.add_metric([status], n)
                for status, n in s.execute(select(QualityReport.status, func.count())
                                           .group_by(QualityReport.status)):
                    checks.add_metric([status], n)
                overdue.add_metric([], s.scalar(select(func.count()).select_from(SharingRequest).where(
                    SharingRequest.status.in_(PENDING_STATUSES), SharingRequest.due_at < utcnow())) or 0)
        except Exception:
            ok = 0
        else:
            yield from (jobs, checks, overdue)
        up = GaugeMetricFamily("catalog_metrics_registry_up", "1 when the registry answered this scrape")
        up.add_metric([], ok)
        yield up
        queue = GaugeMetricFamily("catalog_queue_length", "Background tasks waiting to run", labels=["queue"])
        length = queue_length(self.app)
        if length is not None:
            queue.add_metric(["catalog"], length)
        yield queue


def queue_length(app: Flask) -> int | None:
    """Tasks waiting: the Celery queue's length in Redis, or this process's thread pool queue."""
    url = app.config["CATALOG"]["CELERY_BROKER_URL"]
    if url.startswith(("redis://", "rediss://")):
        import redis

        timeout = app.config["CATALOG"]["HEALTH_TIMEOUT_SECONDS"]
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
            try:
                return int(client.llen("catalog"))
            finally:
                client.close()
        except Exception:
            return None
    if url:
        return None
    executor = app.extensions.get("catalog_executor")
    return executor._work_queue.qsize() if executor is not None else 0


def scrape(app: Flask) -> tuple[bytes, str]:
    """The exposition text: every worker's request figures plus the registry's counts."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(RegistryCollector(app))
    return generate_latest(registry), CONTENT_TYPE_LATEST


def allowed(app: Flask) -> bool:
    """A bearer token equal to `CATALOG_METRICS_TOKEN`, or a direct request from this machine.

    A request that came through a proxy (it carries X-Forwarded-For) is never taken as local,
    so a reverse proxy on the same machine does not open the metrics to the world."""
    token = app.config["CATALOG"]["METRICS_TOKEN"]
    sent = request.headers.get("Authorization", "")
    if token and sent.startswith("Bearer ") and hmac.compare_digest(sent[7:].strip().encode(), token.encode()):
        return True
    local = (request.remote_addr or "") in ("127.0.0.1", "::1") or (request.remote_addr or "").startswith("127.")
    return local and "X-Forwarded-For" not in request.headers and "Forwarded" not in request.headers


def init_app(app: Flask) -> None:
    app.before_request(_started)
    app.after_request(_finished)


