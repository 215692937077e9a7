"""A process that serves searches from a Whoosh index the way a web worker does, for its memory.

`python -m bench.search_child INDEX QUERIES.json CHANGES.pickle`: opens the index, runs the queries,
then alternates an index change (one document rewritten) with a query, and prints its peak
resident memory in MB (the bench reports it against the worker's 300 MB target) and the peak of its
own memory (RssAnon, sampled after every query and change, so a peak inside a change is missed):
the resident figure also counts the pages of the index's segment files the process maps and reads,
which the kernel shares between workers and takes back, so the two together say how much a worker
really costs.
"""

from __future__ import annotations

import json
import pickle
import resource
import sys
from pathlib import Path


def main() -> None:
    from catalog import policy
    from catalog.search.base import AccessFilter, SearchRequest
    from catalog.search.text import parse_query
    from catalog.search.whoosh_backend import WhooshBackend

    backend = WhooshBackend(sys.argv[1])
    with open(sys.argv[2]) as f:
        queries = json.load(f)
    with open(sys.argv[3], "rb") as f:
        changes = pickle.load(f)  # noqa: S301 -- written by the bench itself a moment ago
    public = AccessFilter.for_reader(policy.ANONYMOUS)
    anon = _anon_mb()
    for _round in range(2):
        for spec in queries:
            backend.search(SearchRequest(query=parse_query(spec["q"]), access=public, filters=spec["filters"]))
            anon = max(anon, _anon_mb())
    for doc, spec in zip(changes, queries, strict=False):
        backend.update([doc])
        anon = max(anon, _anon_mb())
        backend.search(SearchRequest(query=parse_query(spec["q"]), access=public, filters=spec["filters"]))
        anon = max(anon, _anon_mb())
    print(json.dumps({"peak_mb": _peak_mb(), "anon_peak_mb": anon}))


def _anon_mb() -> float:
    """This process's own memory now (MB): resident pages that are not a file's (heap, stacks)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return 0.0  # not Linux: the resident peak alone is reported


def _peak_mb() -> float:
    """This process's own peak resident memory. Not `ru_maxrss`: Linux carries the parent's peak
    across fork and exec into it, so a child of the (large) bench process reported the bench's."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
