"""Registering harvest sources, asking for runs, and reading their jobs and logs.

Who may do what: site administrators and the stewards of the owning agency register, edit, delete
and run a source; officers of any agency may look at sources, jobs and logs (they explain where
catalogue records come from). The password of an SQL source is stored encrypted and never shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import gettext
from marshmallow import ValidationError, validate
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from .. import policy
from ..models import HarvestError, HarvestJob, HarvestRecord, HarvestSource, Licence
from ..models.base import snapshot
from ..policy import Reader
from ..schemas.harvest import HarvestSourceInput
from ..search.folding import folded_match
from ..text import slugify
from . import audit, references
from .actor import Actor
from .common import NotFound, apply, blank_values, database_by_code, field_error, load, org_by_code
from .listing import Page, paginate

AUDITED = ("slug", "name", "protocol", "url", "organization_id", "database_id", "default_access_level",
           "default_licence_code", "auto_publish", "schedule", "filters", "enabled", "authoritative", "description")
_WEB_URL = validate.URL(schemes={"http", "https"}, require_tld=False)
COLUMNS = [c for c in AUDITED if c not in ("organization_id", "database_id", "default_licence_code")]


# --- access -------------------------------------------------------------------------------------


def managed_org_ids(reader: Reader) -> list[str] | None:
    """Agencies the reader may register sources for; None means all (admin)."""
    if reader.is_admin:
        return None
    return [org_id for org_id, role in reader.roles.items() if role == "steward"]


# --- reading ------------------------------------------------------------------------------------


def source_by_slug(session: Session, slug: str) -> HarvestSource:
    src = session.scalar(select(HarvestSource).where(HarvestSource.slug == slug))
    if src is None:
        raise NotFound(slug)
    return src


def job_by_id(session: Session, job_id: int) -> HarvestJob:
    job = session.get(HarvestJob, job_id)
    if job is None:
        raise NotFound(str(job_id))
    return job


def list_sources(session: Session, *, organization: str | None = None, protocol: str | None = None,
                 words: str | None = None, page: int = 1, per_page: int = 20) -> Page[HarvestSource]:
    """Sources, filtered; `words` are matched folded (diacritics, "đ" and case aside) like a search."""
    q: Select[Any] = select(HarvestSource).order_by(HarvestSource.name, HarvestSource.id)
    matched = folded_match([HarvestSource.name, HarvestSource.slug, HarvestSource.url, HarvestSource.description],
                           words)
    if matched is not None:
        q = q.where(matched)
    if organization:
        q = q.where(HarvestSource.organization_id == org_by_code(session, organization).id)
    if protocol:
        q = q.where(HarvestSource.protocol == protocol)
    return paginate(session, q, page, per_page)


def list_jobs(session: Session, source: HarvestSource, page: int = 1, per_page: int = 20) -> Page[HarvestJob]:
    q = select(HarvestJob).where(HarvestJob.source_id == source.id).order_by(HarvestJob.id.desc())
    return paginate(session, q, page, per_page)


def list_errors(session: Session, job: HarvestJob, *, level: str | None = None, page: int = 1,
                per_page: int = 50) -> Page[HarvestError]:
    q = select(HarvestError).where(HarvestError.job_id == job.id).order_by(HarvestError.id)
    if level:
        q = q.where(HarvestError.level == level)
    return paginate(session, q, page, per_page)


def log_groups(session: Session, job: HarvestJob, limit: int = 100) -> list[dict[str, Any]]:
    """The job's log grouped by level and problem, with how many lines each has (most first) and one of them
    as an example: a thousand records with the same problem read as one line with its count."""
    rows = session.execute(
        select(HarvestError.level, HarvestError.kind, HarvestError.code, func.count(), func.min(HarvestError.id))
        .where(HarvestError.job_id == job.id)
        .group_by(HarvestError.level, HarvestError.kind, HarvestError.code)
        .order_by(func.count().desc(), func.min(HarvestError.id)).limit(limit)).all()
    examples = {e.id: e for e in session.scalars(select(HarvestError).where(
        HarvestError.id.in_([r[4] for r in rows])))} if rows else {}
    return [{"level": level, "kind": kind, "code": code, "count": count, "example": examples.get(first)}
            for level, kind, code, count, first in rows]


def record_counts(session: Session, source: HarvestSource) -> dict[str, int]:
    rows = session.execute(select(HarvestRecord.state, func.count()).where(HarvestRecord.source_id == source.id)
                           .group_by(HarvestRecord.state)).all()
    return dict(rows)


def display_url(source: HarvestSource) -> str:
    """The source's address as pages and the API show it (a database password as ***)."""
    if source.protocol == "sqldb":
        from harvesters.connections import masked

        return masked(source.url, bool(source.secret))
    return source.url


def provenance(session: Session, dataset_id: str) -> list[dict[str, Any]]:
    """The sources that list a dataset, the one that keeps it first."""
    rows = session.execute(
        select(HarvestRecord, HarvestSource).join(HarvestSource, HarvestSource.id == HarvestRecord.source_id)
        .where(HarvestRecord.dataset_id == dataset_id)
        .order_by(HarvestRecord.role.desc(), HarvestRecord.id)).all()
    return [{"source": src, "record": rec, "primary": rec.role == "primary"} for rec, src in rows]


# --- changing -----------------------------------------------------------------------------------


def _check_url(protocol: str, url: str) -> None:
    from harvesters.runner import source_path_allowed

    if protocol == "sqldb":
        from harvesters.connections import parse, refused_option

        try:
            refused = refused_option(parse(url))
        except ValueError as exc:
            raise field_error("url", gettext("Not a database address: %(reason)s", reason=str(exc))) from exc
        if refused:
            raise field_error("url", gettext("This database address is refused: %(reason)s", reason=refused))
        return
    if url.startswith(("http://", "https://")):
        try:
            _WEB_URL(url)
        except ValidationError as exc:
            raise field_error("url", gettext("Not a valid web address.")) from exc
        return
    if not source_path_allowed(url):
        raise field_error("url", gettext(
            "Give an http or https address (local files are accepted only under the seed folder, for demos)."))


def _resolve(session: Session, data: dict[str, Any], src: HarvestSource | None, secret_key: str) -> dict[str, Any]:
    if "organization" in data:
        data["organization_id"] = org_by_code(session, data.pop("organization")).id
    if "database" in data:
        code = data.pop("database")
        data["database_id"] = database_by_code(session, code).id if code else None
    if "default_licence" in data:
        code = data.pop("default_licence")
        if code and session.get(Licence, code) is None:
            raise field_error("default_licence", gettext("Unknown codes: %(codes)s.", codes=code))
        data["default_licence_code"] = code or None
    protocol = data.get("protocol", src.protocol if src else None)
    if "url" in data or "protocol" in data:
        url = data.get("url", src.url if src else "")
        _check_url(protocol or "", url)
        if protocol == "sqldb":
            from harvesters.connections import MASK, parse, same_target, split

            bare, secret = split(url, secret_key)
            if secret is None and src is not None and src.secret and parse(url).password == MASK \
                    and same_target(src.url, bare):
                secret = src.secret  # the form showed *** : the stored password stays
            data["url"], data["secret"] = bare, secret
        else:
            data["secret"] = None
    if protocol == "sqldb" and not data.get("database_id", src.database_id if src else None):
        raise field_error("database", gettext("An SQL source needs the database its tables belong to."))
    if data.get("slug"):
        clash = session.scalar(select(HarvestSource.id).where(HarvestSource.slug == data["slug"]))
        if clash and (src is None or clash != src.id):
            raise field_error("slug", gettext("This address is already used by another source."))
    return data


def _unique_slug(session: Session, base: str) -> str:
    taken = set(session.scalars(select(HarvestSource.slug).where(HarvestSource.slug.like(f"{base}%"))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _state(src: HarvestSource) -> dict[str, Any]:
    out = snapshot(src, AUDITED)
    out["url"] = display_url(src)
    return out


def create_source(session: Session, actor: Actor, raw: Mapping[str, Any], secret_key: str) -> HarvestSource:
    schema = HarvestSourceInput()
    data = _resolve(session, load(schema, raw), None, secret_key)
    policy.require(actor.reader.is_steward_of(data["organization_id"]))
    data["filters"] = _check_options(data["protocol"], data.get("filters"))
    _check_delegation(session, actor, data.get("filters"), {})
    src = HarvestSource()
    defaults = {k: v for k, v in blank_values(schema).items() if k not in ("organization", "database",
                                                                             "default_licence")}
    apply(src, {**defaults, **data}, [*COLUMNS, "organization_id", "database_id", "default_licence_code", "secret"])
    src.slug = data.get("slug") or _unique_slug(session, slugify(src.name, 90))
    src.state = {}
    session.add(src)
    session.flush()
    audit.record(session, actor, "create", "harvest_source", src.id, label=src.name,
                 organization_id=src.organization_id, after=_state(src))
    return src


def update_source(session: Session, actor: Actor, src: HarvestSource, raw: Mapping[str, Any], secret_key: str,
                  *, replace: bool = False) -> list[str]:
    policy.require(policy.can_manage_harvest_source(actor.reader, src))
    schema = HarvestSourceInput()
    data = load(schema, raw, partial=not replace)
    if replace:
        blanks = {k: v for k, v in blank_values(schema).items() if k != "slug"}
        data = {**blanks, **data}
    data = _resolve(session, data, src, secret_key)
    if data.get("organization_id", src.organization_id) != src.organization_id:
        policy.require(actor.reader.is_steward_of(data["organization_id"]))
    if "filters" in data or "protocol" in data:
        data["filters"] = _check_options(data.get("protocol", src.protocol), data.get("filters", src.filters))
        _check_delegation(session, actor, data["filters"], src.filters)
    before = _state(src)
    old_secret = src.secret
    changed = apply(src, data, [*COLUMNS, "organization_id", "database_id", "default_licence_code"])
    if "secret" in data and data["secret"] != old_secret:
        src.secret = data["secret"]
        changed.append("password")
    if not changed:
        return []
    session.flush()
    after = _state(src)
    audit.record(session, actor, "update", "harvest_source", src.id, label=src.name,
                 organization_id=src.organization_id,
                 before={k: before[k] for k in changed if k in before},
                 after={k: after[k] for k in changed if k in after} | ({"password": "changed"}
                                                                        if "password" in changed else {}))
    return changed


def _check_options(protocol: str, filters: Mapping[str, Any] | None) -> dict[str, Any]:
    """The options as the protocol declares them (harvesters.options): a misspelt or mistyped one is
    a field error naming it, never a setting silently ignored at the next harvest."""
    from harvesters.base import harvester_class
    from harvesters.options import check

    return check(harvester_class(protocol), dict(filters or {}))


def _check_delegation(session: Session, actor: Actor, filters: Mapping[str, Any] | None,
                      before: Mapping[str, Any] | None) -> None:
    """Only a site administrator records that agencies delegated their harvesting to a source (a
    steward naming another agency would let the source rewrite that agency's datasets); every code
    must name an agency."""
    from harvesters.agencies import DELEGATION_OPTION, delegated_codes, org_ids_of

    codes = delegated_codes(filters)
    if codes != delegated_codes(before) and not actor.reader.is_admin:
        raise field_error("filters", gettext("Only a site administrator may record which agencies delegated their "
                                             "harvesting to a source (%(option)s).", option=DELEGATION_OPTION))
    unknown = sorted(set(codes) - set(org_ids_of(session, codes)))
    if unknown:
        raise field_error("filters", gettext("%(option)s names unknown agency codes: %(codes)s.",
                                             option=DELEGATION_OPTION, codes=", ".join(unknown)))


def delete_source(session: Session, actor: Actor, src: HarvestSource) -> None:
    """The source, its jobs and its log go; the datasets it brought stay (as records with no source)."""
    policy.require(policy.can_manage_harvest_source(actor.reader, src))
    if src.running_job_id is not None:
        raise field_error("_schema", gettext("A job of this source is running; wait until it ends."))
    references.require_unreferenced(session, src)
    audit.record(session, actor, "delete", "harvest_source", src.id, label=src.name,
                 organization_id=src.organization_id, before=_state(src))
    from ..models import DataService, Dataset

    for model in (Dataset, DataService):
        session.execute(model.__table__.update().where(model.harvest_source_id == src.id)
                        .values(harvest_source_id=None))
    session.delete(src)
    session.flush()


def request_run(session: Session, actor: Actor, src: HarvestSource) -> tuple[HarvestJob, bool]:
    """(a new queued job, True) or (the job already queued or running, False); the caller commits,
    then sends a new job to the workers."""
    from harvesters.runner import queue_job

    policy.require(policy.can_manage_harvest_source(actor.reader, src))
    if not src.enabled:
        raise field_error("enabled", gettext("This source is switched off; switch it on to run it."))
    return queue_job(session, src, actor.label, current_app.config["CATALOG"])
