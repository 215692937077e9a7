"""Publishing open data from the dataset page: submit, approve, refuse, withdraw, review, old versions."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from marshmallow import ValidationError
from werkzeug import Response as WResponse

from .. import policy
from ..auth import current_actor, current_reader
from ..db import db_session
from ..downloads import version_download_response
from ..models import Dataset
from ..services import publishing
from ..services.common import visible_dataset
from . import labels

bp = Blueprint("publishing", __name__)


def _dataset(key: str) -> Dataset:
    return visible_dataset(db_session(), current_reader(), key)


def _done(ds: Dataset, message: str) -> WResponse:
    db_session().commit()
    flash(message, "success")
    return redirect(url_for("datasets.show", key=ds.slug) + "#publish")


def _failed(ds: Dataset, err: Exception) -> WResponse:
    db_session().rollback()
    if isinstance(err, publishing.GatesFailed):
        names = ", ".join(g.label() for g in err.failed)
        flash(gettext("Not done: these gates do not pass: %(gates)s.", gates=names), "error")
    elif isinstance(err, ValidationError):
        flash(labels.error_summary(err), "error")
    return redirect(url_for("datasets.show", key=ds.slug) + "#publish")


def _run(key: str, action: str) -> WResponse:
    ds = _dataset(key)
    s = db_session()
    actor = current_actor()
    form = request.form.to_dict()
    try:
        if action == "submit":
            publishing.submit(s, actor, ds, form)
            message = gettext("The publication request was sent to the agency's data stewards.")
        elif action == "approve":
            publishing.approve(s, actor, ds, form)
            message = gettext("Approved: the dataset is now published as open data.")
        elif action == "refuse":
            publishing.refuse(s, actor, ds, form)
            message = gettext("The request was refused; the person who asked sees your reason.")
        elif action == "personal":
            dist_id, _sep, column = (form.pop("finding", "") or "").partition("::")
            publishing.decide_personal_data(s, actor, ds, {**form, "distribution": dist_id, "column": column})
            message = gettext("Your decision on the column was recorded.")
        elif action == "withdraw":
            publishing.withdraw(s, actor, ds, form)
            message = gettext("The dataset was withdrawn; its public page now says why.")
        else:
            publishing.mark_reviewed(s, actor, ds)
            message = gettext("Marked as reviewed; the next review is due on %(day)s.",
                              day=ds.next_review_on.strftime("%d/%m/%Y") if ds.next_review_on else "")
    except (publishing.GatesFailed, ValidationError) as err:
        return _failed(ds, err)
    return _done(ds, message)


@bp.post("/datasets/<key>/publication")
@login_required
def submit(key: str) -> WResponse:
    return _run(key, "submit")


@bp.post("/datasets/<key>/publication/approve")
@login_required
def approve(key: str) -> WResponse:
    return _run(key, "approve")


@bp.post("/datasets/<key>/publication/refuse")
@login_required
def refuse(key: str) -> WResponse:
    return _run(key, "refuse")


@bp.post("/datasets/<key>/publication/personal-data")
@login_required
def personal_data(key: str) -> WResponse:
    return _run(key, "personal")


@bp.post("/datasets/<key>/withdraw")
@login_required
def withdraw(key: str) -> WResponse:
    return _run(key, "withdraw")


@bp.post("/datasets/<key>/review")
@login_required
def review(key: str) -> WResponse:
    return _run(key, "review")


@bp.get("/distributions/<dist_id>/versions/<int:number>/download")
def version_download(dist_id: str, number: int) -> WResponse:
    """An earlier file at a stable address (its date and checksum are on the dataset page)."""
    return version_download_response(dist_id, number)


def tombstone_page(key: str) -> tuple[str, int] | None:
    """The 410 page of a withdrawn open dataset, or None when there is no tombstone to show."""
    stone = publishing.tombstone(db_session(), current_reader(), key)
    if stone is None:
        return None
    return render_template("datasets/tombstone.html", ds=stone.dataset, stone=stone), 410


def panel(ds: Dataset) -> dict:
    """What the dataset page's "Publish as open data" panel shows to editors and stewards."""
    s = db_session()
    reader = current_reader()
    if not policy.can_edit_dataset(reader, ds):
        return {}
    req = publishing.current_request(s, ds)
    return {
        "request": req,
        "gates": publishing.evaluate(s, ds, req),
        "is_open": publishing.is_public_open(ds),
        "can_decide": reader.is_steward_of(ds.publisher_id),
        "own_request": req is not None and req.submitted_by_id is not None and req.submitted_by_id == reader.user_id,
        "personal": [f for f in publishing.personal_findings(s, ds) if not f["resolved"]],
        "min_grade": publishing.min_grade(),
    }
