"""Named points where the crash-safety tests stop a process before killing it with SIGKILL.

A no-op in normal running. With `CATALOG_TEST_PAUSE_AT=point` (or `point:n`, the n-th time the
point is reached) the process writes `paused point` on its standard output and sleeps, so that a
test can kill it exactly there (tests/security/test_crash_uploads.py). The points are where a
crash matters: between writing a file and committing the row that names it, between a commit and
the search index update, in the middle of a publication's conversions and rows table.
"""

from __future__ import annotations

import os
import sys
import threading
import time

_WANTED = os.environ.get("CATALOG_TEST_PAUSE_AT", "")
_hits: dict[str, int] = {}
_lock = threading.Lock()


def reached(name: str) -> None:
    """Pause here for ever (until killed) when the environment names this point."""
    if not _WANTED:
        return
    point, _, nth = _WANTED.partition(":")
    if point != name:
        return
    with _lock:
        _hits[name] = _hits.get(name, 0) + 1
        count = _hits[name]
    if count != int(nth or 1):
        return
    sys.stdout.write(f"paused {name}\n")
    sys.stdout.flush()
    while True:
        time.sleep(3600)
