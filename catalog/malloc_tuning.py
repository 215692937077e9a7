"""The C allocator of a long-running web process gives freed memory back (issue 17: flat memory).

A worker allocates and frees large blocks all the time (a feed page, a JSON list, a search's id
column, a rendered page) between objects that live long (the caches, capped). glibc serves blocks
above a threshold from their own maps and gives them back when freed, but it raises that threshold
to the size of each such block freed (up to 32 MB), so that soon large blocks come from the heap,
whose freed middle is never returned: resident memory only grows. Fixing the threshold keeps large
blocks in their own maps, and trimming now and then returns the free pages inside the heap.

Only with glibc (elsewhere nothing is done), and only when the process's environment does not set
the allocator itself (`MALLOC_MMAP_THRESHOLD_`, `MALLOC_ARENA_MAX`: an operator's choice wins).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading
import time

log = logging.getLogger(__name__)

#: blocks of this size and above get their own map, given back to the system when freed
MMAP_THRESHOLD = 256 * 1024
#: at most this many allocator arenas (threads share them: fewer half-empty heaps)
ARENA_MAX = 2
#: seconds between two trims of a process's heap
TRIM_EVERY = 30.0
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8

_state: dict[str, object] = {"libc": None, "last_trim": 0.0}
_lock = threading.Lock()


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt  # noqa: B018 - glibc only
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def apply() -> bool:
    """Fix the allocator's settings in this process; False where it is not glibc."""
    libc = _libc()
    if libc is None:
        return False
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    if "MALLOC_ARENA_MAX" not in os.environ:
        libc.mallopt(_M_ARENA_MAX, ARENA_MAX)
    _state["libc"] = libc
    return True


def trim(now: float | None = None) -> bool:
    """Give the heap's free pages back, at most once every `TRIM_EVERY` seconds; True when it ran."""
    libc = _state["libc"]
    if libc is None:
        return False
    now = time.monotonic() if now is None else now
    with _lock:
        if now - float(_state["last_trim"]) < TRIM_EVERY:  # type: ignore[arg-type]
            return False
        _state["last_trim"] = now
    libc.malloc_trim(0)  # type: ignore[attr-defined]
    return True
