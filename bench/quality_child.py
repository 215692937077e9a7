"""One measured contender of bench_quality, in its own process so that its peak memory is its own.

    python -m bench.quality_child catalogue|frictionless|frictionless-no-key|csv FOLDER FILE

FILE is read from FOLDER (frictionless is given a relative path, as it refuses absolute ones unless
trusted). Prints one JSON line: rows, seconds, errors found, peak resident memory (MB).
"""

from __future__ import annotations

import csv
import json
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _schema(folder: Path) -> dict:
    return json.loads((folder / "schema.json").read_text(encoding="utf-8"))


def catalogue(folder: Path, name: str) -> dict:
    from catalog.quality.tabular import check_table

    started = time.perf_counter()
    report = check_table(folder / name, "csv", schema=_schema(folder))
    seconds = time.perf_counter() - started
    errors = sum(p.count for (code, _c), p in report.problems.items())
    return {"rows": report.rows, "seconds": seconds, "errors": errors, "complete": report.complete,
            "duplicates": report.duplicates, "pk_problems": report.pk_problems}


def frictionless(folder: Path, name: str, key: bool = True) -> dict:
    from frictionless import Schema
    from frictionless.resources import TableResource

    descriptor = _schema(folder)
    if not key:
        descriptor.pop("primaryKey", None)
    os.chdir(folder)
    started = time.perf_counter()
    # limit_errors raised so that the whole file is validated (the default stops at 1,000 errors)
    report = TableResource(path=name, schema=Schema.from_descriptor(descriptor)).validate(limit_errors=10**9)
    seconds = time.perf_counter() - started
    task = report.tasks[0]
    return {"rows": task.stats.get("rows"), "seconds": seconds, "errors": len(task.errors), "valid": report.valid,
            "warnings": report.warnings}


def ceiling(folder: Path, name: str) -> dict:
    """A bare csv.reader pass that still parses every typed cell: what reading the file costs at least."""
    started = time.perf_counter()
    rows = errors = 0
    parse = (int, str, str, int, float, date.fromisoformat, str, float)
    with open(folder / name, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            rows += 1
            for fn, cell in zip(parse, row, strict=False):
                try:
                    fn(cell)
                except ValueError:
                    errors += 1
    return {"rows": rows, "seconds": time.perf_counter() - started, "errors": errors}


if __name__ == "__main__":
    mode, folder_arg, file_name = sys.argv[1:4]
    where = Path(folder_arg)
    steps = {"catalogue": lambda: catalogue(where, file_name), "frictionless": lambda: frictionless(where, file_name),
             "frictionless-no-key": lambda: frictionless(where, file_name, key=False),
             "csv": lambda: ceiling(where, file_name)}
    result = steps[mode]()
    result["peak_mb"] = _peak_mb()
    print(json.dumps(result))
