"""Registering data services (APIs and sharing services) and the datasets they serve."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import policy, rules
from ..models import DataService, Dataset, utcnow
from ..models.base import new_id
from ..schemas.registry import DataServiceInput
from ..text import slugify
from ..workdays import deadline, local_date, working_days_between
from . import audit, references
from .actor import Actor
from .common import (
    apply,
    blank_values,
    claim_slug,
    columns_of,
    database_by_code,
    field_error,
    load,
    org_by_code,
    state,
    unique_slug,
)

COLUMNS = [c for c in columns_of(DataService) if c not in {
    "publisher_id", "database_id", "origin", "harvest_source_id", "remote_id", "source_url", "local_edits",
    "published_at"}]


def _resolve(session: Session, data: dict[str, Any], svc: DataService | None, reader: policy.Reader) -> dict[str, Any]:
    if "publisher" in data:
        data["publisher_id"] = org_by_code(session, data.pop("publisher"), "publisher").id
    if "database" in data:
        code = data.pop("database")
        data["database_id"] = database_by_code(session, code).id if code else None
    if data.get("slug"):
        data["slug"] = claim_slug(session, DataService, data["slug"], svc.id if svc else None,
                                  policy.dataservice_visibility(reader),
                                  gettext("This address is already used by another service."))
    if "datasets" in data:
        data["datasets"] = _linked_datasets(session, data.pop("datasets"), svc, reader)
    return data


def _linked_datasets(
    session: Session, keys: list[str], svc: DataService | None, reader: policy.Reader
) -> list[Dataset]:
    """The datasets named by slug or id. A dataset the writer may not see is "unknown", word for word
    like a missing one; links the writer cannot see (a dataset withdrawn since) are kept as they are."""
    found = list(session.scalars(select(Dataset).where(
        Dataset.slug.in_(keys) | Dataset.id.in_(keys), policy.dataset_visibility(reader))))
    known = {d.slug for d in found} | {d.id for d in found}
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise field_error("datasets", gettext("Unknown datasets: %(keys)s.", keys=", ".join(unknown)))
    unseen = [d for d in svc.datasets if not policy.can_view_dataset(reader, d)] if svc else []
    return found + [d for d in unseen if d not in found]


def _apply_all(svc: DataService, data: dict[str, Any]) -> list[str]:
    changed = apply(svc, data, [*COLUMNS, "publisher_id", "database_id"])
    if "datasets" in data and {d.id for d in svc.datasets} != {d.id for d in data["datasets"]}:
        svc.datasets = data["datasets"]
        changed.append("datasets")
    if svc.status == "published" and svc.published_at is None:
        svc.published_at = utcnow()
    return changed


def _state(svc: DataService) -> dict[str, Any]:
    return {**state(svc), "datasets": sorted(d.id for d in svc.datasets)}


def create_dataservice(session: Session, actor: Actor, raw: Mapping[str, Any]) -> DataService:
    schema = DataServiceInput()
    data = _resolve(session, load(schema, raw), None, actor.reader)
    policy.require(policy.can_register_in(actor.reader, data["publisher_id"]))
    svc = DataService(id=new_id())
    with session.no_autoflush:  # the service is not complete until it has its slug
        _apply_all(svc, {**blank_values(schema), "datasets": [], **data})
        svc.slug = data.get("slug") or unique_slug(session, DataService, slugify(svc.title_vi))
    session.add(svc)
    session.flush()
    audit.record(session, actor, "create", "dataservice", svc.id, label=svc.title_vi,
                 organization_id=svc.publisher_id, after=_state(svc))
    return svc


def update_dataservice(
    session: Session, actor: Actor, svc: DataService, raw: Mapping[str, Any], *, replace: bool = False
) -> list[str]:
    """Apply changes; on a harvested service the changed fields are kept from the next harvest."""
    policy.require(policy.can_edit_dataservice(actor.reader, svc))
    schema = DataServiceInput()
    data = load(schema, raw, partial=not replace)
    if replace:
        data = {**{k: v for k, v in blank_values(schema).items() if k != "slug"}, **data}
    data = _resolve(session, data, svc, actor.reader)
    if data.get("publisher_id", svc.publisher_id) != svc.publisher_id:
        policy.require(policy.can_register_in(actor.reader, data["publisher_id"]))
    before = _state(svc)
    changed = _apply_all(svc, data)
    if changed and svc.origin == "harvested":
        # like datasets: what a steward changed here is kept from the next harvest
        svc.local_edits = sorted({*svc.local_edits, *(c for c in changed if c != "datasets")})
    if changed:
        session.flush()
        after = _state(svc)
        audit.record(session, actor, "update", "dataservice", svc.id, label=svc.title_vi,
                     organization_id=svc.publisher_id, before={k: before[k] for k in changed},
                     after={k: after[k] for k in changed})
    return changed


def delete_dataservice(session: Session, actor: Actor, svc: DataService) -> None:
    policy.require(policy.can_edit_dataservice(actor.reader, svc))
    references.require_unreferenced(session, svc)
    audit.record(session, actor, "delete", "dataservice", svc.id, label=svc.title_vi,
                 organization_id=svc.publisher_id, before=_state(svc))
    session.delete(svc)
    session.flush()


@dataclass(frozen=True)
class PublicationTimeliness:
    """Was the service published in the catalogue within rules.SERVICE_PUBLISH_DEADLINE of going live?

    status: on_time, late (published after the deadline), overdue (live, unpublished, past the
    deadline), pending (live, unpublished, still in time) or unknown (no date of going live).
    """

    status: str
    due_at: datetime | None = None
    working_days_late: int = 0


def publication_timeliness(svc: DataService, now: datetime | None = None) -> PublicationTimeliness:
    if svc.in_operation_since is None:
        return PublicationTimeliness("unknown")
    now = now or utcnow()
    due = deadline(svc.in_operation_since, rules.SERVICE_PUBLISH_DEADLINE)
    published = svc.published_at
    if published is not None:
        if published <= due:
            return PublicationTimeliness("on_time", due)
        return PublicationTimeliness("late", due, working_days_between(local_date(due), local_date(published)))
    if now > due:
        return PublicationTimeliness("overdue", due, working_days_between(local_date(due), local_date(now)))
    return PublicationTimeliness("pending", due)
