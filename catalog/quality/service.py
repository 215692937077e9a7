"""Running the checks on a dataset, keeping the report, and updating the dataset's grade.

A run reads the dataset's metadata, asks its links (answers remembered in LinkCheck), reads each
tabular file in full (stored here, or fetched through the guarded fetcher), scores the six
dimensions with the weights table, stores a new QualityReport and writes the grade and score on
the dataset (lists and search sort by them). Progress (rows read, rows expected) is written on
the report while it runs, so pages and the API can show it. A file that cannot be read, a link
that fails, a missing stored file are findings, never errors of the run; a run that fails anyway
is marked failed with its reason and changes nothing else.

Files whose content has not changed since the last report (same checksum and schema) are not read
again: their results are carried over. A re-score (`rescore`) reads no file and asks no server: it
re-judges metadata and freshness with the remembered links and the last data results.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from catalog.http import FetchError

from .. import policy
from ..db import registry_db
from ..models import (
    AdminUnit,
    Dataset,
    Distribution,
    Licence,
    Organization,
    QualityReport,
    Theme,
    dataservice_dataset,
    utcnow,
)
from ..services import files as stored_files
from ..signals import note_changes
from . import encoding, links, metadata, scoring, tabular

log = logging.getLogger(__name__)

#: Bump when the data checks change: files are then read again instead of carried over.
CHECKER_VERSION = "1"
#: A running report silent this long is taken as dead (its process stopped) and may be re-run.
STALE_AFTER = timedelta(minutes=30)
#: Progress is written at most this often (seconds).
PROGRESS_INTERVAL = 1.0
REASON = "quality"


class AlreadyChecking(Exception):
    """A run of this dataset is already queued or running."""


# --- queueing -------------------------------------------------------------------------------------


def active_report(session: Session, dataset_id: str) -> QualityReport | None:
    """The queued or running report of a dataset, if one is alive (a dead one is marked failed)."""
    report = session.scalar(select(QualityReport).where(
        QualityReport.dataset_id == dataset_id, QualityReport.status.in_(("queued", "running")))
        .order_by(QualityReport.id.desc()).limit(1))
    if report is None:
        return None
    last = report.heartbeat_at or report.started_at or report.created_at
    if utcnow() - last > STALE_AFTER:
        report.status = "failed"
        report.message = "stopped: no progress for 30 minutes"
        report.finished_at = utcnow()
        return None
    return report


def request_check(session: Session, ds: Dataset, trigger: str) -> tuple[QualityReport, bool]:
    """A queued report for the dataset (or the one already waiting or running); not committed."""
    existing = active_report(session, ds.id)
    if existing is not None:
        return existing, False
    report = QualityReport(dataset_id=ds.id, status="queued", trigger=trigger, created_at=utcnow(),
                           checks=[], findings=[], files=[], rows_checked=0, complete=False)
    session.add(report)
    session.flush()
    return report, True


def latest_report(session: Session, dataset_id: str) -> QualityReport | None:
    """The newest finished report (the one the grade comes from)."""
    return session.scalar(select(QualityReport).where(
        QualityReport.dataset_id == dataset_id, QualityReport.status == "done")
        .order_by(QualityReport.id.desc()).limit(1))


def history(session: Session, dataset_id: str, limit: int = 50) -> list[QualityReport]:
    return list(session.scalars(select(QualityReport).where(
        QualityReport.dataset_id == dataset_id, QualityReport.status == "done")
        .order_by(QualityReport.id.desc()).limit(limit)))


# --- one run --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunOptions:
    #: read the files (a re-score reuses the last data results instead)
    data: bool = True
    #: ask the links (an offline run uses only remembered answers)
    network: bool = True
    #: read every file even if unchanged since the last report
    force: bool = False


Progress = Callable[[QualityReport], None]


def check_dataset(app: Flask, dataset_id: str, trigger: str = "manual", options: RunOptions | None = None,
                  progress: Progress | None = None) -> QualityReport:
    """Queue and run a check here and now (CLI, tests, small uploads)."""
    session = registry_db(app).session_factory()
    try:
        ds = session.get(Dataset, dataset_id)
        if ds is None:
            raise LookupError(dataset_id)
        report, created = request_check(session, ds, trigger)
        session.commit()
        if not created:
            raise AlreadyChecking(dataset_id)
        report_id = report.id
    finally:
        session.close()
    return run_report(app, report_id, options, progress)


def run_report(app: Flask, report_id: int, options: RunOptions | None = None,
               progress: Progress | None = None) -> QualityReport:
    """Run a queued report to its end (what the background task does)."""
    options = options or RunOptions()
    session = registry_db(app).session_factory()
    try:
        report = session.get(QualityReport, report_id)
        if report is None:
            raise LookupError(report_id)
        if report.status not in ("queued", "running"):
            return report
        ds = _load(session, report.dataset_id)
        if ds is None:
            report.status, report.message, report.finished_at = "failed", "the dataset no longer exists", utcnow()
            session.commit()
            return report
        report.status = "running"
        report.started_at = report.heartbeat_at = utcnow()
        report.message = None
        session.commit()
        try:
            _Runner(app, session, report, ds, options, progress).run()
        except Exception as exc:  # a bug or a dead database: the report says so, nothing else changes
            log.exception("quality check of %s failed", report.dataset_id)
            session.rollback()
            report = session.get(QualityReport, report_id)
            if report is not None:
                report.status, report.finished_at = "failed", utcnow()
                report.message = f"{type(exc).__name__}: {str(exc)[:400]}"
                session.commit()
        return report  # type: ignore[return-value]
    finally:
        session.close()


def _load(session: Session, dataset_id: str) -> Dataset | None:
    return session.scalar(select(Dataset).where(Dataset.id == dataset_id).options(
        selectinload(Dataset.distributions), selectinload(Dataset.publisher)))


def _schema_digest(schema: dict[str, Any] | None) -> str:
    return hashlib.sha256(json.dumps(schema or {}, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def fingerprint(dist: Distribution) -> str | None:
    """What a file's data results depend on; None when it cannot be known without reading it."""
    if dist.file_path and dist.checksum_sha256:
        return f"v{CHECKER_VERSION}:sha256:{dist.checksum_sha256}:schema:{_schema_digest(dist.table_schema)}"
    return None


def code_lists(session: Session) -> dict[str, frozenset[str]]:
    """The code lists a schema field may name with `codeList`."""
    orgs = session.execute(select(Organization.code, Organization.identifier)).all()
    return {
        "admin_unit": frozenset(session.scalars(select(AdminUnit.code))),
        "organization": frozenset({c for c, _i in orgs} | {i for _c, i in orgs if i}),
        "theme": frozenset(session.scalars(select(Theme.code))),
        "licence": frozenset(session.scalars(select(Licence.code))),
    }


def file_entry(dist: Distribution, upload_folder: str) -> dict[str, Any]:
    """The per-distribution summary a report keeps (before its data is read)."""
    fields = dist.schema_fields()
    fmt = metadata.normal_format(dist.format)
    source = "stored" if dist.file_path else ("remote" if (dist.download_url or dist.access_url) else "none")
    entry: dict[str, Any] = {
        "distribution_id": dist.id, "title": dist.title_vi, "title_en": dist.title_en, "format": fmt,
        "source": source, "tabular": fmt in tabular.TABULAR_FORMATS,
        "schema_fields": len(fields), "classified": sum(1 for f in fields if f.get("classification")),
        "classes": {f.get("name"): f.get("classification") for f in fields if f.get("name")},
        "table": None, "reused": False, "fingerprint": fingerprint(dist), "checked_at": None,
    }
    if source == "stored":
        try:
            entry["stored_exists"] = stored_files.stored_exists(upload_folder, dist.file_path or "")
        except (OSError, ValueError):
            entry["stored_exists"] = False
    return entry


class _Runner:
    def __init__(self, app: Flask, session: Session, report: QualityReport, ds: Dataset, options: RunOptions,
                 progress: Progress | None) -> None:
        self.app = app
        self.cfg = app.config["CATALOG"]
        self.session = session
        self.report = report
        self.ds = ds
        self.options = options
        self.progress = progress
        self.rows_done = 0
        self.last_write = 0.0
        self.expected: dict[str, int | None] = {}

    # progress ------------------------------------------------------------------------------------

    def _tick(self, rows: int, estimate: int | None, current: str, *, force: bool = False) -> None:
        report = self.report
        report.rows_checked = self.rows_done + rows
        final = estimate == rows  # the table's last call: the count is exact
        self.expected[current] = rows if final else max(estimate or 0, self.expected.get(current) or 0, rows)
        report.rows_expected = self.rows_done + sum(v or 0 for v in self.expected.values())
        now = time.monotonic()
        if force or now - self.last_write >= PROGRESS_INTERVAL:
            report.heartbeat_at = utcnow()
            self.session.commit()
            self.last_write = now
        if self.progress is not None:
            self.progress(report)

    # the run -------------------------------------------------------------------------------------

    def run(self) -> None:
        ds, report, session = self.ds, self.report, self.session
        previous = latest_report(session, ds.id)
        before = {f["distribution_id"]: f for f in (previous.files if previous else [])}
        before_findings: dict[str, list[dict[str, Any]]] = {}
        for item in (previous.findings if previous else []):
            before_findings.setdefault(item.get("distribution_id") or "", []).append(item)

        urls = metadata.link_targets(ds)
        if self.options.network:
            report.message = "links"
            answers = links.check_links(session, urls, self.cfg)
        else:
            answers = links.remembered(session, urls)
        link_results = {u: links.as_result(answers.get(u)) for u in urls}
        session.commit()

        entries: list[dict[str, Any]] = []
        findings: list[dict[str, Any]] = []
        lists = code_lists(session)
        self._estimate(before)
        with tempfile.TemporaryDirectory(prefix="quality-run-") as folder:
            for dist in ds.distributions:
                entry = file_entry(dist, self.cfg["UPLOAD_FOLDER"])
                entries.append(entry)
                if not entry["tabular"] or entry["source"] == "none":
                    continue
                old = before.get(dist.id)
                reuse = old is not None and old.get("table") is not None and (
                    not self.options.data or (not self.options.force and entry["fingerprint"] is not None
                                              and old.get("fingerprint") == entry["fingerprint"]))
                if reuse:
                    entry.update(table=old["table"], reused=True, checked_at=old.get("checked_at"),
                                 header_mismatch=old.get("header_mismatch", False))
                    findings.extend(before_findings.get(dist.id, []))
                    self.rows_done += int(old["table"].get("rows") or 0)
                    continue
                if not self.options.data or (entry["source"] == "remote" and not self.options.network):
                    continue  # an offline run fetches no remote file (as it asks no link)
                table = self._read(dist, entry, link_results, Path(folder), lists)
                entry["table"] = table.as_dict()
                entry["checked_at"] = utcnow().isoformat()
                entry["header_mismatch"] = bool(table.schema_declared and any(
                    code in ("incorrect-label", "missing-label", "extra-label") for code, _c in table.problems))
                findings.extend({**p.as_dict(), "distribution_id": dist.id} for p in table.problems.values())
                self.rows_done += table.rows
                self.expected.pop(dist.id, None)

        facts = metadata.Facts(
            ds=ds, today=self._today(), licence=session.get(Licence, ds.licence_code) if ds.licence_code else None,
            known_themes=lists["theme"], known_units=lists["admin_unit"],
            services=session.scalar(select(func.count()).select_from(dataservice_dataset).where(
                dataservice_dataset.c.dataset_id == ds.id)) or 0,
            files=entries, links=link_results,
        )
        outcomes = {**metadata.outcomes(facts), **tabular.outcomes(entries, findings)}
        scored = scoring.score(outcomes)
        tables = [e for e in entries if e.get("table")]
        report.checks = scored.checks
        report.findings = findings
        report.files = entries
        report.score, report.grade = scored.score, scored.grade
        for dim, value in scored.dimensions.items():
            setattr(report, f"score_{dim}", value)
        report.rows_checked = sum(int(e["table"].get("rows") or 0) for e in tables)
        report.rows_expected = report.rows_checked
        report.complete = all(e["table"].get("complete") for e in tables)
        report.status = "done"
        report.finished_at = report.heartbeat_at = utcnow()
        report.message = None
        write_grade(session, ds.id, report)
        session.commit()
        if self.progress is not None:
            self.progress(report)

    def _estimate(self, before: dict[str, dict[str, Any]]) -> None:
        """Rows expected in the files to read (stored text files are estimated from their size, others
        from the last report), so that progress reads "x of about y rows" from the start."""
        for dist in self.ds.distributions:
            fmt = metadata.normal_format(dist.format)
            if fmt not in tabular.TABULAR_FORMATS:
                continue
            old = (before.get(dist.id) or {}).get("table") or {}
            estimate = old.get("rows")
            if dist.file_path and fmt in ("CSV", "TSV"):
                with contextlib.suppress(OSError, ValueError):
                    estimate = tabular.estimate_rows(stored_files.resolve(self.cfg["UPLOAD_FOLDER"], dist.file_path))
            if estimate:
                self.expected[dist.id] = int(estimate)

    def _today(self) -> date:
        return utcnow().date()

    def _read(self, dist: Distribution, entry: dict[str, Any], link_results: dict[str, Any], folder: Path,
              lists: dict[str, frozenset[str]]) -> tabular.TableReport:
        fmt = tabular.TABULAR_FORMATS[entry["format"]]
        declared = encoding.charset_of(dist.media_type)
        self.report.message = dist.title_vi[:300]
        path = self._local(dist, entry, link_results, folder)
        if isinstance(path, tabular.TableReport):
            return path
        if declared is None and entry["source"] == "remote":
            answer = link_results.get(dist.download_url or dist.access_url or "")
            declared = encoding.charset_of((answer or {}).get("content_type"))
        limits = tabular.Limits(examples=int(self.cfg.get("QUALITY_EXAMPLES") or 20),
                                xlsx_max_bytes=int(self.cfg.get("QUALITY_XLSX_MAX_MB") or 500) * 1024 * 1024)
        name = dist.title_vi

        def progress(rows: int, estimate: int | None) -> None:
            self._tick(rows, estimate, dist.id)

        return tabular.check_table(path, fmt, schema=dist.table_schema, declared_encoding=declared, name=name,
                                   code_lists=lists, references=self._resolver(dist, folder, link_results),
                                   progress=progress, limits=limits)

    def _local(self, dist: Distribution, entry: dict[str, Any], link_results: dict[str, Any],
               folder: Path) -> Path | tabular.TableReport:
        """The file to read: the stored copy, or the remote one fetched into the run's folder."""
        if entry["source"] == "stored":
            try:
                return stored_files.local_copy(self.cfg["UPLOAD_FOLDER"], dist.file_path or "", folder / "stored")
            except (OSError, ValueError):
                return _failed_table(entry["format"], "file-missing")
        url = dist.download_url or dist.access_url or ""
        target = folder / f"{dist.id}.{(entry['format'] or 'bin').lower()}"
        try:
            return links.fetch_to_file(url, target, self.cfg)
        except FetchError as exc:
            return _failed_table(entry["format"], "fetch-failed", kind=exc.kind, status=exc.status,
                                 detail=exc.message[:300])
        except OSError as exc:
            return _failed_table(entry["format"], "fetch-failed", kind="io", detail=str(exc)[:300])

    def _resolver(self, dist: Distribution, folder: Path,
                  link_results: dict[str, Any]) -> tabular.ReferenceResolver:
        """Foreign keys name another distribution of the dataset by title, file name or id."""

        def resolve(name: str) -> tabular.Reference | None:
            wanted = name.strip().lower()
            for other in self.ds.distributions:
                if other.id == dist.id:
                    continue
                names = {other.id.lower(), (other.title_vi or "").lower(), (other.title_en or "").lower()}
                if other.file_name:
                    names |= {other.file_name.lower(), other.file_name.rsplit(".", 1)[0].lower()}
                if wanted not in names:
                    continue
                entry = file_entry(other, self.cfg["UPLOAD_FOLDER"])
                if not entry["tabular"]:
                    return None
                local = self._local(other, entry, link_results, folder)
                if isinstance(local, tabular.TableReport):
                    return None
                return tabular.Reference(local, tabular.TABULAR_FORMATS[entry["format"]], other.table_schema,
                                         encoding.charset_of(other.media_type))
            return None

        return resolve


def _failed_table(fmt: str | None, code: str, **params: Any) -> tabular.TableReport:
    table = tabular.TableReport(format=fmt or "?")
    table.fatal = code
    problem = table.problem(code, **{k: v for k, v in params.items() if k != "detail" and v is not None})
    problem.count = 1
    if params.get("detail"):
        problem.examples.append({"note": params["detail"]})
    return table


def write_grade(session: Session, dataset_id: str, report: QualityReport) -> None:
    """Put the grade on the dataset without touching its `updated_at` (a check is not an edit), and
    announce the change so that the search index follows (reason "quality": our own receiver ignores it)."""
    session.execute(update(Dataset).where(Dataset.id == dataset_id).values(
        quality_grade=report.grade, quality_score=report.score, quality_checked_at=report.finished_at,
        updated_at=Dataset.updated_at))
    note_changes(session, "dataset", [dataset_id])
    session.info["change_reason"] = REASON


def personal_columns(report: QualityReport | None) -> list[dict[str, Any]]:
    """Columns of a report's files that hold personal data: [{file, column, kind, count}]."""
    out = []
    for entry in (report.files if report else None) or []:
        for item in (entry.get("table") or {}).get("personal") or []:
            out.append({"file": entry.get("title"), "column": item["column"], "kind": item["kind"],
                        "count": item["count"]})
    return out


# --- re-scoring without reading files ------------------------------------------------------------


def rescore(app: Flask, dataset_id: str, trigger: str = "schedule") -> QualityReport | None:
    """Judge metadata, freshness and remembered links again, reusing the last data results. A new
    report is kept only if a score changed; otherwise the last one stands. Returns the report now
    in force, or None when the dataset was never checked (a full check is due) or is being checked."""
    session = registry_db(app).session_factory()
    try:
        ds = session.get(Dataset, dataset_id)
        if ds is None or active_report(session, dataset_id) is not None:
            return None
        previous = latest_report(session, dataset_id)
        if previous is None:
            return None  # never checked: a re-score would judge its files unread; a full check is due
        report, _created = request_check(session, ds, trigger)
        session.commit()
        report_id = report.id
    finally:
        session.close()
    fresh = run_report(app, report_id, RunOptions(data=False, network=False))
    if previous is None or fresh.status != "done" or _scores(fresh) != _scores(previous):
        return fresh
    # nothing changed: drop the new copy and keep the previous report in force
    session = registry_db(app).session_factory()
    try:
        stale = session.get(QualityReport, report_id)
        if stale is not None:
            session.delete(stale)
        session.commit()
        return session.get(QualityReport, previous.id)
    finally:
        session.close()


def _scores(report: QualityReport) -> tuple[Any, ...]:
    return (report.score, report.grade, *report.dimension_scores().values())


# --- dashboards -----------------------------------------------------------------------------------


@dataclass
class Summary:
    datasets: int
    checked: int
    average: int | None
    grades: dict[str, int]
    dimensions: dict[str, int | None]
    worst: list[Dataset]
    trend: list[tuple[datetime, int | None]]
    by_organization: list[tuple[Organization, int, int | None]]


def _scope(reader: policy.Reader, organization: str | None) -> list[Any]:
    from ..services.listing import org_tree_ids

    conditions: list[Any] = [policy.dataset_visibility(reader), Dataset.status == "published"]
    if organization:
        conditions.append(Dataset.publisher_id.in_(org_tree_ids(organization)))
    return conditions


def summary(session: Session, reader: policy.Reader, organization: str | None = None, worst: int = 10,
            points: int = 12) -> Summary:
    """Grades, averages, worst datasets and the trend, over the datasets the reader may see
    (the access policy is part of every query)."""
    scope = _scope(reader, organization)
    total = session.scalar(select(func.count()).select_from(Dataset).where(*scope)) or 0
    grades = dict.fromkeys([g for _low, g in scoring.GRADES], 0)
    for grade, n in session.execute(select(Dataset.quality_grade, func.count()).where(*scope)
                                    .group_by(Dataset.quality_grade)):
        if grade in grades:
            grades[grade] = n
    checked = sum(grades.values())
    average = session.scalar(select(func.avg(Dataset.quality_score)).where(*scope))
    worst_rows = list(session.scalars(
        select(Dataset).where(*scope, Dataset.quality_score.is_not(None)).options(selectinload(Dataset.publisher))
        .order_by(Dataset.quality_score.asc(), Dataset.title_vi).limit(worst)))
    dims = _dimension_averages(session, scope)
    by_org = []
    if not organization:
        rows = session.execute(select(Dataset.publisher_id, func.count(), func.avg(Dataset.quality_score))
                               .where(*scope).group_by(Dataset.publisher_id))
        orgs = {o.id: o for o in session.scalars(select(Organization))}
        by_org = sorted(((orgs[pid], n, round(avg) if avg is not None else None) for pid, n, avg in rows
                         if pid in orgs), key=lambda t: (t[2] is None, t[2] or 0, t[0].name_vi))
    return Summary(total, checked, round(average) if average is not None else None, grades, dims, worst_rows,
                   trend(session, scope, points), by_org)


def _latest_ids(until: datetime | None = None) -> Any:
    query = select(func.max(QualityReport.id).label("id")).where(QualityReport.status == "done")
    if until is not None:
        query = query.where(QualityReport.finished_at <= until)
    return query.group_by(QualityReport.dataset_id).subquery()


def _dimension_averages(session: Session, scope: list[Any]) -> dict[str, int | None]:
    latest = _latest_ids()
    columns = [func.avg(getattr(QualityReport, f"score_{d}")) for d in scoring.DIMENSIONS]
    row = session.execute(select(*columns).join(latest, latest.c.id == QualityReport.id)
                          .join(Dataset, Dataset.id == QualityReport.dataset_id).where(*scope)).one()
    return {d: (round(v) if v is not None else None) for d, v in zip(scoring.DIMENSIONS, row, strict=True)}


def trend(session: Session, scope: list[Any], points: int = 12) -> list[tuple[datetime, int | None]]:
    """Average score of the datasets in scope as it stood at the end of each day (or week, for a
    longer history): each dataset counts with its latest report finished by then."""
    first = session.scalar(select(func.min(QualityReport.finished_at)).join(
        Dataset, Dataset.id == QualityReport.dataset_id).where(QualityReport.status == "done", *scope))
    if first is None:
        return []
    now = utcnow()
    span = max(timedelta(days=1), now - first)
    step = timedelta(days=1) if span <= timedelta(days=points) else timedelta(days=7)
    out = []
    for n in range(points - 1, -1, -1):
        until = now - step * n
        if until < first and n:
            continue
        latest = _latest_ids(until)
        value = session.scalar(select(func.avg(QualityReport.score)).join(latest, latest.c.id == QualityReport.id)
                               .join(Dataset, Dataset.id == QualityReport.dataset_id).where(*scope))
        out.append((until, round(value) if value is not None else None))
    return out
