"""An agency's open-data list (danh mục dữ liệu mở, rules.OPEN_DATA_LIST_STATUSES): what it has
opened and what it plans to open, each with a date, an update frequency and a status.

Opened entries are the open, published datasets (read through the access policy as the public
reads them); planned entries are the stewards' `OpenDataPlan` rows. A plan whose dataset is public
shows once, as that opened dataset. A plan names its dataset only when the public may see it, so a
list never reveals a hidden dataset's title or address. "Open" and "overdue" are worked out here,
never stored: a plan past its date (rules.OPEN_DATA_OVERDUE_AFTER_DAYS) is overdue until opened.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from .. import policy, rules
from ..models import Dataset, OpenDataPlan, Organization, Theme
from ..models.base import snapshot
from ..schemas.portal import PlanInput
from . import audit
from .actor import Actor
from .common import check_codes, field_error, load
from .listing import Page, json_list_contains

PLAN_COLUMNS = ("title_vi", "title_en", "description_vi", "description_en", "themes", "planned_date",
                "update_frequency", "status", "dataset_id")


@dataclass
class ListFilters:
    organization: str | None = None
    theme: str | None = None
    status: str | None = None

    def check(self) -> None:
        """An unknown status is a field error (400 on pages, 422 in the API), never an empty list."""
        if self.status and self.status not in rules.OPEN_DATA_LIST_STATUSES:
            raise field_error("status", gettext("Must be one of: %(choices)s.",
                                                choices=", ".join(rules.OPEN_DATA_LIST_STATUSES)))


@dataclass
class Entry:
    """One line of an open-data list."""

    status: str
    organization: Organization
    title_vi: str
    title_en: str | None
    planned_date: date | None
    opened_on: date | None
    update_frequency: str | None
    themes: list[str] = field(default_factory=list)
    #: the public dataset's address, None for a plan not yet opened
    dataset_slug: str | None = None
    plan_id: str | None = None

    def title(self, locale: str) -> str:
        return (self.title_en if locale == "en" and self.title_en else None) or self.title_vi


def overdue_before(today: date) -> date:
    """Plans dated before this day are overdue."""
    return today - timedelta(days=rules.OPEN_DATA_OVERDUE_AFTER_DAYS)


def plan_status(plan: OpenDataPlan, today: date) -> str:
    return "overdue" if plan.planned_date < overdue_before(today) else plan.status


def _org_id(code: str) -> Any:
    return select(Organization.id).where(Organization.code == code).scalar_subquery()


def opened_query(f: ListFilters) -> Select[Any]:
    """Open, published datasets, as the public sees them."""
    q = select(Dataset).where(policy.dataset_visibility(policy.ANONYMOUS), Dataset.access_level == rules.ACCESS_OPEN)
    if f.organization:
        q = q.where(Dataset.publisher_id == _org_id(f.organization))
    if f.theme:
        q = q.where(json_list_contains(Dataset.themes, f.theme))
    return q


def plans_query(f: ListFilters, today: date) -> Select[Any]:
    """Planned entries not yet opened (their dataset, if any, is not public)."""
    q = select(OpenDataPlan).where(or_(OpenDataPlan.dataset_id.is_(None),
                                       OpenDataPlan.dataset_id.not_in(policy.public_dataset_ids())))
    if f.organization:
        q = q.where(OpenDataPlan.organization_id == _org_id(f.organization))
    if f.theme:
        q = q.where(json_list_contains(OpenDataPlan.themes, f.theme))
    cutoff = overdue_before(today)
    if f.status == "overdue":
        q = q.where(OpenDataPlan.planned_date < cutoff)
    elif f.status in ("planned", "in_preparation"):
        q = q.where(OpenDataPlan.status == f.status, OpenDataPlan.planned_date >= cutoff)
    return q


def _count(session: Session, q: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(q.order_by(None).subquery())) or 0


def _plan_entry(plan: OpenDataPlan, today: date) -> Entry:
    return Entry(status=plan_status(plan, today), organization=plan.organization, title_vi=plan.title_vi,
                 title_en=plan.title_en, planned_date=plan.planned_date, opened_on=None,
                 update_frequency=plan.update_frequency, themes=list(plan.themes or []), plan_id=plan.id)


def _opened_entries(session: Session, datasets: list[Dataset]) -> list[Entry]:
    ids = [d.id for d in datasets]
    planned = dict(session.execute(select(OpenDataPlan.dataset_id, func.min(OpenDataPlan.planned_date))
                                   .where(OpenDataPlan.dataset_id.in_(ids)).group_by(OpenDataPlan.dataset_id)).all()
                   ) if ids else {}
    out = []
    for ds in datasets:
        opened = ds.published_at.date() if ds.published_at else (ds.issued or ds.created_at.date())
        out.append(Entry(status="open", organization=ds.publisher, title_vi=ds.title_vi, title_en=ds.title_en,
                         planned_date=planned.get(ds.id), opened_on=opened, update_frequency=ds.update_frequency,
                         themes=list(ds.themes or []), dataset_slug=ds.slug))
    return out


def _plans_ordered(f: ListFilters, today: date) -> Select[Any]:
    return plans_query(f, today).options(selectinload(OpenDataPlan.organization)).order_by(
        OpenDataPlan.planned_date, OpenDataPlan.id)


def _opened_ordered(f: ListFilters) -> Select[Any]:
    return opened_query(f).options(selectinload(Dataset.publisher)).order_by(
        Dataset.published_at.desc(), Dataset.created_at.desc(), Dataset.id)


def list_entries(session: Session, f: ListFilters, *, page: int = 1, per_page: int = 20,
                 today: date | None = None) -> Page[Entry]:
    """One page of the list: entries still to open first (by planned date), then opened ones (newest
    first). Both parts are paged in SQL; a page past the end is empty, never an error."""
    f.check()
    today = today or date.today()
    page = max(1, page)
    want_plans = f.status != "open"
    want_opened = f.status in (None, "", "open")
    n_plans = _count(session, plans_query(f, today)) if want_plans else 0
    n_opened = _count(session, opened_query(f)) if want_opened else 0
    start = (page - 1) * per_page
    items: list[Entry] = []
    if want_plans and start < n_plans:
        plans = session.scalars(_plans_ordered(f, today).offset(start).limit(per_page)).all()
        items += [_plan_entry(p, today) for p in plans]
    room = per_page - len(items)
    if want_opened and room > 0:
        offset = max(0, start - n_plans)
        if offset < n_opened:
            items += _opened_entries(session, list(session.scalars(_opened_ordered(f).offset(offset).limit(room))))
    return Page(items, n_plans + n_opened, page, per_page)


def all_entries(session: Session, f: ListFilters, today: date | None = None, batch: int = 1000) -> Iterator[Entry]:
    """Every entry, in list order, read in batches (for the CSV and XLSX downloads)."""
    f.check()
    today = today or date.today()
    if f.status != "open":
        offset = 0
        while chunk := session.scalars(_plans_ordered(f, today).offset(offset).limit(batch)).all():
            yield from (_plan_entry(p, today) for p in chunk)
            offset += batch
    if f.status in (None, "", "open"):
        offset = 0
        while chunk := list(session.scalars(_opened_ordered(f).offset(offset).limit(batch))):
            yield from _opened_entries(session, chunk)
            offset += batch


def overdue_plans(session: Session, org_id: str, today: date | None = None) -> list[OpenDataPlan]:
    """An agency's planned entries past their date and not opened (its quality dashboard lists them)."""
    today = today or date.today()
    return list(session.scalars(
        select(OpenDataPlan).where(OpenDataPlan.organization_id == org_id,
                                   OpenDataPlan.planned_date < overdue_before(today),
                                   or_(OpenDataPlan.dataset_id.is_(None),
                                       OpenDataPlan.dataset_id.not_in(policy.public_dataset_ids())))
        .order_by(OpenDataPlan.planned_date, OpenDataPlan.id)))


def status_counts(session: Session, org_code: str | None = None, today: date | None = None) -> dict[str, int]:
    """How many entries have each status (for the list's summary line)."""
    today = today or date.today()
    f = ListFilters(organization=org_code)
    counts = {"open": _count(session, opened_query(f))}
    for status in ("planned", "in_preparation", "overdue"):
        counts[status] = _count(session, plans_query(ListFilters(organization=org_code, status=status), today))
    return counts


# --- downloads of the list ----------------------------------------------------------------------


def _row(entry: Entry, locale: str, base_url: str) -> list[Any]:
    from ..web import labels

    return [
        entry.organization.code, entry.organization.name(locale), entry.title_vi, entry.title_en or "",
        str(labels.label(labels.OPEN_DATA_STATUSES, entry.status)),
        entry.planned_date.isoformat() if entry.planned_date else "",
        entry.opened_on.isoformat() if entry.opened_on else "",
        str(labels.label(labels.UPDATE_FREQUENCIES, entry.update_frequency)) if entry.update_frequency else "",
        ", ".join(entry.themes),
        f"{base_url.rstrip('/')}/datasets/{entry.dataset_slug}" if entry.dataset_slug else "",
    ]


def header() -> list[str]:
    return [gettext("Agency code"), gettext("Agency"), gettext("Title (Vietnamese)"), gettext("Title (English)"),
            gettext("Status"), gettext("Planned date"), gettext("Opened on"), gettext("Update frequency"),
            gettext("Themes"), gettext("Address")]


def iter_csv(entries: Iterator[Entry], locale: str, base_url: str) -> Iterator[str]:
    """The list as UTF-8 CSV, line by line (with a byte-order mark so that Excel reads Vietnamese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header())
    yield "\ufeff" + buffer.getvalue()
    for entry in entries:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(_row(entry, locale, base_url))
        yield buffer.getvalue()


def xlsx_bytes(entries: Iterator[Entry], locale: str, base_url: str) -> bytes:
    """The list as an Excel workbook (written row by row, in openpyxl's streaming mode)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(gettext("Open-data list")[:31])
    sheet.append(header())
    for entry in entries:
        sheet.append(_row(entry, locale, base_url))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- stewards keep the planned entries ------------------------------------------------------------


def _apply_input(session: Session, org: Organization, data: dict[str, Any]) -> dict[str, Any]:
    if data.get("themes"):
        check_codes(session, Theme, data["themes"], "themes")
    slug = data.pop("dataset", None)
    data["dataset_id"] = None
    if slug:
        ds_id = session.scalar(select(Dataset.id).where(Dataset.slug == slug, Dataset.publisher_id == org.id))
        if ds_id is None:
            raise field_error("dataset", gettext("No dataset of this agency has the address %(slug)s.", slug=slug))
        data["dataset_id"] = ds_id
    return data


def create_plan(session: Session, actor: Actor, org: Organization, raw: dict[str, Any]) -> OpenDataPlan:
    policy.require(policy.can_manage_open_data_plans(actor.reader, org.id))
    data = _apply_input(session, org, load(PlanInput(), raw))
    plan = OpenDataPlan(organization_id=org.id, organization=org, **data)
    session.add(plan)
    session.flush()
    audit.record(session, actor, "create", "open_data_plan", plan.id, label=plan.title_vi,
                 organization_id=org.id, after=snapshot(plan, PLAN_COLUMNS))
    return plan


def update_plan(session: Session, actor: Actor, plan: OpenDataPlan, raw: dict[str, Any]) -> OpenDataPlan:
    policy.require(policy.can_manage_open_data_plans(actor.reader, plan.organization_id))
    before = snapshot(plan, PLAN_COLUMNS)
    data = _apply_input(session, plan.organization, load(PlanInput(), raw))
    for name, value in data.items():
        setattr(plan, name, value)
    session.flush()
    audit.record(session, actor, "update", "open_data_plan", plan.id, label=plan.title_vi,
                 organization_id=plan.organization_id, before=before, after=snapshot(plan, PLAN_COLUMNS))
    return plan


def delete_plan(session: Session, actor: Actor, plan: OpenDataPlan) -> None:
    policy.require(policy.can_manage_open_data_plans(actor.reader, plan.organization_id))
    audit.record(session, actor, "delete", "open_data_plan", plan.id, label=plan.title_vi,
                 organization_id=plan.organization_id, before=snapshot(plan, PLAN_COLUMNS))
    session.delete(plan)
    session.flush()


def plan_of(session: Session, org: Organization, plan_id: str) -> OpenDataPlan:
    from .common import NotFound

    plan = session.get(OpenDataPlan, plan_id)
    if plan is None or plan.organization_id != org.id:
        raise NotFound(plan_id)
    return plan


def public_dataset_slug(session: Session, plan: OpenDataPlan) -> str | None:
    """The plan's dataset's address if the public may see it (never a hidden one's)."""
    if plan.dataset is not None and policy.can_view_dataset(policy.ANONYMOUS, plan.dataset):
        return plan.dataset.slug
    return None
