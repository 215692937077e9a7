"""Helpers every registry service uses: resolving references, applying validated data, errors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from flask_babel import gettext
from marshmallow import Schema, ValidationError, missing
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from .. import policy
from ..models import AdminUnit, Database, Dataset, Distribution, Licence, Organization, Theme
from ..models.base import snapshot

if TYPE_CHECKING:
    from ..policy import Reader

T = TypeVar("T")


class NotFound(LookupError):
    """A referenced record does not exist (pages and API answer 404)."""


def field_error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def load(schema: Schema, raw: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Validate input with a schema; raises ValidationError with field-level messages."""
    if not isinstance(raw, Mapping):
        raise ValidationError({"_schema": [gettext("Invalid input: a JSON object is expected.")]})
    return schema.load(raw, partial=partial)


def blank_values(schema: Schema) -> dict[str, Any]:
    """What each optional field becomes when a full replacement (PUT) leaves it out."""
    out: dict[str, Any] = {}
    for name, fld in schema.fields.items():
        if fld.dump_only or fld.required:
            continue
        key = fld.attribute or name
        default = fld.load_default
        if default is missing:
            out[key] = None
        else:
            out[key] = default() if callable(default) else default
    return out


def org_by_code(session: Session, code: str, field: str = "organization") -> Organization:
    org = session.scalar(select(Organization).where(Organization.code == code))
    if org is None:
        raise field_error(field, gettext("No organization has the code %(code)s.", code=code))
    return org


def database_by_code(session: Session, code: str, field: str = "database") -> Database:
    db = session.scalar(select(Database).where(Database.code == code))
    if db is None:
        raise field_error(field, gettext("No database has the code %(code)s.", code=code))
    return db


def check_codes(session: Session, model: type, codes: Iterable[str], field: str) -> None:
    """Every code must exist in its code list (themes, licences, administrative units)."""
    wanted = set(codes)
    if not wanted:
        return
    pk = model.__mapper__.primary_key[0]
    known = set(session.scalars(select(pk).where(pk.in_(wanted))))
    unknown = sorted(wanted - known)
    if unknown:
        raise field_error(field, gettext("Unknown codes: %(codes)s.", codes=", ".join(unknown)))


def check_reference_lists(session: Session, data: Mapping[str, Any]) -> None:
    if data.get("themes"):
        check_codes(session, Theme, data["themes"], "themes")
    if data.get("spatial"):
        check_codes(session, AdminUnit, data["spatial"], "spatial")
    if data.get("licence"):
        check_codes(session, Licence, [data["licence"]], "licence")


def unique_slug(session: Session, model: type, base: str, exclude_id: str | None = None) -> str:
    """The base slug, or base-2, base-3... whichever is free."""
    column = model.slug
    taken = set(session.scalars(select(column).where(column.like(f"{base}%"))))
    if exclude_id is not None:
        own = session.scalar(select(column).where(model.id == exclude_id))
        taken.discard(own)
    return _first_free(base, taken)


def unique_slugs(session: Session, model: type, bases: Sequence[str]) -> list[str]:
    """`unique_slug` for a whole batch (a harvest writes thousands at once): one query for the plain
    bases, one more only per base already taken; the slugs are distinct among themselves too."""
    column = model.slug
    taken = set(session.scalars(select(column).where(column.in_(set(bases))))) if bases else set()
    looked: set[str] = set()
    out: list[str] = []
    for base in bases:
        if base in taken and base not in looked:
            taken |= set(session.scalars(select(column).where(column.like(f"{base}-%"))))
            looked.add(base)
        slug = _first_free(base, taken)
        taken.add(slug)
        out.append(slug)
    return out


def _first_free(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def claim_slug(
    session: Session, model: Any, slug: str, own_id: str | None, visible: ColumnElement[bool], message: str
) -> str:
    """The address asked for if it is free; an error if a record the writer can see holds it; and,
    if a record the writer may not see holds it, a free variant chosen quietly: refusing would tell
    the writer that a hidden record exists."""
    q = select(model.id).where(model.slug == slug)
    if own_id is not None:
        q = q.where(model.id != own_id)
    holder = session.scalar(q)
    if holder is None:
        return slug
    if session.scalar(select(model.id).where(model.id == holder, visible)) is not None:
        raise field_error("slug", message)
    return unique_slug(session, model, slug, own_id)


def apply(obj: Any, data: Mapping[str, Any], columns: Iterable[str]) -> list[str]:
    """Set the given columns from data; returns the names whose value changed."""
    changed = []
    for name in columns:
        if name in data and getattr(obj, name) != data[name]:
            setattr(obj, name, data[name])
            changed.append(name)
    return changed


def columns_of(model: type, exclude: Iterable[str] = ()) -> list[str]:
    skip = {"id", "created_at", "updated_at", *exclude}
    return [c.key for c in model.__mapper__.column_attrs if c.key not in skip]


def state(obj: Any) -> dict[str, Any]:
    """Audit snapshot of a record's own columns."""
    return snapshot(obj, columns_of(type(obj)))


def dataset_by_key(session: Session, key: str) -> Dataset:
    ds = session.scalar(select(Dataset).where((Dataset.slug == key) | (Dataset.id == key)))
    if ds is None:
        raise NotFound(key)
    return ds


def visible_distribution(session: Session, reader: Reader, dist_id: str) -> Distribution:
    """A file or link, loaded for a reader like `visible_dataset`: hidden answers as missing."""
    dist = session.get(Distribution, dist_id)
    if dist is None or not policy.can_view_dataset(reader, dist.dataset):
        raise NotFound(dist_id)
    return dist


def visible_dataset(session: Session, reader: Reader, key: str) -> Dataset:
    """The one place where a dataset is loaded for a reader: one it may not see raises the same
    NotFound as one that does not exist, so pages and API cannot tell hidden from missing."""
    ds = dataset_by_key(session, key)
    if not policy.can_view_dataset(reader, ds):
        raise NotFound(key)
    return ds
