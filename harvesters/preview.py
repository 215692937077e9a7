"""A dry run: what a harvest of a source would create, change and withdraw, saving nothing.

The harvester gathers as in a real job (same context, same fetcher, same content hashes), and
each record is compared with what the source gave last time and validated with the record
schema; nothing is written, no lock is taken, no audit event is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from marshmallow import ValidationError
from sqlalchemy import select

from catalog.db import registry_db
from catalog.http import Fetcher, FetchError, FetchPolicy, policy_from_config
from catalog.models import HarvestJob, HarvestRecord, HarvestSource
from catalog.schemas.base import field_errors

from . import fidelity
from .base import HarvestFailed, Problem, Seen, harvester_class
from .job_log import JobLog
from .record import content_hash, load_record, tidy
from .runner import _Run, content_salt


@dataclass
class Preview:
    source: str
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    invalid: list[tuple[str | None, str]] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    #: False when the gather was incomplete or failed: then nothing would be withdrawn
    complete: bool = True
    message: str | None = None


def preview_source(app: Flask, source_id: str, policy: FetchPolicy | None = None) -> Preview:
    session = registry_db(app).session_factory()
    try:
        source = session.get(HarvestSource, source_id)
        if source is None:
            raise LookupError(f"no harvest source {source_id}")
        run = _Run(app, session, source_id, None, "dry-run", policy, None, False)
        run.source = source
        run.job = HarvestJob(source_id=source.id, status="running")  # never added: nothing is saved
        run.log = JobLog(run.job)
        salt = content_salt(source)
        known = {r.remote_id: r for r in session.execute(select(
            HarvestRecord.remote_id, HarvestRecord.content_hash, HarvestRecord.state, HarvestRecord.role,
            HarvestRecord.dataset_id, HarvestRecord.dataservice_id).where(HarvestRecord.source_id == source.id))}
        out = Preview(source.slug)
        seen: set[str] = set()
        fetcher = Fetcher(policy or policy_from_config(run.cfg))
        try:
            harvester = harvester_class(source.protocol)(run._context(fetcher))
            for item in harvester.gather():
                _count(out, item, known, seen, salt, run)
            out.complete = bool(harvester.complete) and not harvester.not_modified
        except (HarvestFailed, FetchError) as exc:
            out.complete = False
            out.message = exc.message if isinstance(exc, HarvestFailed) else f"{exc.message} ({exc.url})"
        finally:
            fetcher.close()
        if out.complete:
            out.withdrawn = sorted(rid for rid, row in known.items() if row.state == "active" and rid not in seen)
        return out
    finally:
        session.rollback()
        session.close()


def _count(out: Preview, item: Any, known: dict[str, Any], seen: set[str], salt: str, run: _Run) -> None:
    if isinstance(item, Problem):
        out.invalid.append((item.remote_id, item.message))
        if item.remote_id:
            seen.add(item.remote_id)
        return
    if isinstance(item, Seen):
        seen.add(item.remote_id)
        out.unchanged += 1
        return
    fidelity.take(item)
    rid = str(item.get("remote_id") or "").strip()
    if not rid or rid in seen:
        return
    seen.add(rid)
    row = known.get(rid)
    item["remote_id"] = rid
    if (row is not None and row.content_hash == content_hash(item, salt) and row.state == "active"
            and (row.role == "duplicate" or row.dataset_id or row.dataservice_id)):
        out.unchanged += 1
        return
    try:
        load_record(run.schema, tidy(item, run.log.warn), run.log.warn)
    except ValidationError as err:
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in field_errors(err).items())
        out.invalid.append((rid, f"not taken: {problems}"))
        return
    (out.changed if row is not None else out.new).append(rid)
