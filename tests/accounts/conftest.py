"""Reading the e-mails the portal sends (written to the log without an SMTP server)."""

from __future__ import annotations

import re

import pytest

from catalog import tasks


class Mailbox:
    def __init__(self, app, caplog) -> None:
        self.app = app
        self.caplog = caplog

    def messages(self) -> list[str]:
        tasks.drain(self.app)
        return [r.getMessage() for r in self.caplog.records if r.name == "catalog.mail"]

    def to(self, address: str) -> list[str]:
        return [m for m in self.messages() if f" to {address}\n" in m]

    def link(self, address: str, path: str) -> str:
        """The path of the last link to `path` e-mailed to this address."""
        found = re.findall(r"https?://[^/\s]+(" + re.escape(path) + r"[\w-]+)", "\n".join(self.to(address)))
        assert found, f"no {path} link e-mailed to {address}"
        return found[-1]


@pytest.fixture
def mailbox(seeded_app, caplog) -> Mailbox:
    caplog.set_level("INFO", logger="catalog.mail")
    return Mailbox(seeded_app, caplog)
