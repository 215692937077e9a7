"""The README cannot drift: every setting, command and route of the app is named in it.

When one of these fails, the message lists what to add (a route in the README's "Every route"
list, a setting in "Configuration", a command in "Command line").
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from catalog.config import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def route_shape(rule: str) -> str:
    """`/harvest/jobs/<int:job_id>` is written `/harvest/jobs/<job_id>` in the README."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"<\1>", rule)


def commands(group: click.Command, prefix: tuple[str, ...] = ()) -> list[str]:
    if isinstance(group, click.Group):
        return [name for sub_name, sub in group.commands.items() for name in commands(sub, (*prefix, sub_name))]
    return [" ".join(prefix)]


def test_every_setting_is_in_the_readme():
    missing = [f"CATALOG_{name}" for name in SETTINGS if f"CATALOG_{name}" not in README]
    assert missing == [], f"settings missing from the README: {missing}"


def test_every_command_is_in_the_readme(app):
    missing = [name for name in commands(app.cli) if f"flask --app catalog {name}" not in README
               and f"`{name}" not in README]
    assert missing == [], f"commands missing from the README: {missing}"


def test_every_route_is_in_the_readme(app):
    rules = sorted({route_shape(r.rule) for r in app.url_map.iter_rules() if r.endpoint != "static"})
    missing = [rule for rule in rules if f"`{rule}`" not in README]
    assert missing == [], "routes missing from the README (add them to \"Every route\"):\n" + "\n".join(missing)


@pytest.mark.parametrize(("rule", "shape"), [("/harvest/jobs/<int:job_id>", "/harvest/jobs/<job_id>"),
                                             ("/datasets/<key>", "/datasets/<key>")])
def test_route_shape(rule, shape):
    assert route_shape(rule) == shape
