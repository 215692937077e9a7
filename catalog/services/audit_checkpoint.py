"""The audit chain's anchor outside its table: the head event (id and hash), HMAC-signed.

The hash chain shows a changed or removed event *inside* the log, but not a cut at its end: drop
the newest rows and what is left is still a valid chain. So after every commit that appended
events, the head is written to a file in the instance folder, signed with the app's secret key
(written to a temporary file and renamed, so a reader never sees half a file; a lock keeps the
checkpoint moving forward when writers commit out of order). `flask audit verify` compares the
log with it; `flask audit checkpoint` prints the signed head for operators to publish elsewhere.

The cost, per committing write: one read of the small file, one lookup by primary key (is the
checkpointed event still there?) and one file write. A crash between the database commit and the
file write leaves the checkpoint one step behind: the newest events are then unanchored until the
next write, never reported as missing.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..models import AuditEvent, utcnow

FILENAME = "audit-checkpoint.json"
#: session.info key: (id, hash) of the newest event appended in the session's transaction.
PENDING = "audit_head"


@dataclass(frozen=True)
class Checkpoint:
    head_id: int
    head_hash: str
    at: str
    signature: str

    def as_dict(self) -> dict[str, Any]:
        return {"head_id": self.head_id, "head_hash": self.head_hash, "at": self.at, "signature": self.signature}


class BadCheckpoint(ValueError):
    """The checkpoint file is unreadable or its signature does not match (changed, or another key)."""


def path_for(app: Flask) -> Path:
    return Path(app.config["CATALOG"]["INSTANCE_PATH"]) / FILENAME


def _sign(key: str, head_id: int, head_hash: str, at: str) -> str:
    message = json.dumps({"head_id": head_id, "head_hash": head_hash, "at": at}, sort_keys=True).encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def make(app: Flask, head_id: int, head_hash: str) -> Checkpoint:
    at = utcnow().isoformat()
    return Checkpoint(head_id, head_hash, at, _sign(app.secret_key, head_id, head_hash, at))


def read(app: Flask) -> Checkpoint | None:
    """The recorded checkpoint, None if there is none; BadCheckpoint if it cannot be trusted."""
    path = path_for(app)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadCheckpoint(f"{path} cannot be read ({exc})") from exc
    try:
        data = json.loads(raw)
        cp = Checkpoint(int(data["head_id"]), str(data["head_hash"]), str(data["at"]), str(data["signature"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise BadCheckpoint(f"{path} is not a checkpoint") from exc
    if not hmac.compare_digest(cp.signature, _sign(app.secret_key, cp.head_id, cp.head_hash, cp.at)):
        raise BadCheckpoint(f"the signature of {path} does not match (the file was changed, or the secret key)")
    return cp


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(path: Path, cp: Checkpoint) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".audit-checkpoint-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(cp.as_dict(), f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def advance(app: Flask, head_id: int, head_hash: str) -> bool:
    """Record a new head, unless the checkpoint already names a later event. True if written."""
    path = path_for(app)
    with _locked(path):
        try:
            current = read(app)
        except BadCheckpoint:
            return False  # never paper over a damaged checkpoint: `audit verify` reports it
        if current is not None and current.head_id >= head_id:
            return False
        _write(path, make(app, head_id, head_hash))
        return True


def still_anchored(session: Session, app: Flask) -> bool:
    """Does the log still hold the event the checkpoint names? If not (the log was cut), the next
    write must not move the checkpoint past the cut and so bless it: `audit verify` reports it."""
    try:
        current = read(app)
    except BadCheckpoint:
        return False
    if current is None:
        return True
    held = session.scalar(select(AuditEvent.hash).where(AuditEvent.id == current.head_id))
    return held == current.head_hash


def replace(app: Flask, cp: Checkpoint) -> None:
    """Write a checkpoint as it is (the `audit checkpoint` command, after verifying the log)."""
    path = path_for(app)
    with _locked(path):
        _write(path, cp)


def note_append(session: Session, head_id: int, head_hash: str) -> None:
    """Called for each appended event: the session's commit will move the checkpoint to it."""
    session.info[PENDING] = (head_id, head_hash)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    # checked inside the transaction, before its connection goes back to the pool
    app = session.info.get("app")
    if PENDING in session.info and app is not None and not still_anchored(session, app):
        session.info.pop(PENDING)
        app.logger.error("the audit checkpoint %s is unreadable or names an event the log no longer holds; "
                         "it is left as it is: run `flask --app catalog audit verify`", path_for(app))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    app = session.info.get("app")
    if pending is not None and app is not None:
        try:
            advance(app, *pending)
        except OSError:
            # the change is committed and must not be reported as failed; the operator must know
            # that the log's head is no longer anchored (`audit verify` will not see a later cut)
            app.logger.exception("could not write the audit checkpoint %s", path_for(app))


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous: Any) -> None:
    # a rolled-back event never reached the log; the checkpoint stays where it was
    session.info.pop(PENDING, None)
