"""Files the catalogue keeps: streamed to disk with a size limit and a SHA-256, never trusted by name."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from catalog.vocab import FILE_EXTENSIONS

CHUNK = 1 << 16

#: extension -> (format label, media type)
FORMATS = FILE_EXTENSIONS


class Upload(Protocol):
    """What the service needs of an uploaded file (werkzeug's FileStorage fits)."""

    filename: str | None
    mimetype: str
    stream: IO[bytes]


@dataclass(frozen=True)
class StoredFile:
    path: str  # relative to the upload folder
    file_name: str
    byte_size: int
    checksum_sha256: str
    format: str | None
    media_type: str | None


def guess_format(file_name: str, media_type: str | None = None) -> tuple[str | None, str | None]:
    ext = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if ext in FORMATS:
        return FORMATS[ext]
    return (ext.upper() or None), (media_type if media_type and media_type != "application/octet-stream" else None)


def store_upload(upload: Upload, upload_folder: str, max_bytes: int) -> StoredFile:
    """Stream the upload to disk, hashing as it goes; refuse it (and keep nothing) past max_bytes."""
    original = upload.filename or ""
    name = secure_filename(original) or "file"
    if not original.strip():
        raise ValidationError({"file": [gettext("Choose a file to upload.")]})
    rel = Path(uuid.uuid4().hex[:2]) / uuid.uuid4().hex / name
    target = Path(upload_folder) / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{name}.part")
    digest = hashlib.sha256()
    size = 0
    try:
        with open(tmp, "wb") as out:
            while chunk := upload.stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise ValidationError({"file": [gettext(
                        "The file is larger than the limit of %(mb)s MB.", mb=max_bytes // (1024 * 1024)
                    )]})
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationError({"file": [gettext("The file is empty.")]})
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        _prune(target.parent, Path(upload_folder))
        raise
    fmt, media = guess_format(name, upload.mimetype)
    return StoredFile(str(rel), original[:300], size, digest.hexdigest(), fmt, media)


def resolve(upload_folder: str, rel_path: str) -> Path:
    """The absolute path of a stored file; refuses anything that escapes the upload folder."""
    root = Path(upload_folder).resolve()
    path = (root / rel_path).resolve()
    if root not in path.parents:
        raise ValueError(f"stored path escapes the upload folder: {rel_path}")
    return path


def _prune(folder: Path, root: Path) -> None:
    """Remove empty folders left by a removed file, up to the upload root."""
    root = root.resolve()
    folder = folder.resolve()
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _remove(upload_folder: str, paths: Iterable[str]) -> None:
    for rel in paths:
        try:
            path = resolve(upload_folder, rel)
        except ValueError:
            continue
        path.unlink(missing_ok=True)
        _prune(path.parent, Path(upload_folder))


def on_outcome(
    session: Session,
    *,
    committed: Callable[[], None] | None = None,
    rolled_back: Callable[[], None] | None = None,
) -> None:
    """Run one of two callbacks when the session's present transaction ends, whichever way.

    Only the first outcome counts: a callback armed for a transaction that committed never runs on
    a later rollback of the same long-lived session (nor the other way round). Savepoint rollbacks
    are not the end of the transaction.
    """
    done = False

    def _committed(_session: Session) -> None:
        nonlocal done
        if not done:
            done = True
            if committed is not None:
                committed()

    def _rolled_back(_session: Session, previous: Any) -> None:
        nonlocal done
        if not done and not getattr(previous, "nested", False):
            done = True
            if rolled_back is not None:
                rolled_back()

    event.listen(session, "after_commit", _committed, once=True)
    event.listen(session, "after_soft_rollback", _rolled_back)


def remove_after_commit(session: Session, upload_folder: str, paths: Iterable[str]) -> None:
    """Delete files only once the transaction that dropped their records has committed."""
    paths = [p for p in paths if p]
    if paths:
        on_outcome(session, committed=lambda: _remove(upload_folder, paths))


def remove_on_rollback(session: Session, upload_folder: str, paths: Iterable[str]) -> None:
    """Delete files stored for a change that did not commit, so no orphan is left behind."""
    paths = [p for p in paths if p]
    if paths:
        on_outcome(session, rolled_back=lambda: _remove(upload_folder, paths))


def iter_csv_columns(path: Path, columns: Iterable[str], encoding: str = "utf-8-sig") -> Iterator[bytes]:
    """Stream a CSV keeping only some columns (the ones the reader may receive)."""
    keep = set(columns)
    with open(path, newline="", encoding=encoding, errors="replace") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        idx = [i for i, name in enumerate(header) if name.strip() in keep]
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow([header[i] for i in idx])
        for n, row in enumerate(reader, 1):
            writer.writerow([row[i] if i < len(row) else "" for i in idx])
            if n % 500 == 0:
                yield buf.getvalue().encode("utf-8")
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue().encode("utf-8")


def preview_csv(path: Path, limit: int = 10, columns: Iterable[str] | None = None) -> tuple[list[str], list[list[str]]]:
    """The header and first rows of a stored CSV, for the dataset page."""
    keep = set(columns) if columns is not None else None
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        idx = [i for i, name in enumerate(header) if keep is None or name.strip() in keep]
        rows = []
        for row in reader:
            rows.append([row[i] if i < len(row) else "" for i in idx])
            if len(rows) >= limit:
                break
    return [header[i] for i in idx], rows
