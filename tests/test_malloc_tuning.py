"""A web process's C allocator gives freed memory back (issue 17), at a bounded cost."""

from __future__ import annotations

import pytest

from catalog import malloc_tuning


@pytest.fixture
def tuned():
    if not malloc_tuning.apply():
        pytest.skip("not glibc")
    saved = dict(malloc_tuning._state)
    yield
    malloc_tuning._state.update(saved)


def test_the_heap_is_trimmed_at_most_once_in_each_interval(tuned):
    malloc_tuning._state["last_trim"] = 0.0
    start = malloc_tuning.TRIM_EVERY * 10
    assert malloc_tuning.trim(now=start)
    assert not malloc_tuning.trim(now=start + 1)
    assert not malloc_tuning.trim(now=start + malloc_tuning.TRIM_EVERY - 1)
    assert malloc_tuning.trim(now=start + malloc_tuning.TRIM_EVERY)


def test_large_freed_blocks_go_back_to_the_system(tuned):
    """Blocks past the fixed threshold are maps of their own: freeing them lowers resident memory,
    however many were freed before (glibc would otherwise raise its threshold past them)."""

    def rss_mb() -> float:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    kept = []
    for _ in range(3):
        blocks = []
        for _n in range(16):  # 64 MB, touched, between blocks that stay (as a worker's caches do)
            blocks.append(bytearray(4 * 1024 * 1024))
            kept.append(bytearray(200 * 1024))
        during = rss_mb()
        del blocks
        assert rss_mb() < during - 48


def test_nothing_is_done_without_glibc(monkeypatch):
    monkeypatch.setattr(malloc_tuning, "_libc", lambda: None)
    monkeypatch.setitem(malloc_tuning._state, "libc", None)
    assert not malloc_tuning.apply()
    assert not malloc_tuning.trim()
