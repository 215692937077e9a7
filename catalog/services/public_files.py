"""Public copies of open tabular files: preview, statistics, conversions and the rows table.

`prepare(session, distribution)` runs when a stored tabular file of an open, published dataset
becomes public (the dataset is published or opened, or a file is uploaded to it; the publishing
procedure calls it on approval; `flask --app catalog public-files build` runs it for all). It
reads the file streaming: once to type and count every column, then once for the CSV, JSON, XLSX
and data-package conversions together and once for the queryable table (for a large file those
two run side by side, the conversions in a second process). Only the columns the public may
receive (`policy.readable_columns` of an anonymous reader) go into the preview, the statistics and
the table; conversions for a reader who may receive more are made on first request, once per
file version. A file that cannot be read is recorded as failed with the reason, never an error
for the one who published it. Large files are prepared in the background after the commit.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import crashpoints, policy, rules, storage
from ..models import Dataset, Distribution, PublicFile, TypeOverride, utcnow
from ..tasks import enqueue, periodic, task
from . import files
from .tabular import convert, source, store, types

log = logging.getLogger(__name__)
#: Rows of the preview kept for pages and the API.
PREVIEW_ROWS = 10
#: The status of a copy owed but not made yet (a large file, prepared in the background).
PENDING = "pending"
#: A pending copy untouched this long is taken to be lost (its process died) and made again.
RESUME_AFTER = timedelta(minutes=30)


def _app(session: Session) -> Flask:
    app = session.info.get("app")
    return app if app is not None else current_app._get_current_object()


def _cfg(session: Session) -> dict[str, Any]:
    return _app(session).config["CATALOG"]


def is_public(ds: Dataset) -> bool:
    """Anyone may see and download the dataset (open and published, as the policy says)."""
    return policy.can_view_dataset(policy.ANONYMOUS, ds) and policy.can_download(policy.ANONYMOUS, ds) \
        and ds.access_level == rules.ACCESS_OPEN


def eligible(dist: Distribution) -> bool:
    return bool(dist.file_path and dist.checksum_sha256 and source.is_tabular(dist.format))


def public_columns(dist: Distribution) -> frozenset[str] | None:
    return policy.readable_columns(policy.ANONYMOUS, dist)


def prepare(session: Session, distribution: Distribution, *, inline: bool | None = None,
            force: bool = False) -> PublicFile | None:
    """Make (or keep) the public copy of one file; drops it when the file is no longer public.
    `inline` None: now for files up to CATALOG_PUBLIC_FILES_INLINE_MB, else after the commit."""
    dist = distribution
    if dist.dataset is None or not is_public(dist.dataset) or not eligible(dist):
        retract(session, dist)
        return None
    record = session.get(PublicFile, dist.id)
    columns = public_columns(dist)
    if record is not None and not force and record.status != PENDING and record.checksum == dist.checksum_sha256 \
            and _public_names(record) == _expected(record, columns):
        return record
    if inline is None:
        inline = (dist.byte_size or 0) <= _cfg(session)["PUBLIC_FILES_INLINE_MB"] * 1024 * 1024
    if not inline:
        # recorded in the same transaction, so that a process killed before the background run
        # leaves a trace that `resume_pending` (or `public-files build`) finishes
        record = _mark_pending(session, dist, record)
        app = _app(session)
        files.on_outcome(session, committed=lambda: enqueue(app, "public_files.prepare", dist.id))
        return record
    return _build(session, dist, record, columns)


def _mark_pending(session: Session, dist: Distribution, record: PublicFile | None) -> PublicFile:
    """The copy is owed: pending for the file's present version (an older copy's table name is kept,
    so that the build that follows drops it)."""
    if record is None:
        record = PublicFile(distribution_id=dist.id, fields=[], preview=[], stats=[])
        session.add(record)
    record.status, record.message = PENDING, None
    record.checksum = dist.checksum_sha256 or ""
    record.built_at = utcnow()
    return record


def _public_names(record: PublicFile) -> list[str]:
    return [f["name"] for f in record.fields if f.get("public")]


def _expected(record: PublicFile, columns: frozenset[str] | None) -> list[str]:
    return [f["name"] for f in record.fields if columns is None or f["name"] in columns]


def _declared_fields(session: Session, dist: Distribution) -> list[dict[str, Any]] | None:
    """The schema the file is read with: the declared one, else what the latest quality check inferred."""
    if dist.schema_fields():
        return dist.schema_fields()
    from ..quality import service as quality_service

    report = quality_service.latest_report(session, dist.dataset_id)
    for summary in (report.files if report is not None else []):
        if summary.get("distribution_id") == dist.id and summary.get("inferred_schema"):
            return list(summary["inferred_schema"].get("fields") or [])
    return None


def overrides_for(session: Session, dist_id: str) -> dict[str, str]:
    query = select(TypeOverride).where(TypeOverride.distribution_id == dist_id)
    return {o.field: o.type for o in session.scalars(query)}


def _build(session: Session, dist: Distribution, record: PublicFile | None,
           columns: frozenset[str] | None) -> PublicFile:
    if record is None:
        record = PublicFile(distribution_id=dist.id)
        session.add(record)
    old_table = record.table_name
    record.checksum = dist.checksum_sha256 or ""
    record.built_at = utcnow()
    cfg = _cfg(session)
    try:
        with _local_copy(cfg["UPLOAD_FOLDER"], dist.file_path or "") as path:
            name, final, idx, sample, stats, count, served = _convert(session, dist, record, columns, cfg, path,
                                                                      old_table)
    except Exception as exc:  # any unreadable file: recorded as failed, never the publisher's error page
        log.warning("public copy of %s failed: %s", dist.id, exc)
        record.status, record.message = "failed", str(exc)[:1000]
        return record
    record.status, record.message = "ready", None
    record.table_name = name if served else None
    record.fields = final
    record.row_count = count
    record.preview = [{final[i]["name"]: row[i] for i in idx} for row in sample[:PREVIEW_ROWS]]
    record.stats = [stats[i].summary() for i in idx]
    return record


@contextmanager
def _local_copy(folder: str, key: str) -> Iterator[Path]:
    """The stored file as a local path: itself in a local folder, a temporary copy from S3."""
    store = storage.for_folder(folder)
    if isinstance(store, storage.LocalStorage):
        yield store.path(key)
        return
    with tempfile.TemporaryDirectory(prefix="public-file-") as tmp:
        yield store.download_to(key, Path(tmp) / (Path(key).name or "file"))


def _convert(session: Session, dist: Distribution, record: PublicFile, columns: frozenset[str] | None,
             cfg: dict[str, Any], path: Path, old_table: str | None) -> tuple:
    """Read, type and convert one local file; import its rows table (see `_build`)."""
    fmt = (dist.format or "").upper()
    with source.open_rows(path, fmt) as (header, rows):
        sample = list(itertools.islice(rows, types.INFER_ROWS))
        fields = types.resolve_fields(header, _declared_fields(session, dist), sample,
                                      overrides_for(session, dist.id))
        stats, count = types.analyse(fields, itertools.chain(sample, rows))
    final = types.final_fields(fields, stats)
    idx = [i for i, name in enumerate(header) if columns is None or name in columns]
    for n, i in enumerate(idx):
        final[i].update(public=True, column=f"c{n}")
    served = [final[i] for i in idx]
    name = store.table_name(dist.id, record.checksum)

    def import_rows() -> None:
        # a savepoint of the connection, not of the session: releasing a session savepoint would
        # announce the change (signals) before the transaction commits
        with session.connection().begin_nested():
            if served:
                store.import_rows(session, name, path, fmt, served, idx)
            if old_table and old_table != name:
                store.drop(session, old_table)
        crashpoints.reached("public_files.rows_imported")

    convert.build(path, fmt, final, columns, conversion_folder(cfg, dist, columns),
                  name=_package_name(dist), title=dist.title_vi, during=import_rows)
    return name, final, idx, sample, stats, count, served


def _package_name(dist: Distribution) -> str:
    """A data package name (lower-case letters, digits, "-", "_", "."): the dataset's slug."""
    slug = dist.dataset.slug if dist.dataset is not None else dist.id
    return f"{slug}-{dist.id[:8]}"


def served_fields(record: PublicFile, reader: policy.Reader, dist: Distribution) -> list[dict[str, Any]]:
    """The public columns a reader may receive (one with less access than the public gets fewer)."""
    allowed = policy.readable_columns(reader, dist)
    return [f for f in record.fields if f.get("public") and (allowed is None or f["name"] in allowed)]


def ready_record(session: Session, dist: Distribution) -> PublicFile | None:
    """The public copy of the file's present version, if one is ready."""
    record = session.get(PublicFile, dist.id)
    if record is None or record.status != "ready" or record.checksum != dist.checksum_sha256:
        return None
    return record


def preview_for(session: Session, reader: policy.Reader, dist: Distribution) -> dict[str, Any] | None:
    """What pages and the API show of a public file (stored at prepare time, never read per view):
    {status, message, rows, fields, preview (rows of cells in field order), stats}; None when the
    file has no public copy."""
    if dist.dataset is None or not is_public(dist.dataset):
        return None
    record = session.get(PublicFile, dist.id)
    if record is None or record.checksum != dist.checksum_sha256 or record.status == PENDING:
        return None
    if record.status != "ready":
        return {"status": record.status, "message": record.message}
    fields = served_fields(record, reader, dist)
    names = [f["name"] for f in fields]
    return {"status": "ready", "message": None, "rows": record.row_count, "fields": fields,
            "preview": [[row.get(n, "") for n in names] for row in record.preview],
            "stats": [st for st in record.stats if st["name"] in names], "built_at": record.built_at}


def conversion_folder(cfg: dict[str, Any], dist: Distribution, columns: frozenset[str] | None) -> Path:
    """Where the conversions of one file version for one column set live."""
    key = "all" if columns is None else hashlib.sha256("\n".join(sorted(columns)).encode()).hexdigest()[:16]
    return Path(cfg["PUBLIC_FILES_FOLDER"]) / dist.id / f"{(dist.checksum_sha256 or '')[:24]}-{key}"


def conversion(session: Session, dist: Distribution, columns: frozenset[str] | None, kind: str) -> Path | None:
    """The path of one conversion for a column set, made now if it is the first request for it;
    None when the file has no ready public copy (the caller answers 404)."""
    record = ready_record(session, dist)
    if kind not in convert.KINDS or record is None:
        return None
    cfg = _cfg(session)
    folder = conversion_folder(cfg, dist, columns)
    target = folder / convert.KINDS[kind][0]
    if not target.exists():
        try:
            with _local_copy(cfg["UPLOAD_FOLDER"], dist.file_path or "") as path:
                convert.build(path, (dist.format or "").upper(), record.fields, columns, folder,
                              name=_package_name(dist), title=dist.title_vi)
        except (source.UnreadableTable, OSError, ValueError) as exc:
            log.warning("conversion of %s failed: %s", dist.id, exc)
            return None
    return target if target.exists() else None


def retract(session: Session, dist: Distribution) -> None:
    """The file is no longer public: its table and conversions go (files once the change commits)."""
    record = session.get(PublicFile, dist.id)
    if record is None:
        return
    store.drop(session, record.table_name)
    session.delete(record)
    folder = Path(_cfg(session)["PUBLIC_FILES_FOLDER"]) / dist.id
    files.on_outcome(session, committed=lambda: shutil.rmtree(folder, ignore_errors=True))


def sync_dataset(session: Session, ds: Dataset) -> None:
    """After a change of a dataset's status or access level: prepare or retract each of its files."""
    for dist in ds.distributions:
        prepare(session, dist)


@task("public_files.prepare")
def prepare_task(dist_id: str) -> None:
    """The background run of `prepare` for a large file."""
    from ..db import registry_db

    crashpoints.reached("public_files.task")
    session = registry_db(current_app._get_current_object()).session_factory()
    try:
        dist = session.get(Distribution, dist_id)
        if dist is not None:
            prepare(session, dist, inline=True)
            session.commit()
    finally:
        session.close()


def resume_pending(app: Flask, older_than: timedelta = RESUME_AFTER) -> int:
    """Make the copies still pending after `older_than` (their process was killed, or the queue
    lost the task); returns how many were made. `public-files build` makes them all at once."""
    from ..db import registry_db

    cutoff = utcnow() - older_than
    factory = registry_db(app).session_factory
    with factory() as session:
        ids = list(session.scalars(select(PublicFile.distribution_id).where(
            PublicFile.status == PENDING, PublicFile.built_at <= cutoff)))
    done = 0
    for dist_id in ids:
        with factory() as session:
            # claim it: another process resuming at the same time finds it no longer due
            claimed = session.execute(update(PublicFile).where(
                PublicFile.distribution_id == dist_id, PublicFile.status == PENDING,
                PublicFile.built_at <= cutoff).values(built_at=utcnow())).rowcount
            session.commit()
            dist = session.get(Distribution, dist_id) if claimed else None
            if dist is None:
                continue
            log.warning("resuming the public copy of %s, pending since before %s", dist_id, cutoff)
            prepare(session, dist, inline=True)
            session.commit()
            done += 1
    return done


@periodic("public_files.resume", every=timedelta(minutes=15))
def resume_job() -> int:
    """Finish public copies left pending by a crash (README "Crash safety")."""
    return resume_pending(current_app._get_current_object())


def set_types(session: Session, reader: policy.Reader, dist: Distribution, wanted: dict[str, Any]) -> PublicFile | None:
    """A steward's types for some columns ({"ma_tinh": "string"}; null removes an override), kept
    across re-imports; the public copy is made again with them."""
    from marshmallow import ValidationError

    policy.require(policy.can_edit_dataset(reader, dist.dataset))
    record = session.get(PublicFile, dist.id)
    names = {f["name"] for f in (record.fields if record else [])} or {f["name"] for f in dist.schema_fields()}
    errors: dict[str, list[str]] = {}
    from flask_babel import gettext

    for name, kind in wanted.items():
        if name not in names:
            errors[name] = [gettext("There is no field %(field)s.", field=name)]
        elif kind is not None and kind not in types.TYPES:
            errors[name] = [gettext("Choose one of: %(types)s.", types=", ".join(types.TYPES))]
    if errors or not wanted:
        raise ValidationError(errors or {"_schema": [gettext("Give at least one field and its type.")]})
    for name, kind in wanted.items():
        existing = session.get(TypeOverride, (dist.id, name))
        if kind is None:
            if existing is not None:
                session.delete(existing)
        elif existing is None:
            session.add(TypeOverride(distribution_id=dist.id, field=name, type=kind))
        else:
            existing.type, existing.set_at = kind, utcnow()
    session.flush()
    return prepare(session, dist, force=True)
