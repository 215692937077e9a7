"""Command line: `flask --app catalog <group> <command>` (db, seed, users, audit, config)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import migrate
from .config import PROJECT_ROOT, SETTINGS
from .db import session_scope
from .models import ROLES, SCOPES, Organization, User
from .schemas.base import field_errors
from .services import account_links, audit, audit_checkpoint, users
from .services.actor import system_actor

db_cli = AppGroup("db", help="Schema migrations of the registry.")
seed_cli = AppGroup("seed", help="Reference data and demo content from seed/.")
users_cli = AppGroup("users", help="Accounts, roles and API tokens.")
audit_cli = AppGroup("audit", help="The append-only audit log.")
jobs_cli = AppGroup("jobs", help="Background tasks and periodic jobs.")


def _fail(err: ValidationError) -> None:
    for field, messages in field_errors(err).items():
        click.echo(f"  {field}: {' '.join(messages)}", err=True)
    sys.exit(2)


# --- db -----------------------------------------------------------------------------------------


@db_cli.command("upgrade")
@click.argument("revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: every head)."""
    migrate.upgrade(current_app, revision)
    click.echo(f"Registry at {revision}: {current_app.config['CATALOG']['DATABASE_URL'].split('@')[-1]}")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Undo migrations down to REVISION."""
    migrate.downgrade(current_app, revision)


@db_cli.command("current")
def db_current() -> None:
    from alembic import command

    command.current(migrate.alembic_config(current_app.config["CATALOG"]["DATABASE_URL"]), verbose=False)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True)
def db_revision(message: str, autogenerate: bool) -> None:
    """Write a new migration (for developers), compared against the models."""
    from alembic import command

    command.revision(migrate.alembic_config(current_app.config["CATALOG"]["DATABASE_URL"]), message=message,
                     autogenerate=autogenerate)


# --- seed ---------------------------------------------------------------------------------------


@seed_cli.command("load")
@click.option("--path", "path", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=PROJECT_ROOT / "seed", show_default=True)
@click.option("--update", is_flag=True, help="overwrite existing agencies, databases and datasets with the files")
def seed_load(path: Path, update: bool) -> None:
    """Load agencies, code lists, national databases and demo datasets (safe to run again)."""
    from .services.seed import load_seed

    try:
        with session_scope() as session:
            report = load_seed(session, path, current_app.config["CATALOG"], update=update)
    except ValidationError as err:
        click.echo("The seed files have errors; nothing was loaded:", err=True)
        _fail(err)
    for kind, counts in report.items():
        click.echo(f"{kind:16} " + ", ".join(f"{k} {v}" for k, v in counts.items()))


# --- users --------------------------------------------------------------------------------------


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--admin/--no-admin", default=True, show_default=True, help="site administrator")
@click.option("--locale", type=click.Choice(["vi", "en"]), default=None)
@click.option("--temporary", is_flag=True, help="the person must change this password at the first sign-in")
def users_create(email: str, name: str, password: str, admin: bool, locale: str | None, temporary: bool) -> None:
    """Create an account with a password: the first administrator's own. Invite everyone else."""
    try:
        with session_scope() as session:
            user = users.create_user(session, system_actor("cli"), {
                "email": email, "name": name, "password": password, "is_admin": admin, "locale": locale},
                temporary=temporary)
            click.echo(f"Created {user.email}{' (admin)' if user.is_admin else ''}")
    except ValidationError as err:
        _fail(err)


@users_cli.command("list")
def users_list() -> None:
    with session_scope() as session:
        for user in session.scalars(select(User).order_by(User.email)):
            roles = ", ".join(f"{m.organization.code}:{m.role}" for m in user.memberships)
            flags = "admin" if user.is_admin else ""
            click.echo(f"{user.email:40} {flags:6} {'active' if user.active else 'inactive':9} {roles}")


@users_cli.command("grant")
@click.argument("email")
@click.argument("organization")
@click.argument("role", type=click.Choice(list(ROLES)))
def users_grant(email: str, organization: str, role: str) -> None:
    """Give EMAIL the ROLE in ORGANIZATION (by code)."""
    try:
        with session_scope() as session:
            users.set_membership(session, system_actor("cli"),
                                 {"email": email, "organization": organization, "role": role})
            org = session.scalar(select(Organization).where(Organization.code == organization))
            click.echo(f"{email} is now {role} of {org.name_vi if org else organization}")
    except ValidationError as err:
        _fail(err)


@users_cli.command("invite")
@click.argument("email")
@click.option("--org", "organization", default=None, help="code of the agency the person joins")
@click.option("--role", type=click.Choice(list(ROLES)), default=None, help="role in that agency")
@click.option("--name", default=None, help="the person's name (they may keep it)")
@click.option("--admin", "is_admin", is_flag=True, help="also a site administrator")
@click.option("--locale", type=click.Choice(["vi", "en"]), default=None, help="language of the e-mail")
def users_invite(email: str, organization: str | None, role: str | None, name: str | None, is_admin: bool,
                 locale: str | None) -> None:
    """Invite EMAIL (e-mailed, and the link printed here); the person chooses their own password."""
    try:
        with session_scope() as session:
            result = account_links.invite(session, system_actor("cli"), {
                "email": email, "organization": organization, "role": role, "name": name, "is_admin": is_admin,
                "locale": locale})
            address = result.user.email
    except ValidationError as err:
        _fail(err)
    _drain()
    if result.url is None:
        click.echo(f"{address} already has an account; the role was given.")
        return
    click.echo(result.url)
    click.echo(f"  invitation for {address}, works once, until {result.expires_at:%Y-%m-%d %H:%M} UTC")


@users_cli.command("reset-password")
@click.argument("email")
def users_reset_password(email: str) -> None:
    """Print a single-use link with which EMAIL chooses a new password (no password is set here)."""
    try:
        with session_scope() as session:
            url = account_links.reset_link_for_cli(session, system_actor("cli"), email)
    except ValidationError as err:
        _fail(err)
    minutes = current_app.config["CATALOG"]["PASSWORD_RESET_MINUTES"]
    click.echo(url)
    click.echo(f"  works once, for {minutes} minutes")


@users_cli.command("deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    """Lock an account (never the last administrator)."""
    try:
        with session_scope() as session:
            user = _user(session, email)
            users.set_active(session, system_actor("cli"), user, False)
    except ValidationError as err:
        _fail(err)
    click.echo(f"{email} is deactivated")


@users_cli.command("demo")
@click.option("--remove", is_flag=True, help="delete the demo accounts and their demo sharing requests")
def users_demo(remove: bool) -> None:
    """Demo accounts for each role, and a few demo sharing requests (safe to run again)."""
    import logging

    from .services import demo

    # the demo requests notify demo addresses: their e-mails are not worth printing here
    logging.getLogger("catalog.mail").setLevel(logging.WARNING)
    if remove:
        with session_scope() as session:
            report = demo.remove(session, current_app.config["CATALOG"])
        for line in report:
            click.echo(line)
        return
    with session_scope() as session:
        accounts = demo.ensure(session, current_app.config["CATALOG"])
    _drain()
    click.echo(demo.summary(accounts))


def _user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise ValidationError({"email": ["no such account"]})
    return user


def _drain() -> None:
    """Wait for e-mails queued in this process before the command exits."""
    from . import tasks

    tasks.drain(current_app)


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True)
@click.option("--days", type=int, default=None, help="expire after this many days")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(list(SCOPES)),
              help="what the token may do (repeat; default: read)")
def users_token(email: str, name: str, days: int | None, scopes: tuple[str, ...]) -> None:
    """Create an API token for EMAIL; it is shown once, on the first line."""
    try:
        with session_scope() as session:
            user = session.scalar(select(User).where(User.email == email.lower()))
            if user is None:
                raise ValidationError({"email": ["no such account"]})
            token, clear = users.create_token(session, system_actor("cli"), user, {
                "name": name, "expires_in_days": days, "scopes": list(scopes or ["read"])})
            click.echo(clear)
            expires = token.expires_at.strftime("%Y-%m-%d %H:%M UTC") if token.expires_at else "never"
            click.echo(f"  scopes: {token.scopes}; expires: {expires}")
    except ValidationError as err:
        _fail(err)


# --- audit --------------------------------------------------------------------------------------


def _verified_log() -> tuple[audit.ChainReport, audit_checkpoint.Checkpoint | None]:
    """The chain checked in full and against its checkpoint; exits 1 naming the first problem."""
    app = current_app._get_current_object()
    with session_scope() as session:
        report = audit.verify_chain(session)
        if not report.ok:
            click.echo(f"Audit chain BROKEN at event {report.broken_at}: {report.reason} "
                       f"({report.checked} events before it are intact).", err=True)
            sys.exit(1)
        try:
            checkpoint = audit_checkpoint.read(app)
        except audit_checkpoint.BadCheckpoint as exc:
            click.echo(f"Audit checkpoint REFUSED: {exc}.", err=True)
            sys.exit(1)
        problem = audit.anchor_problem(session, report, checkpoint)
    if problem is not None and not (checkpoint is None and _anchoring()):
        click.echo(f"Audit log INCOMPLETE: {problem} ({report.checked} events in the log).", err=True)
        sys.exit(1)
    return report, checkpoint


def _anchoring() -> bool:
    return click.get_current_context().command.name == "checkpoint"


@audit_cli.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain and compare its head with the signed checkpoint; exit 1 at the
    first changed or missing event, or when the newest events were removed."""
    report, checkpoint = _verified_log()
    anchored = f", anchored at event {checkpoint.head_id}" if checkpoint else ""
    click.echo(f"Audit chain intact: {report.checked} events{anchored}.")


@audit_cli.command("checkpoint")
def audit_checkpoint_cmd() -> None:
    """Print the signed head of the log (one JSON line) for publishing elsewhere. A log without a
    checkpoint (from before checkpoints existed) is anchored at its verified head; a log that
    falls short of its checkpoint is refused."""
    app = current_app._get_current_object()
    report, checkpoint = _verified_log()
    if report.last_id is not None and report.last_hash is not None and (
            checkpoint is None or checkpoint.head_id < report.last_id):
        if checkpoint is None:
            click.echo(f"No checkpoint yet: anchoring the log at event {report.last_id}.", err=True)
        checkpoint = audit_checkpoint.make(app, report.last_id, report.last_hash)
        audit_checkpoint.replace(app, checkpoint)
    head = checkpoint.as_dict() if checkpoint else {"head_id": None, "head_hash": None}
    click.echo(json.dumps({**head, "events": report.checked}))


@audit_cli.command("export")
@click.option("--org", "org_code", default=None, help="only events about this organisation")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
def audit_export(org_code: str | None, fmt: str) -> None:
    """Write the log to standard output."""
    with session_scope() as session:
        org_id = None
        if org_code:
            org = session.scalar(select(Organization).where(Organization.code == org_code))
            if org is None:
                raise click.BadParameter(f"unknown organisation {org_code}")
            org_id = org.id
        events = list(reversed(audit.events_for(session, organization_id=org_id)))
        if fmt == "csv":
            sys.stdout.write(audit.export_csv(events))
        else:
            for line in audit.export_jsonl(events):
                click.echo(line)


@jobs_cli.command("run-due")
@click.option("--wait", is_flag=True, help="run the jobs here and wait for them (for cron)")
def jobs_run_due(wait: bool) -> None:
    """Start the periodic jobs whose time has come (each slot runs once, whoever calls this)."""
    from . import tasks

    names = tasks.run_due(current_app)
    if wait:
        tasks.drain(current_app)
    click.echo(f"started: {', '.join(names) or 'nothing due'}")


@jobs_cli.command("list")
def jobs_list() -> None:
    """The tasks and periodic jobs this installation knows."""
    from . import tasks

    for name in sorted(tasks.registered()):
        every = tasks.periodic_jobs().get(name)
        click.echo(f"{name:30} {'every ' + str(every.every) if every else 'on demand'}")


@click.command("config")
@with_appcontext
def show_config() -> None:
    """Show the effective CATALOG_* settings (secrets hidden)."""
    cfg = current_app.config["CATALOG"]
    for name, (_parse, _default, doc) in SETTINGS.items():
        value = cfg.get(name)
        if name in ("SECRET_KEY", "SMTP_PASSWORD") or (name == "DATABASE_URL" and "@" in str(value)):
            value = "***" if value else value
        click.echo(f"CATALOG_{name:22} = {value!s:50}  # {doc}")


def register_cli(app: Flask) -> None:
    from harvesters.cli import harvest_cli

    from .files_cli import files_cli
    from .ops_cli import COMMANDS
    from .publishing_cli import publish_cli
    from .quality.cli import quality_cli
    from .search.cli import search_cli
    from .services.sharing.cli import sharing_cli
    from .services.tabular.cli import public_files_cli

    for group in (db_cli, seed_cli, users_cli, audit_cli, jobs_cli, harvest_cli, search_cli, quality_cli, sharing_cli,
                  public_files_cli, publish_cli, files_cli):
        app.cli.add_command(group)
    app.cli.add_command(show_config)
    for cmd in COMMANDS:
        app.cli.add_command(cmd)
