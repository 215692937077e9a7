"""Dataset pages: the filtered list, the dataset page, steward forms, distributions and downloads."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import date

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_required
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug import Response as WResponse

from .. import geo, policy
from ..auth import current_actor, current_reader
from ..db import db_session
from ..downloads import download_response
from ..i18n import current_locale
from ..models import Database, Dataset, Distribution, Licence, Organization, Theme
from ..models.reference import AdminUnit
from ..quality import service as quality_service
from ..services import datasets, distributions, files, listing, memo, public_files, series
from ..services import harvest as harvest_service
from ..services.common import NotFound, visible_dataset, visible_distribution
from ..services.sharing import access as sharing_access
from . import publishing as publishing_pages
from .forms import page_args, read_form

bp = Blueprint("datasets", __name__)

LIST_FILTERS = ("q", "organization", "database", "access_level", "theme", "licence", "format", "status", "keyword")
DATASET_TEXT = [
    "slug", "identifier", "title_vi", "title_en", "description_vi", "description_en", "publisher", "database",
    "access_level", "licence", "update_frequency", "temporal_start", "temporal_end", "contact_name",
    "contact_email", "contact_phone", "landing_page", "version", "issued", "modified", "provenance", "status",
]
DATASET_LISTS = ("keywords", "themes", "spatial", "languages")
DATASET_BOOLS = ("unlisted", "is_master_data")


def _cfg() -> dict:
    return current_app.config["CATALOG"]


@bp.get("/datasets")
def index() -> str:
    s = db_session()
    reader = current_reader()
    args = {k: (request.args.get(k) or None) for k in LIST_FILTERS}
    page, per_page = page_args()
    sort = request.args.get("sort", "newest")
    result = listing.list_datasets(s, reader, listing.DatasetFilters(**args), sort=sort, page=page,
                                   per_page=per_page)
    more = not result.total and policy.officers_see_more(s, reader, "dataset")
    return render_template("datasets/list.html", page=result, args=args, sort=sort,
                           choices=filter_choices(s, current_locale()), more_for_officers=more)


@dataclass(frozen=True)
class Choice:
    """One option of a list filter, detached from any session so that it can be kept."""

    code: str
    label: str

    def name(self, _locale: str) -> str:
        return self.label

    title = name


def filter_choices(s: Session, locale: str) -> dict[str, tuple[Choice, ...]]:
    """The list's filter options (agencies, themes, licences), read once per change of the registry."""
    def read() -> dict[str, tuple[Choice, ...]]:
        return {
            "organizations": tuple(Choice(o.code, o.name(locale)) for o in
                                   s.scalars(select(Organization).order_by(Organization.name_vi))),
            "themes": tuple(Choice(t.code, t.name(locale)) for t in s.scalars(select(Theme).order_by(Theme.code))),
            "licences": tuple(Choice(lc.code, lc.title(locale)) for lc in
                              s.scalars(select(Licence).order_by(Licence.code))),
        }

    return memo.kept(s, "dataset_filter_choices", locale, read)


@bp.get("/datasets/<key>")
def show(key: str) -> str | tuple[str, int]:
    s = db_session()
    try:
        ds = visible_dataset(db_session(), current_reader(), key)
    except NotFound:
        gone = publishing_pages.tombstone_page(key)  # a withdrawn open dataset answers 410, never 404
        if gone is None:
            raise
        return gone
    reader = current_reader()
    previews = {}
    public = {}
    for dist in ds.distributions:
        columns = policy.readable_columns(reader, dist)
        stored = public_files.preview_for(s, reader, dist)
        if stored is not None:
            public[dist.id] = stored  # computed when the file became public, not on this view
            continue
        if dist.file_path and (dist.format or "").upper() == "CSV" and (columns is None or columns):
            # a missing file shows no preview; the quality checks report it
            with contextlib.suppress(OSError, ValueError), \
                    files.open_stored(_cfg()["UPLOAD_FOLDER"], dist.file_path) as stream:
                previews[dist.id] = files.preview_csv(stream, columns=columns)
    licence = s.get(Licence, ds.licence_code) if ds.licence_code else None
    themes = s.scalars(select(Theme).where(Theme.code.in_(ds.themes or []))).all()
    units = s.scalars(select(AdminUnit).where(AdminUnit.code.in_(ds.spatial or []))).all()
    can_edit = policy.can_edit_dataset(reader, ds)
    personal = quality_service.personal_columns(quality_service.latest_report(s, ds.id)) if can_edit else []
    return render_template(
        "datasets/show.html", ds=ds, previews=previews, public=public, licence=licence, themes=themes, units=units,
        personal_data=personal,
        can_edit=policy.can_edit_dataset(reader, ds), can_delete=policy.can_delete_dataset(reader, ds),
        can_download=policy.can_download(reader, ds), access_key=policy.access_explanation_key(ds),
        readable_columns={d.id: policy.readable_columns(reader, d) for d in ds.distributions},
        gaps=datasets.publishing_gaps(s, ds) if ds.status != "published" else [],
        can_request=ds.status == "published" and reader.is_agency_member and not reader.is_member_of(ds.publisher_id),
        agreements=sharing_access.agreements_for_dataset(s, reader, ds.id),
        coverage=geo.svg_map(ds.spatial_geojson), series_links=series.neighbours(s, reader, ds),
        publication=publishing_pages.panel(ds),
        versions={d.id: distributions.visible_versions(reader, d) for d in ds.distributions if d.file_path},
        replacement=s.get(Dataset, ds.replaced_by_id) if ds.replaced_by_id else None,
        review_overdue=bool(ds.next_review_on and ds.next_review_on < date.today()),
        # a registered dataset too may be listed by a source (then recorded as a second provenance)
        harvest_sources=harvest_service.provenance(s, ds.id),
    )


def _choices() -> dict:
    s = db_session()
    ids = policy.editable_org_ids(current_reader())
    orgs = select(Organization).order_by(Organization.name_vi)
    dbs = select(Database).order_by(Database.name_vi)
    if ids is not None:
        orgs = orgs.where(Organization.id.in_(ids))
    return {
        "organizations": s.scalars(orgs).all(),
        "databases": s.scalars(dbs).all(),
        "themes": s.scalars(select(Theme).order_by(Theme.code)).all(),
        "licences": s.scalars(select(Licence).order_by(Licence.code)).all(),
        "units": s.scalars(select(AdminUnit).order_by(AdminUnit.name_vi)).all(),
    }


def _render_form(
    ds: Dataset | None, values: dict, errors: dict | None = None, status: int = 200
) -> tuple[str, int]:
    return render_template("datasets/form.html", ds=ds, values=values, errors=errors or {},
                           choices=_choices()), status


def _submitted() -> dict:
    return read_form(request.form, lists=DATASET_LISTS, bools=DATASET_BOOLS)


def _resubmitted() -> dict:
    values = request.form.to_dict()
    for name in DATASET_LISTS:
        values[name] = request.form.getlist(name) if len(request.form.getlist(name)) > 1 else [
            v.strip() for v in request.form.get(name, "").split(",") if v.strip()]
    for name in DATASET_BOOLS:
        values[name] = name in request.form
    return values


def _values(ds: Dataset) -> dict:
    values = {f: getattr(ds, f, None) for f in DATASET_TEXT if f not in ("publisher", "database", "licence")}
    values.update(publisher=ds.publisher.code, database=ds.database.code if ds.database else "",
                  licence=ds.licence_code or "")
    for name in (*DATASET_LISTS, *DATASET_BOOLS):
        values[name] = getattr(ds, name)
    return values


def _spatial_default() -> list[str]:
    """The publisher's province when the form knows the publisher (asked for, or the only agency the
    user registers for); empty otherwise, and the service fills it from the publisher chosen."""
    s = db_session()
    code = request.args.get("publisher")
    org = s.scalar(select(Organization).where(Organization.code == code)) if code else None
    if org is None:
        ids = policy.editable_org_ids(current_reader())
        org = s.get(Organization, ids[0]) if ids is not None and len(ids) == 1 else None
    return datasets.default_spatial(org) if org is not None else []


@bp.route("/datasets/new", methods=["GET", "POST"])
@login_required
def create() -> tuple[str, int] | WResponse:
    policy.require(policy.editable_org_ids(current_reader()) != [])
    if request.method == "GET":
        return _render_form(None, {"publisher": request.args.get("publisher", ""),
                                   "database": request.args.get("database", ""),
                                   "access_level": "shared", "status": "draft", "spatial": _spatial_default(),
                                   "languages": ["vi"]})
    s = db_session()
    try:
        ds = datasets.create_dataset(s, current_actor(), _submitted())
    except ValidationError as err:
        s.rollback()
        return _render_form(None, _resubmitted(), err.messages, 400)
    s.commit()
    flash(gettext("The dataset was registered. Add its files or links below."), "success")
    return redirect(url_for(".show", key=ds.slug))


@bp.route("/datasets/<key>/edit", methods=["GET", "POST"])
@login_required
def edit(key: str) -> tuple[str, int] | WResponse:
    ds = visible_dataset(db_session(), current_reader(), key)
    policy.require(policy.can_edit_dataset(current_reader(), ds))
    if request.method == "GET":
        return _render_form(ds, _values(ds))
    s = db_session()
    try:
        data = _submitted()
        for name in DATASET_LISTS:
            data.setdefault(name, [])
        datasets.update_dataset(s, current_actor(), ds, data)
    except ValidationError as err:
        s.rollback()
        return _render_form(ds, _resubmitted(), err.messages, 400)
    s.commit()
    flash(gettext("The changes were saved."), "success")
    return redirect(url_for(".show", key=ds.slug))


@bp.post("/datasets/<key>/delete")
@login_required
def delete(key: str) -> WResponse:
    s = db_session()
    ds = visible_dataset(db_session(), current_reader(), key)
    org_code = ds.publisher.code
    datasets.delete_dataset(s, current_actor(), ds, _cfg()["UPLOAD_FOLDER"])
    s.commit()
    flash(gettext("The dataset was deleted."), "info")
    return redirect(url_for("organizations.show", code=org_code))


# --- distributions ------------------------------------------------------------------------------

DIST_TEXT = ["title_vi", "title_en", "description_vi", "description_en", "access_url", "download_url", "format",
             "media_type", "issued", "modified", "position"]


def _dist(dist_id: str) -> Distribution:
    return visible_distribution(db_session(), current_reader(), dist_id)


def _dist_form(
    ds: Dataset, dist: Distribution | None, values: dict, errors: dict | None = None, status: int = 200,
    pending: files.PendingUpload | None = None,
) -> tuple[str, int]:
    return render_template("distributions/form.html", ds=ds, dist=dist, values=values, errors=errors or {},
                           max_mb=_cfg()["MAX_UPLOAD_MB"], pending=pending), status


def _dist_submitted() -> tuple[dict, files.Upload | None]:
    data = read_form(request.form, json_fields=("table_schema",))
    for name in ("position", "pending_file", "pending_name"):
        if name != "position" or data.get(name) in ("", None):
            data.pop(name, None)
    upload = request.files.get("file")
    if upload is not None and not upload.filename:
        upload = None
    if upload is None and request.form.get("pending_file"):
        # the file chosen before the form failed for another reason: kept, not asked for again
        kept = files.take_pending(_cfg()["UPLOAD_FOLDER"], current_user.id, request.form["pending_file"])
        if kept is not None:
            kept.filename = (request.form.get("pending_name") or kept.filename)[:300]
            upload = kept
    return data, upload


def _save_distribution(ds: Dataset, dist: Distribution | None) -> tuple[str, int] | WResponse:
    """Add or change a distribution; when the form fails for a reason other than the file, the
    file is kept for a while so the user corrects the fields without choosing it again."""
    s = db_session()
    upload = None
    try:
        data, upload = _dist_submitted()
        storage = distributions.storage_for(_cfg())
        if dist is None:
            distributions.add_distribution(s, current_actor(), ds, data, storage, upload)
        else:
            distributions.update_distribution(s, current_actor(), dist, data, storage, upload)
    except ValidationError as err:
        s.rollback()
        pending = _keep(upload) if upload is not None and "file" not in err.messages else None
        return _dist_form(ds, dist, request.form.to_dict(), err.messages, 400, pending)
    finally:
        if isinstance(upload, files.PendingUpload):
            upload.stream.close()
    s.commit()
    if isinstance(upload, files.PendingUpload):
        files.drop_pending(_cfg()["UPLOAD_FOLDER"], current_user.id, upload.token)
    flash(gettext("The distribution was added.") if dist is None else gettext("The changes were saved."), "success")
    return redirect(url_for(".show", key=ds.slug))


def _keep(upload: files.Upload) -> files.PendingUpload | None:
    if isinstance(upload, files.PendingUpload):
        return upload  # already kept
    try:
        return files.keep_pending(upload, _cfg()["UPLOAD_FOLDER"], current_user.id,
                                  _cfg()["MAX_UPLOAD_MB"] * 1024 * 1024)
    except ValidationError:
        return None


@bp.route("/datasets/<key>/distributions/new", methods=["GET", "POST"])
@login_required
def add_distribution(key: str) -> tuple[str, int] | WResponse:
    ds = visible_dataset(db_session(), current_reader(), key)
    policy.require(policy.can_edit_dataset(current_reader(), ds))
    if request.method == "GET":
        return _dist_form(ds, None, {})
    return _save_distribution(ds, None)


@bp.route("/distributions/<dist_id>/edit", methods=["GET", "POST"])
@login_required
def edit_distribution(dist_id: str) -> tuple[str, int] | WResponse:
    dist = _dist(dist_id)
    ds = dist.dataset
    policy.require(policy.can_edit_dataset(current_reader(), ds))
    if request.method == "GET":
        values = {f: getattr(dist, f) for f in DIST_TEXT}
        schema = dist.table_schema
        values["table_schema"] = json.dumps(schema, ensure_ascii=False, indent=2) if schema else ""
        return _dist_form(ds, dist, values)
    return _save_distribution(ds, dist)


@bp.post("/distributions/<dist_id>/delete")
@login_required
def delete_distribution(dist_id: str) -> WResponse:
    s = db_session()
    dist = _dist(dist_id)
    slug = dist.dataset.slug
    distributions.delete_distribution(s, current_actor(), dist, distributions.storage_for(_cfg()))
    s.commit()
    flash(gettext("The distribution was removed."), "info")
    return redirect(url_for(".show", key=slug))


@bp.get("/distributions/<dist_id>/download")
def download(dist_id: str) -> WResponse:
    return download_response(dist_id)


@bp.get("/distributions/<dist_id>/download/excel")
def download_excel(dist_id: str) -> WResponse:
    """The CSV as UTF-8 with a byte-order mark, which Excel on Windows opens with its accents intact."""
    return download_response(dist_id, excel=True)


