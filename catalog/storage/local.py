"""Files in a folder on this machine: the embedded default (instance/uploads)."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from .base import CHUNK, StoredObject, check_key


class LocalStorage:
    """A store rooted at a folder; writes go to a hidden part file renamed into place when complete."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """The file's path; refuses a key that resolves outside the root (symlinks included)."""
        root = self.root.resolve()
        path = (root / check_key(key)).resolve()
        if root not in path.parents:
            raise ValueError(f"stored path escapes the upload folder: {key}")
        return path

    def put(self, key: str, stream: IO[bytes]) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
        try:
            with open(tmp, "wb") as out:
                while chunk := stream.read(CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())  # on disk before the row that names it can commit
            os.replace(tmp, target)
            _sync_folder(target.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            self._prune(target.parent)
            raise

    def open(self, key: str) -> IO[bytes]:
        return open(self.path(key), "rb")

    def exists(self, key: str) -> bool:
        try:
            return self.path(key).is_file()
        except ValueError:
            return False

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def delete(self, key: str) -> None:
        try:
            path = self.path(key)
        except ValueError:
            return
        path.unlink(missing_ok=True)
        self._prune(path.parent)

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        if not self.root.is_dir():
            return
        root = self.root.resolve()
        # walk only the folder the prefix names (the kept uploads, not every stored file)
        start = root / prefix.rsplit("/", 1)[0] if "/" in prefix else root
        if not start.is_dir() or (start != root and root not in start.resolve().parents):
            return
        for path in sorted(start.rglob("*")):
            if not path.is_file() or path.name.endswith(".part"):
                continue
            key = path.relative_to(root).as_posix()
            if key.startswith(prefix):
                st = path.stat()
                yield StoredObject(key, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC))

    def download_to(self, key: str, target: Path) -> Path:
        with self.open(key) as src, open(target, "wb") as out:
            shutil.copyfileobj(src, out, CHUNK)
        return target

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        probe = self.root / f".health-{uuid.uuid4().hex[:8]}"
        probe.write_bytes(b"ok")
        probe.unlink()

    def describe(self) -> str:
        return f"local folder {self.root}"

    def _prune(self, folder: Path) -> None:
        """Remove empty folders left by a removed file, up to the root."""
        root = self.root.resolve()
        folder = folder.resolve()
        while folder != root and root in folder.parents:
            with contextlib.suppress(OSError):
                folder.rmdir()
                folder = folder.parent
                continue
            return


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (a power cut after the commit keeps the file's name)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
