"""Whoosh reads a segment's files straight from the segment's memory map, without a copy.

whoosh-reloaded 2.7.5 opens each file of a compound segment (postings, terms, columns) as a
`BufferFile` over the map, which wraps it in `io.BytesIO(buffer)`: a private copy of the file. Every
change of the index (a harvest batch, an edit) opens a new searcher on every segment, so each web
worker copied the whole index into its heap after each change and freed the previous copies: large
blocks of varying sizes, allocated and freed over and over, that the C allocator kept (issue 17:
workers grew by hundreds of MB over a 5-minute harvest). Here the file reads the map through a
memoryview instead: the pages are the file's own, shared by every process and given back by the OS.
"""

from __future__ import annotations

from typing import Any

from whoosh.filedb import compound, structfile


class _ViewReader:
    """A read-only, seekable file over a memoryview (no copy: a read copies only what it returns)."""

    def __init__(self, view: memoryview) -> None:
        self._view = view
        self._size = len(view)
        self._pos = 0

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = self._size if size is None or size < 0 else min(self._size, start + size)
        self._pos = end
        return self._view[start:end].tobytes()

    def readline(self, size: int | None = -1) -> bytes:
        limit = self._size if size is None or size < 0 else min(self._size, self._pos + size)
        end = self._pos
        while end < limit:
            chunk = self._view[end:min(limit, end + 256)].tobytes()
            found = chunk.find(b"\n")
            if found >= 0:
                end += found + 1
                break
            end += len(chunk)
        start, self._pos = self._pos, end
        return self._view[start:end].tobytes()

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._pos, self._size)[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        pass  # the map belongs to the segment's storage, which closes it

    def __iter__(self) -> Any:
        while self._pos < self._size:
            yield self.readline()


class ViewFile(structfile.BufferFile):
    """`BufferFile` without the copy: reads and `get` both go to the map."""

    def __init__(self, buf: Any, name: str | None = None, onclose: Any = None) -> None:
        view = buf if isinstance(buf, memoryview) else memoryview(buf)
        self._buf = view
        self._name = name
        self.file = _ViewReader(view)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    def subset(self, position: int, length: int, name: str | None = None) -> ViewFile:
        return ViewFile(self._buf[position:position + length], name=name or self._name)


def install() -> None:
    """Make compound segments open their files as `ViewFile` (once per process)."""
    compound.BufferFile = ViewFile
