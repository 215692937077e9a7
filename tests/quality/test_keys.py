"""Repeated rows and keys in bounded memory: the same answer whether everything fits in memory or
the hashes spill to many temporary files."""

from __future__ import annotations

import random

from catalog.quality.keys import KeyTracker


def _track(keys: list[str], chunk: int) -> tuple[KeyTracker, object]:
    tracker = KeyTracker(chunk=chunk)
    for row, key in enumerate(keys, start=2):
        tracker.add(hash(key), row)
    spills = tracker.spills
    return spills, tracker.finish(keep=5)


def test_spilling_gives_the_same_counts_and_examples_as_memory():
    rnd = random.Random(7)
    keys = [f"k{rnd.randint(0, 400)}" for _ in range(3000)]
    expected_repeats = len(keys) - len(set(keys))
    spills_none, in_memory = _track(keys, chunk=1_000_000)
    spills_many, spilled = _track(keys, chunk=7)
    assert spills_none == 0 and spills_many > 400
    assert in_memory.count == spilled.count == expected_repeats
    assert in_memory.examples == spilled.examples
    # examples are the first repeats in file order, each with the row it repeats
    first_seen: dict[str, int] = {}
    expected = []
    for row, key in enumerate(keys, start=2):
        if key in first_seen:
            expected.append((row, first_seen[key]))
        else:
            first_seen[key] = row
    assert spilled.examples == expected[:5]


def test_no_repeat_no_example_and_files_are_removed(tmp_path):
    tracker = KeyTracker(chunk=10, folder=str(tmp_path))
    for row in range(100):
        tracker.add(hash(("unique", row)), row)
    assert tracker.spills == 10
    result = tracker.finish()
    assert result.count == 0 and result.examples == []
    assert list(tmp_path.iterdir()) == []  # the temporary files left with the run


def test_a_key_repeated_across_distant_chunks_is_found():
    tracker = KeyTracker(chunk=3)
    for row in range(2, 50):
        tracker.add(hash(f"row{row}"), row)
    tracker.add(hash("row2"), 50)
    result = tracker.finish()
    assert result.count == 1 and result.examples == [(50, 2)]


def test_integer_keys_spread_over_every_bucket():
    """Python hashes 1, 2, 3... to themselves: unmixed, they would all land in one bucket, which
    would then hold the whole file in memory at the end."""
    tracker = KeyTracker(chunk=1000)
    for row in range(1, 20_001):
        tracker.add(hash(row), row)
    filled = sum(1 for segments in tracker._segments if segments)
    assert filled > 200
    assert max(sum(c for _o, c in segments) for segments in tracker._segments) < 20_000 / 50
    assert tracker.finish().count == 0
