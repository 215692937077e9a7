"""Backups of a whole instance: the registry, the stored files, and a manifest with checksums.

A backup is one tar file (gzip-compressed when its name ends in .gz or .tgz):

    registry/<table>.jsonl   every row of every table, one JSON object a line, dependency order
    files/<key>              every file of the upload store (kept form uploads excepted)
    manifest.json            format, schema revision, rows and SHA-256 per table, size and SHA-256
                             per file, the audit log's head; written last, read first

The registry is read in one transaction, so the tables agree with each other. Restoring checks
every checksum before anything is written, refuses an instance that holds data unless forced,
writes the rows in one transaction, puts the files back, rebuilds the search index and checks
the audit chain. Not in a backup, on purpose: the secret key (keep it apart: without it the
harvest sources' saved passwords cannot be read) and the search index (derived, rebuilt).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from flask import Flask
from sqlalchemy import inspect, text

from .. import migrate, storage
from ..db import registry_db
from ..models import utcnow
from . import audit, audit_checkpoint, transfer
from .files import PENDING_FOLDER

FORMAT = "catalog-backup/1"
MANIFEST = "manifest.json"
_CHUNK = 1 << 16

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup that cannot be made or restored, with the reason in plain words."""


@dataclass
class RestoreReport:
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    audit_events: int = 0
    indexed: int = 0


class _Hashing:
    """A read-only stream that hashes what passes through it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.stream.read(n)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def _revision(app: Flask) -> str | None:
    with registry_db(app).engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        heads = sorted(conn.scalars(text("SELECT version_num FROM alembic_version")))
    return ",".join(heads) or None


def _store(app: Flask) -> storage.Storage:
    return storage.for_folder(app.config["CATALOG"]["UPLOAD_FOLDER"])


def _kept_files(store: storage.Storage) -> Iterator[storage.StoredObject]:
    for item in store.list():
        if not item.key.startswith(PENDING_FOLDER + "/"):
            yield item


def make_backup(app: Flask, dest: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Write the backup to `dest` (a .part file renamed when complete); returns its manifest."""
    dest = Path(dest)
    if dest.exists():
        raise BackupError(f"{dest} already exists: choose a new name")
    mode = "w:gz" if dest.name.endswith((".gz", ".tgz")) else "w"
    part = dest.with_name(dest.name + ".part")
    manifest: dict[str, Any] = {"format": FORMAT, "created_at": utcnow().isoformat(),
                                "revision": _revision(app), "tables": {}, "files": []}
    try:
        with tarfile.open(part, mode) as tar:
            with registry_db(app).engine.connect() as conn, conn.begin():
                for table in transfer.tables():
                    manifest["tables"][table.name] = _add_table(tar, conn, table)
                    if progress:
                        progress(f"{table.name}: {manifest['tables'][table.name]['rows']} rows")
                report = _audit_head(conn)
            manifest["audit"] = report
            store = _store(app)
            for item in _kept_files(store):
                manifest["files"].append(_add_file(tar, store, item))
            if progress:
                progress(f"files: {len(manifest['files'])}")
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(body), int(utcnow().timestamp())
            tar.addfile(info, io.BytesIO(body))
        os.replace(part, dest)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return manifest


def _audit_head(conn: Any) -> dict[str, Any]:
    from sqlalchemy.orm import Session

    with Session(bind=conn) as session:
        chain = audit.verify_chain(session)
    return {"events": chain.checked, "intact": chain.ok, "head_id": chain.last_id, "head_hash": chain.last_hash}


def _add_table(tar: tarfile.TarFile, conn: Any, table: Any) -> dict[str, Any]:
    digest = hashlib.sha256()
    rows = 0
    with tempfile.TemporaryFile() as tmp:
        for row in transfer.read_rows(conn, table):
            line = (json.dumps({k: transfer.encode(v) for k, v in row.items()}, ensure_ascii=False,
                               separators=(",", ":")) + "\n").encode()
            digest.update(line)
            tmp.write(line)
            rows += 1
        info = tarfile.TarInfo(f"registry/{table.name}.jsonl")
        info.size, info.mtime = tmp.tell(), int(utcnow().timestamp())
        tmp.seek(0)
        tar.addfile(info, tmp)
    return {"rows": rows, "sha256": digest.hexdigest()}


def _add_file(tar: tarfile.TarFile, store: storage.Storage, item: storage.StoredObject) -> dict[str, Any]:
    info = tarfile.TarInfo(f"files/{item.key}")
    info.size, info.mtime = item.size, int(item.modified.timestamp())
    with store.open(item.key) as body:
        hashing = _Hashing(body)
        tar.addfile(info, hashing)  # type: ignore[arg-type]
    if hashing.size != item.size:
        raise BackupError(f"the file {item.key} changed while it was copied: run the backup again")
    return {"key": item.key, "size": item.size, "sha256": hashing.digest.hexdigest()}


# --- restore --------------------------------------------------------------------------------------


def read_manifest(src: Path) -> dict[str, Any]:
    try:
        with tarfile.open(src, "r:*") as tar:
            member = tar.extractfile(MANIFEST)
            manifest = json.loads(member.read()) if member else None
    except (tarfile.TarError, KeyError, OSError, ValueError) as exc:
        raise BackupError(f"{src} is not a catalogue backup: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{src} is not a catalogue backup of format {FORMAT}")
    return manifest


def verify(src: Path, manifest: dict[str, Any]) -> None:
    """Every table and file named by the manifest is in the archive with its checksum."""
    expected = {f"registry/{name}.jsonl": t["sha256"] for name, t in manifest["tables"].items()}
    expected |= {f"files/{f['key']}": f["sha256"] for f in manifest["files"]}
    seen: set[str] = set()
    with tarfile.open(src, "r:*") as tar:
        for member in tar:
            if member.name not in expected:
                continue
            stream = tar.extractfile(member)
            digest = hashlib.sha256()
            while stream is not None and (chunk := stream.read(_CHUNK)):
                digest.update(chunk)
            if digest.hexdigest() != expected[member.name]:
                raise BackupError(f"{member.name} does not match its checksum: the backup is damaged")
            seen.add(member.name)
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"the backup lacks {len(missing)} part(s), first {missing[0]}")


def holds_data(app: Flask) -> bool:
    if _revision(app) is not None and not transfer.is_empty(registry_db(app).engine):
        return True
    return next(_kept_files(_store(app)), None) is not None


def restore(app: Flask, src: Path, *, force: bool = False, progress: Progress | None = None) -> RestoreReport:
    """Put a backup into this instance (see the module's docstring for the checks)."""
    manifest = read_manifest(src)
    verify(src, manifest)
    if progress:
        progress("checksums verified")
    current = _revision(app)
    wanted = manifest.get("revision")
    if holds_data(app) and not force:
        raise BackupError("this instance already holds data: restore into an empty instance, or pass --force "
                          "to replace everything in it")
    if current is None:
        migrate.upgrade(app, wanted or "heads")  # the schema the backup was made with
    elif wanted and current != wanted:
        raise BackupError(f"the backup's schema is at {wanted} and this registry at {current}: restore into an "
                          f"empty instance (it is migrated to the backup's schema first, then upgraded)")
    store = _store(app)
    report = RestoreReport()
    engine = registry_db(app).engine
    with engine.begin() as conn, tarfile.open(src, "r:*") as tar:
        if force:
            transfer.clear(conn)
        by_name = {t.name: t for t in transfer.tables()}
        for name in [t.name for t in transfer.tables() if t.name in manifest["tables"]]:
            stream = tar.extractfile(f"registry/{name}.jsonl")
            rows = (
                {k: transfer.decode(v) for k, v in json.loads(line).items()}
                for line in io.TextIOWrapper(stream, encoding="utf-8")  # type: ignore[arg-type]
            )
            report.rows[name] = transfer.write_rows(conn, by_name[name], rows)
            if report.rows[name] != manifest["tables"][name]["rows"]:
                raise BackupError(f"{name}: {report.rows[name]} rows read, the manifest says "
                                  f"{manifest['tables'][name]['rows']}")
            if progress:
                progress(f"{name}: {report.rows[name]} rows")
        transfer.reset_sequences(conn)
    if force:
        for item in list(_kept_files(store)):
            store.delete(item.key)
    with tarfile.open(src, "r:*") as tar:
        for item in manifest["files"]:
            stream = tar.extractfile(f"files/{item['key']}")
            assert stream is not None
            store.put(item["key"], stream)
            report.files += 1
    if progress:
        progress(f"files: {report.files}")
    if wanted and current is None:
        migrate.upgrade(app)  # then the newest schema, as after any upgrade
    report.audit_events, report.indexed = after_load(app)
    return report


def after_load(app: Flask) -> tuple[int, int]:
    """Rebuild the search index and re-anchor the audit chain once rows were loaded in bulk;
    returns (audit events verified, records indexed). Raises when the chain does not verify."""
    from ..search.indexer import reindex

    with registry_db(app).session_factory() as session:
        chain = audit.verify_chain(session)
    if not chain.ok:
        raise BackupError(f"the audit chain does not verify after loading (event {chain.broken_at}: {chain.reason})")
    if chain.last_id is not None and chain.last_hash is not None:
        audit_checkpoint.replace(app, audit_checkpoint.make(app, chain.last_id, chain.last_hash))
    indexed = reindex(app)
    return chain.checked, indexed


def registry_counts(app: Flask) -> dict[str, int]:
    with registry_db(app).engine.connect() as conn:
        return transfer.counts(conn)


__all__ = ["BackupError", "RestoreReport", "after_load", "holds_data", "make_backup", "read_manifest",
           "registry_counts", "restore", "verify"]
