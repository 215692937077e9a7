"""A bulk writer's search-index updates in a forked process, beside the writer instead of in series.

Writing the embedded (Whoosh) index is pure Python and was about half of a first harvest's time:
done in the harvesting process, every index write stopped the harvest. An `IndexWorker` is a child
process forked from the writer; the writer sends it the ids its commits changed (after the commit,
so the child reads what was committed) and goes on; the child re-reads those records and writes
the index, on a second core. The writer never runs more than `max_outstanding` updates ahead
(bounded memory, and "current within seconds" stays true), and `close()` waits for the last one.

Nothing is lost: an update the child could not write, or did not acknowledge before it died, is
handed back by `close()` (or `send()`) for the writer to index itself. The child ends when the
writer says so, when its end of the pipe closes, or when the writer's process is gone (a killed
harvest leaves no process behind; its next job heals the index).
"""

from __future__ import annotations

import logging
import os
import signal
from collections import deque
from contextlib import suppress
from multiprocessing.connection import Connection, Pipe
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)

Changes = dict[str, set[str]]

#: seconds the child waits for work before it checks that its writer is still alive
_IDLE_CHECK = 1.0
#: in the child, the writer's connection pools, kept referenced until `os._exit` so that none of
#: the writer's connections is closed (or rolled back) from the child
_INHERITED: list[Any] = []


def can_fork() -> bool:
    return hasattr(os, "fork")


class WorkerGone(Exception):
    """The index process ended before it acknowledged every update it was sent."""


class IndexWorker:
    """One forked index-writing process and the updates sent to it and not yet acknowledged."""

    #: updates in flight at most: the writer waits for the child beyond this
    max_outstanding = 2
    #: seconds the writer waits for one acknowledgement before it takes the child for hung and ends it
    reply_timeout = 600.0

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.pid: int | None = None
        self.conn: Connection | None = None
        self.in_flight: deque[Changes] = deque()
        self.failed: list[Changes] = []
        self.written = 0

    @property
    def alive(self) -> bool:
        return self.pid is not None

    def start(self) -> bool:
        """Fork the child; False (and the caller indexes in-process) where the system cannot fork."""
        if not can_fork():
            return False
        parent_end, child_end = Pipe()
        writer_pid = os.getpid()
        try:
            pid = os.fork()
        except OSError:
            log.exception("could not start the search index process; indexing in the harvesting process")
            parent_end.close()
            child_end.close()
            return False
        if pid == 0:  # the child: never returns into the writer's code
            code = 1
            try:
                parent_end.close()
                code = _serve(self.app, child_end, writer_pid)
            except BaseException:  # whatever happens, the child must not run on as a copy of the writer
                log.exception("the search index process failed")
            finally:
                os._exit(code)
        child_end.close()
        self.pid, self.conn = pid, parent_end
        return True

    def send(self, changes: Changes) -> list[Changes]:
        """Hand these changes to the child; returns the updates it failed or lost (to index here)."""
        lost: list[Changes] = []
        if self.conn is None:
            return [changes]
        while len(self.in_flight) >= self.max_outstanding:
            lost.extend(self._receive())
            if self.conn is None:
                return [*lost, changes]
        try:
            self.conn.send(changes)
        except (OSError, ValueError):
            return [*lost, *self._gone(), changes]
        self.in_flight.append(changes)
        return lost

    def close(self) -> list[Changes]:
        """Wait for every update sent; returns those not written (to index here), and ends the child."""
        lost: list[Changes] = []
        while self.conn is not None and self.in_flight:
            lost.extend(self._receive())
        if self.conn is not None:
            with suppress(OSError, ValueError):  # already gone: nothing left to tell it
                self.conn.send(None)
            self.conn.close()
            self.conn = None
        self._reap()
        lost.extend(self.failed)
        self.failed = []
        return lost

    def _receive(self) -> list[Changes]:
        assert self.conn is not None
        try:
            if not self.conn.poll(self.reply_timeout):
                log.error("the search index process %s did not answer within %.0f s; ended", self.pid,
                          self.reply_timeout)
                if self.pid is not None:
                    os.kill(self.pid, signal.SIGKILL)
                return self._gone()
            reply = self.conn.recv()
        except (EOFError, OSError):
            return self._gone()
        changes = self.in_flight.popleft()
        if reply[0] == "ok":
            self.written += reply[1]
            return []
        return [changes]

    def _gone(self) -> list[Changes]:
        """The child died: what it had not acknowledged comes back."""
        log.error("the search index process ended early; the harvesting process indexes what it had not written")
        lost = list(self.in_flight)
        self.in_flight.clear()
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self._reap()
        return lost

    def _reap(self) -> None:
        if self.pid is None:
            return
        try:
            _pid, status = os.waitpid(self.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                log.error("the search index process %s ended with status %s", self.pid,
                          os.waitstatus_to_exitcode(status))
        except ChildProcessError:
            pass
        self.pid = None


def _serve(app: Flask, conn: Connection, writer_pid: int) -> int:
    """The child's loop: index each update it receives, acknowledge it, end when told or orphaned."""
    from ..db import registry_db
    from .indexer import refresh

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the harvest; this ends with it
    # the writer's pooled connections and cached searchers belong to the writer: open our own, and
    # keep a reference to the writer's pool so that its connections are never closed from here
    # (closing an inherited SQLite or PostgreSQL connection can disturb the writer's; `os._exit` ends us)
    engine = registry_db(app).engine
    _INHERITED.append(engine.pool)
    engine.dispose(close=False)
    app.extensions.pop("catalog_search", None)
    while True:
        if not conn.poll(_IDLE_CHECK):
            if os.getppid() != writer_pid:
                return 0
            continue
        try:
            changes: Any = conn.recv()
        except (EOFError, OSError):
            return 0
        if changes is None:
            return 0
        try:
            written = refresh(app, changes)
        except Exception:
            log.exception("the search index process could not write an update of %d records",
                          sum(len(ids) for ids in changes.values()))
            conn.send(("failed", 0))
            continue
        conn.send(("ok", written))
