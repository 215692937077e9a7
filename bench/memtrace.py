"""Where a web worker's memory goes under bench_mixed: tracemalloc snapshots of each gunicorn worker.

    GUNICORN_CMD_ARGS="-c python:bench.memtrace" BENCH_MEMTRACE_DIR=/tmp/snaps python -m bench mixed
    python -m bench.memtrace /tmp/snaps        # the largest growths between each worker's first and last snapshot

A gunicorn configuration module (loaded only by the command above, never by the product): each
worker starts tracing its allocations `BENCH_MEMTRACE_AFTER` seconds after the fork (90 by default:
the app loaded and warmed untraced, which tracing would slow past the bench's client timeout), then
writes a snapshot every `BENCH_MEMTRACE_EVERY` seconds (60 by default). Only what is allocated after
the start is traced: what grows. Tracing slows the worker down a few times: for finding, not timing.
"""

from __future__ import annotations

import os
import sys
import threading
import tracemalloc
from pathlib import Path
from typing import Any

control_socket_disable = True
timeout = 600  # a traced worker is several times slower: gunicorn must not take it for stuck


def post_fork(_server: Any, _worker: Any) -> None:
    folder = os.environ.get("BENCH_MEMTRACE_DIR")
    if not folder:
        return
    every = float(os.environ.get("BENCH_MEMTRACE_EVERY", "60"))
    after = float(os.environ.get("BENCH_MEMTRACE_AFTER", "90"))

    def dump() -> None:
        threading.Event().wait(after)
        tracemalloc.start(8)
        n = 0
        while True:
            threading.Event().wait(every)
            tracemalloc.take_snapshot().dump(str(Path(folder) / f"{os.getpid()}-{n:03d}.snap"))
            n += 1

    threading.Thread(target=dump, daemon=True).start()


def report(folder: Path, top: int = 25) -> None:
    """Each worker's growth from its second snapshot (caches warm) to its last, by allocating traceback."""
    by_pid: dict[str, list[Path]] = {}
    for snap in sorted(folder.glob("*.snap")):
        by_pid.setdefault(snap.name.split("-")[0], []).append(snap)
    for pid, snaps in by_pid.items():
        first = tracemalloc.Snapshot.load(str(snaps[min(1, len(snaps) - 1)]))
        last = tracemalloc.Snapshot.load(str(snaps[-1]))
        totals = [sum(s.size for s in tracemalloc.Snapshot.load(str(p)).statistics("filename")) / 2**20
                  for p in snaps]
        print(f"worker {pid}: traced MB per snapshot: {' → '.join(f'{t:.0f}' for t in totals)}")
        for stat in last.compare_to(first, "traceback")[:top]:
            print(f"  {stat.size_diff / 2**20:+8.1f} MB {stat.count_diff:+8d} blocks")
            for line in stat.traceback.format()[-12:]:
                print(f"      {line}")


if __name__ == "__main__":
    report(Path(sys.argv[1]))
