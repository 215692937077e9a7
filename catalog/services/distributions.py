"""Adding, replacing and removing a dataset's distributions (stored files or links)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import policy, rules
from ..models import Dataset, Distribution, DistributionVersion
from ..models.base import utcnow
from ..schemas.registry import DistributionInput
from ..storage import check_key
from . import audit, files, public_files
from .actor import Actor
from .common import NotFound, apply, blank_values, columns_of, field_error, load, state

COLUMNS = [c for c in columns_of(Distribution) if c not in {
    "dataset_id", "file_path", "file_name", "byte_size", "checksum_sha256", "remote_id"}]


@dataclass(frozen=True)
class Storage:
    folder: str
    max_bytes: int


def _attach_file(session: Session, dist: Distribution, upload: files.Upload, storage: Storage) -> None:
    stored = files.store_upload(upload, storage.folder, storage.max_bytes)
    files.remove_on_rollback(session, storage.folder, [stored.path])
    session.info["change_reason"] = "upload"  # derived data (quality checks) reads the new file
    if dist.file_path:
        keep_version(session, dist)  # the old file stays downloadable at a stable address
    dist.file_path = stored.path
    dist.file_name = stored.file_name
    dist.byte_size = stored.byte_size
    dist.checksum_sha256 = stored.checksum_sha256
    dist.format = dist.format or stored.format
    dist.media_type = dist.media_type or stored.media_type
    dist.access_url = None
    dist.download_url = None
    touch(dist)


def keep_version(session: Session, dist: Distribution) -> DistributionVersion:
    """Keep the file a distribution holds now as its next numbered version, before a new one replaces it."""
    previous = session.scalar(select(DistributionVersion).where(DistributionVersion.distribution_id == dist.id)
                              .order_by(DistributionVersion.number.desc()).limit(1))
    now = utcnow()
    version = DistributionVersion(
        distribution_id=dist.id, number=(previous.number + 1) if previous else 1, file_path=dist.file_path,
        file_name=dist.file_name, format=dist.format, media_type=dist.media_type, byte_size=dist.byte_size,
        checksum_sha256=dist.checksum_sha256, table_schema=dist.table_schema,
        valid_from=previous.replaced_at if previous else (dist.created_at or now), replaced_at=now)
    session.add(version)
    return version


def versions(session: Session, dist: Distribution) -> list[DistributionVersion]:
    """Earlier files of a distribution, newest first."""
    return list(session.scalars(select(DistributionVersion).where(DistributionVersion.distribution_id == dist.id)
                                .order_by(DistributionVersion.number.desc())))


def visible_versions(reader: policy.Reader, dist: Distribution) -> list[DistributionVersion]:
    """Earlier files of a distribution the reader may fetch, newest first (policy.can_download_version);
    the others are not listed at all, so neither their dates nor their checksums leak."""
    return [v for v in dist.versions if policy.can_download_version(reader, dist, v.format)]


def version_paths(session: Session, dist_ids: list[str]) -> list[str]:
    """Stored paths of the kept versions of these distributions (removed with them)."""
    if not dist_ids:
        return []
    return list(session.scalars(select(DistributionVersion.file_path)
                                .where(DistributionVersion.distribution_id.in_(dist_ids))))


def touch(dist: Distribution) -> None:
    """New data: the file's and the dataset's date of last change become today, which the quality
    check of freshness reads (a steward's later date, if any, is kept)."""
    today = utcnow().date()
    for item in (dist, dist.dataset):
        if item is not None and (item.modified is None or item.modified < today):
            item.modified = today


def title_from_file_name(file_name: str) -> str:
    """A title for a file given none: its name without the extension, words apart
    ("dan_so-2025.csv" -> "dan so 2025"); empty when the name gives nothing."""
    stem = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return " ".join(stem.replace("_", " ").replace("-", " ").split())[:500]


def _require_location(ds: Dataset) -> None:
    """Open data must be downloadable. Shared or restricted data may describe only its structure
    (the schema and its field classes): it travels through a sharing service, not a file here."""
    if ds.access_level == rules.ACCESS_OPEN:
        raise field_error("file", gettext("Upload a file or give the address where the data can be found."))


def add_distribution(
    session: Session,
    actor: Actor,
    ds: Dataset,
    raw: Mapping[str, Any],
    storage: Storage,
    upload: files.Upload | None = None,
) -> Distribution:
    policy.require(policy.can_edit_dataset(actor.reader, ds))
    schema = DistributionInput()
    if upload is not None and not str(raw.get("title_vi") or "").strip():
        raw = {**raw, "title_vi": title_from_file_name(upload.filename or "")}
    data = load(schema, raw)
    has_link = bool(data.get("access_url") or data.get("download_url"))
    if upload is not None and has_link:
        raise field_error("file", gettext("Give either a file or a link, not both."))
    if upload is None and not has_link:
        _require_location(ds)
    dist = Distribution(dataset=ds)
    apply(dist, {**blank_values(schema), **data}, COLUMNS)
    if upload is not None:
        _attach_file(session, dist, upload, storage)
    elif not dist.access_url:
        dist.access_url = dist.download_url
    if upload is None and (dist.access_url or dist.download_url):
        touch(dist)
    session.add(dist)
    session.flush()
    audit.record(session, actor, "create", "distribution", dist.id, label=dist.title_vi,
                 organization_id=ds.publisher_id, after=state(dist))
    public_files.prepare(session, dist)  # a file added to open, published data is public at once
    return dist


def update_distribution(
    session: Session,
    actor: Actor,
    dist: Distribution,
    raw: Mapping[str, Any],
    storage: Storage,
    upload: files.Upload | None = None,
    *,
    replace: bool = False,
) -> list[str]:
    ds = dist.dataset
    policy.require(policy.can_edit_dataset(actor.reader, ds))
    schema = DistributionInput()
    data = load(schema, raw, partial=not replace)
    if replace:
        data = {**blank_values(schema), **data}
    if upload is not None and (data.get("access_url") or data.get("download_url")):
        raise field_error("file", gettext("Give either a file or a link, not both."))
    before = state(dist)
    changed = apply(dist, data, COLUMNS)
    if upload is not None:
        _attach_file(session, dist, upload, storage)
        changed.append("file_path")
    elif dist.file_path and (dist.access_url or dist.download_url):
        # Switching a stored file to a link: the stored copy is kept as a version.
        keep_version(session, dist)
        dist.file_path = dist.file_name = dist.checksum_sha256 = None
        dist.byte_size = None
        changed.append("file_path")
    if upload is None and {"access_url", "download_url", "file_path"} & set(changed):
        touch(dist)
    if not dist.file_path and not (dist.access_url or dist.download_url):
        _require_location(ds)
    if not changed:
        return []
    session.flush()
    after = state(dist)
    audit.record(session, actor, "update", "distribution", dist.id, label=dist.title_vi,
                 organization_id=ds.publisher_id, before={k: before[k] for k in changed},
                 after={k: after[k] for k in changed})
    public_files.prepare(session, dist, force="table_schema" in changed)
    return changed


def delete_distribution(session: Session, actor: Actor, dist: Distribution, storage: Storage) -> None:
    ds = dist.dataset
    policy.require(policy.can_edit_dataset(actor.reader, ds))
    audit.record(session, actor, "delete", "distribution", dist.id, label=dist.title_vi,
                 organization_id=ds.publisher_id, before=state(dist))
    public_files.retract(session, dist)
    paths = [dist.file_path] if dist.file_path else []
    files.remove_after_commit(session, storage.folder, [*paths, *version_paths(session, [dist.id])])
    ds.distributions.remove(dist)
    session.flush()


@dataclass(frozen=True)
class DownloadPlan:
    """How to answer a download: the whole stored file, only some of its columns, or a redirect."""

    path: Path | None = None  # the stored file's key in the upload store
    columns: frozenset[str] | None = None
    redirect_to: str | None = None


def plan_download(session: Session, actor: Actor, dist: Distribution, upload_folder: str, *,
                  convertible: bool = False, version: DistributionVersion | None = None) -> DownloadPlan:
    """Decide what the reader receives and log downloads of data that is not open. `convertible`:
    the answer is a conversion, which any tabular format can be trimmed into; `version`: an earlier
    file of the distribution, trimmed by the same columns' classes."""
    ds = dist.dataset
    reader = actor.reader
    policy.require(policy.can_view_dataset(reader, ds))
    columns = policy.readable_columns(reader, dist)
    if columns is not None and not columns:
        raise policy.Forbidden()
    if version is not None:
        policy.require(policy.can_download_version(reader, dist, version.format))
        if ds.access_level != "open" or ds.id in reader.grants:
            _log_download(session, actor, dist, columns)
        return DownloadPlan(path=Path(check_key(version.file_path)), columns=columns)
    if not dist.file_path:
        location = dist.download_url or dist.access_url
        if not location:
            raise NotFound(dist.id)  # described only; the data is given through a sharing service
        policy.require(policy.can_download(reader, ds) and columns is None)
        return DownloadPlan(redirect_to=location)
    if columns is not None and (dist.format or "").upper() != "CSV" and not convertible:
        # Only CSV can be trimmed to the columns the reader may see; other formats are all or nothing.
        raise policy.Forbidden()
    if ds.access_level != "open" or ds.id in reader.grants:
        _log_download(session, actor, dist, columns)
    return DownloadPlan(path=Path(check_key(dist.file_path)), columns=columns)


def _log_download(session: Session, actor: Actor, dist: Distribution, columns: frozenset[str] | None) -> None:
    """Every download of data that is not open is logged; one received under an agreement is logged
    on the agreement, so that both agencies find it in their exports (Decree 47/2020 Art. 45)."""
    from .sharing.access import agreement_for

    ds = dist.dataset
    after: dict[str, Any] = {"columns": sorted(columns) if columns is not None else "all"}
    agreement = None
    if not actor.reader.is_member_of(ds.publisher_id):
        agreement = agreement_for(session, actor.reader, ds.id)
    if agreement is None:
        audit.record(session, actor, "download", "distribution", dist.id, label=dist.title_vi,
                     organization_id=ds.publisher_id, after=after)
        return
    audit.record(session, actor, "sharing.download", "sharing_agreement", agreement.id, label=agreement.number,
                 organization_id=ds.publisher_id,
                 after={**after, "distribution_id": dist.id, "dataset_id": ds.id,
                        "parties": [agreement.requester_org_id, agreement.provider_org_id]})


def storage_for(cfg: dict[str, Any]) -> Storage:
    """Where uploads go and how large they may be, from the app's CATALOG settings."""
    return Storage(folder=cfg["UPLOAD_FOLDER"], max_bytes=cfg["MAX_UPLOAD_MB"] * 1024 * 1024)
