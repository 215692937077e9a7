"""Files the catalogue keeps: streamed to disk with a size limit and a SHA-256, never trusted by name."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import logging
import re
import time
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

from catalog import crashpoints, storage
from catalog.vocab import FILE_EXTENSIONS

log = logging.getLogger(__name__)

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


class _Metered:
    """A read-only stream that hashes and counts what is read, and refuses bytes past a limit."""

    def __init__(self, stream: IO[bytes], max_bytes: int) -> None:
        self.stream = stream
        self.max_bytes = max_bytes
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.stream.read(CHUNK if n is None or n < 0 else n)
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise ValidationError({"file": [gettext(
                "The file is larger than the limit of %(mb)s MB.", mb=self.max_bytes // (1024 * 1024)
            )]})
        self.digest.update(chunk)
        crashpoints.reached("upload.chunk")
        return chunk


def store_upload(upload: Upload, upload_folder: str, max_bytes: int) -> StoredFile:
    """Stream the upload into the store, hashing as it goes; refuse it (and keep nothing) past max_bytes."""
    original = upload.filename or ""
    name = secure_filename(original) or "file"
    if not original.strip():
        raise ValidationError({"file": [gettext("Choose a file to upload.")]})
    rel = f"{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}/{name}"
    store = storage.for_folder(upload_folder)
    metered = _Metered(upload.stream, max_bytes)
    try:
        store.put(rel, metered)  # type: ignore[arg-type]
    except ValidationError:
        store.delete(rel)
        raise
    except Exception as exc:
        store.delete(rel)
        # an upload library may wrap the limit's error raised while it read the stream
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, ValidationError):
            raise cause from None
        raise
    crashpoints.reached("upload.stored")
    if metered.size == 0:
        store.delete(rel)
        raise ValidationError({"file": [gettext("The file is empty.")]})
    fmt, media = guess_format(name, upload.mimetype)
    return StoredFile(rel, original[:300], metered.size, metered.digest.hexdigest(), fmt, media)


#: Uploads kept after a form failed for another reason, so the user need not choose the file again.
PENDING_FOLDER = ".pending"
PENDING_SECONDS = 3600
_PENDING_TOKEN = re.compile(r"[0-9a-f]{2}/[0-9a-f]{32}/[^/\\]+\Z")


@dataclass
class PendingUpload:
    """A kept upload, shaped like werkzeug's FileStorage for the services."""

    filename: str
    mimetype: str
    stream: IO[bytes]
    token: str
    byte_size: int


def _pending_root(upload_folder: str, owner: str) -> Path:
    return Path(upload_folder) / PENDING_FOLDER / secure_filename(owner)


def keep_pending(upload: Upload, upload_folder: str, owner: str, max_bytes: int) -> PendingUpload:
    """Keep an upload of `owner` for `PENDING_SECONDS`; returns it with the token that finds it again.
    Older kept uploads of everyone are removed on the way."""
    prune_pending(upload_folder)
    root = _pending_root(upload_folder, owner)
    stored = store_upload(upload, str(root), max_bytes)
    return PendingUpload(stored.file_name, upload.mimetype, io.BytesIO(b""), stored.path, stored.byte_size)


def take_pending(upload_folder: str, owner: str, token: str, mimetype: str = "application/octet-stream"
                 ) -> PendingUpload | None:
    """The kept upload a form names (None when expired, not the owner's, or not a token at all).
    The caller closes its stream and drops it with `drop_pending` once it is stored for good."""
    if not _PENDING_TOKEN.match(token or ""):
        return None
    store = storage.for_folder(_pending_root(upload_folder, owner))
    try:
        size = store.size(token)
        stream = store.open(token)
    except (OSError, ValueError):
        return None
    return PendingUpload(token.rsplit("/", 1)[-1], mimetype, stream, token, size)


def drop_pending(upload_folder: str, owner: str, token: str) -> None:
    if _PENDING_TOKEN.match(token or ""):
        storage.for_folder(_pending_root(upload_folder, owner)).delete(token)


def prune_pending(upload_folder: str, max_age: float = PENDING_SECONDS) -> int:
    """Remove kept uploads older than `max_age` seconds; returns how many went."""
    store = storage.for_folder(upload_folder)
    limit = time.time() - max_age
    removed = 0
    with contextlib.suppress(OSError):
        for item in list(store.list(PENDING_FOLDER + "/")):
            if item.modified.timestamp() < limit:
                store.delete(item.key)
                removed += 1
    return removed


def resolve(upload_folder: str, rel_path: str) -> Path:
    """The absolute path of a file in a local upload folder; refuses anything that escapes it."""
    root = Path(upload_folder).resolve()
    path = (root / rel_path).resolve()
    if root not in path.parents:
        raise ValueError(f"stored path escapes the upload folder: {rel_path}")
    return path


def open_stored(upload_folder: str, rel_path: str) -> IO[bytes]:
    """A binary stream of a stored file, wherever the store keeps it (FileNotFoundError if absent)."""
    try:
        return storage.for_folder(upload_folder).open(rel_path)
    except ValueError as exc:
        raise FileNotFoundError(rel_path) from exc


def stored_exists(upload_folder: str, rel_path: str) -> bool:
    return bool(rel_path) and storage.for_folder(upload_folder).exists(rel_path)


def local_copy(upload_folder: str, rel_path: str, scratch: Path) -> Path:
    """A path to read the stored file from: the file itself in a local folder, or a copy fetched
    into `scratch` (a folder the caller removes) from a remote store."""
    store = storage.for_folder(upload_folder)
    if isinstance(store, storage.LocalStorage):
        return store.path(rel_path)
    scratch.mkdir(parents=True, exist_ok=True)
    return store.download_to(rel_path, scratch / f"{uuid.uuid4().hex[:8]}-{Path(rel_path).name}")


def _remove(upload_folder: str, paths: Iterable[str]) -> None:
    store = storage.for_folder(upload_folder)
    for rel in paths:
        try:
            store.delete(rel)
        except OSError:
            log.warning("could not remove stored file %s", rel, exc_info=True)


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


def _text(source: Path | IO[bytes], encoding: str) -> IO[str]:
    if isinstance(source, Path):
        return open(source, newline="", encoding=encoding, errors="replace")
    return io.TextIOWrapper(source, newline="", encoding=encoding, errors="replace")  # type: ignore[arg-type]


def iter_csv_columns(path: Path | IO[bytes], columns: Iterable[str] | None, encoding: str = "utf-8-sig", *,
                     bom: bool = False) -> Iterator[bytes]:
    """Stream a CSV keeping only some columns (the ones the reader may receive; None: all of them).

    With `bom`, the UTF-8 text starts with a byte-order mark: Excel on Windows then reads it as
    UTF-8 instead of the local code page, which garbles Vietnamese."""
    keep = set(columns) if columns is not None else None
    with _text(path, encoding) as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            if bom:
                yield EXCEL_BOM
            return
        idx = [i for i, name in enumerate(header) if keep is None or name.strip() in keep]
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow([header[i] for i in idx])
        first = True
        for n, row in enumerate(reader, 1):
            writer.writerow([row[i] if i < len(row) else "" for i in idx])
            if n % 500 == 0:
                yield (EXCEL_BOM if bom and first else b"") + buf.getvalue().encode("utf-8")
                first = False
                buf.seek(0)
                buf.truncate()
        yield (EXCEL_BOM if bom and first else b"") + buf.getvalue().encode("utf-8")


#: The UTF-8 byte-order mark Excel on Windows needs to read a CSV as UTF-8.
EXCEL_BOM = "\ufeff".encode()


def excel_name(file_name: str) -> str:
    """The name of the Excel variant of a CSV: "dan-so.csv" -> "dan-so (Excel).csv"."""
    stem = file_name[:-4] if file_name.lower().endswith(".csv") else file_name
    return f"{stem} (Excel).csv"


def preview_csv(path: Path | IO[bytes], limit: int = 10,
                columns: Iterable[str] | None = None) -> tuple[list[str], list[list[str]]]:
    """The header and first rows of a stored CSV, for the dataset page."""
    keep = set(columns) if columns is not None else None
    with _text(path, "utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        idx = [i for i, name in enumerate(header) if keep is None or name.strip() in keep]
        rows = []
        for row in reader:
            rows.append([row[i] if i < len(row) else "" for i in idx])
            if len(rows) >= limit:
                break
    return [header[i] for i in idx], rows
