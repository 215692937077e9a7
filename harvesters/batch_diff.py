"""Comparing a batch of harvested records with what the source said last time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select, update

from catalog.models import (
    HarvestRecord,
)
from catalog.schemas.base import field_errors

from .base import LogText, Problem, Record
from .record import content_hash, load_record, tidy


@dataclass
class Batch:
    records: list[Record] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.records) + len(self.seen) + len(self.problems)


class BatchMixin:
    """One batch: which records are new, changed or unchanged (remote id + content hash), and the
    validation of what changed; writing is the writers'."""

    def _known(self, remote_ids: list[str]) -> set[str]:
        rows = self.session.scalars(select(HarvestRecord.remote_id).where(
            HarvestRecord.source_id == self.source.id, HarvestRecord.remote_id.in_(remote_ids),
            HarvestRecord.content_hash.is_not(None)))
        return set(rows)

    def _write(self, batch: Batch) -> None:
        if not len(batch):
            return
        s = self.session
        job = self.job
        records: list[tuple[Record, str, str]] = []
        for rec in batch.records:
            rid = str(rec.get("remote_id") or "").strip()
            if not rid:
                title = str(rec.get("title_vi"))[:200]
                self.log.error(None, "invalid", LogText("no_id", "a record without an id was left out: {title}",
                                                        title=title))
                job.failed += 1
                continue
            if rid in self.seen_ids:
                self.log.warn(rid, "duplicate", LogText(
                    "listed_twice", "the source lists {id} twice; the first one is kept", id=rid[:200]))
                continue
            self.seen_ids.add(rid)
            rec["remote_id"] = rid
            records.append((rec, rid, content_hash(rec, self.salt)))
        ids = [rid for _rec, rid, _h in records] + batch.seen + [p.remote_id for p in batch.problems if p.remote_id]
        existing = {row.remote_id: row for row in s.execute(select(
            HarvestRecord.id, HarvestRecord.remote_id, HarvestRecord.content_hash, HarvestRecord.state,
            HarvestRecord.dataset_id, HarvestRecord.dataservice_id, HarvestRecord.role, HarvestRecord.kind,
            HarvestRecord.status_before_withdrawal, HarvestRecord.matched_on,
        ).where(HarvestRecord.source_id == self.source.id, HarvestRecord.remote_id.in_(ids)))} if ids else {}

        touched: list[int] = []
        for problem in batch.problems:
            self.log.error(problem.remote_id, problem.kind, problem.message)
            job.failed += 1
            row = existing.get(problem.remote_id or "")
            if row is not None:
                touched.append(row.id)  # still at the source: never withdrawn for a passing problem
        changed: list[tuple[Record, str, Any]] = []
        for rid in batch.seen:
            row = existing.get(rid)
            if row is None or rid in self.seen_ids:
                continue
            self.seen_ids.add(rid)
            if row.state == "active":
                touched.append(row.id)
                job.unchanged += 1
        for rec, rid, digest in records:
            row = existing.get(rid)
            if (row is not None and not self.full and row.content_hash == digest and row.state == "active"
                    and (row.role == "duplicate" or row.dataset_id or row.dataservice_id)):
                touched.append(row.id)
                job.unchanged += 1
            else:
                changed.append((rec, digest, row))
        if touched:
            s.execute(update(HarvestRecord).where(HarvestRecord.id.in_(touched))
                      .values(last_seen_job_id=job.id).execution_options(synchronize_session=False))
        valid: list[tuple[Record, str, Any]] = []
        for rec, digest, row in changed:
            rid = rec["remote_id"]
            try:
                data = load_record(self.schema, tidy(rec, self.log.warn), self.log.warn)
            except ValidationError as err:
                errors = field_errors(err)
                problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())
                self.log.error(rid, "invalid", LogText("not_taken", "not taken: {problems}", problems=problems,
                                                       errors=errors))
                job.failed += 1
                if row is not None:
                    s.execute(update(HarvestRecord).where(HarvestRecord.id == row.id)
                              .values(last_seen_job_id=job.id).execution_options(synchronize_session=False))
                continue
            valid.append((data, digest, row))
        datasets = [v for v in valid if v[0]["kind"] == "dataset"]
        services = [v for v in valid if v[0]["kind"] == "dataservice"]
        if datasets:
            self._write_datasets(datasets)
        if services:
            self._write_services(services)
        self._commit()
