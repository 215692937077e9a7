"""Schema migrations (Alembic), driven from the app's settings rather than an alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(app: Flask, revision: str = "heads") -> None:
    """Bring the registry to the newest schema; every branch's head is applied ("heads")."""
    command.upgrade(alembic_config(app.config["CATALOG"]["DATABASE_URL"]), revision)


def downgrade(app: Flask, revision: str) -> None:
    command.downgrade(alembic_config(app.config["CATALOG"]["DATABASE_URL"]), revision)
