"""Daily roll-ups of probe availability, so that health pages do not scan 30 days of probes.

A finished UTC day is summed once (seconds answered, seconds known outside maintenance) into
`ConnectionDaily`, lazily: the first reader after the day ends computes it, from that day's probes
alone. A window of 7 or 30 days is then its first part-day and the last part-day read from the
probes, plus the whole days in between read from the roll-ups; the sums are the same seconds as a
scan of every probe, so the figures are exact. Announcing maintenance drops the roll-ups of the
days it covers (they are computed again with the window).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import Connection, ConnectionDaily
from .connection_health import maintenance_windows, percent, probe_history, up_and_known

DAY = timedelta(days=1)
History = Sequence[tuple[datetime, bool]]


def midnight(at: datetime) -> datetime:
    return datetime.combine(at.astimezone(UTC).date(), time(), tzinfo=UTC)


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def days_of(session: Session, conn: Connection, first: date, last: date,
            now: datetime) -> dict[date, tuple[float, float]]:
    """(up, known) seconds of each finished day in [first, last], computing and keeping those missing."""
    last = min(last, midnight(now).date() - DAY)
    if last < first:
        return {}
    wanted = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    memo: dict[date, tuple[float, float]] = session.info.setdefault("connection_daily", {}).setdefault(conn.id, {})
    if all(d in memo for d in wanted):  # one page asks for 7 and 30 days and the chart: one read
        return {d: memo[d] for d in wanted}
    have = {row.day: (row.up_seconds, row.known_seconds) for row in session.scalars(
        select(ConnectionDaily).where(ConnectionDaily.connection_id == conn.id, ConnectionDaily.day >= first,
                                      ConnectionDaily.day <= last))}
    missing = [d for d in wanted if d not in have]
    if missing:
        checks = probe_history(session, conn, _start(missing[0]), _start(missing[-1]) + DAY)
        windows = maintenance_windows(conn)
        rows = []
        for day in missing:
            up, known = up_and_known(checks, windows, _start(day), _start(day) + DAY)
            have[day] = (up, known)
            rows.append(ConnectionDaily(connection_id=conn.id, day=day, up_seconds=up, known_seconds=known))
        try:
            with session.begin_nested():
                session.add_all(rows)
        except IntegrityError:
            pass  # another reader stored the same days first: the same sums
    memo.update(have)
    return have


def _probes(session: Session, conn: Connection, start: datetime, end: datetime,
            recent: History | None, recent_start: datetime | None) -> History:
    """The probes of [start, end): from `recent` when it covers them (it starts at `recent_start`)."""
    if recent is not None and recent_start is not None and recent_start <= start:
        return recent
    return probe_history(session, conn, start, end)


def window(session: Session, conn: Connection, start: datetime, end: datetime,
           recent: History | None = None,
           recent_start: datetime | None = None) -> tuple[float, float]:
    """(up, known) seconds of [start, end): whole days from the roll-ups, the edges from the probes
    (from `recent`, the probes since `recent_start`, when it covers an edge)."""
    first_whole = midnight(start) + (DAY if midnight(start) < start else timedelta(0))
    last_edge = midnight(end)
    windows = maintenance_windows(conn)
    if first_whole >= last_edge:
        return up_and_known(_probes(session, conn, start, end, recent, recent_start), windows, start, end)
    up = known = 0.0
    for a, b in ((start, first_whole), (last_edge, end)):
        if b > a:
            u, k = up_and_known(_probes(session, conn, a, b, recent, recent_start), windows, a, b)
            up, known = up + u, known + k
    for u, k in days_of(session, conn, first_whole.date(), last_edge.date() - DAY, end).values():
        up, known = up + u, known + k
    return up, known


def availability(session: Session, conn: Connection, start: datetime, end: datetime,
                 recent: History | None = None,
                 recent_start: datetime | None = None) -> float | None:
    return percent(*window(session, conn, start, end, recent, recent_start))


def daily(session: Session, conn: Connection, now: datetime, days: int = 30,
          recent: History | None = None,
          recent_start: datetime | None = None) -> list[tuple[datetime, float | None]]:
    """Availability of each of the last `days` UTC days, today (so far) included."""
    today = midnight(now)
    first = (today - (days - 1) * DAY).date()
    stored = days_of(session, conn, first, today.date() - DAY, now)
    out = [(_start(d), percent(*stored.get(d, (0.0, 0.0)))) for d in (first + timedelta(days=n)
                                                                       for n in range(days - 1))]
    probes = _probes(session, conn, today, now, recent, recent_start)
    out.append((today, percent(*up_and_known(probes, maintenance_windows(conn), today, now))))
    return out


def forget(session: Session, conn_id: str, spans: Iterable[tuple[datetime, datetime]]) -> None:
    """Drop the roll-ups of the days these spans touch (maintenance announced for them)."""
    session.info.get("connection_daily", {}).pop(conn_id, None)
    for start, end in spans:
        session.execute(delete(ConnectionDaily).where(
            ConnectionDaily.connection_id == conn_id, ConnectionDaily.day >= start.astimezone(UTC).date(),
            ConnectionDaily.day <= end.astimezone(UTC).date()))
