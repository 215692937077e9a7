"""When the checks run: after uploads, edits and harvests (records_changed), in the background, and
on a schedule for links and freshness.

- An upload or an edit of a dataset's files: the dataset is checked at once when its files to read
  are small (`CATALOG_QUALITY_INLINE_MB`; the page that follows already shows the grade), otherwise
  a background job is queued and its progress shows on the report page.
- An edit of the metadata only: the dataset is re-scored at once (no file is read, no server asked).
- A harvest: when the job ends, ONE background job per source (`quality.check_source`) checks the
  source's datasets whose grade is missing or older than their last change, a page of ids at a time
  (bounded memory whatever the harvest's size), asking no server (remembered link answers only, remote
  files not fetched: the scheduled link check asks them) unless CATALOG_QUALITY_HARVEST_NETWORK is on.
  What is pending is read from the registry,
  so a job that dies, or a CLI harvest that queued nothing, is caught up by `quality.harvested`.
- Schedules: `quality.links` asks links whose answer is older than CATALOG_QUALITY_LINK_RECHECK_HOURS
  and re-scores the datasets whose links changed; `quality.freshness` re-scores every checked
  dataset once a day, so that a dataset whose promised update did not come loses its "live" points.

The grade a run writes on the dataset is itself a change of the dataset; it is announced with the
reason "quality", which the receiver here ignores, so a check never triggers another.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..db import registry_db
from ..models import Dataset, Distribution, QualityReport, utcnow
from ..search.indexer import buffered
from ..signals import harvest_finished, records_changed
from ..tasks import enqueue, periodic, task
from . import links, metadata, service, tabular

log = logging.getLogger(__name__)

#: Links asked per run of the periodic job (the rest wait for the next run).
LINKS_PER_RUN = 500


@task("quality.run")
def run_task(report_id: int) -> None:
    service.run_report(current_app._get_current_object(), report_id)


#: datasets a post-harvest job loads per page (only their ids and one dataset at a time are in memory)
HARVEST_PAGE = 200


def _pending(source_id: str | None, after: str, limit: int) -> Any:
    """Harvested datasets never checked, or changed since their last check, by id from `after`."""
    query = select(Dataset.id).where(
        Dataset.harvest_source_id.is_not(None),
        or_(Dataset.quality_checked_at.is_(None), Dataset.quality_checked_at < Dataset.updated_at),
        Dataset.id > after).order_by(Dataset.id).limit(limit)
    if source_id is not None:
        query = query.where(Dataset.harvest_source_id == source_id)
    return query


def check_harvested(app: Flask, source_id: str | None = None, limit: int | None = None) -> int:
    """Check the harvested datasets whose check is due (of one source, or all), asking no server
    unless CATALOG_QUALITY_HARVEST_NETWORK says so.

    Each dataset is visited once per call (keyset paging by id), so a check that fails does not
    loop; it is tried again by the next call. Returns the number of datasets checked."""
    options = service.RunOptions(network=bool(app.config["CATALOG"].get("QUALITY_HARVEST_NETWORK")))
    with buffered(app):  # the grades reach the search index in bulk, within seconds
        return _check_pages(app, source_id, limit, options)


def _check_pages(app: Flask, source_id: str | None, limit: int | None, options: service.RunOptions) -> int:
    done, after = 0, ""
    while limit is None or done < limit:
        session = registry_db(app).session_factory()
        try:
            ids = list(session.scalars(_pending(source_id, after, HARVEST_PAGE)))
        finally:
            session.close()
        if not ids:
            break
        after = ids[-1]
        for dataset_id in ids:
            try:
                service.check_dataset(app, dataset_id, "harvest", options)
                done += 1
            except (service.AlreadyChecking, LookupError):
                continue
            except Exception:  # one bad dataset must not stop the source's other checks
                log.exception("quality check of harvested dataset %s failed", dataset_id)
            if limit is not None and done >= limit:
                break
    return done


@task("quality.check_source")
def check_source(source_id: str) -> int:
    """The post-harvest check of one source (one job per harvest, not one per dataset)."""
    return check_harvested(current_app._get_current_object(), source_id)


@periodic("quality.harvested", every=timedelta(minutes=30))
def check_all_harvested() -> int:
    """Catch up the checks harvests left pending (CLI harvests, jobs that died), a bounded number per run."""
    app = current_app._get_current_object()
    return check_harvested(app, None, limit=int(app.config["CATALOG"].get("QUALITY_HARVEST_PER_RUN") or 5000))


@harvest_finished.connect
def after_harvest(app: Flask, source_id: str, counts: dict[str, int], queue_checks: bool) -> None:
    if not queue_checks or not app.config["CATALOG"].get("QUALITY_AUTO"):
        return
    if counts.get("new", 0) + counts.get("updated", 0) > 0:
        enqueue(app, "quality.check_source", source_id)


@task("quality.check_datasets")
def check_datasets(dataset_ids: list[str], trigger: str = "harvest") -> int:
    """Check several datasets one after the other (a harvest's changed records)."""
    app = current_app._get_current_object()
    done = 0
    for dataset_id in dataset_ids:
        try:
            service.check_dataset(app, dataset_id, trigger)
            done += 1
        except (service.AlreadyChecking, LookupError):
            continue
    return done


def queue(app: Flask, dataset_id: str, trigger: str) -> QualityReport | None:
    """Queue a background check (committed before the task is sent, so a worker finds it)."""
    session = registry_db(app).session_factory()
    try:
        ds = session.get(Dataset, dataset_id)
        if ds is None:
            return None
        report, created = service.request_check(session, ds, trigger)
        session.commit()
        if created:
            enqueue(app, "quality.run", report.id)
        return report
    finally:
        session.close()


def _bytes_to_read(app: Flask, dataset_id: str) -> int | None:
    """Bytes of tabular files a full check would read; None when one must be fetched from elsewhere."""
    session = registry_db(app).session_factory()
    try:
        ds = session.scalar(select(Dataset).where(Dataset.id == dataset_id)
                            .options(selectinload(Dataset.distributions)))
        if ds is None:
            return 0
        total = 0
        for dist in ds.distributions:
            if metadata.normal_format(dist.format) not in tabular.TABULAR_FORMATS:
                continue
            if dist.file_path:
                total += dist.byte_size or 0
            elif dist.download_url or dist.access_url:
                return None
        return total
    finally:
        session.close()


def _was_checked(app: Flask, dataset_id: str) -> bool:
    session = registry_db(app).session_factory()
    try:
        return service.latest_report(session, dataset_id) is not None
    finally:
        session.close()


@records_changed.connect
def follow_registry(session_info: dict[str, Any], changes: dict[str, set[str]], reason: str) -> None:
    app = session_info.get("app")
    if app is None or reason == service.REASON or not app.config["CATALOG"].get("QUALITY_AUTO"):
        return
    dataset_ids = sorted(changes.get("dataset") or ())
    if not dataset_ids:
        return
    if reason == "harvest":
        return  # one job per source when the harvest ends (after_harvest), not one per batch
    files_changed = reason == "upload" or bool(changes.get("distribution"))
    inline_limit = int(app.config["CATALOG"].get("QUALITY_INLINE_MB") or 0) * 1024 * 1024
    for dataset_id in dataset_ids:
        try:
            if not files_changed and _was_checked(app, dataset_id):
                service.rescore(app, dataset_id, trigger="edit")
                continue
            size = _bytes_to_read(app, dataset_id)
            if size is not None and size <= inline_limit:
                service.check_dataset(app, dataset_id, "upload" if reason == "upload" else "edit",
                                      service.RunOptions(network=False))
            else:
                queue(app, dataset_id, "upload" if reason == "upload" else "edit")
        except (service.AlreadyChecking, LookupError):  # being checked already, or just deleted
            continue
        except Exception:  # a failing check must not turn a saved change into an error page
            log.exception("quality check after %s of %s failed", reason, dataset_id)


# --- schedules ------------------------------------------------------------------------------------


def due_links(app: Flask, limit: int = LINKS_PER_RUN) -> dict[str, list[str]]:
    """Addresses of published datasets whose answer is missing or older than the recheck interval,
    oldest first: {url: [dataset ids]}."""
    cfg = app.config["CATALOG"]
    before = utcnow() - timedelta(hours=int(cfg.get("QUALITY_LINK_RECHECK_HOURS") or 24))
    session = registry_db(app).session_factory()
    try:
        targets: dict[str, list[str]] = {}
        rows = session.execute(select(Dataset.id, Dataset.landing_page).where(
            Dataset.status == "published", Dataset.landing_page.is_not(None)))
        for dataset_id, url in rows:
            targets.setdefault(url, []).append(dataset_id)
        rows = session.execute(select(Distribution.dataset_id, Distribution.access_url, Distribution.download_url)
                               .join(Dataset, Dataset.id == Distribution.dataset_id)
                               .where(Dataset.status == "published",
                                      or_(Distribution.access_url.is_not(None),
                                          Distribution.download_url.is_not(None))))
        for dataset_id, access, download in rows:
            for url in (access, download):
                if url:
                    targets.setdefault(url, []).append(dataset_id)
        targets = {u: ids for u, ids in targets.items() if u.startswith(("http://", "https://"))}
        known = links.remembered(session, targets)
        due = sorted((u for u in targets if u not in known or known[u].checked_at < before),
                     key=lambda u: known[u].checked_at if u in known else before - timedelta(days=3650))
        return {u: targets[u] for u in due[:limit]}
    finally:
        session.close()


@periodic("quality.links", every=timedelta(hours=6))
def check_due_links() -> int:
    """Ask the links that are due, then re-score the datasets whose links changed answer."""
    app = current_app._get_current_object()
    due = due_links(app)
    if not due:
        return 0
    session = registry_db(app).session_factory()
    changed: set[str] = set()
    try:
        before = {u: (r.ok if r else None) for u, r in links.remembered(session, due).items()}
        answers = links.check_links(session, due, app.config["CATALOG"], force=True)
        session.commit()
        for url, row in answers.items():
            if before.get(url) != row.ok:
                changed.update(due.get(url, []))
    finally:
        session.close()
    rescore_many(app, changed)
    return len(due)


def rescore_many(app: Flask, dataset_ids: Iterable[str]) -> int:
    n = 0
    for dataset_id in sorted(set(dataset_ids)):
        try:
            if service.rescore(app, dataset_id) is not None:
                n += 1
        except Exception:
            log.exception("re-scoring %s failed", dataset_id)
    return n


@periodic("quality.freshness", every=timedelta(days=1))
def rescore_checked() -> int:
    """Re-score every dataset already checked (metadata, freshness, remembered links)."""
    app = current_app._get_current_object()
    session = registry_db(app).session_factory()
    try:
        ids = list(session.scalars(select(Dataset.id).where(Dataset.quality_checked_at.is_not(None))))
    finally:
        session.close()
    return rescore_many(app, ids)
