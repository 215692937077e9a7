"""What changed in the registry, announced after each commit.

Derived data (the search index, quality reports) follows the registry by listening here rather
than being called from every service: whatever commits a change (a form, the API, a harvest, the
seed loader, a script) announces it the same way. Receivers run after the commit succeeded, so they
must use their own session, and a failing receiver is logged without undoing or hiding the change.

    from catalog.signals import records_changed

    @records_changed.connect
    def reindex(session_info, changes, reason):  # changes: {"dataset": {ids}, "distribution": {ids}, ...}
        ...

`reason` says what caused the change ("edit" by default; the harvest runner says "harvest",
uploads say "upload"): set `session.info["change_reason"]` before committing to say otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from blinker import Namespace
from sqlalchemy import event
from sqlalchemy.orm import Session

from .models import Database, DataService, Dataset, Distribution, Organization

log = logging.getLogger(__name__)
_signals = Namespace()

#: sender: the session's `info` dict (holds "app" when the session comes from the app's factory)
records_changed = _signals.signal("records-changed")

#: sender: the app; keywords source_id, counts (the job's), queue_checks (False: a CLI run that must
#: exit when its job is done leaves follow-up work to the scheduled jobs)
harvest_finished = _signals.signal("harvest-finished")

_KINDS: dict[type, str] = {
    Dataset: "dataset",
    Distribution: "distribution",
    DataService: "dataservice",
    Database: "database",
    Organization: "organization",
}
_PENDING = "pending_changes"


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _ctx: Any) -> None:
    pending: dict[str, set[str]] = session.info.setdefault(_PENDING, {})
    for obj in (*session.new, *session.dirty, *session.deleted):
        kind = _KINDS.get(type(obj))
        if kind is None or (obj in session.dirty and not session.is_modified(obj)):
            continue
        pending.setdefault(kind, set()).add(obj.id)
        if kind == "distribution" and obj.dataset_id:
            pending.setdefault("dataset", set()).add(obj.dataset_id)


@event.listens_for(Session, "after_commit")
def _announce(session: Session) -> None:
    changes = session.info.pop(_PENDING, None)
    reason = session.info.pop("change_reason", "edit")
    if not changes:
        return
    for receiver in list(records_changed.receivers_for(records_changed.ANY)):
        try:
            receiver(session.info, changes=changes, reason=reason)
        except Exception:  # a derived index failing must not turn a saved change into an error page
            log.exception("a receiver of records_changed failed (%s)", getattr(receiver, "__name__", receiver))


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous: Any) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop("change_reason", None)


def note_changes(session: Session, kind: str, ids: Iterable[str]) -> None:
    """Announce records written with bulk statements, which the flush hook above cannot see
    (the harvest runner inserts thousands of rows at once)."""
    if kind not in _KINDS.values():
        raise ValueError(f"unknown kind {kind!r}")
    session.info.setdefault(_PENDING, {}).setdefault(kind, set()).update(ids)
