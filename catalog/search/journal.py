"""A note on disk of the records a transaction changed, kept until the search index has them.

The index is updated after each commit (`indexer`), so a process killed between its commit and
that update (SIGKILL, a power cut, an index that failed to open) would leave the index behind the
registry with nothing to tell. Each transaction that changes an indexed record therefore writes
its change list to `<instance>/search-journal/<id>.json` before it commits (rewritten at each
flush), and removes it once the index has the changes (or when the transaction rolls back). A
note still there later is a change the index may have missed: `replay` re-reads those records
from the registry and indexes them, which is harmless when they were indexed after all (or when
the transaction never committed). The periodic job `search.journal` replays notes older than a
minute; `flask --app catalog search check --fix` replays them all at once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from .. import signals  # noqa: F401  (its after_flush listener, which gathers the changes, runs first)

log = logging.getLogger(__name__)

#: The session's change list, kept by `catalog.signals` (kind -> ids).
_PENDING = "pending_changes"
#: Where the session keeps the path of its present transaction's note.
NOTE_KEY = "search_journal"
#: Kinds the index holds.
KINDS = ("dataset", "database", "organization", "dataservice")
#: A note younger than this may belong to a transaction still in progress.
REPLAY_AFTER_SECONDS = 60.0


def folder(app: Flask) -> Path:
    return Path(app.config["CATALOG"]["INSTANCE_PATH"]) / "search-journal"


def _write(session: Session) -> None:
    app = session.info.get("app")
    pending = session.info.get(_PENDING) or {}
    changes = {kind: sorted(ids) for kind, ids in pending.items() if kind in KINDS and ids}
    if app is None or not changes:
        return
    path = session.info.get(NOTE_KEY)
    if path is None:
        path = folder(app) / f"{uuid.uuid4().hex}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        session.info[NOTE_KEY] = path
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(changes), encoding="utf-8")
    os.replace(tmp, path)  # a note is whole or absent, never half written


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx: Any) -> None:
    _write(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    _write(session)  # changes announced without a flush (bulk statements: `signals.note_changes`)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous: Any) -> None:
    if not getattr(previous, "nested", False):
        done(session.info.pop(NOTE_KEY, None))


def take(session_info: dict[str, Any]) -> Path | None:
    """The note of the transaction that just committed (the caller removes it once indexed)."""
    return session_info.pop(NOTE_KEY, None)


def done(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)


def waiting(app: Flask, older_than: float = 0.0) -> list[Path]:
    """Notes not yet removed, oldest first (older than `older_than` seconds)."""
    root = folder(app)
    if not root.is_dir():
        return []
    limit = time.time() - older_than
    notes = []
    for path in root.glob("*.json"):
        try:
            modified = path.stat().st_mtime
        except FileNotFoundError:
            continue
        if modified <= limit:
            notes.append((modified, path))
    return [path for _modified, path in sorted(notes)]


def replay(app: Flask, older_than: float = REPLAY_AFTER_SECONDS) -> int:
    """Index again the records of every note older than `older_than` seconds; returns the notes replayed."""
    from .indexer import refresh

    notes = waiting(app, older_than)
    changes: dict[str, set[str]] = {}
    for path in notes:
        try:
            for kind, ids in json.loads(path.read_text(encoding="utf-8")).items():
                if kind in KINDS:
                    changes.setdefault(kind, set()).update(str(i) for i in ids)
        except (OSError, ValueError):
            log.warning("unreadable search journal note %s, removed", path)
    if changes:
        log.warning("the search index missed changes of %d transactions (a crash?): indexing them again",
                    len(notes))
        refresh(app, changes)
    for path in notes:
        done(path)
    limit = time.time() - older_than
    for tmp in folder(app).glob("*.tmp"):  # a note whose writer was killed mid-write: its commit never came
        with contextlib.suppress(OSError):
            if tmp.stat().st_mtime <= limit:
                tmp.unlink()
    return len(notes)
