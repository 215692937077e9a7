"""`flask --app catalog harvest ...`: run sources, list them, read their jobs and errors, load the demo."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from marshmallow import ValidationError
from sqlalchemy import or_, select

from catalog.config import PROJECT_ROOT
from catalog.db import session_scope
from catalog.models import HarvestError, HarvestJob, HarvestSource
from catalog.schemas.base import field_errors
from catalog.services import harvest as service
from catalog.services.actor import system_actor

from . import fidelity
from . import jobs as _jobs  # noqa: F401 - registers the harvest tasks in CLI processes too
from .runner import AlreadyRunning, Summary, run_source

harvest_cli = AppGroup("harvest", help="Harvest sources: run them, read their jobs and errors.")

DEMO_FILE = PROJECT_ROOT / "seed" / "harvest" / "sources.json"


def _source(session: object, key: str) -> HarvestSource:
    src = session.scalar(select(HarvestSource).where(or_(HarvestSource.slug == key, HarvestSource.id == key)))  # type: ignore[attr-defined]
    if src is None:
        raise click.BadParameter(f"no harvest source {key!r} (see `flask --app catalog harvest list`)")
    return src


class _Bar:
    """A one-line progress bar on standard error: records seen, of the total when the source says it."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, job: HarvestJob) -> None:
        if not self.enabled:
            return
        seen = job.new + job.updated + job.unchanged + job.failed
        if job.total:
            done = min(1.0, seen / job.total)
            bar = "#" * int(done * 30)
            line = f"[{bar:<30}] {seen:>8,}/{job.total:,}"
        else:
            line = f"{seen:>8,} records"
        line += f"  new {job.new:,} · updated {job.updated:,} · unchanged {job.unchanged:,} · failed {job.failed:,}"
        click.echo("\r" + line, nl=False, err=True)

    def close(self) -> None:
        if self.enabled:
            click.echo("", err=True)


def _summary(summary: Summary) -> str:
    c = summary.counts
    lines = [
        f"Job {summary.job_id} of {summary.source}: {summary.status} in {summary.duration_s:.1f} s",
        f"  new {c['new']:,} · updated {c['updated']:,} · unchanged {c['unchanged']:,} · "
        f"withdrawn {c['withdrawn']:,} · failed {c['failed']:,} · warnings {c['warnings']:,}",
    ]
    if not summary.gather_complete and summary.status == "succeeded":
        lines.append("  the source was not read completely, so nothing was withdrawn")
    if summary.message:
        lines.append(f"  {summary.message}")
    if kept := fidelity.summary_text(summary.fidelity, limit=5):
        lines.append(f"  {kept}")
    if c["failed"] or c["warnings"]:
        lines.append(f"  details: flask --app catalog harvest errors {summary.job_id}")
    return "\n".join(lines)


@harvest_cli.command("run")
@click.argument("source")
@click.option("--full", is_flag=True, help="read everything and rewrite every record (ignore what is unchanged)")
@click.option("--quiet", is_flag=True, help="no progress bar")
@click.option("--dry-run", "dry_run", is_flag=True,
              help="show what a harvest would create, change and withdraw, saving nothing")
def run_cmd(source: str, full: bool, quiet: bool, dry_run: bool) -> None:
    """Run SOURCE (its slug) now, here, with a progress bar and a summary."""
    with session_scope() as session:
        source_id = _source(session, source).id
    if dry_run:
        from .preview import preview_source

        click.echo(_preview(preview_source(current_app._get_current_object(), source_id)))
        return
    bar = _Bar(enabled=not quiet and sys.stderr.isatty())
    try:
        app = current_app._get_current_object()
        # with workers (server mode) the quality checks are queued; without, the scheduled job runs them
        summary = run_source(app, source_id, triggered_by="cli", progress=bar, full=full,
                             queue_checks=bool(app.config["CATALOG"]["CELERY_BROKER_URL"]))
    except AlreadyRunning as exc:
        click.echo(f"Not started: {exc}.", err=True)
        sys.exit(1)
    finally:
        bar.close()
    click.echo(_summary(summary))
    counts = summary.counts
    if (app.config["CATALOG"]["QUALITY_AUTO"] and not app.config["CATALOG"]["CELERY_BROKER_URL"]
            and counts.get("new", 0) + counts.get("updated", 0)):
        click.echo(f"Quality checks of the new and changed datasets run with the scheduled jobs; to run them now: "
                   f"flask --app catalog quality harvested --source {source}")
    if summary.status != "succeeded":
        sys.exit(1)


def _preview(p: Any, shown: int = 20) -> str:
    lines = [f"Dry run of {p.source}: nothing was saved."]
    for label, items in (("new", p.new), ("changed", p.changed), ("withdrawn", p.withdrawn)):
        lines.append(f"  would be {label}: {len(items)}" + (f" ({', '.join(items[:shown])}"
                                                            f"{', …' if len(items) > shown else ''})" if items else ""))
    lines.append(f"  unchanged: {p.unchanged}")
    lines.append(f"  not taken: {len(p.invalid)}")
    lines += [f"    {rid or '—'}: {message}" for rid, message in p.invalid[:shown]]
    if not p.complete:
        lines.append("  the gather was incomplete" + (f" ({p.message})" if p.message else "")
                     + ": nothing would be withdrawn")
    return "\n".join(lines)


@harvest_cli.command("list")
def list_cmd() -> None:
    """Every source, its protocol, owner, schedule and last result."""
    with session_scope() as session:
        sources = session.scalars(select(HarvestSource).order_by(HarvestSource.slug)).all()
        if not sources:
            click.echo("No harvest sources yet (try `flask --app catalog harvest demo`).")
        for src in sources:
            counts = service.record_counts(session, src)
            last = f"{src.last_status or 'never run'}"
            if src.last_job_at:
                last += f" {src.last_job_at:%Y-%m-%d %H:%M}"
            state = "" if src.enabled else " (off)"
            click.echo(f"{src.slug:36} {src.protocol:11} {src.organization.code:12} {src.schedule:7} "
                       f"{last:28} {counts.get('active', 0):>7,} active {counts.get('withdrawn', 0):>6,} "
                       f"withdrawn{state}")


@harvest_cli.command("jobs")
@click.argument("source")
@click.option("--limit", default=20, show_default=True)
def jobs_cmd(source: str, limit: int) -> None:
    """The last jobs of SOURCE with their counts."""
    with session_scope() as session:
        src = _source(session, source)
        page = service.list_jobs(session, src, per_page=limit)
        for job in page.items:
            when = f"{job.started_at or job.created_at:%Y-%m-%d %H:%M}"
            took = f"{job.duration_s:.1f}s" if job.duration_s is not None else "-"
            c = job.counts()
            click.echo(f"{job.id:>6} {when} {job.status:9} {took:>8}  new {c['new']:,} · updated {c['updated']:,} "
                       f"· unchanged {c['unchanged']:,} · withdrawn {c['withdrawn']:,} · failed {c['failed']:,}"
                       + (f" · kept {kept} % of source fields" if (kept := fidelity.kept_percent(job.fidelity))
                          is not None else "")
                       + (f"  {job.message}" if job.message else ""))


@harvest_cli.command("errors")
@click.argument("job_id", type=int)
@click.option("--level", type=click.Choice(["error", "warning", "all"]), default="all", show_default=True)
def errors_cmd(job_id: int, level: str) -> None:
    """The log of job JOB_ID: every record that failed, and the warnings."""
    with session_scope() as session:
        job = session.get(HarvestJob, job_id)
        if job is None:
            raise click.BadParameter(f"no job {job_id}")
        q = select(HarvestError).where(HarvestError.job_id == job_id).order_by(HarvestError.id)
        if level != "all":
            q = q.where(HarvestError.level == level)
        count = 0
        for err in session.scalars(q):
            count += 1
            click.echo(f"{err.level:7} {err.kind:14} {err.remote_id or '-':40} {err.message}")
        if not count:
            click.echo(f"Job {job_id} ({job.status}) logged nothing at this level.")
        if job.warnings_not_stored and level != "error":
            click.echo(f"{job.warnings:,} warnings in all; {job.warnings_not_stored:,} of them were counted but not "
                       "stored")
        if kept := fidelity.summary_text(job.fidelity, limit=50):
            click.echo(f"Fidelity: {kept}")


def _fail(err: ValidationError) -> None:
    for field, messages in field_errors(err).items():
        click.echo(f"  {field}: {' '.join(messages)}", err=True)
    sys.exit(2)


@harvest_cli.command("add")
@click.option("--name", required=True)
@click.option("--protocol", required=True, type=click.Choice(["ckan", "dcat", "csw", "spreadsheet", "sqldb",
                                                              "datapackage", "openapi"]))
@click.option("--url", required=True, help="address, or a database URL for sqldb")
@click.option("--organization", required=True, help="code of the owning agency")
@click.option("--database", default=None, help="code of the database (needed for sqldb)")
@click.option("--access-level", default="open", type=click.Choice(["open", "shared", "restricted"]))
@click.option("--licence", default=None)
@click.option("--schedule", default="manual", type=click.Choice(["manual", "daily", "weekly"]))
@click.option("--filters", default="{}", help="JSON object, e.g. '{\"organizations\": [\"so-tai-chinh\"]}'")
@click.option("--authoritative", is_flag=True)
def add_cmd(name: str, protocol: str, url: str, organization: str, database: str | None, access_level: str,
            licence: str | None, schedule: str, filters: str, authoritative: bool) -> None:
    """Register a source."""
    try:
        parsed = json.loads(filters)
    except ValueError as exc:
        raise click.BadParameter(f"--filters is not JSON: {exc}") from exc
    data = {"name": name, "protocol": protocol, "url": url, "organization": organization, "database": database,
            "default_access_level": access_level, "default_licence": licence, "schedule": schedule,
            "filters": parsed, "authoritative": authoritative}
    try:
        with session_scope() as session:
            src = service.create_source(session, system_actor("cli"), data, current_app.config["SECRET_KEY"])
            click.echo(f"Registered {src.slug}; run it with: flask --app catalog harvest run {src.slug}")
    except ValidationError as err:
        _fail(err)


def load_demo_sources(path: Path = DEMO_FILE) -> list[str]:
    """Register (or bring in line) the demo sources of seed/harvest; returns their slugs."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    slugs = []
    with session_scope() as session:
        actor = system_actor("seed")
        for entry in entries:
            src = session.scalar(select(HarvestSource).where(HarvestSource.slug == entry["slug"]))
            if src is None:
                service.create_source(session, actor, entry, current_app.config["SECRET_KEY"])
            else:
                service.update_source(session, actor, src, entry, current_app.config["SECRET_KEY"])
            slugs.append(entry["slug"])
    return slugs


@harvest_cli.command("demo")
@click.option("--no-run", is_flag=True, help="only register the demo sources")
def demo_cmd(no_run: bool) -> None:
    """Register the demo sources of seed/harvest and harvest them (safe to run again)."""
    try:
        slugs = load_demo_sources()
    except ValidationError as err:
        click.echo("The demo sources in seed/harvest/sources.json are not valid:", err=True)
        _fail(err)
    if no_run:
        click.echo(f"Registered {len(slugs)} demo sources.")
        return
    failed = False
    for slug in slugs:
        with session_scope() as session:
            source_id = _source(session, slug).id
        try:
            summary = run_source(current_app._get_current_object(), source_id, triggered_by="demo")
        except AlreadyRunning as exc:
            click.echo(f"{slug}: not started: {exc}", err=True)
            continue
        click.echo(_summary(summary))
        failed = failed or summary.status != "succeeded"
    if failed:
        sys.exit(1)
