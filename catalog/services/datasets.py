"""Registering, editing, publishing and withdrawing datasets."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import policy, rules
from ..models import Dataset, Licence, Organization, utcnow
from ..models.base import new_id
from ..schemas.registry import DatasetInput
from ..text import slugify
from . import audit, files, public_files, references
from .actor import Actor
from .common import (
    apply,
    blank_values,
    check_reference_lists,
    claim_slug,
    columns_of,
    database_by_code,
    field_error,
    load,
    org_by_code,
    state,
    unique_slug,
)

#: Columns set from input (provenance and bookkeeping columns are not).
COLUMNS = [
    c for c in columns_of(Dataset)
    if c not in {"publisher_id", "database_id", "licence_code", "origin", "harvest_source_id", "remote_id",
                 "source_url", "local_edits", "published_at", "quality_grade", "quality_score",
                 "quality_checked_at", "withdrawn_at", "withdrawal_reason", "replaced_by_id", "next_review_on",
                 "reviewed_at"}
]
#: Input names that are stored under another column name.
RENAMED = {"publisher": "publisher_id", "database": "database_id", "licence": "licence_code"}
EDITABLE = [*COLUMNS, *RENAMED.values()]


def _resolve(session: Session, data: dict[str, Any], ds: Dataset | None, reader: policy.Reader) -> dict[str, Any]:
    check_reference_lists(session, data)
    if "publisher" in data:
        data["publisher_id"] = org_by_code(session, data.pop("publisher"), "publisher").id
    if "database" in data:
        code = data.pop("database")
        data["database_id"] = database_by_code(session, code).id if code else None
    if "licence" in data:
        data["licence_code"] = data.pop("licence")
    own_id = ds.id if ds else None
    if data.get("slug"):
        data["slug"] = claim_slug(session, Dataset, data["slug"], own_id, policy.dataset_visibility(reader),
                                  gettext("This address is already used by another dataset."))
    if "identifier" in data and not data["identifier"]:
        del data["identifier"]  # an identifier, once given, is never cleared
    return data


def _check_identifier(session: Session, ds: Dataset | None, data: dict[str, Any]) -> None:
    """Identifiers are unique within a publisher (see the model). Called only once the writer is
    known to register for that publisher, whose datasets it all sees: the refusal reveals nothing."""
    publisher_id = data.get("publisher_id", ds.publisher_id if ds else None)
    identifier = data.get("identifier") or (ds.identifier if ds else None)
    if not identifier or (ds is not None and identifier == ds.identifier and publisher_id == ds.publisher_id):
        return
    q = select(Dataset.id).where(Dataset.publisher_id == publisher_id, Dataset.identifier == identifier)
    if ds is not None:
        q = q.where(Dataset.id != ds.id)
    if session.scalar(q) is not None:
        raise field_error("identifier", gettext("Another dataset already has this identifier."))


def missing_to_publish(access_level: str, value: Callable[[str], Any],
                       licence_is_open: Callable[[str], bool]) -> list[str]:
    """What rules.REQUIRED_TO_PUBLISH still misses, read through `value(name)`: one rule for a saved
    dataset (the forms) and for a row about to be written (the harvest runner)."""
    gaps = []
    for name in rules.REQUIRED_TO_PUBLISH.get(access_level, ()):
        present = (value("contact_name") or value("contact_email") or value("contact_phone")) if name == "contact" \
            else value(name)
        if not present:
            gaps.append(name)
    licence = value("licence_code")
    if access_level == rules.ACCESS_OPEN and licence and not licence_is_open(licence):
        gaps.append("licence_code")
    return gaps


def publishing_gaps(session: Session, ds: Dataset) -> list[str]:
    """Fields still missing before the dataset may be published (rules.REQUIRED_TO_PUBLISH)."""

    def licence_is_open(code: str) -> bool:
        licence = session.get(Licence, code)
        return licence is None or licence.is_open  # an unknown code is the licence check's to report

    return missing_to_publish(ds.access_level, lambda name: getattr(ds, name), licence_is_open)


def _check_publishable(session: Session, ds: Dataset, actor: Actor | None = None,
                       was_open_published: bool = False) -> None:
    if ds.status != "published":
        if actor is not None and actor.user_id is not None and was_open_published and ds.status == "withdrawn":
            raise ValidationError({"status": [gettext(
                "Open data is withdrawn with a reason, which its public page keeps: use Withdraw on the "
                "dataset's page (or POST /api/v1/datasets/<key>/withdrawal).")]})
        return
    gaps = publishing_gaps(session, ds)
    if gaps:
        names = {"licence_code": "licence", "contact": "contact_email"}
        message = gettext("Needed before publishing at this access level (an open licence for open data).")
        raise ValidationError({names.get(g, g): [message] for g in gaps})
    if (actor is not None and actor.user_id is not None and ds.access_level == rules.ACCESS_OPEN
            and not was_open_published):
        # a person opens data only through the publication request (services/publishing.py)
        raise ValidationError({"status": [gettext(
            "Open data is published through a publication request that passes the gates and is approved by a "
            "data steward: save the dataset as a draft, then use \"Publish as open data\" on its page (or POST "
            "/api/v1/datasets/<key>/publication).")]})


#: The administrative unit code of the whole country.
COUNTRY_CODE = "VN"


def default_spatial(org: Organization | None) -> list[str]:
    """The area a new dataset covers when none is given: the province of a provincial agency (its
    own or its nearest parent's administrative unit), else the whole country."""
    for node in ([org, *org.ancestors()] if org is not None else []):
        if node.admin_unit_code:
            return [node.admin_unit_code]
    return [COUNTRY_CODE]


def create_dataset(session: Session, actor: Actor, raw: Mapping[str, Any]) -> Dataset:
    schema = DatasetInput()
    data = _resolve(session, load(schema, raw), None, actor.reader)
    policy.require(policy.can_register_in(actor.reader, data["publisher_id"]))
    _check_identifier(session, None, data)
    if not data.get("spatial"):
        data["spatial"] = default_spatial(session.get(Organization, data["publisher_id"]))
    ds = Dataset(id=new_id())
    apply(ds, {**blank_values(schema), **data}, EDITABLE)
    ds.slug = data.get("slug") or unique_slug(session, Dataset, slugify(ds.title_vi))
    ds.identifier = data.get("identifier") or ds.id
    _check_publishable(session, ds, actor)
    session.add(ds)
    if ds.status == "published":
        ds.published_at = utcnow()
    session.flush()
    audit.record(session, actor, "create", "dataset", ds.id, label=ds.title_vi,
                 organization_id=ds.publisher_id, after=state(ds))
    return ds


def update_dataset(
    session: Session,
    actor: Actor,
    ds: Dataset,
    raw: Mapping[str, Any],
    *,
    replace: bool = False,
    local_edit: bool = True,
) -> list[str]:
    """Apply changes; on a harvested dataset the changed fields are kept from the next harvest."""
    policy.require(policy.can_edit_dataset(actor.reader, ds))
    schema = DatasetInput()
    data = load(schema, raw, partial=not replace)
    if replace:
        # A full replacement resets optional fields, but never the dataset's address or identifier.
        blanks = {k: v for k, v in blank_values(schema).items() if k not in ("slug", "identifier")}
        data = {**blanks, **data}
    data = _resolve(session, data, ds, actor.reader)
    if data.get("publisher_id", ds.publisher_id) != ds.publisher_id:
        policy.require(policy.can_register_in(actor.reader, data["publisher_id"]))
    _check_identifier(session, ds, data)
    if data.get("access_level", ds.access_level) != rules.ACCESS_RESTRICTED and "unlisted" not in data:
        data["unlisted"] = False
    before = state(ds)
    was_published = ds.status == "published"
    was_open_published = was_published and ds.access_level == rules.ACCESS_OPEN
    changed = apply(ds, data, EDITABLE)
    if not changed:
        return []
    if "title_vi" in changed and ds.title_lang:
        ds.title_lang = None  # a title typed here is Vietnamese, whatever language the harvested one was in
    _check_publishable(session, ds, actor, was_open_published)
    if ds.status == "published" and not was_published:
        ds.published_at = utcnow()
    if local_edit and ds.origin == "harvested":
        ds.local_edits = sorted({*ds.local_edits, *changed})
    session.flush()
    after = state(ds)
    action = "update"
    if "status" in changed:
        action = {"published": "publish", "withdrawn": "withdraw"}.get(ds.status, "update")
    audit.record(session, actor, action, "dataset", ds.id, label=ds.title_vi, organization_id=ds.publisher_id,
                 before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    if {"status", "access_level"} & set(changed):
        public_files.sync_dataset(session, ds)  # its files become public, or stop being public
    return changed


def delete_dataset(session: Session, actor: Actor, ds: Dataset, upload_folder: str) -> None:
    policy.require(policy.can_delete_dataset(actor.reader, ds))
    references.require_unreferenced(session, ds)
    from .distributions import version_paths

    paths = [d.file_path for d in ds.distributions if d.file_path]
    paths += version_paths(session, [d.id for d in ds.distributions])
    for dist in ds.distributions:
        public_files.retract(session, dist)
    audit.record(session, actor, "delete", "dataset", ds.id, label=ds.title_vi,
                 organization_id=ds.publisher_id, before=state(ds))
    session.delete(ds)
    session.flush()
    files.remove_after_commit(session, upload_folder, paths)
