"""Is a data service itself alive? Probe rounds ask each published service through the guarded
HTTP client, as they ask connections.

The service's OpenAPI document (`endpoint_description`) is asked when it has one and must answer
200; otherwise its endpoint is asked, and any answer below 500 counts as alive (an API root
commonly answers 401 or 404 to a bare request: the gateway is there). After
CATALOG_PROBE_FAILURES_FOR_INCIDENT failures in a row the service is down, before that degraded.
Connections through the service that have no health URL of their own take each answer as theirs,
so their availability, incidents and notifications come from the service's probes.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Connection, DataService, utcnow
from .connection_health import ProbeResult, probe_url, record_probe

LIVE_STATUSES = ("testing", "operating", "suspended")


def target(svc: DataService) -> tuple[str, bool]:
    """(address to ask, whether it is the OpenAPI document that must answer 200)."""
    doc = svc.endpoint_description or ""
    if doc.startswith(("http://", "https://")):
        return doc, True
    return svc.endpoint_url, False


def probe_service(svc: DataService, cfg: Mapping[str, Any]) -> ProbeResult:
    url, is_document = target(svc)
    result = probe_url(url, 200, cfg)
    if is_document or result.ok:
        return result
    alive = result.status is not None and result.status < 500
    return ProbeResult(alive, result.status, result.latency_ms, None if alive else result.error)


def due(session: Session, now: datetime, limit: int | None = None) -> list[DataService]:
    q = (select(DataService).where(DataService.status == "published",
                                   DataService.next_probe_at.is_(None) | (DataService.next_probe_at <= now))
         .order_by(DataService.next_probe_at.nulls_first(), DataService.slug))
    if limit:
        q = q.limit(limit)
    return list(session.scalars(q))


def record(session: Session, svc: DataService, result: ProbeResult, cfg: Mapping[str, Any], at: datetime) -> None:
    """Keep the service's answer and its state; hand it to the connections that have no probe of their own."""
    svc.probe_status, svc.probe_latency_ms, svc.probe_error = result.status, result.latency_ms, result.error
    svc.consecutive_failures = 0 if result.ok else svc.consecutive_failures + 1
    limit = int(cfg.get("PROBE_FAILURES_FOR_INCIDENT", 3))
    svc.health = "up" if result.ok else ("down" if svc.consecutive_failures >= limit else "degraded")
    svc.health_at = at
    svc.next_probe_at = at + timedelta(minutes=int(cfg.get("PROBE_INTERVAL_MINUTES", 5)))
    for conn in session.scalars(select(Connection).where(Connection.provider_service_id == svc.id,
                                                         Connection.probe_url.is_(None),
                                                         Connection.status.in_(LIVE_STATUSES))):
        record_probe(session, conn, result, cfg, at)
    session.flush()


def probe_round(session: Session, cfg: Mapping[str, Any], now: datetime | None = None,
                limit: int | None = None) -> int:
    """Probe every published service that is due, a bounded number at once; returns how many were asked."""
    if not cfg.get("PROBE_DATA_SERVICES", True):
        return 0
    now = now or utcnow()
    services = due(session, now, limit)
    if not services:
        return 0
    workers = max(1, min(int(cfg.get("PROBE_CONCURRENCY", 16)), len(services)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="probe-svc") as pool:
        results = list(pool.map(lambda svc: probe_service(svc, cfg), services))
    for svc, result in zip(services, results, strict=True):
        record(session, svc, result, cfg, now)
    return len(services)
