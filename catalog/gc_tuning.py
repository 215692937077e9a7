"""Shorter garbage-collector passes in long-running web processes (issue 16: pages fast at scale).

A web process holds some 200,000 long-lived objects (the app, SQLAlchemy's compiled statements, Jinja's
templates, Babel's catalogues); every full pass of Python's cycle collector walks all of them, and
under load those passes took a third of a list page's time. Freezing them once the process has
warmed up (`gc.freeze`) leaves the collector only the objects of the requests themselves.

The same process also sets its C allocator to give freed memory back (catalog/malloc_tuning.py), and
trims its heap now and then after a request: a worker's memory stays flat (issue 17).
"""

from __future__ import annotations

import gc
import threading

from flask import Flask, Response

from . import malloc_tuning

#: freeze after this many requests of a process, when its templates and statements are compiled
WARM_REQUESTS = 50


_seen = {"requests": 0}
_lock = threading.Lock()


def _after(response: Response) -> Response:
    """Freeze once per process, after its first requests (so never in a short-lived CLI command)."""
    if _seen["requests"] < WARM_REQUESTS:
        with _lock:
            _seen["requests"] += 1
            if _seen["requests"] == WARM_REQUESTS:
                gc.collect()
                gc.freeze()
                malloc_tuning.apply()
    else:
        malloc_tuning.trim()
    return response


def install(app: Flask) -> None:
    app.after_request(_after)
