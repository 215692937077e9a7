"""`flask --app catalog search ...`: rebuild the index, look at it, try a query."""

from __future__ import annotations

import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup

search_cli = AppGroup("search", help="The search index.")


@search_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the index from the registry (into a new index, swapped in when complete)."""
    from .indexer import reindex

    started = time.perf_counter()
    bar: list = []

    def on_total(total: int) -> None:
        bar.append(click.progressbar(length=total, label="Indexing", show_pos=True))
        bar[0].__enter__()

    try:
        count = reindex(current_app, progress=lambda n: bar[0].update(n) if bar else None, on_total=on_total)
    finally:
        if bar:
            bar[0].__exit__(None, None, None)
    backend = current_app.extensions["catalog_search"]
    click.echo(f"Indexed {count} records with the {backend.name} backend in {time.perf_counter() - started:.1f} s.")


@search_cli.command("check")
@click.option("--fix", is_flag=True, help="index what the index missed and drop what the registry no longer holds")
def check_command(fix: bool) -> None:
    """Does the index agree with the registry? (after a crash; exit 1 when not, unless fixed)"""
    from .indexer import check

    result = check(current_app, fix=fix)
    click.echo(f"{result.notes} unindexed commits in the journal, {len(result.missing)} records missing from "
               f"the index, {len(result.extra)} in the index but not in the registry"
               + (" (fixed)" if result.fixed else ""))
    if not result.consistent and not result.fixed:
        sys.exit(1)


@search_cli.command("query")
@click.argument("text")
@click.option("--type", "kind", default="dataset", show_default=True)
@click.option("--as-admin", is_flag=True, help="search as a site administrator (default: the public)")
def query_command(text: str, kind: str, as_admin: bool) -> None:
    """Run a search and print the hits (to check the index from a shell)."""
    from werkzeug.datastructures import MultiDict

    from .. import policy
    from ..db import session_scope
    from .service import SearchParams, search

    reader = policy.Reader(user_id="cli", is_admin=True) if as_admin else policy.ANONYMOUS
    with session_scope() as session:
        page = search(session, reader, SearchParams.from_args(MultiDict({"q": text, "type": kind})))
    click.echo(f"{page.total} found" + (f" (did you mean: {page.did_you_mean})" if page.did_you_mean else ""))
    for result in page.results:
        click.echo(f"  {result.title}")
