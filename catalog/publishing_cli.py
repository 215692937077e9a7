"""`flask --app catalog publish demo|request|approve|refuse|gates`: the publication procedure by command."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from marshmallow import ValidationError

from .config import PROJECT_ROOT
from .db import session_scope
from .schemas.base import field_errors
from .services import publish_demo, publishing
from .services.common import dataset_by_key

publish_cli = AppGroup("publish", help="Publishing open data through the gates and a steward's approval.")


def _fail(err: Exception) -> None:
    if isinstance(err, publishing.GatesFailed):
        click.echo("Blocked by the gates:", err=True)
        for line in publish_demo.gate_lines(err.gates):
            click.echo(line, err=True)
    elif isinstance(err, ValidationError):
        for name, messages in field_errors(err).items():
            click.echo(f"  {name}: {' '.join(messages)}", err=True)
    elif isinstance(err, LookupError):
        click.echo(f"not found: {err}", err=True)
    else:
        click.echo("this account may not do that", err=True)
    sys.exit(2)


def _drain() -> None:
    """Wait for the notifications' e-mails queued in this process before the command exits."""
    from . import tasks

    tasks.drain(current_app)


def _act(dataset: str, email: str, action: str, body: dict) -> None:
    from .policy import Forbidden

    try:
        with session_scope() as session:
            ds = dataset_by_key(session, dataset)
            actor = publish_demo.actor_for(session, email)
            getattr(publishing, action)(session, actor, ds, body)
            gates = publishing.evaluate(session, ds, publishing.current_request(session, ds))
            status = f"{ds.status}/{ds.access_level}"
    except (publishing.GatesFailed, ValidationError, LookupError, Forbidden) as err:
        _fail(err)
        return
    _drain()
    click.echo(f"{dataset}: {action} done; now {status}")
    for line in publish_demo.gate_lines(gates):
        click.echo(line)


@publish_cli.command("demo")
def publish_demo_cmd() -> None:
    """Open the seed's open datasets through the real procedure (demo editor submits, demo steward approves)."""
    import logging

    logging.getLogger("catalog.mail").setLevel(logging.WARNING)
    with session_scope() as session:
        report = publish_demo.open_seed(current_app._get_current_object(), session, PROJECT_ROOT / "seed")
    _drain()
    for line in report.lines():
        click.echo(line)


@publish_cli.command("gates")
@click.argument("dataset")
def publish_gates(dataset: str) -> None:
    """Show every gate of a dataset with its result and rule."""
    try:
        with session_scope() as session:
            ds = dataset_by_key(session, dataset)
            lines = publish_demo.gate_lines(publishing.evaluate(session, ds, publishing.current_request(session, ds)))
    except LookupError as err:
        _fail(err)
        return
    for line in lines:
        click.echo(line)


@publish_cli.command("request")
@click.argument("dataset")
@click.option("--as", "email", required=True, help="e-mail of the editor or steward who asks")
@click.option("--note", default="", help="a note for the steward")
def publish_request(dataset: str, email: str, note: str) -> None:
    """Submit a publication request (refused with the failed gates)."""
    _act(dataset, email, "submit", {"note": note})


@publish_cli.command("approve")
@click.argument("dataset")
@click.option("--as", "email", required=True, help="e-mail of a data steward of the agency (or an administrator)")
def publish_approve(dataset: str, email: str) -> None:
    """Approve the pending request: the dataset becomes open and published."""
    _act(dataset, email, "approve", {})


@publish_cli.command("refuse")
@click.argument("dataset")
@click.option("--as", "email", required=True, help="e-mail of a data steward of the agency (or an administrator)")
@click.option("--reason", required=True, help="why (the person who asked reads it)")
def publish_refuse(dataset: str, email: str, reason: str) -> None:
    """Refuse the pending request with a reason."""
    _act(dataset, email, "refuse", {"reason": reason})
