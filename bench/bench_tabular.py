"""Public tabular files (issue 13): publish-time preparation of a large file and the rows API.

One child process per size (its peak memory is its own): a CSV of 7 columns (integers, province
codes with leading zeros, Vietnamese names, numbers, dates) on an open dataset that is then
published, which prepares the statistics, the CSV/JSON/XLSX/data-package conversions (for a large
file all four in a second process, in one reading of the file) and, at the same time, the rows
table (SQLite); then 200
rows-API requests with a filter on the province (a twelfth of the rows match), half of them at an
offset, through the app. Memory: the peak after preparing the small
file and the big one (flat: the big file does not cost much more than the small one).

Targets: conversion of the 1,000,000-row file under 60 s with flat memory; rows API p95 < 100 ms.
Quick mode uses 100,000 rows (and 20,000 for the memory comparison): its figures say so. The CPU
time of the child is printed beside the wall-clock figures (in all, and per process: the two run
side by side, so on two free cores the wall clock is about the larger of them), and the load
average, because on a shared machine the wall clock mostly measures the neighbours.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .figures import Figure

ROOT = Path(__file__).resolve().parent.parent


def _child(rows: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="bench-tabular-"))
    try:
        out = subprocess.run([sys.executable, "-m", "bench.tabular_child", str(rows), str(folder)], cwd=ROOT,
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(quick: bool = False) -> list[Figure]:
    big, small = (100_000, 20_000) if quick else (1_000_000, 100_000)
    note = " (quick mode)" if quick else ""
    first = _child(small)
    second = _child(big)
    grown = second["peak_mb"] - first["peak_mb"]
    both_helped = first["helper_cpu_s"] > 0 and second["helper_cpu_s"] > 0  # the small file of --quick has none
    return [
        Figure(f"tabular: publish-time preparation, {big:,} rows{note}", second["prepare_s"], "s",
               "< 60 s for 1,000,000 rows", second["prepare_s"] < 60 * big / 1_000_000),
        Figure(f"tabular: same, CPU time (both processes), {big:,} rows{note}", second["prepare_cpu_s"], "s"),
        Figure(f"tabular: same, CPU of the main process (statistics, rows table), {big:,} rows{note}",
               second["main_cpu_s"], "s"),
        Figure(f"tabular: same, CPU of the conversions' process, {big:,} rows{note}", second["helper_cpu_s"], "s"),
        Figure(f"tabular: peak memory, {small:,} rows", first["peak_mb"], "MB"),
        Figure(f"tabular: peak memory, {big:,} rows", second["peak_mb"], "MB",
               "flat (within 25 MB of the small file)", grown <= 25),
        Figure(f"tabular: peak memory of the conversions' process, {small:,} rows", first["helper_peak_mb"], "MB"),
        Figure(f"tabular: peak memory of the conversions' process, {big:,} rows", second["helper_peak_mb"], "MB",
               "flat (within 25 MB of the small file)",
               second["helper_peak_mb"] - first["helper_peak_mb"] <= 25 if both_helped else None),
        Figure(f"tabular: rows API p50, filter, {big:,} rows{note}", second["p50_ms"], "ms"),
        Figure(f"tabular: rows API p95, filter, {big:,} rows{note}", second["p95_ms"], "ms", "< 100 ms",
               second["p95_ms"] < 100),
        Figure(f"tabular: rows API p95, CPU time of the process, {big:,} rows{note}", second["p95_cpu_ms"], "ms"),
        Figure("tabular: machine load average during the run (2 cores)", second["load"], ""),
    ]
