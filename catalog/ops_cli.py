"""Command line for operators: `backup`, `restore` and `migrate-data` (see README "Production")."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from alembic import command
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from . import migrate
from .db import make_engine
from .services import audit, backup, transfer


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@click.command("backup")
@with_appcontext
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(dest: Path) -> None:
    """Write the registry, the stored files and a manifest with checksums to DEST (a .tar file;
    .tar.gz or .tgz compresses it)."""
    try:
        manifest = backup.make_backup(current_app._get_current_object(), dest, progress=click.echo)
    except backup.BackupError as exc:
        _fail(f"Backup failed: {exc}")
    rows = sum(t["rows"] for t in manifest["tables"].values())
    size = sum(f["size"] for f in manifest["files"])
    click.echo(f"Backup written to {dest}: {rows} rows in {len(manifest['tables'])} tables, "
               f"{len(manifest['files'])} files ({size} bytes), {manifest['audit']['events']} audit events.")


@click.command("restore")
@with_appcontext
@click.argument("src", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace everything this instance holds (refused otherwise).")
def restore_command(src: Path, force: bool) -> None:
    """Restore a backup made by `backup` into this instance (empty, unless --force)."""
    try:
        report = backup.restore(current_app._get_current_object(), src, force=force, progress=click.echo)
    except backup.BackupError as exc:
        _fail(f"Restore refused: {exc}")
    click.echo(f"Restored {sum(report.rows.values())} rows and {report.files} files; audit chain intact "
               f"({report.audit_events} events); {report.indexed} records indexed.")


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return ",".join(sorted(conn.scalars(text("SELECT version_num FROM alembic_version")))) or None


@click.command("migrate-data")
@with_appcontext
@click.option("--from", "source_url", required=True, help="SQLAlchemy URL of the registry to copy from.")
@click.option("--to", "target_url", required=True, help="SQLAlchemy URL of the registry to copy into.")
@click.option("--batch", default=transfer.BATCH, show_default=True, help="Rows written per statement.")
@click.option("--force", is_flag=True, help="Empty the target first if it holds rows (refused otherwise).")
@click.option("--reindex/--no-reindex", default=True, help="Rebuild the search index for the target.")
def migrate_data_command(source_url: str, target_url: str, batch: int, force: bool, reindex: bool) -> None:
    """Copy every table from one registry to another (e.g. SQLite to PostgreSQL), in dependency
    order and in batches, then reset the target's sequences and check its audit chain."""
    if batch < 1:
        _fail("--batch must be at least 1.")
    source, target = make_engine(source_url), make_engine(target_url)
    try:
        revision = _revision(source)
        if revision is None:
            _fail("The source has no schema revision: is it a catalogue registry?")
        # the target gets the source's schema, the rows, then the newest schema
        command.upgrade(migrate.alembic_config(target_url), revision)
        if _revision(target) != revision:
            _fail(f"The target's schema is at {_revision(target)}, the source's at {revision}: "
                  f"use an empty target database.")
        if not transfer.is_empty(target):
            if not force:
                _fail("The target already holds rows: use an empty database, or --force to replace them.")
            with target.begin() as conn:
                transfer.clear(conn)
        with source.connect() as conn:
            total = sum(transfer.counts(conn).values())
        with click.progressbar(length=total, label="Copying rows", show_pos=True) as bar:
            copied = transfer.copy_all(source, target, batch, progress=lambda _name, n: bar.update(n))
        command.upgrade(migrate.alembic_config(target_url), "heads")
        with source.connect() as a, target.connect() as b:
            before, after = transfer.counts(a), transfer.counts(b)
        different = [name for name in before if before[name] != after.get(name)]
        if different:
            _fail(f"Row counts differ after the copy in: {', '.join(different)}.")
        with Session(target) as s:
            chain = audit.verify_chain(s)
        if not chain.ok:
            _fail(f"The audit chain does not verify on the target (event {chain.broken_at}: {chain.reason}).")
    finally:
        source.dispose()
        target.dispose()
    click.echo(f"Copied {sum(copied.values())} rows of {len(copied)} tables; audit chain intact on the target "
               f"({chain.checked} events).")
    if reindex:
        from . import create_app
        from .search.indexer import reindex as rebuild

        app = create_app({**current_app.config["CATALOG"], "DATABASE_URL": target_url, "SEARCH_BACKEND": "auto",
                          "SEARCH_INDEX_DIR": None, "UPLOAD_FOLDER": current_app.config["CATALOG"]["UPLOAD_FOLDER"],
                          "SCHEDULER": False})
        try:
            count = rebuild(app)
        finally:
            from .db import registry_db

            registry_db(app).engine.dispose()
        click.echo(f"Search index rebuilt for the target: {count} records.")


COMMANDS = (backup_command, restore_command, migrate_data_command)
