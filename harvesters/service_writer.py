"""Writing harvested data services."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from catalog.models import (
    DataService,
    HarvestRecord,
    utcnow,
)
from catalog.models.base import new_id
from catalog.services.common import unique_slug
from catalog.text import slugify

from .base import LogText, Record
from .gateway_links import sync_consumers

SERVICE_FIELDS = (
    "title_vi", "title_en", "description_vi", "description_en", "publisher_id", "database_id", "endpoint_url",
    "endpoint_description", "openapi_spec", "protocol", "platform", "access_level",
)


class ServiceWriterMixin:
    """Create and update harvested data services."""

    def _service_values(self, data: Record) -> dict[str, Any]:
        rid, warn, codes, source = data["remote_id"], self.log.warn, self.codes, self.source
        return {
            "title_vi": data["title_vi"], "title_en": data.get("title_en"),
            "description_vi": data.get("description_vi"), "description_en": data.get("description_en"),
            "publisher_id": codes.publisher_of(data.get("publisher"), source.organization_id, rid, warn),
            "database_id": codes.database_of(data.get("database"), source.database_id, rid, warn),
            "endpoint_url": data["endpoint_url"], "endpoint_description": data.get("endpoint_description"),
            "openapi_spec": data.get("openapi_spec"), "protocol": data.get("protocol"),
            "platform": data.get("platform"), "access_level": data.get("access_level") or source.default_access_level,
        }

    def _service_identifier(self, data: Record) -> str | None:
        """The service's global identifier: the one the source gives, else its URI."""
        value = data.get("identifier") or data.get("source_url")
        return str(value)[:500] if value else None

    def _service_matches(self, items: list[tuple[Record, str, Any]]) -> dict[str, Any]:
        """Services already in the catalogue, brought by another source or registered here, with the same
        global identifier as a new record of this batch (the first registered wins)."""
        identifiers = {i for d, _h, row in items if row is None and (i := self._service_identifier(d))}
        if not identifiers:
            return {}
        found: dict[str, Any] = {}
        for r in self.session.execute(select(
                DataService.id, DataService.identifier, DataService.harvest_source_id, DataService.origin,
                DataService.publisher_id).where(DataService.identifier.in_(identifiers))
                .order_by(DataService.created_at, DataService.id)):
            found.setdefault(r.identifier, r)
        return found

    def _link_service(self, data: Record, digest: str, match: Any) -> None:
        """One service, two provenances: this source's record is kept as a second source of it."""
        rid = data["remote_id"]
        self.session.execute(HarvestRecord.__table__.insert(), [self._record_row(
            data, digest, dataservice_id=match.id, role="duplicate", matched_on="identifier")])
        self.job.new += 1
        if match.publisher_id is not None and not self.writers.may_write(match.publisher_id):
            self.clashes += 1
            self.log.warn(rid, "agency_clash", self.writers.clash_message(
                str(self._service_identifier(data)), "identifier", match.publisher_id))
        elif match.origin != "harvested":
            self.log.warn(rid, "duplicate", LogText(
                "service_already_registered", "the same data service is already registered in this catalogue "
                "(matched on its identifier); recorded as a second source of it"))
        else:
            self.log.warn(rid, "duplicate", LogText(
                "service_already_harvested", "the same data service is already brought by another source "
                "(matched on its identifier); recorded as a second source of it"))

    def _write_services(self, items: list[tuple[Record, str, Any]]) -> None:
        s = self.session
        ids = [row.dataservice_id for _d, _h, row in items if row is not None and row.dataservice_id]
        found = {svc.id: svc for svc in s.scalars(select(DataService).where(DataService.id.in_(ids)))} if ids else {}
        matches = self._service_matches(items)
        status = "published" if self.source.auto_publish else "draft"
        linked: list[tuple[DataService, Record]] = []
        for data, digest, row in items:
            if row is not None and row.role == "duplicate" and row.dataservice_id in found:
                # another source keeps this service: this one's record is only noted as still there
                self._mark_record(row.id, data, digest)
                self.job.updated += 1
                continue
            identifier = self._service_identifier(data)
            match = matches.get(identifier) if row is None and identifier else None
            if match is not None and match.harvest_source_id != self.source.id:
                self._link_service(data, digest, match)
                continue
            values = self._service_values(data)
            svc = found.get(row.dataservice_id) if row is not None and row.dataservice_id else None
            if svc is None:
                svc = DataService(id=new_id(), origin="harvested", harvest_source_id=self.source.id,
                                  remote_id=data["remote_id"], source_url=data.get("source_url"), local_edits=[],
                                  identifier=identifier,
                                  status=status, published_at=utcnow() if status == "published" else None)
                for name, value in values.items():
                    setattr(svc, name, value)
                with s.no_autoflush:
                    svc.slug = unique_slug(s, DataService, slugify(values["title_vi"]))
                s.add(svc)
                s.flush()
                if row is None:
                    s.execute(HarvestRecord.__table__.insert(), [self._record_row(data, digest, dataservice_id=svc.id)])
                    self.job.new += 1
                else:
                    s.execute(update(HarvestRecord).where(HarvestRecord.id == row.id).values(
                        dataservice_id=svc.id).execution_options(synchronize_session=False))
                    self._mark_record(row.id, data, digest)
                    self.job.updated += 1
                linked.append((svc, data))
                continue
            kept = set(svc.local_edits or [])
            if identifier and svc.identifier is None:
                svc.identifier = identifier
            for name, value in values.items():
                if name not in kept and getattr(svc, name) != value:
                    setattr(svc, name, value)
            svc.source_url = data.get("source_url")
            if "status" not in kept:
                svc.status = status
            elif row.state == "withdrawn" and svc.status == "withdrawn":
                svc.status = row.status_before_withdrawal or status
            if svc.status == "published" and svc.published_at is None:
                svc.published_at = utcnow()
            self._mark_record(row.id, data, digest)
            self.job.updated += 1
            linked.append((svc, data))
        s.flush()
        for svc, data in linked:
            if data.get("consumers") is not None:
                sync_consumers(s, self.source, svc, data["consumers"], data["remote_id"], self.log.warn)

    # after the gather ----------------------------------------------------------------------------
