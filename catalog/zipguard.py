"""The zip-bomb guard: how much a zip file (an XLSX workbook, a zipped data package) would take once
inflated, judged from its directory before anything is inflated. The quality checks and the
harvesters use this one rule."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO

#: Above this many uncompressed bytes, a compression ratio over MAX_RATIO is refused too.
RATIO_FROM = 50 * 1024 * 1024
MAX_RATIO = 200


class NotAZip(Exception):
    """The file is not a readable zip file."""


class TooLarge(Exception):
    """The content would take more than the limit once uncompressed."""

    def __init__(self, total: int, limit: int) -> None:
        super().__init__(f"{total} bytes uncompressed, over the limit of {limit}")
        self.total = total
        self.limit = limit


def check(source: Path | IO[bytes], max_bytes: int) -> list[zipfile.ZipInfo]:
    """The archive's entries, once its declared uncompressed size is known to be safe."""
    try:
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise NotAZip(str(exc)) from exc
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > max_bytes or (total > RATIO_FROM and total / packed > MAX_RATIO):
        raise TooLarge(total, max_bytes)
    return infos
