"""After a crash: do the stored files and the registry still agree? (`flask --app catalog files check`)

A process killed with SIGKILL can leave, at worst:

- a `.part` file (an upload or conversion interrupted while it was written: never served, since
  files and conversion folders only appear complete, renamed into place);
- a stored file that no row names (written, then killed before the row committed; or a replaced
  file whose deletion after the commit never ran);
- a conversion folder, or a `.build-*` folder, that no ready public copy names (conversions
  written, then killed before the publication committed: never served, since conversions are
  served only for a ready public copy of the same file version);
- a rows table that no public copy names (only where DDL is not transactional).

`check` lists these and, with `fix`, removes them, leaving anything younger than `grace` alone
(it may belong to a write in progress). A row naming a missing file, or a file whose SHA-256 no
longer matches its row, cannot be fixed here: it is reported (and the command exits non-zero).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from .. import storage
from ..models import Distribution, DistributionVersion, PublicFile, SharingRequest
from ..models.tabular import is_rows_table
from .files import PENDING_FOLDER
from .tabular import store as rows_store

#: The shape of a key `files.store_upload` makes ("ab/0123…/name"): only these can be orphans.
_STORED_KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{32}/[^/]+\Z")
#: Files and folders left half-written by an interrupted write.
_PART = re.compile(r"^\..+\.[0-9a-f]{8}\.part\Z")
#: Leave anything younger than this alone by default: it may be a write in progress.
GRACE_SECONDS = 3600


@dataclass
class FileReport:
    """What a check found; `fixed` lists what `fix` removed."""

    missing: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)
    stale_conversions: list[str] = field(default_factory=list)
    stale_tables: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        """Rows that name a missing or changed file: what no command can repair."""
        return bool(self.missing or self.mismatched)

    @property
    def leftovers(self) -> list[str]:
        return [*self.orphans, *self.partial, *self.stale_conversions, *self.stale_tables]


def _named_files(session: Session) -> dict[str, str | None]:
    """Every stored key a row names, with the checksum the row records (None when it records none)."""
    named: dict[str, str | None] = {}
    for path, checksum in session.execute(select(Distribution.file_path, Distribution.checksum_sha256)
                                          .where(Distribution.file_path.is_not(None))):
        named[path] = checksum
    for path, checksum in session.execute(select(DistributionVersion.file_path,
                                                 DistributionVersion.checksum_sha256)):
        named[path] = checksum
    for (path,) in session.execute(select(SharingRequest.attachment_path)
                                   .where(SharingRequest.attachment_path.is_not(None))):
        named.setdefault(path, None)
    return named


def _sha256(store: Any, key: str) -> str:
    digest = hashlib.sha256()
    with store.open(key) as stream:
        while chunk := stream.read(storage.CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _old(path: Path, limit: float) -> bool:
    try:
        return path.stat().st_mtime < limit
    except FileNotFoundError:
        return False


def check(session: Session, cfg: dict[str, Any], *, fix: bool = False, checksums: bool = False,
          grace: float = GRACE_SECONDS) -> FileReport:
    """Compare the stored files, conversions and rows tables with the registry (see the module doc)."""
    report = FileReport()
    limit = time.time() - grace
    store = storage.for_folder(cfg["UPLOAD_FOLDER"])
    named = _named_files(session)
    for key, checksum in sorted(named.items()):
        if not store.exists(key):
            report.missing.append(key)
        elif checksums and checksum and _sha256(store, key) != checksum:
            report.mismatched.append(key)
    for item in store.list():
        if item.key.startswith(PENDING_FOLDER + "/") or not _STORED_KEY.match(item.key) or item.key in named:
            continue
        if item.modified.timestamp() < limit:
            report.orphans.append(item.key)
            if fix:
                store.delete(item.key)
                report.fixed.append(item.key)
    if isinstance(store, storage.LocalStorage):
        _local_parts(store.root, limit, fix, report)
    _conversions(session, Path(cfg["PUBLIC_FILES_FOLDER"]), limit, fix, report)
    _tables(session, fix, report)
    return report


def _local_parts(root: Path, limit: float, fix: bool, report: FileReport) -> None:
    if not root.is_dir():
        return
    for path in sorted(root.rglob(".*.part")):
        if path.is_file() and _PART.match(path.name) and _old(path, limit):
            key = path.relative_to(root).as_posix()
            report.partial.append(key)
            if fix:
                storage.LocalStorage(root).delete(key)  # removes the emptied folders too
                report.fixed.append(key)


def _conversions(session: Session, folder: Path, limit: float, fix: bool, report: FileReport) -> None:
    """Conversion folders are <distribution id>/<checksum[:24]>-<columns>; keep those of a ready copy."""
    if not folder.is_dir():
        return
    ready: dict[str, str] = {row[0]: row[1] for row in session.execute(
        select(PublicFile.distribution_id, PublicFile.checksum).where(PublicFile.status == "ready"))}
    for dist_folder in sorted(p for p in folder.iterdir() if p.is_dir()):
        for version in sorted(p for p in dist_folder.iterdir() if p.is_dir()):
            checksum = ready.get(dist_folder.name)
            current = checksum is not None and version.name.startswith(checksum[:24] + "-")
            if current and not version.name.startswith(".build-"):
                continue
            if not _old(version, limit):
                continue
            key = version.relative_to(folder).as_posix()
            report.stale_conversions.append(key)
            if fix:
                shutil.rmtree(version, ignore_errors=True)
                report.fixed.append(key)
        if fix and dist_folder.is_dir() and not any(dist_folder.iterdir()):
            dist_folder.rmdir()


def _tables(session: Session, fix: bool, report: FileReport) -> None:
    named = set(session.scalars(select(PublicFile.table_name).where(PublicFile.table_name.is_not(None))))
    for name in sorted(inspect(session.connection()).get_table_names()):
        if is_rows_table(name) and name not in named:
            report.stale_tables.append(name)
            if fix:
                rows_store.drop(session, name)
                report.fixed.append(name)
