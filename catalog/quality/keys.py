"""Repeated rows and keys among millions of rows, in bounded memory.

frictionless keeps every primary-key value it has seen in a dict (about 220 MB at a million rows)
and stops at 1,000 errors. Here each row's key is reduced to a 64-bit hash. Hashes wait in memory
in an `array` of at most `chunk` entries; when it is full they are spilled to two temporary files:
the (hash, row) pairs in row order (to name the rows later), and the hashes split into 256
buckets by their (mixed) top byte (one file, segments indexed). At the end each bucket is read on its own
and counted: a hash seen twice is a repeated key. Then, only if there are repeats, the row-order
file is read once to name the first rows that repeat an earlier one. Memory holds one chunk and
one bucket (a 256th of the file); disk takes 24 bytes a row.

Python's `hash` is salted per process, which is fine: the files live only for one run. Two
different keys share a 64-bit hash with a probability of about n²/2⁶⁵ (3·10⁻⁸ at a million rows).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

DEFAULT_CHUNK = 200_000
BUCKETS = 256
#: Repeated hashes remembered to name example rows (the count of repeats is exact regardless).
MAX_REMEMBERED = 100_000
_READ = 65536  # entries read at a time from the row-order file


@dataclass
class Repeats:
    """Rows whose key was seen in an earlier row."""

    count: int = 0
    #: (row, first row with the same key) in file order, at most `keep`
    examples: list[tuple[int, int]] = field(default_factory=list)


# A hash's bucket is the top byte of the hash mixed by Fibonacci hashing (times 2^64 / golden ratio):
# Python hashes small integers to themselves, so a key column of 1, 2, 3... would otherwise fill
# one bucket, and memory with it.
_MIX = 0x9E3779B97F4A7C15
_MASK = (1 << 64) - 1


class KeyTracker:
    def __init__(self, chunk: int = DEFAULT_CHUNK, folder: str | None = None) -> None:
        self.chunk = max(2, chunk)
        self.folder = folder
        self._hashes = array("q")
        self._rows = array("q")
        self._log: BinaryIO | None = None  # (hash, row) pairs in row order
        self._buckets: BinaryIO | None = None  # hashes grouped by bucket, in segments
        self._segments: list[list[tuple[int, int]]] = [[] for _ in range(BUCKETS)]  # (offset, count)
        self.added = 0
        self.spilled_rows = 0
        self.spills = 0

    def add(self, key_hash: int, row: int) -> None:
        self._hashes.append(key_hash)
        self._rows.append(row)
        self.added += 1
        if len(self._hashes) >= self.chunk:
            self._spill()

    def appenders(self) -> tuple[Callable[[int], None], Callable[[int], None]]:
        """The two appends of `add` for a hot loop, which must call `settle()` at least every
        `chunk` rows (the arrays are emptied in place when spilled, so these stay valid)."""
        return self._hashes.append, self._rows.append

    def settle(self) -> None:
        self.added = self.spilled_rows + len(self._hashes)
        if len(self._hashes) >= self.chunk:
            self._spill()

    def _tempfile(self) -> BinaryIO:
        handle, name = tempfile.mkstemp(prefix="quality-keys-", suffix=".bin", dir=self.folder)
        os.unlink(name)  # removed by the system when closed, even if the process dies
        return os.fdopen(handle, "w+b")

    def _spill(self) -> None:
        if self._log is None:
            self._log, self._buckets = self._tempfile(), self._tempfile()
        assert self._buckets is not None
        pairs = array("q", bytes(16 * len(self._hashes)))
        pairs[0::2] = self._hashes
        pairs[1::2] = self._rows
        pairs.tofile(self._log)
        parts: list[array] = [array("q") for _ in range(BUCKETS)]
        for value in self._hashes:
            parts[((value * _MIX) & _MASK) >> 56].append(value)
        for n, part in enumerate(parts):
            if part:
                self._segments[n].append((self._buckets.tell(), len(part)))
                part.tofile(self._buckets)
        self.spilled_rows += len(self._hashes)
        del self._hashes[:]  # emptied in place: appenders() handed out stay valid
        del self._rows[:]
        self.spills += 1

    def _bucket_values(self, n: int) -> array:
        assert self._buckets is not None
        values = array("q")
        for offset, count in self._segments[n]:
            self._buckets.seek(offset)
            values.fromfile(self._buckets, count)
        return values

    def finish(self, keep: int = 20) -> Repeats:
        """Count the repeats and name the first `keep` of them; frees the temporary files."""
        try:
            if self._log is None:  # everything is still in memory: count it bucket by bucket all the same
                parts: list[array] = [array("q") for _ in range(BUCKETS)]
                for value in self._hashes:
                    parts[((value * _MIX) & _MASK) >> 56].append(value)
                buckets: Iterator[array] = iter(parts)
                pairs: Iterator[tuple[int, int]] = zip(self._hashes, self._rows, strict=True)
            else:
                if self._hashes:
                    self._spill()
                buckets = (self._bucket_values(n) for n in range(BUCKETS))
                pairs = self._read_log()
            total, repeated = 0, set()
            for values in buckets:  # one bucket's counts in memory at a time
                for h, c in Counter(values).items():
                    if c > 1:
                        total += c - 1
                        if len(repeated) < MAX_REMEMBERED:
                            repeated.add(h)
            result = Repeats(count=total)
            if total and keep:
                result.examples = _first_repeats(pairs, repeated, keep)
            return result
        finally:
            self.close()

    def _read_log(self) -> Iterator[tuple[int, int]]:
        assert self._log is not None
        self._log.seek(0)
        while True:
            block = array("q")
            with contextlib.suppress(EOFError):  # the last, shorter block is still read into `block`
                block.fromfile(self._log, 2 * _READ)
            if not block:
                return
            yield from zip(block[0::2], block[1::2], strict=True)

    def close(self) -> None:
        for handle in (self._log, self._buckets):
            if handle is not None:
                handle.close()
        self._log = self._buckets = None
        self._hashes = array("q")
        self._rows = array("q")


def _first_repeats(pairs: Iterator[tuple[int, int]], repeated: set[int], keep: int) -> list[tuple[int, int]]:
    first: dict[int, int] = {}
    out: list[tuple[int, int]] = []
    for key_hash, row in pairs:
        if key_hash not in repeated:
            continue
        if key_hash in first:
            out.append((row, first[key_hash]))
            if len(out) >= keep:
                break
        else:
            first[key_hash] = row
    return out
