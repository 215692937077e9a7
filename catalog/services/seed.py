"""Loading `seed/`: code lists, the agency tree, national databases and systems, demo datasets.

Everything goes through the same schemas and services as user input. Loading is idempotent:
code lists are brought in line with the files; agencies, databases and datasets that already exist
are left as stewards keep them (pass `update=True` to overwrite them with the files' values).
All of it happens in the caller's transaction, so a broken file loads nothing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import rules
from ..models import AdminUnit, Database, Dataset, Licence, Organization, Theme
from . import connection_seed, databases, datasets, distributions, organizations
from .actor import system_actor

#: The whole country, for datasets whose spatial coverage is national.
COUNTRY = {"code": "VN", "name_vi": "Toàn quốc", "name_en": "Whole country", "kind": "country"}

Report = dict[str, dict[str, int]]


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for n, row in enumerate(csv.DictReader(handle), start=2):  # row 1 is the header
            yield n, {k.strip(): (v or "").strip() for k, v in row.items() if k}


def _none(value: str) -> str | None:
    return value or None


def _located(errors: dict[str, Any], where: str, err: ValidationError) -> None:
    errors[where] = err.messages


def _sync_code_list(session: Session, model: type, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Code lists follow the files exactly (they are not edited in the UI)."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    pk = model.__mapper__.primary_key[0].key
    for row in rows:
        obj = session.get(model, row[pk])
        if obj is None:
            session.add(model(**row))
            counts["created"] += 1
        elif any(getattr(obj, k) != v for k, v in row.items()):
            for k, v in row.items():
                setattr(obj, k, v)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    session.flush()
    return counts


def _float(value: str) -> float | None:
    return float(value.replace(",", "")) if value else None


def _int(value: str) -> int | None:
    return int(value.replace(",", "").replace(".", "")) if value else None


def _code_lists(session: Session, root: Path) -> Report:
    themes = [{"code": r["code"], "name_vi": r["name_vi"], "name_en": r["name_en"], "uri": _none(r.get("uri", ""))}
              for _, r in _rows(root / "themes.csv")]
    licences = [{"code": r["code"], "title_vi": r["title_vi"], "title_en": r["title_en"],
                 "url": _none(r.get("url", "")), "is_open": r.get("is_open", "").lower() in ("true", "1", "yes")}
                for _, r in _rows(root / "licences.csv")]
    units = [dict(COUNTRY, merged_from=None, area_km2=None, population=None, legal_basis=None)]
    for _, r in _rows(root / "admin_units.csv"):
        units.append({"code": r["code"], "name_vi": r["name_vi"], "name_en": _none(r.get("name_en", "")),
                      "kind": r["kind"], "merged_from": _none(r.get("merged_from", "")),
                      "area_km2": _float(r.get("area_km2", "")), "population": _int(r.get("population", "")),
                      "legal_basis": _none(r.get("legal_basis", ""))})
    return {
        "themes": _sync_code_list(session, Theme, themes),
        "licences": _sync_code_list(session, Licence, licences),
        "admin_units": _sync_code_list(session, AdminUnit, units),
    }


def _upsert(
    session: Session,
    existing: Any,
    create: Callable[[], Any],
    update: Callable[[Any], list[str]],
    counts: dict[str, int],
    overwrite: bool,
) -> Any:
    if existing is None:
        counts["created"] += 1
        return create()
    if overwrite and update(existing):
        counts["updated"] += 1
    else:
        counts["unchanged"] += 1
    return existing


ORG_FIELDS = ("code", "identifier", "name_vi", "name_en", "kind", "admin_unit_code", "website", "email", "phone",
              "address")


def _organizations(session: Session, root: Path, overwrite: bool, errors: dict[str, Any]) -> dict[str, int]:
    actor = system_actor("seed")
    pending = []
    for n, r in _rows(root / "organizations.csv"):
        data = {k: r.get(k, "") for k in ORG_FIELDS}
        data["parent"] = r.get("parent_code", "")
        pending.append((n, data))
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    known = set(session.scalars(select(Organization.code)))
    # Parents before children, whatever the order of the file.
    while pending:
        ready = [(n, d) for n, d in pending if not d["parent"] or d["parent"] in known]
        if not ready:
            for n, d in pending:
                errors[f"organizations.csv row {n}"] = {"parent_code": [f"unknown parent {d['parent']}"]}
            break
        for n, data in ready:
            existing = session.scalar(select(Organization).where(Organization.code == data["code"]))
            try:
                _upsert(session, existing,
                        lambda d=data: organizations.create_organization(session, actor, d),
                        lambda o, d=data: organizations.update_organization(session, actor, o, d),
                        counts, overwrite)
            except ValidationError as err:
                _located(errors, f"organizations.csv row {n}", err)
            known.add(data["code"])
        pending = [p for p in pending if p not in ready]
    return counts


def _databases(session: Session, root: Path, overwrite: bool, errors: dict[str, Any]) -> dict[str, int]:
    actor = system_actor("seed")
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    renamed = {"owner_code": "owner", "collection_vi": "collection_method_vi", "update_vi": "update_method_vi",
               "hosting_vi": "hosting"}
    for n, r in _rows(root / "databases.csv"):
        data: dict[str, Any] = {}
        for key, value in r.items():
            if key == "source":
                continue
            data[renamed.get(key, key)] = value
        data["platforms"] = [p.strip() for p in data.get("platforms", "").split(";") if p.strip()]
        existing = session.scalar(select(Database).where(Database.code == data["code"]))
        try:
            _upsert(session, existing,
                    lambda d=data: databases.create_database(session, actor, d),
                    lambda db, d=data: databases.update_database(session, actor, db, d),
                    counts, overwrite)
        except ValidationError as err:
            _located(errors, f"databases.csv row {n}", err)
    return counts


class _SeedFile:
    """A seed file presented as an upload."""

    def __init__(self, path: Path) -> None:
        self.filename = path.name
        self.mimetype = "application/octet-stream"
        self.stream = open(path, "rb")  # noqa: SIM115 - closed by the caller

    def close(self) -> None:
        self.stream.close()


def _datasets(
    session: Session, root: Path, cfg: dict[str, Any], overwrite: bool, errors: dict[str, Any]
) -> dict[str, int]:
    actor = system_actor("seed")
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    path = root / "datasets.json"
    if not path.exists():
        return counts
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        errors["datasets.json"] = [f"not valid JSON: {exc}"]
        return counts
    storage = distributions.storage_for(cfg)
    for i, item in enumerate(items):
        where = f"datasets.json item {i + 1} ({item.get('slug', '?')})"
        data = {k: v for k, v in item.items() if k not in ("distributions", "source_note")}
        if item.get("source_note") and not data.get("provenance"):
            data["provenance"] = item["source_note"]
        if item.get("access_level") != "restricted":
            data.pop("unlisted", None)
        if data.get("access_level") == rules.ACCESS_OPEN and data.get("status") == "published":
            # Open data is opened only through the publication procedure (services/publishing.py):
            # the seed loads it as a draft; `flask publish demo` (make run) opens it through the gates.
            data["status"] = "draft"
            counts["to_publish"] = counts.get("to_publish", 0) + 1
        existing = session.scalar(select(Dataset).where(Dataset.slug == item.get("slug")))
        if existing is not None and existing.status == "published" and data.get("status") == "draft":
            data.pop("status")  # opened since through the procedure: an update leaves it open
        try:
            ds = _upsert(session, existing,
                         lambda d=data: datasets.create_dataset(session, actor, d),
                         lambda o, d=data: datasets.update_dataset(session, actor, o, d, local_edit=False),
                         counts, overwrite)
            if existing is None:
                for dist in item.get("distributions", []):
                    _add_distribution(session, actor, ds, dist, root, storage)
        except ValidationError as err:
            _located(errors, where, err)
    return counts


def _add_distribution(session: Session, actor: Any, ds: Dataset, dist: dict[str, Any], root: Path,
                      storage: distributions.Storage) -> None:
    data = {k: v for k, v in dist.items() if k != "file"}
    if "schema" in data:
        data["table_schema"] = data.pop("schema")
    if "url" in data:
        data["access_url"] = data.pop("url")
    upload = None
    if dist.get("file"):
        file_path = (root / dist["file"]).resolve()
        if root.resolve() not in file_path.parents or not file_path.is_file():
            raise ValidationError({"file": [f"missing seed file {dist['file']}"]})
        upload = _SeedFile(file_path)
    try:
        distributions.add_distribution(session, actor, ds, data, storage, upload)
    finally:
        if upload is not None:
            upload.close()


def _open_data_plans(session: Session, root: Path, errors: dict[str, Any]) -> dict[str, int]:
    """Planned entries of agencies' open-data lists; one already there (same agency and title) is kept."""
    from ..models import OpenDataPlan
    from ..schemas.portal import PlanInput

    path = root / "open_data_plans.csv"
    counts = {"created": 0, "unchanged": 0}
    if not path.exists():
        return counts
    for n, row in _rows(path):
        where = f"open_data_plans.csv line {n}"
        org = session.scalar(select(Organization).where(Organization.code == row.get("organization", "")))
        if org is None:
            errors[where] = {"organization": [f"unknown agency {row.get('organization')!r}"]}
            continue
        raw = {k: row.get(k, "") for k in ("title_vi", "title_en", "planned_date", "update_frequency", "status",
                                           "description_vi")}
        raw["themes"] = [c for c in row.get("themes", "").split(";") if c]
        try:
            data = PlanInput().load(raw)
        except ValidationError as err:
            _located(errors, where, err)
            continue
        exists = session.scalar(select(OpenDataPlan.id).where(OpenDataPlan.organization_id == org.id,
                                                              OpenDataPlan.title_vi == data["title_vi"]))
        if exists is not None:
            counts["unchanged"] += 1
            continue
        data.pop("dataset", None)
        session.add(OpenDataPlan(organization_id=org.id, **data))
        counts["created"] += 1
    session.flush()
    return counts


def load_seed(session: Session, root: Path, cfg: dict[str, Any], *, update: bool = False) -> Report:
    """Load every seed file; raises ValidationError naming each bad row, having stored nothing."""
    errors: dict[str, Any] = {}
    report = _code_lists(session, root)
    report["organizations"] = _organizations(session, root, update, errors)
    report["databases"] = _databases(session, root, update, errors)
    report["datasets"] = _datasets(session, root, cfg, update, errors)
    report["systems"] = connection_seed.load_systems(session, root, errors)
    report["connections"] = connection_seed.load_connections(session, root, errors)
    report["open_data_plans"] = _open_data_plans(session, root, errors)
    if errors:
        raise ValidationError(errors)
    return report
