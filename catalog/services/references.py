"""What still refers to a record about to be deleted.

The database refuses to delete a row that other rows point to (RESTRICT); left to itself, that
refusal is an IntegrityError and a 500. Every delete asks here first, from the same foreign keys
the database enforces, so that the answer is a 409 naming what refers to the record and how many,
and a table added later is covered without touching the delete services.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from ..models import Base

#: What readers call the rows of each referring table ("datasets (3)").
LABELS: dict[str, Any] = {
    "organization": _l("units"),
    "database": _l("databases"),
    "dataset": _l("datasets"),
    "dataservice": _l("data services"),
    "harvest_source": _l("harvest sources"),
    "connection": _l("connections between systems"),
    "sharing_request": _l("sharing requests"),
    "sharing_agreement": _l("sharing agreements"),
}


class InUse(ValidationError):
    """Deleting the record would leave others pointing at nothing. A ValidationError, so that forms
    show it like any refusal; the API answers it as 409 with `referenced_by`."""

    def __init__(self, referrers: dict[str, int]) -> None:
        parts = [f"{LABELS.get(name, name)} ({n})" for name, n in referrers.items()]
        message = gettext("This cannot be deleted while other records refer to it: %(list)s. Move or delete them "
                          "first.", list=", ".join(parts))
        super().__init__({"_schema": [message]})
        self.referrers = referrers
        self.text = message


def referrers(session: Session, obj: Any) -> dict[str, int]:
    """{referring table: rows} for every foreign key that forbids deleting `obj` (RESTRICT or no
    action), leaving out the rows the ORM deletes with it (cascading relationships)."""
    table = obj.__table__
    cascaded = {rel.mapper.local_table.name for rel in inspect(type(obj)).relationships if rel.cascade.delete}
    out: dict[str, int] = {}
    for other in Base.metadata.sorted_tables:
        if other.name in cascaded and other is not table:
            continue
        for fk in other.foreign_keys:
            if fk.column.table is not table or fk.ondelete in ("CASCADE", "SET NULL"):
                continue
            value = getattr(obj, fk.column.key)
            n = session.scalar(select(func.count()).select_from(other).where(fk.parent == value)) or 0
            if n:
                out[other.name] = out.get(other.name, 0) + n
    return out


def require_unreferenced(session: Session, obj: Any, also: dict[str, int] | None = None) -> None:
    """Raise InUse when anything refers to `obj`; `also` adds references a rule protects although the
    database would let them go (a dataset's database is set to empty, which the registry forbids)."""
    found = referrers(session, obj)
    for name, n in (also or {}).items():
        if n:
            found[name] = found.get(name, 0) + n
    if found:
        raise InUse(found)
