"""`flask --app catalog quality ...`: run the checks, ask the links, show a report, print the weights."""

from __future__ import annotations

import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..db import session_scope
from ..models import Dataset, Organization, QualityReport
from ..services.listing import org_tree_ids
from . import scoring, service
from . import tasks as _tasks

quality_cli = AppGroup("quality", help="Data quality checks (đúng, đủ, sạch, sống, thống nhất, dùng chung).")


def _dataset_ids(org: str | None, dataset: str | None) -> list[tuple[str, str]]:
    with session_scope() as session:
        query = select(Dataset.id, Dataset.slug).order_by(Dataset.slug)
        if dataset:
            query = query.where((Dataset.slug == dataset) | (Dataset.id == dataset))
        if org:
            if session.scalar(select(Organization.id).where(Organization.code == org)) is None:
                raise click.BadParameter(f"no organization has the code {org!r}", param_hint="--org")
            query = query.where(Dataset.publisher_id.in_(org_tree_ids(org)))
        rows = [(r.id, r.slug) for r in session.execute(query)]
    if dataset and not rows:
        raise click.BadParameter(f"no dataset {dataset!r}", param_hint="--dataset")
    return rows


@quality_cli.command("run")
@click.option("--org", help="only this agency's datasets (and its units')")
@click.option("--dataset", help="only this dataset (slug or id)")
@click.option("--offline", is_flag=True, help="ask no server: links keep their remembered answers, remote files "
                                               "are not fetched")
@click.option("--force", is_flag=True, help="read every file again, even those unchanged since the last report")
@click.option("--quiet", is_flag=True, help="no progress bar")
def run_command(org: str | None, dataset: str | None, offline: bool, force: bool, quiet: bool) -> None:
    """Check datasets now, here (a progress bar counts datasets; rows show for large files)."""
    app = current_app._get_current_object()
    targets = _dataset_ids(org, dataset)
    options = service.RunOptions(network=not offline, force=force)
    started = time.perf_counter()
    results: list[QualityReport] = []
    skipped = []
    rows = 0
    with click.progressbar(targets, label="Checking", show_pos=True, file=sys.stderr, hidden=quiet,
                           item_show_func=lambda t: t[1][:40] if t else None) as bar:
        for dataset_id, slug in bar:

            def progress(report: QualityReport, slug: str = slug) -> None:
                if not quiet and report.status == "running" and report.rows_checked:
                    expected = f"/~{report.rows_expected:,}" if report.rows_expected else ""
                    bar.label = f"Checking {slug[:30]} {report.rows_checked:,}{expected} rows"
                    bar.render_progress()

            try:
                report = service.check_dataset(app, dataset_id, "cli", options, progress)
            except service.AlreadyChecking:
                skipped.append(slug)
                continue
            bar.label = "Checking"
            results.append(report)
            rows += report.rows_checked or 0
    grades: dict[str, int] = {}
    for report in results:
        key = report.grade or ("failed" if report.status == "failed" else "-")
        grades[key] = grades.get(key, 0) + 1
    spread = " · ".join(f"{g}: {n}" for g, n in sorted(grades.items()))
    click.echo(f"Checked {len(results)} datasets ({rows:,} rows) in {time.perf_counter() - started:.1f} s. {spread}")
    for report in results:
        if report.status == "failed":
            click.echo(f"  failed: {report.dataset_id}: {report.message}", err=True)
    if skipped:
        click.echo(f"  already being checked: {', '.join(skipped)}")


@quality_cli.command("harvested")
@click.option("--source", help="only this harvest source (its slug)")
@click.option("--limit", type=click.IntRange(min=1), help="check at most this many datasets")
def harvested_command(source: str | None, limit: int | None) -> None:
    """Run the quality checks harvests left pending (new or changed datasets), asking no server."""
    from ..models import HarvestSource

    source_id = None
    if source:
        with session_scope() as session:
            source_id = session.scalar(select(HarvestSource.id).where(HarvestSource.slug == source))
        if source_id is None:
            raise click.BadParameter(f"no harvest source {source!r}", param_hint="--source")
    started = time.perf_counter()
    done = _tasks.check_harvested(current_app._get_current_object(), source_id, limit)
    click.echo(f"Checked {done} harvested datasets in {time.perf_counter() - started:.1f} s.")


@quality_cli.command("links")
@click.option("--org", help="only this agency's datasets")
@click.option("--dataset", help="only this dataset (slug or id)")
def links_command(org: str | None, dataset: str | None) -> None:
    """Ask every link of the datasets now (ignoring remembered answers) and list those that fail."""
    from . import links, metadata

    app = current_app._get_current_object()
    targets = _dataset_ids(org, dataset)
    failed = 0
    asked = 0
    with session_scope() as session:
        for dataset_id, slug in targets:
            ds = session.get(Dataset, dataset_id)
            urls = metadata.link_targets(ds) if ds is not None else []
            answers = links.check_links(session, urls, app.config["CATALOG"], force=True)
            asked += len(urls)
            for url in urls:
                row = answers[url]
                if not row.ok:
                    failed += 1
                    click.echo(f"{slug}: {url} -> {row.status_code or row.error_kind} {row.error or ''}".rstrip())
    click.echo(f"Asked {asked} links, {failed} failed.")
    _tasks.rescore_many(app, [t[0] for t in targets])


@quality_cli.command("show")
@click.argument("dataset")
def show_command(dataset: str) -> None:
    """Print a dataset's latest report: scores, failed checks, findings."""
    with session_scope() as session:
        ds = session.scalar(select(Dataset).where((Dataset.slug == dataset) | (Dataset.id == dataset)))
        if ds is None:
            raise click.BadParameter(f"no dataset {dataset!r}")
        report = service.latest_report(session, ds.id)
        if report is None:
            click.echo(f"{ds.slug}: not checked yet (flask --app catalog quality run --dataset {ds.slug})")
            return
        click.echo(f"{ds.slug}: grade {report.grade}, score {report.score} ({report.finished_at:%Y-%m-%d %H:%M} UTC, "
                   f"{report.rows_checked:,} rows{'' if report.complete else ', INCOMPLETE'})")
        click.echo("  " + " · ".join(f"{scoring.DIMENSION_WORDS[d]} {v if v is not None else '-'}"
                                     for d, v in report.dimension_scores().items()))
        for check in report.checks:
            if check["status"] in ("fail", "partial"):
                click.echo(f"  {check['id']:26} {check['earned']:>5}/{check['points']:<3} {check['detail']}")
        for item in report.findings:
            where = f" [{item['column']}]" if item.get("column") else ""
            click.echo(f"  - {item['code']}{where}: {item['count']:,}")


@quality_cli.command("weights")
def weights_command() -> None:
    """Print the table of checks and points (the README's "Data quality" table)."""
    click.echo(scoring.weights_markdown("en"))
