"""`flask --app catalog public-files build [--dataset KEY]`: make the public copies of open files."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ...db import session_scope
from ...models import Dataset, Distribution
from .. import public_files

public_files_cli = AppGroup("public-files", help="Previews, conversions and rows tables of open tabular files.")


@public_files_cli.command("build")
@click.option("--dataset", "key", help="only this dataset (slug or id)")
@click.option("--force", is_flag=True, help="make them again even when the file has not changed")
def build(key: str | None, force: bool) -> None:
    """Prepare every stored tabular file of open, published datasets (others' copies are removed)."""
    with session_scope() as session:
        query = select(Distribution.id).join(Dataset).order_by(Dataset.slug, Distribution.position)
        if key:
            query = query.where((Dataset.slug == key) | (Dataset.id == key))
        ids = list(session.scalars(query))
    if key and not ids:
        raise click.BadParameter(f"no dataset {key!r} with files", param_hint="--dataset")
    ready = failed = skipped = 0
    for dist_id in ids:
        with session_scope() as session:
            dist = session.get(Distribution, dist_id)
            record = public_files.prepare(session, dist, inline=True, force=force) if dist is not None else None
            session.commit()
            if record is None:
                skipped += 1
                continue
            if record.status == "ready":
                ready += 1
                click.echo(f"{dist.dataset.slug} {dist.id}: {record.row_count} rows")
            else:
                failed += 1
                click.echo(f"{dist.dataset.slug} {dist.id}: failed: {record.message}", err=True)
    click.echo(f"{ready} ready, {failed} failed, {skipped} not public or not tabular")
