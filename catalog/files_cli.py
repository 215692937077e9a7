"""`flask --app catalog files check [--fix]`: after a crash, do stored files and the registry agree?"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from .db import session_scope
from .services import file_check

files_cli = AppGroup("files", help="Stored files, conversions and rows tables against the registry.")


@files_cli.command("check")
@click.option("--fix", is_flag=True, help="remove what no row names (orphans, part files, stale conversions)")
@click.option("--checksums", is_flag=True, help="also read every stored file and compare its SHA-256")
@click.option("--grace-minutes", default=file_check.GRACE_SECONDS // 60, show_default=True,
              help="leave alone what is younger than this (a write may be in progress)")
def check_command(fix: bool, checksums: bool, grace_minutes: int) -> None:
    """List leftovers of interrupted writes (and remove them with --fix); exit 1 when a row names a
    missing or changed file, which needs a person."""
    with session_scope() as session:
        report = file_check.check(session, current_app.config["CATALOG"], fix=fix, checksums=checksums,
                                  grace=max(0, grace_minutes) * 60)
    sections = (("missing file", report.missing), ("checksum differs", report.mismatched),
                ("orphan file", report.orphans), ("part file", report.partial),
                ("stale conversion", report.stale_conversions), ("stale rows table", report.stale_tables))
    for label, items in sections:
        for item in items:
            click.echo(f"{label}: {item}" + (" (removed)" if item in report.fixed else ""))
    click.echo(f"{len(report.missing)} missing, {len(report.mismatched)} changed, "
               f"{len(report.leftovers)} leftovers ({len(report.fixed)} removed)")
    if report.broken:
        sys.exit(1)
