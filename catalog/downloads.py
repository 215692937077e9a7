"""Downloads for pages and the API alike: the file, trimmed to the columns the reader may receive.

Serving stored files safely: a type checked against the content, always as an attachment, and a
file name with no path in it, encoded for any browser (RFC 6266 with RFC 5987 for Vietnamese).

A file's declared type comes from the uploader; a browser that believed "text/html" or
"image/svg+xml" would run the file's scripts on this site. So only passive types are kept, and
only when the content agrees; markup and anything unknown is sent as application/octet-stream.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from flask import current_app, redirect, send_file
from werkzeug import Response

from . import storage
from .auth import current_actor, current_reader
from .db import db_session
from .services import distributions, download_counts, files
from .services.common import NotFound, visible_distribution

#: Types a browser never executes, kept when the content does not look like markup.
PASSIVE_TEXT = frozenset({"text/csv", "text/tab-separated-values", "text/plain", "application/json",
                          "application/geo+json", "application/ld+json", "text/turtle"})
#: Binary types recognised by their first bytes.
MAGIC: list[tuple[bytes, frozenset[str], str]] = [
    (b"%PDF-", frozenset({"application/pdf"}), "application/pdf"),
    (b"PK\x03\x04", frozenset({
        "application/zip", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.spreadsheet", "application/vnd.google-earth.kmz"}), "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", frozenset({"application/vnd.ms-excel", "application/msword"}),
     "application/octet-stream"),
    (b"PAR1", frozenset({"application/vnd.apache.parquet"}), "application/vnd.apache.parquet"),
]
BINARY = "application/octet-stream"
_SNIFF_BYTES = 1024
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]')


def served_type(path: Path | bytes, declared: str | None) -> str:
    """The Content-Type to send: the declared one if passive and the content agrees, else binary.
    `path` is the file or its first bytes."""
    declared = (declared or "").split(";")[0].strip().lower()
    if isinstance(path, bytes):
        head = path[:_SNIFF_BYTES]
    else:
        with open(path, "rb") as f:
            head = f.read(_SNIFF_BYTES)
    for magic, kinds, fallback in MAGIC:
        if head.startswith(magic):
            return declared if declared in kinds else fallback
    if declared in PASSIVE_TEXT and not _looks_like_markup(head) and b"\x00" not in head:
        return f"{declared}; charset=utf-8" if declared.startswith("text/") else declared
    return BINARY


def _looks_like_markup(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(b"<") or any(tag in head.lower() for tag in (b"<script", b"<html", b"<svg", b"<!doctype"))


def safe_file_name(name: str | None, fallback: str = "download") -> str:
    """The last part of a name (no folders, whichever slash), without control or reserved characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = _UNSAFE_NAME.sub("_", unicodedata.normalize("NFC", base)).strip(" .")
    return base[:200] or fallback


def _ascii_name(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", plain).strip("_")
    return plain or "download"


def content_disposition(name: str | None) -> str:
    """`attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266 / RFC 5987)."""
    safe = safe_file_name(name)
    return f"attachment; filename=\"{_ascii_name(safe)}\"; filename*=UTF-8''{quote(safe, safe='')}"


def file_response(path: Path, name: str | None, declared_type: str | None, etag: str | bool = True) -> Response:
    """A stored file as a download (conditional requests and ranges work as usual)."""
    response = send_file(path, mimetype=served_type(path, declared_type), conditional=True, etag=etag)
    response.headers["Content-Disposition"] = content_disposition(name)
    return response


def stored_file_response(upload_folder: str, key: str, name: str | None, declared_type: str | None,
                         etag: str | None = None) -> Response:
    """A file of the upload store as a download: sent by the web server's file machinery (ranges,
    conditional requests) from a local folder, streamed chunk by chunk from a remote store."""
    store = storage.for_folder(upload_folder)
    if isinstance(store, storage.LocalStorage):
        try:
            path = store.path(key)
        except ValueError as exc:
            raise NotFound(key) from exc
        if not path.is_file():
            raise NotFound(key)
        return file_response(path, name, declared_type, etag=etag or True)
    try:
        size = store.size(key)
        body = store.open(key)
    except (OSError, ValueError) as exc:
        raise NotFound(key) from exc
    head = body.read(_SNIFF_BYTES)

    def chunks() -> Iterator[bytes]:
        try:
            yield head
            while chunk := body.read(storage.CHUNK):
                yield chunk
        finally:
            body.close()

    response = Response(chunks(), mimetype=served_type(head, declared_type), direct_passthrough=True)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = content_disposition(name)
    if etag:
        response.set_etag(etag)
    return response


def download_response(dist_id: str, *, excel: bool = False) -> Response:
    """The file, trimmed to the columns the reader may receive, or a redirect to an external copy;
    `excel`: a stored CSV as UTF-8 with a byte-order mark, for Excel on Windows."""
    s = db_session()
    dist = visible_distribution(s, current_reader(), dist_id)
    if excel and ((dist.format or "").upper() != "CSV" or not dist.file_path):
        raise NotFound(dist_id)  # only a stored CSV has an Excel variant
    folder = current_app.config["CATALOG"]["UPLOAD_FOLDER"]
    plan = distributions.plan_download(s, current_actor(), dist, folder)
    if plan.redirect_to or (plan.path is not None and storage.for_folder(folder).exists(plan.path.as_posix())):
        download_counts.record_download(s, dist)  # one upsert, in the same commit as the download's audit
    s.commit()
    if plan.redirect_to:
        return redirect(plan.redirect_to)
    assert plan.path is not None
    key = plan.path.as_posix()
    name = dist.file_name or plan.path.name
    if plan.columns is None and not excel:
        return stored_file_response(folder, key, name, dist.media_type, etag=dist.checksum_sha256)
    try:
        stream = files.open_stored(folder, key)
    except OSError as exc:
        raise NotFound(dist_id) from exc
    response = Response(files.iter_csv_columns(stream, plan.columns, bom=excel),
                        mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = content_disposition(files.excel_name(name) if excel else name)
    if plan.columns is not None:
        response.headers["X-Columns-Trimmed"] = "true"
    return response


def version_download_response(dist_id: str, number: int) -> Response:
    """An earlier file of a distribution at its stable address, trimmed like the current one."""
    from sqlalchemy import select

    from .models import DistributionVersion

    s = db_session()
    dist = visible_distribution(s, current_reader(), dist_id)
    version = s.scalar(select(DistributionVersion).where(DistributionVersion.distribution_id == dist.id,
                                                         DistributionVersion.number == number))
    if version is None:
        raise NotFound(f"{dist_id}/{number}")
    folder = current_app.config["CATALOG"]["UPLOAD_FOLDER"]
    plan = distributions.plan_download(s, current_actor(), dist, folder, version=version)
    s.commit()
    assert plan.path is not None
    key = plan.path.as_posix()
    if not storage.for_folder(folder).exists(key):
        raise NotFound(dist_id)
    name = version.file_name or plan.path.name
    if plan.columns is None:
        response = stored_file_response(folder, key, name, version.media_type, etag=version.checksum_sha256)
    else:
        response = Response(files.iter_csv_columns(files.open_stored(folder, key), plan.columns),
                            mimetype="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = content_disposition(name)
        response.headers["X-Columns-Trimmed"] = "true"
    if version.checksum_sha256:
        response.headers["Digest"] = f"sha-256={version.checksum_sha256}"
    return response
