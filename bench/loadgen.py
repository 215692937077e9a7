"""A small closed-loop HTTP load generator (threads in a separate process, one connection each)."""

from __future__ import annotations

import http.client
import itertools
import json
import sys
import threading
import time
from pathlib import Path


def hammer(host: str, port: int, path: str, seconds: float, threads: int) -> dict[str, float]:
    """`path`, or with `@FILE` each path of FILE in turn (shared by the threads, none asked twice
    until the list is used up)."""
    paths = Path(path[1:]).read_text().split() if path.startswith("@") else [path]
    turn = itertools.count()
    counts = [0] * threads
    errors = [0] * threads
    stop = time.perf_counter() + seconds

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        while time.perf_counter() < stop:
            try:
                conn.request("GET", paths[next(turn) % len(paths)], headers={"Connection": "keep-alive"})
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    counts[i] += 1
                else:
                    errors[i] += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=10)
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.close()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    return {"rps": sum(counts) / elapsed, "errors": sum(errors), "requests": sum(counts)}


if __name__ == "__main__":
    host, port, path, seconds, threads = sys.argv[1:6]
    print(json.dumps(hammer(host, int(port), path, float(seconds), int(threads))))
