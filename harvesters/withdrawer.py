"""Withdrawing what a complete gather no longer lists, and handing datasets to the sources that still have them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update

from catalog.models import (
    Connection,
    DataService,
    Dataset,
    HarvestRecord,
    HarvestSource,
    utcnow,
)
from catalog.signals import note_changes

from .base import LogText


class WithdrawerMixin:
    """Records a source no longer lists are withdrawn (never deleted), or handed to another source."""

    def _all_unchanged(self) -> None:
        s = self.session
        n = s.execute(update(HarvestRecord).where(HarvestRecord.source_id == self.source.id,
                                                  HarvestRecord.state == "active")
                      .values(last_seen_job_id=self.job.id).execution_options(synchronize_session=False)).rowcount
        self.job.unchanged += n or 0
        self._commit()

    def _withdraw_vanished(self) -> None:
        """Records the source no longer lists: withdrawn here, with their status kept for a comeback."""
        s, job, source = self.session, self.job, self.source
        last_id = 0
        while True:
            rows = s.execute(select(HarvestRecord.id, HarvestRecord.dataset_id, HarvestRecord.dataservice_id,
                                    HarvestRecord.role, HarvestRecord.remote_id).where(
                HarvestRecord.source_id == source.id, HarvestRecord.state == "active", HarvestRecord.id > last_id,
                or_(HarvestRecord.last_seen_job_id.is_(None), HarvestRecord.last_seen_job_id != job.id),
            ).order_by(HarvestRecord.id).limit(self.batch_size)).all()
            if not rows:
                return
            last_id = rows[-1].id
            primary_ds = [r.dataset_id for r in rows if r.role == "primary" and r.dataset_id]
            heirs = self._heirs(primary_ds)
            status_of = dict(s.execute(select(Dataset.id, Dataset.status).where(Dataset.id.in_(primary_ds))).all()
                             ) if primary_ds else {}
            svc_ids = [r.dataservice_id for r in rows if r.dataservice_id]
            service_heirs = self._service_heirs([r.dataservice_id for r in rows
                                                 if r.role == "primary" and r.dataservice_id])
            svc_status = dict(s.execute(select(DataService.id, DataService.status)
                                        .where(DataService.id.in_(svc_ids))).all()) if svc_ids else {}
            record_updates, dataset_updates, service_updates = [], [], []
            for r in rows:
                before = None
                if r.role == "primary" and r.dataset_id:
                    heir = heirs.get(r.dataset_id)
                    if heir is not None:
                        self._hand_over(r.dataset_id, heir)
                        record_updates.append({"id": r.id, "state": "withdrawn", "role": "duplicate",
                                               "status_before_withdrawal": None})
                        continue
                    before = status_of.get(r.dataset_id)
                    if before and before != "withdrawn":
                        dataset_updates.append({"id": r.dataset_id, "status": "withdrawn"})
                if r.dataservice_id and r.role == "primary" and r.dataservice_id in service_heirs:
                    self._hand_over_service(r.dataservice_id, service_heirs[r.dataservice_id])
                    record_updates.append({"id": r.id, "state": "withdrawn", "role": "duplicate",
                                           "status_before_withdrawal": None})
                    continue
                if r.dataservice_id and r.role == "primary":  # a second source's record never withdraws it
                    before = svc_status.get(r.dataservice_id)
                    if before and before != "withdrawn":
                        service_updates.append({"id": r.dataservice_id, "status": "withdrawn"})
                record_updates.append({"id": r.id, "state": "withdrawn", "role": r.role,
                                       "status_before_withdrawal": before})
            s.execute(update(HarvestRecord), record_updates)
            if dataset_updates:
                s.execute(update(Dataset), [{**u, "updated_at": utcnow()} for u in dataset_updates])
                note_changes(s, "dataset", [u["id"] for u in dataset_updates])
            if service_updates:
                s.execute(update(DataService), [{**u, "updated_at": utcnow()} for u in service_updates])
                note_changes(s, "dataservice", [u["id"] for u in service_updates])
                # the connections this source read from the gateway into a withdrawn API end with it
                s.execute(update(Connection).where(
                    Connection.harvest_source_id == source.id,
                    Connection.provider_service_id.in_([u["id"] for u in service_updates])).values(
                    status="retired").execution_options(synchronize_session=False))
            job.withdrawn += len(rows)
            self._commit()

    def _heirs(self, dataset_ids: list[str]) -> dict[str, Any]:
        """For datasets this source withdraws: an active record of another source that can keep them."""
        return self._heirs_of(HarvestRecord.dataset_id, Dataset, dataset_ids)

    def _service_heirs(self, service_ids: list[str]) -> dict[str, Any]:
        """For data services this source withdraws: an active record of another source that can keep them."""
        return self._heirs_of(HarvestRecord.dataservice_id, DataService, service_ids)

    def _heirs_of(self, target: Any, model: Any, ids: list[str]) -> dict[str, Any]:
        """{id: record} of another source that still lists each record, the authoritative source first;
        only a source that may write the record's agency keeps it (issue 17)."""
        if not ids:
            return {}
        rows = self.session.execute(select(HarvestRecord.id, target.label("target"), HarvestRecord.source_id,
                                           HarvestRecord.remote_id, HarvestSource.organization_id,
                                           HarvestSource.filters)
                                    .join(HarvestSource, HarvestSource.id == HarvestRecord.source_id)
                                    .where(target.in_(ids), HarvestRecord.source_id != self.source.id,
                                           HarvestRecord.state == "active")
                                    .order_by(HarvestSource.authoritative.desc(), HarvestRecord.id)).all()
        publisher_of = dict(self.session.execute(select(model.id, model.publisher_id)
                                                 .where(model.id.in_(ids))).all())
        heirs: dict[str, Any] = {}
        for r in rows:
            if self.writers.allowed(publisher_of.get(r.target), r.organization_id,
                                    self.writers.delegated_to(r.source_id, r.filters)):
                heirs.setdefault(r.target, r)
        return heirs

    def _hand_over_service(self, service_id: str, heir: Any) -> None:
        s = self.session
        s.execute(update(HarvestRecord).where(HarvestRecord.id == heir.id)
                  .values(role="primary", content_hash=None).execution_options(synchronize_session=False))
        s.execute(update(DataService).where(DataService.id == service_id)
                  .values(harvest_source_id=heir.source_id, remote_id=heir.remote_id, updated_at=utcnow())
                  .execution_options(synchronize_session=False))
        note_changes(s, "dataservice", [service_id])
        self.log.warn(None, "duplicate", LogText(
            "service_kept_by_other", "a data service this source no longer lists stays in the catalogue: "
            "another source ({id}) still has it", id=heir.remote_id))

    def _hand_over(self, dataset_id: str, heir: Any) -> None:
        s = self.session
        s.execute(update(HarvestRecord).where(HarvestRecord.id == heir.id)
                  .values(role="primary", content_hash=None).execution_options(synchronize_session=False))
        s.execute(update(Dataset).where(Dataset.id == dataset_id)
                  .values(harvest_source_id=heir.source_id, remote_id=heir.remote_id, updated_at=utcnow())
                  .execution_options(synchronize_session=False))
        note_changes(s, "dataset", [dataset_id])
        self.log.warn(None, "duplicate", LogText(
            "kept_by_other", "a dataset this source no longer lists stays in the catalogue: "
            "another source ({id}) still has it", id=heir.remote_id))
