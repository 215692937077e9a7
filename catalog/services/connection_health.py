"""Is a connection alive? Probes, heartbeats, lag, availability, latency, incidents, maintenance.

- A **probe** asks the connection's health URL through the harvesters' guarded HTTP client (no
  private addresses unless allowed, a time-out over the whole answer, a size cap) and compares the
  status with the expected one. Rounds run every minute from the periodic-job machinery; each
  connection is asked every `probe_interval_minutes` (default CATALOG_PROBE_INTERVAL_MINUTES), with
  at most CATALOG_PROBE_CONCURRENCY requests at once.
- A **heartbeat** is pushed by the systems themselves with the time of their last successful sync.
- **Incidents** open after CATALOG_PROBE_FAILURES_FOR_INCIDENT failed probes in a row (dated from the
  first failure) or when a sync is late by CATALOG_CONNECTION_LAG_FACTOR intervals (dated from the
  moment it became that late), and close on recovery. Both sides' owners are told.
- **Maintenance** announced with the legal notice (rules.MAINTENANCE_NOTICE), or an agreement
  suspended for maintenance, is shown as maintenance: its failures open no incident and its time
  counts neither for nor against availability.

Every function takes `now`, so that tests run on a fixed clock.
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from catalog.http import Fetcher, FetchError, policy_from_config

from .. import policy, rules
from ..models import Connection, ConnectionCheck, ConnectionIncident, ConnectionMaintenance, utcnow
from ..schemas.connections import HeartbeatInput, MaintenanceInput
from ..tasks import periodic
from ..workdays import add_working_days, local_date
from . import audit, notifications
from .actor import Actor
from .common import field_error, load

FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


# --- maintenance --------------------------------------------------------------------------------


def maintenance_windows(conn: Connection) -> list[tuple[datetime, datetime]]:
    """Announced windows, and the agreement's suspension for maintenance if there is one."""
    windows = [(m.starts_at, m.ends_at) for m in conn.maintenance]
    agreement = conn.agreement
    if agreement is not None and agreement.suspension_reason == "maintenance" and agreement.suspended_from:
        windows.append((agreement.suspended_from, agreement.suspended_until or FAR_FUTURE))
    return windows


def in_maintenance(conn: Connection, at: datetime) -> bool:
    return any(start <= at < end for start, end in maintenance_windows(conn))


def announce_maintenance(session: Session, actor: Actor, conn: Connection, raw: Mapping[str, Any],
                         now: datetime | None = None) -> ConnectionMaintenance:
    """Planned maintenance needs at least rules.MAINTENANCE_NOTICE of notice (Decree 47/2020 Art. 43)."""
    policy.require(policy.can_edit_connection(actor.reader, conn))
    data = load(MaintenanceInput(), raw)
    now = now or utcnow()
    earliest = add_working_days(local_date(now), rules.MAINTENANCE_NOTICE.count)
    if local_date(data["starts_at"]) < earliest:
        raise field_error("starts_at", gettext(
            "Planned maintenance must be announced at least %(n)s working days ahead: start on %(day)s or "
            "later.", n=rules.MAINTENANCE_NOTICE.count, day=earliest.isoformat()))
    window = ConnectionMaintenance(connection=conn, starts_at=data["starts_at"], ends_at=data["ends_at"],
                                   note=data.get("note"), announced_at=now)
    session.add(window)
    from .connection_rollup import forget

    forget(session, conn.id, [(window.starts_at, window.ends_at)])
    session.flush()
    audit.record(session, actor, "announce_maintenance", "connection", conn.id, label=conn.code,
                 organization_id=conn.provider_org_id,
                 after={"starts_at": window.starts_at.isoformat(), "ends_at": window.ends_at.isoformat()})
    _notify(session, conn, "connection_maintenance", {
        "connection": conn.code, "from_at": window.starts_at.isoformat(), "until_at": window.ends_at.isoformat()})
    return window


# --- probes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    status: int | None
    latency_ms: int
    error: str | None = None


def probe_url(url: str, expected_status: int, cfg: Mapping[str, Any]) -> ProbeResult:
    """Ask a health URL once (no retries: a round is a sample, the next round asks again)."""
    seconds = float(cfg.get("PROBE_TIMEOUT_SECONDS", 10))
    fetch_policy = policy_from_config(dict(cfg), timeout=seconds, deadline=seconds, retries=0,
                                      max_bytes=1024 * 1024)
    started = time.monotonic()
    try:
        with Fetcher(fetch_policy) as fetcher:
            response = fetcher.get(url)
        status, error = response.status, None
    except FetchError as exc:
        status, error = exc.status, exc.message
    latency = int((time.monotonic() - started) * 1000)
    ok = status == expected_status
    if not ok and error is None:
        error = f"expected {expected_status}, got {status}"
    return ProbeResult(ok, status, latency, error)


def probe_interval(conn: Connection, cfg: Mapping[str, Any]) -> timedelta:
    return timedelta(minutes=conn.probe_interval_minutes or int(cfg.get("PROBE_INTERVAL_MINUTES", 5)))


def due_for_probe(session: Session, now: datetime, limit: int | None = None) -> list[Connection]:
    q = (select(Connection).where(Connection.probe_url.is_not(None),
                                  Connection.status.in_(("testing", "operating", "suspended")),
                                  (Connection.next_probe_at.is_(None)) | (Connection.next_probe_at <= now))
         .order_by(Connection.next_probe_at.nulls_first(), Connection.code))
    if limit:
        q = q.limit(limit)
    return list(session.scalars(q))


def probe_round(session: Session, cfg: Mapping[str, Any], now: datetime | None = None,
                limit: int | None = None) -> int:
    """Probe every connection that is due, a bounded number at once; returns how many were asked."""
    now = now or utcnow()
    due = due_for_probe(session, now, limit)
    if not due:
        return 0
    targets = [(c.id, c.probe_url or "", c.probe_expected_status) for c in due]
    workers = max(1, min(int(cfg.get("PROBE_CONCURRENCY", 16)), len(targets)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="probe") as pool:
        results = list(pool.map(lambda t: probe_url(t[1], t[2], cfg), targets))
    for conn, result in zip(due, results, strict=True):
        record_probe(session, conn, result, cfg, now)
    return len(due)


def record_probe(session: Session, conn: Connection, result: ProbeResult, cfg: Mapping[str, Any],
                 at: datetime) -> ConnectionCheck:
    """Keep a probe's answer, then open or close incidents and derive the health."""
    maintenance = in_maintenance(conn, at)
    check = ConnectionCheck(connection_id=conn.id, kind="probe", at=at, ok=result.ok, status_code=result.status,
                            latency_ms=result.latency_ms, error=result.error, in_maintenance=maintenance)
    session.add(check)
    conn.next_probe_at = at + probe_interval(conn, cfg)
    if not maintenance:
        if result.ok:
            conn.consecutive_failures = 0
            _close(session, conn, "failures", at)
        else:
            conn.consecutive_failures += 1
            if conn.consecutive_failures >= int(cfg.get("PROBE_FAILURES_FOR_INCIDENT", 3)):
                session.flush()
                _open(session, conn, "failures", _streak_start(session, conn, at), result.error)
    session.flush()
    evaluate(session, conn, cfg, at)
    return check


def _streak_start(session: Session, conn: Connection, at: datetime) -> datetime:
    """When the current run of failed probes began."""
    last_ok = session.scalar(select(ConnectionCheck.at).where(
        ConnectionCheck.connection_id == conn.id, ConnectionCheck.kind == "probe", ConnectionCheck.ok.is_(True),
        ConnectionCheck.in_maintenance.is_(False)).order_by(ConnectionCheck.at.desc()).limit(1))
    q = select(ConnectionCheck.at).where(
        ConnectionCheck.connection_id == conn.id, ConnectionCheck.kind == "probe", ConnectionCheck.ok.is_(False),
        ConnectionCheck.in_maintenance.is_(False), ConnectionCheck.at <= at)
    if last_ok is not None:
        q = q.where(ConnectionCheck.at > last_ok)
    return session.scalar(q.order_by(ConnectionCheck.at).limit(1)) or at


# --- heartbeats ---------------------------------------------------------------------------------


def record_heartbeat(session: Session, conn: Connection, raw: Mapping[str, Any], cfg: Mapping[str, Any],
                     now: datetime | None = None) -> ConnectionCheck:
    """A system reports its last successful sync and its counts (the token was checked by the caller)."""
    data = load(HeartbeatInput(), raw)
    now = now or utcnow()
    synced = data["last_sync_at"].astimezone(UTC)
    if synced > now + timedelta(minutes=5):
        raise field_error("last_sync_at", gettext("The last synchronisation cannot be in the future."))
    check = ConnectionCheck(connection_id=conn.id, kind="heartbeat", at=now, ok=data["ok"], synced_at=synced,
                            records_sent=data.get("records_sent"), records_received=data.get("records_received"),
                            records_failed=data.get("records_failed"), error=data.get("message"),
                            in_maintenance=in_maintenance(conn, now))
    session.add(check)
    if conn.last_sync_at is None or synced > conn.last_sync_at:
        conn.last_sync_at = synced
    session.flush()
    evaluate(session, conn, cfg, now)
    return check


# --- lag, incidents, health ---------------------------------------------------------------------


def expected_interval(conn: Connection) -> timedelta | None:
    """How often the connection should sync: its interval (scheduled sync, file transfer)."""
    return timedelta(minutes=conn.sync_interval_minutes) if conn.sync_interval_minutes else None


def lag(conn: Connection, now: datetime) -> timedelta | None:
    """Now minus the last successful sync (None when no system has reported one)."""
    return now - conn.last_sync_at if conn.last_sync_at else None


def lag_threshold(conn: Connection, cfg: Mapping[str, Any]) -> timedelta | None:
    interval = expected_interval(conn)
    return interval * int(cfg.get("CONNECTION_LAG_FACTOR", 2)) if interval else None


def evaluate(session: Session, conn: Connection, cfg: Mapping[str, Any], now: datetime | None = None) -> str:
    """Open or close the lag incident and store the derived health; returns it."""
    now = now or utcnow()
    threshold = lag_threshold(conn, cfg)
    current = lag(conn, now)
    if threshold is not None and current is not None and conn.last_sync_at is not None:
        late_since = conn.last_sync_at + threshold
        if current > threshold and not in_maintenance(conn, late_since):
            _open(session, conn, "lag", late_since, gettext("No synchronisation since %(at)s.",
                                                             at=conn.last_sync_at.isoformat()))
        elif current <= threshold:
            _close(session, conn, "lag", now)
    conn.health = derive_health(session, conn, now)
    conn.health_at = now
    session.flush()
    return conn.health


def derive_health(session: Session, conn: Connection, now: datetime) -> str:
    if in_maintenance(conn, now):
        return "maintenance"
    if open_incidents(session, conn):
        return "down"
    interval = expected_interval(conn)
    current = lag(conn, now)
    if conn.consecutive_failures > 0 or (interval and current is not None and current > interval):
        return "degraded"
    last = session.scalar(select(ConnectionCheck).where(ConnectionCheck.connection_id == conn.id)
                          .order_by(ConnectionCheck.at.desc(), ConnectionCheck.id.desc()).limit(1))
    if last is None:
        return "unknown"
    return "up" if last.ok else "degraded"


def open_incidents(session: Session, conn: Connection) -> list[ConnectionIncident]:
    return list(session.scalars(select(ConnectionIncident).where(
        ConnectionIncident.connection_id == conn.id, ConnectionIncident.closed_at.is_(None))))


def _open(session: Session, conn: Connection, cause: str, at: datetime, detail: str | None) -> None:
    if any(i.cause == cause for i in open_incidents(session, conn)):
        return
    incident = ConnectionIncident(connection_id=conn.id, cause=cause, opened_at=at, detail=detail)
    session.add(incident)
    session.flush()
    _notify(session, conn, "connection_incident_opened",
            {"connection": conn.code, "cause": cause, "opened_at": at.isoformat(), "detail": detail or ""})


def _close(session: Session, conn: Connection, cause: str, at: datetime) -> None:
    for incident in open_incidents(session, conn):
        if incident.cause != cause:
            continue
        incident.closed_at = at
        session.flush()
        _notify(session, conn, "connection_incident_closed",
                {"connection": conn.code, "cause": cause, "opened_at": incident.opened_at.isoformat(),
                 "closed_at": at.isoformat(), "minutes": round(incident.duration_seconds() / 60)})


def _notify(session: Session, conn: Connection, kind: str, params: dict[str, Any]) -> None:
    """The owners of both sides: their stewards and editors."""
    roles = ("steward", "editor")
    users = [*notifications.org_user_ids(session, conn.consumer_org_id, roles),
             *notifications.org_user_ids(session, conn.provider_org_id, roles)]
    notifications.notify(session, users, kind, params, "connection", conn.id)


# --- figures ------------------------------------------------------------------------------------


def availability_of(checks: Sequence[tuple[datetime, bool]], windows: Iterable[tuple[datetime, datetime]],
                    start: datetime, end: datetime) -> float | None:
    """Share of [start, end) the connection answered, outside maintenance, in percent.

    Each probe's answer holds until the next probe; the time before the first probe known, and
    the time inside maintenance windows, count neither way. `checks` are (time, ok), in order, and
    may begin with the last probe before `start`.
    """
    return percent(*up_and_known(checks, windows, start, end))


def percent(up: float, known: float) -> float | None:
    return None if known == 0 else round(100.0 * up / known, 3)


def up_and_known(checks: Sequence[tuple[datetime, bool]], windows: Iterable[tuple[datetime, datetime]],
                 start: datetime, end: datetime) -> tuple[float, float]:
    """Seconds of [start, end) the connection answered, and seconds its state was known (outside
    maintenance): the two sums the daily roll-ups keep, so that days add up exactly."""
    windows = [w for w in windows if w[0] < end and w[1] > start]
    times = _times(checks)
    first = max(0, bisect_right(times, start) - 1)  # the answer that holds at `start`
    last = bisect_left(times, end)
    up = known = 0.0
    for i in range(first, last):
        at, ok = checks[i]
        seg_start = max(at, start)
        seg_end = min(checks[i + 1][0] if i + 1 < len(checks) else end, end)
        if seg_end <= seg_start:
            continue
        span = (seg_end - seg_start).total_seconds()
        for w_start, w_end in windows:
            overlap = (min(seg_end, w_end) - max(seg_start, w_start)).total_seconds()
            if overlap > 0:
                span -= overlap
        if span <= 0:
            continue
        known += span
        if ok:
            up += span
    return up, known


_TIMES_CACHE: dict[int, tuple[Sequence[tuple[datetime, bool]], list[datetime]]] = {}


def _times(checks: Sequence[tuple[datetime, bool]]) -> list[datetime]:
    """The times of a history, computed once for the many windows asked of the same list."""
    cached = _TIMES_CACHE.get(id(checks))
    if cached is not None and cached[0] is checks:
        return cached[1]
    times = [at for at, _ok in checks]
    _TIMES_CACHE.clear()
    _TIMES_CACHE[id(checks)] = (checks, times)
    return times


def probe_history(session: Session, conn: Connection, start: datetime, end: datetime) -> list[tuple[datetime, bool]]:
    """(time, ok) of the probes in [start, end), led by the last probe before `start` (whose answer
    holds at `start`): one query, the lower bound found by a subquery."""
    probe = (ConnectionCheck.connection_id == conn.id, ConnectionCheck.kind == "probe")
    before = (select(func.max(ConnectionCheck.at)).where(*probe, ConnectionCheck.at < start)
              .scalar_subquery())
    where = (*probe, ConnectionCheck.at >= func.coalesce(before, start), ConnectionCheck.at < end)
    if session.get_bind().dialect.name == "sqlite":
        # SQLite keeps the times as text: parsing them in C is several times faster than the generic
        # result processor, and the health page reads 30 days of probes (8,640 at a 5-minute interval).
        raw = session.execute(select(cast(ConnectionCheck.at, String), ConnectionCheck.ok).where(*where)
                              .order_by(ConnectionCheck.at)).all()
        parse = datetime.fromisoformat
        return [(parse(at).replace(tzinfo=UTC), bool(ok)) for at, ok in raw]
    return [(at, ok) for at, ok in session.execute(select(ConnectionCheck.at, ConnectionCheck.ok).where(*where)
                                                   .order_by(ConnectionCheck.at)).all()]


def availability(session: Session, conn: Connection, start: datetime, end: datetime) -> float | None:
    return availability_of(probe_history(session, conn, start, end), maintenance_windows(conn), start, end)


def percentile(values: Sequence[int], pct: float) -> int | None:
    """Nearest-rank percentile (no interpolation: every figure is a latency that happened)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def latency(session: Session, conn: Connection, start: datetime, end: datetime) -> dict[str, int | None]:
    values = list(session.scalars(select(ConnectionCheck.latency_ms).where(
        ConnectionCheck.connection_id == conn.id, ConnectionCheck.kind == "probe", ConnectionCheck.ok.is_(True),
        ConnectionCheck.at >= start, ConnectionCheck.at < end, ConnectionCheck.latency_ms.is_not(None))))
    return {"p50": percentile(values, 50), "p95": percentile(values, 95), "p99": percentile(values, 99)}


WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}


def summary(session: Session, conn: Connection, cfg: Mapping[str, Any], now: datetime | None = None,
            history: Sequence[tuple[datetime, bool]] | None = None) -> dict[str, Any]:
    """Everything the health page and the API show, computed at `now`: the last 24 hours from the
    probes (or from `history`, which must cover them), longer windows from the daily roll-ups."""
    now = now or utcnow()
    if history is None:
        history = probe_history(session, conn, now - WINDOWS["24h"], now)
    windows = maintenance_windows(conn)
    current_lag = lag(conn, now)
    interval = expected_interval(conn)
    threshold = lag_threshold(conn, cfg)
    last_probe = session.scalar(select(ConnectionCheck).where(
        ConnectionCheck.connection_id == conn.id, ConnectionCheck.kind == "probe")
        .order_by(ConnectionCheck.at.desc()).limit(1))
    last_heartbeat = session.scalar(select(ConnectionCheck).where(
        ConnectionCheck.connection_id == conn.id, ConnectionCheck.kind == "heartbeat")
        .order_by(ConnectionCheck.at.desc()).limit(1))
    upcoming = [m for m in conn.maintenance if m.ends_at > now]
    from . import connection_rollup  # it reads this module's history; whole days come from its roll-ups

    longer = {name: connection_rollup.availability(session, conn, now - WINDOWS[name], now, history,
                                                    now - WINDOWS["24h"])
              for name in ("30d", "7d")}  # the widest first: the shorter one reuses its days
    availability = {"24h": availability_of(history, windows, now - WINDOWS["24h"], now), "7d": longer["7d"],
                    "30d": longer["30d"]}
    return {
        "health": derive_health(session, conn, now),
        "availability": availability,
        "latency_ms_24h": latency(session, conn, now - WINDOWS["24h"], now),
        "last_sync_at": conn.last_sync_at,
        "lag_seconds": int(current_lag.total_seconds()) if current_lag is not None else None,
        "expected_interval_seconds": int(interval.total_seconds()) if interval else None,
        "lag_threshold_seconds": int(threshold.total_seconds()) if threshold else None,
        "lag_over_interval": bool(interval and current_lag is not None and current_lag > interval),
        "consecutive_failures": conn.consecutive_failures,
        "last_probe": last_probe,
        "last_heartbeat": last_heartbeat,
        "open_incidents": len(open_incidents(session, conn)),
        "maintenance": upcoming,
        "in_maintenance": in_maintenance(conn, now),
    }


def daily_availability(session: Session, conn: Connection, now: datetime, days: int = 30,
                       history: Sequence[tuple[datetime, bool]] | None = None) -> list[tuple[datetime, float | None]]:
    """Availability of each of the last `days` days (one query, computed here)."""
    start = now - timedelta(days=days)
    checks = history if history is not None else probe_history(session, conn, start, now)
    windows = maintenance_windows(conn)
    out = []
    for n in range(days):
        d_start = start + timedelta(days=n)
        out.append((d_start, availability_of(checks, windows, d_start, d_start + timedelta(days=1))))
    return out


def incidents(session: Session, conn: Connection, limit: int = 100) -> list[ConnectionIncident]:
    return list(session.scalars(select(ConnectionIncident).where(ConnectionIncident.connection_id == conn.id)
                                .order_by(ConnectionIncident.opened_at.desc()).limit(limit)))


def check_lag_all(session: Session, cfg: Mapping[str, Any], now: datetime | None = None) -> int:
    """Re-derive the health of connections that report syncs (a silent system grows late by itself)
    and of those with announced maintenance (a window starts and ends by itself)."""
    now = now or utcnow()
    count = 0
    announced = select(ConnectionMaintenance.connection_id)
    for conn in session.scalars(select(Connection).where(
            Connection.last_sync_at.is_not(None) | Connection.id.in_(announced))):
        evaluate(session, conn, cfg, now)
        count += 1
    return count


@periodic("connections.probe", every=timedelta(minutes=1))
def probe_job() -> None:
    """Each minute: probe the data services and connections that are due, then let silent systems grow
    late (lag incidents)."""
    from flask import current_app

    from ..db import db_session
    from . import service_health

    cfg = current_app.config["CATALOG"]
    session = db_session()
    now = utcnow()
    service_health.probe_round(session, cfg, now)  # the services first: their connections take the answers
    probe_round(session, cfg, now)
    check_lag_all(session, cfg, now)
    session.commit()
