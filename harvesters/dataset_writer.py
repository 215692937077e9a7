"""Writing harvested datasets: new ones, links to the same dataset from another source, takeovers, updates."""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from catalog import geo_units, rules
from catalog.models import (
    Dataset,
    Distribution,
    HarvestRecord,
    HarvestSource,
    utcnow,
)
from catalog.models.base import new_id
from catalog.services.common import unique_slugs
from catalog.services.datasets import missing_to_publish
from catalog.signals import note_changes
from catalog.text import slugify

from .base import LogText, Record

DATASET_FIELDS = (
    "title_vi", "title_en", "description_vi", "description_en", "keywords", "themes", "spatial", "languages",
    "publisher_id", "database_id", "access_level", "licence_code", "update_frequency", "temporal_start",
    "temporal_end", "contact_name", "contact_email", "contact_phone", "landing_page", "version", "issued",
    "modified", "provenance", "is_master_data", "translations", "title_lang", "publisher_name", "publisher_uri",
    "maintainer_name", "maintainer_email", "spatial_geojson", "spatial_resolution_m", "other_identifiers",
    "applicable_legislation", "series_id", "series_links",
)
DIST_FIELDS = ("identifier", "title_vi", "title_en", "description_vi", "description_en", "access_url", "download_url",
               "format", "media_type", "byte_size", "table_schema", "issued", "modified", "translations", "checksum",
               "checksum_sha256")


class DatasetWriterMixin:
    """Create, link, take over and update harvested datasets, keeping what stewards edited here."""

    def _values(self, data: Record) -> dict[str, Any]:
        """Catalogue columns from a validated record (code lists resolved, source defaults applied)."""
        rid, warn, codes, source = data["remote_id"], self.log.warn, self.codes, self.source
        licence = codes.licence_of(data.get("licence"), rid, warn) or source.default_licence_code
        publisher_id = codes.publisher_of(data.get("publisher"), source.organization_id, rid, warn)
        # the source's own publisher is shown when it is none of our agencies (the owner stays the source's agency)
        named = data.get("publisher")
        foreign_name = named if named and not codes.is_agency(named) else None
        return {
            "translations": data.get("translations") or {}, "title_lang": data.get("title_lang"),
            "publisher_name": foreign_name, "publisher_uri": data.get("publisher_uri") if foreign_name else None,
            "maintainer_name": data.get("maintainer_name"), "maintainer_email": data.get("maintainer_email"),
            "spatial_geojson": data.get("spatial_geojson"), "spatial_resolution_m": data.get("spatial_resolution_m"),
            "other_identifiers": data.get("other_identifiers") or [],
            "applicable_legislation": data.get("applicable_legislation") or [],
            "series_id": self.series.series_of(data.get("series"), rid),
            "series_links": data.get("series_links") or {},
            "title_vi": data["title_vi"], "title_en": data.get("title_en"),
            "description_vi": data.get("description_vi"), "description_en": data.get("description_en"),
            "keywords": data.get("keywords") or [],
            "themes": codes.themes_of(data.get("themes") or [], rid, warn),
            "spatial": codes.spatial_of(data.get("spatial") or [], rid, warn) or _places_of(data, rid, warn),
            "languages": codes.languages_of(data.get("languages") or [], rid, warn),
            "publisher_id": publisher_id,
            "database_id": codes.database_of(data.get("database"), source.database_id, rid, warn),
            "access_level": data.get("access_level") or source.default_access_level,
            "licence_code": licence,
            "update_frequency": codes.frequency_of(data.get("update_frequency"), rid, warn),
            "temporal_start": data.get("temporal_start"), "temporal_end": data.get("temporal_end"),
            "contact_name": data.get("contact_name"), "contact_email": data.get("contact_email"),
            "contact_phone": data.get("contact_phone"), "landing_page": data.get("landing_page"),
            "version": data.get("version"), "issued": data.get("issued"), "modified": data.get("modified"),
            "provenance": data.get("provenance"), "is_master_data": bool(data.get("is_master_data")),
        }

    def _gaps(self, values: dict[str, Any]) -> list[str]:
        """The registration forms' rule (services.datasets.missing_to_publish) on the row to write."""
        return missing_to_publish(values["access_level"], values.get,
                                  lambda code: code in self.codes.open_licences)

    def _status_for(self, values: dict[str, Any], rid: str, has_data: bool = True) -> str:
        """Published when the source may publish and nothing required is missing. Open data must
        also give something to download (a file or a data link, as the registration forms ask):
        a record that only describes open data stays a draft, off the home page and the open lists."""
        if not self.source.auto_publish:
            return "draft"
        gaps = self._gaps(values)
        if values["access_level"] == rules.ACCESS_OPEN and not has_data:
            gaps.append("distribution")
        if gaps:
            names = ", ".join({"licence_code": "licence", "contact": "contact point",
                               "distribution": "a file or a data link"}.get(g, g) for g in gaps)
            self.log.warn(rid, "draft", LogText("draft_until", "kept as a draft until it has: {names}", names=names,
                                                fields=gaps))
            return "draft"
        return "published"

    def _write_datasets(self, items: list[tuple[Record, str, Any]]) -> None:
        new = [(d, h) for d, h, row in items if row is None]
        old = [(d, h, row) for d, h, row in items if row is not None]
        if new:
            self._create_datasets(new)
        if old:
            self._update_datasets(old)

    def _matches(self, new: list[tuple[Record, str]]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Datasets already in the catalogue with the same identifier, or (from elsewhere) landing page."""
        s = self.session
        identifiers = [self._identifier(d) for d, _h in new]
        by_identifier: dict[str, Any] = {}
        for r in s.execute(select(
            Dataset.id, Dataset.identifier, Dataset.harvest_source_id, Dataset.origin, Dataset.remote_id,
            Dataset.publisher_id, Dataset.landing_page,
        ).where(Dataset.identifier.in_(identifiers)).order_by(Dataset.created_at, Dataset.id)):
            # identifiers are unique per publisher: of several agencies' datasets, one this source may
            # write wins, else the first registered (a clash the link step then logs, never applies)
            known = by_identifier.get(r.identifier)
            if known is None or (not self.writers.may_write(known.publisher_id)
                                 and self.writers.may_write(r.publisher_id)):
                by_identifier[r.identifier] = r
        pages = [d["landing_page"] for d, _h in new if _specific_page(d.get("landing_page"))]
        by_page: dict[str, Any] = {}
        if pages:
            rows = s.execute(select(Dataset.id, Dataset.landing_page, Dataset.harvest_source_id, Dataset.origin,
                                    Dataset.remote_id, Dataset.publisher_id, Dataset.identifier)
                             .where(Dataset.landing_page.in_(pages))).all()
            counts: dict[str, int] = {}
            for r in rows:
                counts[r.landing_page] = counts.get(r.landing_page, 0) + 1
            by_page = {r.landing_page: r for r in rows
                       if counts[r.landing_page] == 1 and r.harvest_source_id != self.source.id}
        return by_identifier, by_page

    def _identifier(self, data: Record) -> str:
        value = (data.get("identifier") or data.get("source_url")
                 or f"urn:harvest:{self.source.slug}:{data['remote_id']}")
        return value[:500]

    def _create_datasets(self, new: list[tuple[Record, str]]) -> None:
        s, job, source = self.session, self.job, self.source
        by_identifier, by_page = self._matches(new)
        rows: list[dict[str, Any]] = []
        dists: list[dict[str, Any]] = []
        records: list[dict[str, Any]] = []
        batch_identifiers: dict[str, str] = {}
        now = utcnow()
        for data, digest in new:
            rid = data["remote_id"]
            identifier = self._identifier(data)
            match, matched_on = by_identifier.get(identifier), "identifier"
            if match is None and data.get("landing_page") in by_page:
                match, matched_on = by_page[data["landing_page"]], "landing_page"
            if identifier in batch_identifiers:
                self._same_source_clash(rid, batch_identifiers[identifier])
                continue
            if match is not None:
                if match.harvest_source_id == source.id:
                    self._same_source_clash(rid, match.remote_id)
                    continue
                self._link_existing(data, digest, match, matched_on)
                continue
            batch_identifiers[identifier] = rid
            values = self._values(data)
            ds_id = new_id()
            status = self._status_for(values, rid, _gives_data(data.get("distributions") or []))
            rows.append({**values, "id": ds_id, "identifier": identifier, "status": status,
                         "published_at": now if status == "published" else None, "origin": "harvested",
                         "harvest_source_id": source.id, "remote_id": rid, "source_url": data.get("source_url"),
                         "local_edits": [], "unlisted": False})
            dists.extend(_dist_rows(ds_id, data.get("distributions") or []))
            records.append(self._record_row(data, digest, dataset_id=ds_id))
        if rows:
            for row, slug in zip(rows, unique_slugs(s, Dataset, [slugify(r["title_vi"]) for r in rows]), strict=True):
                row["slug"] = slug
            s.execute(Dataset.__table__.insert(), rows)
            note_changes(s, "dataset", [r["id"] for r in rows])
            for r in rows:
                if r["series_id"]:
                    self.series.check_links(r["series_id"], r["identifier"], r["series_links"], r["remote_id"])
        if dists:
            s.execute(Distribution.__table__.insert(), dists)
            note_changes(s, "distribution", [d["id"] for d in dists])
        if records:
            s.execute(HarvestRecord.__table__.insert(), records)
        job.new += len(rows)

    def _record_row(self, data: Record, digest: str, **target: Any) -> dict[str, Any]:
        return {"source_id": self.source.id, "remote_id": data["remote_id"], "kind": data["kind"],
                "title": data["title_vi"][:500], "content_hash": digest, "state": "active",
                "role": target.pop("role", "primary"), "matched_on": target.pop("matched_on", None),
                "first_job_id": self.job.id, "last_seen_job_id": self.job.id, "last_changed_job_id": self.job.id,
                "dataset_id": None, "dataservice_id": None, **target}

    def _same_source_clash(self, rid: str, other: str | None) -> None:
        self.log.error(rid, "duplicate", LogText(
            "same_identifier", "has the same identifier as record {other} of this source; not taken", other=other))
        self.job.failed += 1

    def _owner_is_authoritative(self, source_id: str | None) -> bool:
        if source_id is None:
            return False
        return bool(self.session.scalar(select(HarvestSource.authoritative).where(HarvestSource.id == source_id)))

    def _link_existing(self, data: Record, digest: str, match: Any, matched_on: str) -> None:
        """The dataset is already catalogued (from another source or registered here): one dataset,
        two provenances. An authoritative source takes over a dataset another source brought."""
        s, rid = self.session, data["remote_id"]
        foreign = not self.writers.may_write(match.publisher_id)
        takeover = (match.origin == "harvested" and self.source.authoritative and not foreign
                    and not self._owner_is_authoritative(match.harvest_source_id))
        if takeover:
            self._take_over(match.id)
            s.execute(HarvestRecord.__table__.insert(), [self._record_row(data, digest, dataset_id=match.id)])
            ds = s.scalar(select(Dataset).where(Dataset.id == match.id).options(selectinload(Dataset.distributions)))
            if ds is not None:
                self._apply_dataset(ds, data, SimpleNamespace(state="active", status_before_withdrawal=None))
            self.job.new += 1
            self.log.warn(rid, "duplicate", LogText(
                "taken_over", "already catalogued from another source (matched on {field}); "
                "this authoritative source now keeps it", field=matched_on))
            return
        row = self._record_row(data, digest, dataset_id=match.id, role="duplicate", matched_on=matched_on)
        s.execute(HarvestRecord.__table__.insert(), [row])
        self.job.new += 1
        if foreign:
            self._agency_clash(rid, match, matched_on)
            return
        if match.origin != "harvested":
            self.log.warn(rid, "duplicate", LogText(
                "already_registered", "the same dataset is already registered in this catalogue (matched on {field}); "
                "recorded as a second source of it", field=matched_on))
        else:
            self.log.warn(rid, "duplicate", LogText(
                "already_harvested", "the same dataset is already brought by another source (matched on {field}); "
                "recorded as a second source of it", field=matched_on))

    def _agency_clash(self, rid: str, ds: Any, matched_on: str | None) -> None:
        """Another agency's dataset: logged and counted, never written (issue 17)."""
        value = ds.landing_page if matched_on == "landing_page" else ds.identifier
        self.clashes += 1
        self.log.warn(rid, "agency_clash", self.writers.clash_message(str(value), matched_on or "identifier",
                                                                      ds.publisher_id))

    def _take_over(self, dataset_id: str) -> None:
        s = self.session
        s.execute(update(HarvestRecord).where(HarvestRecord.dataset_id == dataset_id,
                                              HarvestRecord.source_id != self.source.id,
                                              HarvestRecord.role == "primary")
                  .values(role="duplicate", matched_on="identifier").execution_options(synchronize_session=False))

    def _update_datasets(self, old: list[tuple[Record, str, Any]]) -> None:
        s = self.session
        ids = [row.dataset_id for _d, _h, row in old if row.dataset_id]
        found = {ds.id: ds for ds in s.scalars(select(Dataset).where(Dataset.id.in_(ids))
                                               .options(selectinload(Dataset.distributions)))} if ids else {}
        recreate: list[tuple[Record, str, Any]] = []
        for data, digest, row in old:
            ds = found.get(row.dataset_id) if row.dataset_id else None
            if row.role == "duplicate":
                owner = ds.harvest_source_id if ds is not None else None
                foreign = ds is not None and not self.writers.may_write(ds.publisher_id)
                if foreign:
                    self._agency_clash(data["remote_id"], ds, row.matched_on)
                if (ds is not None and ds.origin == "harvested" and self.source.authoritative and not foreign
                        and owner != self.source.id and not self._owner_is_authoritative(owner)):
                    self._take_over(ds.id)
                    s.execute(update(HarvestRecord).where(HarvestRecord.id == row.id)
                              .values(role="primary").execution_options(synchronize_session=False))
                    self._apply_dataset(ds, data, row)
                    self.log.warn(data["remote_id"], "duplicate", LogText(
                        "now_keeps", "this authoritative source now keeps the dataset"))
                elif ds is None:
                    recreate.append((data, digest, row))
                    continue
                self._mark_record(row.id, data, digest)
                self.job.updated += 1
                continue
            if ds is None:
                recreate.append((data, digest, row))
                continue
            if ds.publisher_id is not None and not self.writers.may_write(ds.publisher_id):
                # kept under a delegation since withdrawn (or moved to another agency here): not written
                self._agency_clash(data["remote_id"], ds, "identifier")
                self._mark_record(row.id, data, digest)
                continue
            self._apply_dataset(ds, data, row)
            self._mark_record(row.id, data, digest)
            self.job.updated += 1
        s.flush()
        if recreate:
            # the dataset was deleted here; the source still has it, so it comes back
            s.execute(delete(HarvestRecord).where(HarvestRecord.id.in_([r.id for _d, _h, r in recreate])))
            self._create_datasets([(d, h) for d, h, _r in recreate])

    def _mark_record(self, record_id: int, data: Record, digest: str) -> None:
        self.session.execute(update(HarvestRecord).where(HarvestRecord.id == record_id).values(
            content_hash=digest, state="active", status_before_withdrawal=None, title=data["title_vi"][:500],
            last_seen_job_id=self.job.id, last_changed_job_id=self.job.id,
        ).execution_options(synchronize_session=False))

    def _apply_dataset(self, ds: Dataset, data: Record, row: Any) -> None:
        """Write the source's values, except the fields a steward changed here."""
        values = self._values(data)
        if ds.publisher_id and not self.codes.is_within(ds.publisher_id, self.source.organization_id):
            values["publisher_id"] = ds.publisher_id  # a delegating agency's dataset stays its own
        kept = set(ds.local_edits or [])
        if "title_vi" in kept:
            kept.add("title_lang")  # the language of a title typed here is the steward's, not the source's
        for name in DATASET_FIELDS:
            if name in kept:
                continue
            if getattr(ds, name) != values[name]:
                setattr(ds, name, values[name])
        ds.origin = "harvested"
        ds.harvest_source_id = self.source.id
        ds.remote_id = data["remote_id"]
        ds.source_url = data.get("source_url")
        if "status" in kept:
            # a steward set the status here: only undo the withdrawal this harvest made
            if row.state == "withdrawn" and ds.status == "withdrawn":
                ds.status = row.status_before_withdrawal or "draft"
        else:
            effective = {**values, **{k: getattr(ds, k) for k in kept if k in values}}
            local = any(d.file_path or d.download_url or d.access_url for d in ds.distributions if not d.remote_id)
            ds.status = self._status_for(effective, data["remote_id"],
                                         local or _gives_data(data.get("distributions") or []))
        if ds.status == "published" and ds.published_at is None:
            ds.published_at = utcnow()
        _sync_distributions(self.session, ds, data.get("distributions") or [])
        if ds.series_id:
            self.session.flush()
            self.series.check_links(ds.series_id, ds.identifier, ds.series_links, data["remote_id"])

    # data services ---------------------------------------------------------------------------------


def _places_of(data: Record, rid: str, warn: Any) -> list[str]:
    """The units a coverage box is filed under when the source names no place: VN for a box the size of
    the country, the province a smaller box lies in, or, for a box over several provinces, those it
    covers mostly (said in the job log, since the source did not name them)."""
    found = geo_units.match(data.get("spatial_geojson"))
    if found is None:
        return []
    if found.kind == "several":
        spanned = ", ".join(f"{geo_units.name_of(c)} {100 * s:.0f} %" for c, s in list(found.shares.items())[:8])
        warn(rid, "spatial", LogText(
            "coverage_several_provinces", "the coverage box spans {count} provinces ({spanned}); it is filed "
            "under those it mostly covers: {chosen}", count=len(found.shares), spanned=spanned,
            chosen=", ".join(geo_units.name_of(c) for c in found.codes)))
    return found.codes


def _specific_page(url: str | None) -> bool:
    """Only a page address with a path identifies a dataset (a portal's home page does not)."""
    if not url:
        return False
    return len(urlsplit(url).path.strip("/")) > 0


def _dist_key(dist: dict[str, Any], n: int) -> str:
    key = dist.get("remote_id") or dist.get("download_url") or dist.get("access_url") or f"#{n}"
    return str(key)[:500]


def _gives_data(dists: Iterable[dict[str, Any]]) -> bool:
    """Does a record's list of distributions give the data itself (a download or access address)?"""
    return any(d.get("download_url") or d.get("access_url") for d in dists)


def _dist_values(dist: dict[str, Any]) -> dict[str, Any]:
    """Distribution columns from a record's distribution (a SHA-256 checksum has its own column)."""
    row = {name: dist.get(name) for name in DIST_FIELDS}
    row["translations"] = row["translations"] or {}
    checksum = row["checksum"]
    if checksum and checksum.get("algorithm") == "sha256" and len(str(checksum.get("value"))) == 64:
        row["checksum_sha256"], row["checksum"] = checksum["value"], None
    return row


def _dist_rows(dataset_id: str, dists: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for n, dist in enumerate(dists):
        row = _dist_values(dist)
        if not row["access_url"]:
            row["access_url"] = row["download_url"]
        rows.append({**row, "id": new_id(), "dataset_id": dataset_id, "position": n, "remote_id": _dist_key(dist, n)})
    return rows


def _sync_distributions(session: Session, ds: Dataset, dists: list[dict[str, Any]]) -> None:
    """Harvested distributions follow the source; files and links added here (no remote id) stay."""
    wanted = {_dist_key(d, n): (n, d) for n, d in enumerate(dists)}
    current = {d.remote_id: d for d in ds.distributions if d.remote_id}
    for key, dist in current.items():
        if key not in wanted:
            ds.distributions.remove(dist)
    for key, (n, data) in wanted.items():
        values = _dist_values(data)
        if not values["access_url"]:
            values["access_url"] = values["download_url"]
        values["position"] = n
        dist = current.get(key)
        if dist is None:
            ds.distributions.append(Distribution(id=new_id(), remote_id=key, **values))
            continue
        for name, value in values.items():
            if name == "checksum_sha256" and value is None:
                continue  # a checksum computed here stays unless the source gives one
            if getattr(dist, name) != value:
                setattr(dist, name, value)
