"""Whoosh's segment files are read from the segment's map, never copied into the process (issue 17)."""

from __future__ import annotations

import io
import random

from catalog.search.whoosh_backend import WhooshBackend
from catalog.search.whoosh_files import ViewFile, _ViewReader

from .test_scale import _ask, _doc


def test_the_view_reader_reads_as_a_file_does():
    rnd = random.Random(5)
    data = bytes(rnd.randrange(256) for _ in range(5000)) + b"line one\nline two\nend"
    view, plain = _ViewReader(memoryview(data)), io.BytesIO(data)
    for size in (0, 1, 7, 300, 4000, 10_000, -1):
        for f in (view, plain):
            f.seek(rnd.randrange(len(data)) if size else 17)
        plain.seek(view.tell())
        assert view.read(size) == plain.read(size) and view.tell() == plain.tell()
    for f in (view, plain):
        f.seek(-22, 2)
    assert [view.readline() for _ in range(4)] == [plain.readline() for _ in range(4)]
    assert view.seek(3, 1) == plain.seek(3, 1)


def test_segments_are_opened_as_views_of_their_maps(tmp_path):
    backend = WhooshBackend(tmp_path / "ix")
    backend.rebuild([_doc(n, f"Dân cư xã {n}") for n in range(300)], procs=1)
    backend.update([_doc(1000, "Dân cư phường mới")])
    assert _ask(backend, "dân cư").total == 301
    files = []
    for leaf, _base in backend._current().searcher.reader().leaf_readers():
        storage = getattr(leaf._storage, "a", leaf._storage)  # a segment's compound file under the overlay
        assert storage._source is not None  # mapped
        files.extend(storage.open_file(name) for name in storage.list())
    assert files and all(isinstance(f, ViewFile) and isinstance(f.file, _ViewReader) for f in files)
