"""Registry records as search documents: one flat dict per record, the same for every backend.

The document carries the record's text (accented; backends fold it), its facet values, sort
keys, and visibility tokens that encode `catalog.policy` so that a backend can apply the access
policy inside its query.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from .. import rules
from ..models import AdminUnit, Database, DataService, Dataset, Distribution, Organization, Theme
from ..text import fold

BATCH = 500


def visibility_tokens(kind: str, *, published: bool, access: str | None, unlisted: bool,
                      owner_id: str | None) -> list[str]:
    """Tokens saying who may find a record; `AccessFilter` asks for them (policy.py in index form)."""
    tokens = [f"org:{owner_id}"] if owner_id else []
    if not published:
        return tokens
    tokens.append("published")
    if kind in ("organization", "database") or access == rules.ACCESS_OPEN:
        tokens.append("public")
    elif kind == "dataservice" or access == rules.ACCESS_SHARED or not unlisted:
        # shared data, listed restricted data and non-open services: any state agency finds them
        tokens.append("agency")
    return tokens


def _stamp(value: date | datetime | None) -> float:
    if value is None:
        return 0.0
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def _join(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


class ThemeNames:
    """Theme code -> "name_vi name_en", loaded once per batch of documents."""

    def __init__(self, session: Session) -> None:
        self.names = {t.code: _join(t.name_vi, t.name_en) for t in session.scalars(select(Theme))}

    def __call__(self, codes: Iterable[str]) -> str:
        return _join(*(self.names.get(c, c) for c in codes))


class UnitNames:
    """Administrative unit code -> "name_vi name_en", so a dataset is found by the places it covers (a
    harvested coverage box filed under its province included)."""

    def __init__(self, session: Session) -> None:
        self.names = {u.code: _join(u.name_vi, u.name_en) for u in session.scalars(select(AdminUnit))}
        self.names.setdefault("VN", "Việt Nam Vietnam")

    def __call__(self, codes: Iterable[str]) -> str:
        return _join(*(self.names.get(c, c) for c in codes))


def _org_names(org: Organization | None) -> str:
    if org is None:
        return ""
    return _join(org.name_vi, org.name_en, org.acronym)


def _schema_text(dist: Distribution) -> str:
    schema = dist.table_schema or {}
    out = []
    for fld in schema.get("fields") or []:
        if isinstance(fld, dict):
            out.extend(str(fld.get(k)) for k in ("name", "title", "description") if fld.get(k))
    return _join(*out)


def _other_texts(ds: Dataset, name: str) -> list[str]:
    """A field's texts in languages other than the two columns hold."""
    shown = {getattr(ds, f"{name}_vi"), getattr(ds, f"{name}_en")}
    return [text for _code, text in ds.text_languages(name) if text not in shown]


def _other_keywords(ds: Dataset) -> list[str]:
    kept = (ds.translations or {}).get("keywords") or {}
    own = set(ds.keywords or [])
    words = [str(w) for ws in kept.values() if isinstance(ws, list) for w in ws] if isinstance(kept, dict) else []
    return [w for w in dict.fromkeys(words) if w not in own]


def dataset_document(ds: Dataset, themes: ThemeNames, places: UnitNames | None = None) -> dict[str, Any]:
    published = ds.status == "published"
    formats = sorted({(d.format or "").upper() for d in ds.distributions if d.format})
    return {
        "id": ds.id,
        "kind": "dataset",
        "title_vi": ds.title_vi,
        # texts kept in other languages (harvested German, French...) are found like the English ones
        "title_en": _join(ds.title_en, *_other_texts(ds, "title")),
        "description_vi": ds.description_vi or "",
        "description_en": _join(ds.description_en, *_other_texts(ds, "description")),
        "keywords": list(ds.keywords or []) + _other_keywords(ds),
        "names": _join(_org_names(ds.publisher), ds.publisher_name,
                       ds.database.name_vi if ds.database else None,
                       ds.database.name_en if ds.database else None,
                       themes(ds.themes or []), places(ds.spatial or []) if places else None),
        "columns": _join(*(_schema_text(d) for d in ds.distributions),
                         *(_join(d.title_vi, d.title_en) for d in ds.distributions)),
        "organization": [ds.publisher.code] if ds.publisher else [],
        "database": [ds.database.code] if ds.database else [],
        "theme": list(ds.themes or []),
        "format": formats,
        "access": [ds.access_level],
        "licence": [ds.licence_code] if ds.licence_code else [],
        "frequency": [ds.update_frequency] if ds.update_frequency else [],
        "grade": [ds.quality_grade] if ds.quality_grade else [],
        "vis": visibility_tokens("dataset", published=published, access=ds.access_level,
                                 unlisted=bool(ds.unlisted), owner_id=ds.publisher_id),
        "newest": _stamp(ds.issued or ds.published_at or ds.created_at),
        "updated": _stamp(ds.modified or ds.updated_at),
        "name": fold(ds.title_vi)[:120],
        "quality": ds.quality_score if ds.quality_score is not None else -1,
    }


def _plain(kind: str, rec: Any, *, title_vi: str, title_en: str | None, description_vi: str,
           description_en: str, keywords: list[str], names: str, owner: Organization | None,
           published: bool, access: str | None, database: str | None = None) -> dict[str, Any]:
    return {
        "id": rec.id,
        "kind": kind,
        "title_vi": title_vi,
        "title_en": title_en or "",
        "description_vi": description_vi,
        "description_en": description_en,
        "keywords": keywords,
        "names": names,
        "columns": "",
        "organization": [owner.code] if owner else [],
        "database": [database] if database else [],
        "theme": [],
        "format": [],
        "access": [access] if access else [],
        "licence": [],
        "frequency": [],
        "grade": [],
        "vis": visibility_tokens(kind, published=published, access=access, unlisted=False,
                                 owner_id=owner.id if owner else None),
        "newest": _stamp(rec.created_at),
        "updated": _stamp(rec.updated_at),
        "name": fold(title_vi)[:120],
        "quality": -1,
    }


def database_document(db: Database) -> dict[str, Any]:
    return _plain(
        "database", db, title_vi=db.name_vi, title_en=db.name_en,
        description_vi=_join(db.purpose_vi, db.scope_vi, db.data_sources_vi),
        description_en=_join(db.purpose_en, db.scope_en, db.data_sources_en),
        keywords=[db.code], names=_org_names(db.owner), owner=db.owner, published=True, access=None,
        database=db.code,
    )


def organization_document(org: Organization) -> dict[str, Any]:
    return _plain(
        "organization", org, title_vi=org.name_vi, title_en=org.name_en,
        description_vi=org.description_vi or "", description_en=org.description_en or "",
        keywords=[k for k in (org.acronym, org.code) if k], names=_org_names(org.parent), owner=org,
        published=True, access=None,
    )


def dataservice_document(svc: DataService) -> dict[str, Any]:
    return _plain(
        "dataservice", svc, title_vi=svc.title_vi, title_en=svc.title_en,
        description_vi=svc.description_vi or "", description_en=svc.description_en or "",
        keywords=[k for k in (svc.platform, svc.protocol) if k],
        names=_join(_org_names(svc.publisher), svc.database.name_vi if svc.database else None),
        owner=svc.publisher, published=svc.status == "published", access=svc.access_level,
        database=svc.database.code if svc.database else None,
    )


_LOADERS = {
    "dataset": (Dataset, (selectinload(Dataset.publisher), selectinload(Dataset.database),
                          selectinload(Dataset.distributions))),
    "database": (Database, (selectinload(Database.owner),)),
    "organization": (Organization, (selectinload(Organization.parent),)),
    "dataservice": (DataService, (selectinload(DataService.publisher), selectinload(DataService.database))),
}


def documents_for(session: Session, kind: str, ids: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
    """Documents of one kind: of these ids (those that still exist), or all of them in batches."""
    model, options = _LOADERS[kind]
    themes = ThemeNames(session) if kind == "dataset" else None
    places = UnitNames(session) if kind == "dataset" else None
    build = {
        "dataset": lambda r: dataset_document(r, themes, places),  # type: ignore[arg-type]
        "database": database_document,
        "organization": organization_document,
        "dataservice": dataservice_document,
    }[kind]
    if ids is not None:
        wanted = sorted(set(ids))
        for i in range(0, len(wanted), BATCH):
            chunk = wanted[i:i + BATCH]
            for rec in session.scalars(select(model).where(model.id.in_(chunk)).options(*options)):
                yield build(rec)
            session.expunge_all()
        return
    last = ""
    while True:
        batch = list(session.scalars(
            select(model).where(model.id > last).order_by(model.id).limit(BATCH).options(*options)
        ))
        if not batch:
            return
        for rec in batch:
            yield build(rec)
        last = batch[-1].id
        session.expunge_all()


def all_documents(session: Session) -> Iterator[dict[str, Any]]:
    for kind in ("organization", "database", "dataservice", "dataset"):
        yield from documents_for(session, kind)


def count_records(session: Session) -> int:
    return sum(session.scalar(select(func.count()).select_from(m)) or 0
               for m, _ in _LOADERS.values())
