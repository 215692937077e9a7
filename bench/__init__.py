"""Benchmarks, run by `make bench` (python -m bench). Each module named bench_*.py exposes
`run(quick: bool) -> list[Figure]`; the runner prints one table of every figure with its target.

Figures that depend on this shared, noisy machine are reported next to a baseline measured in the
same run (a bare Flask app, a plain parser...), and targets are set on the ratio where they can be.
"""
