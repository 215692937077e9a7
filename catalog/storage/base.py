"""What the catalogue asks of a place that keeps files: streamed in, streamed out, never whole in memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Protocol

#: Bytes read or written at a time when a file is copied between a stream and a store.
CHUNK = 1 << 16


@dataclass(frozen=True)
class StoredObject:
    """One file in a store: its key (a relative path with "/"), its size and last change."""

    key: str
    size: int
    modified: datetime


class Storage(Protocol):
    """A folder-like store of files addressed by relative keys ("ab/0123…/data.csv")."""

    def put(self, key: str, stream: IO[bytes]) -> None:
        """Copy `stream` into the store under `key` chunk by chunk; nothing is kept if reading fails."""

    def open(self, key: str) -> IO[bytes]:
        """A readable binary stream of the file (the caller closes it); FileNotFoundError if absent."""

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int:
        """The file's size in bytes; FileNotFoundError if absent."""

    def delete(self, key: str) -> None:
        """Remove the file; an absent file is not an error."""

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        """Every file whose key starts with `prefix`."""

    def download_to(self, key: str, target: Path) -> Path:
        """A local copy of the file for libraries that need a path (frictionless, openpyxl)."""

    def check(self) -> None:
        """Raise OSError when the store cannot be reached or written; used by /healthz."""

    def describe(self) -> str:
        """Where the files are, without any secret (for logs and the health answer)."""


def check_key(key: str) -> str:
    """A key is a relative path without "..": refuse anything that could escape the store's root."""
    parts = key.replace("\\", "/").split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"not a storage key: {key!r}")
    return "/".join(parts)
