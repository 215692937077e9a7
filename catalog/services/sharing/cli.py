"""`flask --app catalog sharing ...`: the periodic housekeeping on demand, and the reports."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ...db import session_scope
from ...models import Organization
from . import housekeeping, reports

sharing_cli = AppGroup("sharing", help="Sharing requests and agreements between agencies.")


@sharing_cli.command("housekeeping")
def run_housekeeping() -> None:
    """Flag overdue requests, end expired agreements, start and end announced suspensions."""
    with session_scope() as session:
        done = housekeeping.run(session)
    click.echo(f"overdue flagged: {done.overdue}, agreements expired: {done.expired}, "
               f"suspensions started: {done.suspended}, ended: {done.resumed}")


@sharing_cli.command("report")
@click.option("--org", "org_code", default=None, help="only this agency (its code)")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table")
def report(org_code: str | None, as_csv: bool) -> None:
    """Requests sent and received per agency: decisions, delays, agreements in force."""
    with session_scope() as session:
        org_ids = None
        if org_code:
            org = session.scalar(select(Organization).where(Organization.code == org_code))
            if org is None:
                raise click.BadParameter(f"unknown organisation {org_code}", param_hint="--org")
            org_ids = [org.id]
        rows = reports.figures(session, org_ids)
        if as_csv:
            sys.stdout.write(reports.to_csv(rows))
            return
        click.echo(f"{'agency':16} {'sent':>5} {'recv':>5} {'appr':>5} {'part':>5} {'refu':>5} {'wait':>5} "
                   f"{'late!':>5} {'median wd':>9}")
        for r in rows:
            median = "-" if r.median_days_to_decide is None else f"{r.median_days_to_decide:g}"
            click.echo(f"{r.organization.code:16} {r.sent:5} {r.received:5} {r.approved:5} {r.partially_approved:5} "
                       f"{r.refused:5} {r.waiting:5} {r.overdue:5} {median:>9}")
