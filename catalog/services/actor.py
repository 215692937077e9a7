"""Who is acting: what the policy knows about them, and how the audit log names them."""

from __future__ import annotations

from dataclasses import dataclass

from ..policy import Reader


@dataclass(frozen=True)
class Actor:
    reader: Reader
    label: str
    ip: str | None = None

    @property
    def user_id(self) -> str | None:
        return self.reader.user_id


def system_actor(label: str = "system") -> Actor:
    """Seed loading, harvests and maintenance commands act with full rights under their own name."""
    return Actor(reader=Reader(is_admin=True), label=label)
