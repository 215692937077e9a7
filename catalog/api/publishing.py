"""The publication procedure over the API: submit, read, approve, refuse; withdraw with a tombstone."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from .. import policy
from ..auth import authenticate_bearer, current_actor, current_reader
from ..db import db_session
from ..models import Dataset, PublicationRequest
from ..services import publishing
from ..services.common import visible_dataset
from .routes import _body, _require_token, install_error_handlers

bp = Blueprint("api_publishing", __name__, url_prefix="/api/v1")
bp.before_request(authenticate_bearer)
install_error_handlers(bp)


@bp.errorhandler(publishing.GatesFailed)
def _blocked(err: publishing.GatesFailed) -> ResponseReturnValue:
    db_session().rollback()
    return jsonify({
        "error": "gates_failed",
        "message": gettext("The dataset cannot be published as open data yet: some gates do not pass."),
        "failed": [g.as_dict() for g in err.failed],
        "gates": [g.as_dict() for g in err.gates],
    }), 422


def _request_out(req: PublicationRequest | None) -> dict[str, Any] | None:
    if req is None:
        return None
    return {"id": req.id, "status": req.status, "submitted_by": req.submitted_by_label,
            "submitted_at": req.submitted_at.isoformat(), "note": req.note,
            "decided_by": req.decided_by_label, "decided_at": req.decided_at.isoformat() if req.decided_at else None,
            "reason": req.reason}


def _state(ds: Dataset) -> Response:
    s = db_session()
    req = publishing.current_request(s, ds)
    return jsonify({
        "dataset": ds.slug, "status": ds.status, "access_level": ds.access_level,
        "published_as_open_data": publishing.is_public_open(ds),
        "next_review_on": ds.next_review_on.isoformat() if ds.next_review_on else None,
        "request": _request_out(req),
        "gates": [g.as_dict() for g in publishing.evaluate(s, ds, req)],
    })


def _editable(key: str) -> Dataset:
    ds = visible_dataset(db_session(), current_reader(), key)
    policy.require(policy.can_edit_dataset(current_reader(), ds))
    return ds


@bp.get("/datasets/<key>/publication")
def publication(key: str) -> Response:
    """The current request and every gate's result (for the agency's editors and stewards)."""
    return _state(_editable(key))


@bp.post("/datasets/<key>/publication")
def publication_submit(key: str) -> ResponseReturnValue:
    _require_token()
    ds = _editable(key)
    publishing.submit(db_session(), current_actor(), ds, _body())
    db_session().commit()
    return _state(ds), 201


@bp.post("/datasets/<key>/publication/approve")
def publication_approve(key: str) -> Response:
    _require_token()
    ds = visible_dataset(db_session(), current_reader(), key)
    publishing.approve(db_session(), current_actor(), ds, _body())
    db_session().commit()
    return _state(ds)


@bp.post("/datasets/<key>/publication/refuse")
def publication_refuse(key: str) -> Response:
    _require_token()
    ds = visible_dataset(db_session(), current_reader(), key)
    publishing.refuse(db_session(), current_actor(), ds, _body())
    db_session().commit()
    return _state(ds)


@bp.post("/datasets/<key>/withdrawal")
def withdrawal(key: str) -> Response:
    """Withdraw a published dataset with a reason (and a replacement); an open one keeps a tombstone."""
    _require_token()
    ds = visible_dataset(db_session(), current_reader(), key)
    publishing.withdraw(db_session(), current_actor(), ds, _body())
    db_session().commit()
    return _state(ds)


def gone(key: str) -> ResponseReturnValue | None:
    """410 with the reason for a withdrawn open dataset the reader may no longer see, else None."""
    stone = publishing.tombstone(db_session(), current_reader(), key)
    if stone is None:
        return None
    return jsonify({
        "error": "gone", "message": gettext("This open dataset was withdrawn."),
        "dataset": stone.dataset.slug, "reason": stone.reason,
        "withdrawn_at": stone.withdrawn_at.isoformat() if stone.withdrawn_at else None,
        "replaced_by": stone.replacement.slug if stone.replacement else None,
    }), 410
