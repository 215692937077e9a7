"""Quality in the API: a dataset's latest report and its history, "check now", and summaries.

Reports follow the dataset's visibility; their example values are cut to the columns the caller
may receive (as on the report page). Running the checks needs a token of an editor of the owner.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from sqlalchemy import select

from .. import policy
from ..auth import authenticate_bearer, current_reader
from ..db import db_session
from ..models import Dataset, Organization, QualityReport
from ..quality import scoring, service
from ..quality import tasks as quality_tasks
from ..services.common import NotFound, visible_dataset
from ..web.quality import dimension_label, report_view
from . import routes
from .routes import _require_token

bp = Blueprint("quality_api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate_bearer)
for _exc, _handler in ((ValidationError, routes._invalid), (policy.Forbidden, routes._forbidden),
                       (NotFound, routes._not_found), (routes._Unauthorized, routes._unauthorized)):
    bp.register_error_handler(_exc, _handler)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _brief(report: QualityReport) -> dict[str, Any]:
    return {
        "id": report.id, "status": report.status, "trigger": report.trigger,
        "created_at": _iso(report.created_at), "started_at": _iso(report.started_at),
        "finished_at": _iso(report.finished_at), "score": report.score, "grade": report.grade,
        "dimensions": report.dimension_scores(), "rows_checked": report.rows_checked,
        "rows_expected": report.rows_expected, "complete": report.complete, "message": report.message,
    }


def report_json(ds: Dataset, report: QualityReport) -> dict[str, Any]:
    view = report_view(current_reader(), ds, report)
    checks = [{"id": c["id"], "dimension": c["dimension"], "title": c["title"], "points": c["points"],
               "earned": c["earned"], "status": c["status"], "detail": c["detail"], "findings": c["lines"],
               "fix": c["fix"] if c["status"] in ("fail", "partial") else None} for c in view["checks"]]
    files = []
    for f in view["files"]:
        files.append({
            "distribution_id": f["distribution_id"], "title": f["title"], "format": f["format"],
            "source": f["source"], "checked": f["checked"], "reused": f["reused"], "rows": f["rows"],
            "complete": f["complete"], "encoding": f["encoding"], "unreadable": f["fatal"],
            "inferred_schema": f["inferred_schema"], "personal_data": f["personal"],
            "findings": [{"check": i["check"], "code": i["code"], "message": i["text"], "column": i.get("column"),
                          "count": i["count"], "params": i.get("params") or {}, "examples": i["examples"]}
                         for i in f["findings"]],
        })
    return {**_brief(report), "dataset": ds.slug, "checks": checks, "files": files,
            "links": {"self": url_for(".dataset_report", key=ds.slug, _external=True),
                      "html": url_for("quality.report", key=ds.slug, _external=True),
                      "history": url_for(".dataset_history", key=ds.slug, _external=True)}}


@bp.get("/datasets/<key>/quality")
def dataset_report(key: str) -> Response:
    """The latest finished report; a run in progress is given under "running"."""
    s = db_session()
    ds = visible_dataset(db_session(), current_reader(), key)
    latest = service.latest_report(s, ds.id)
    active = service.active_report(s, ds.id)
    s.commit()
    body: dict[str, Any] = report_json(ds, latest) if latest else {
        "dataset": ds.slug, "status": "not_checked", "grade": None, "score": None}
    body["running"] = _brief(active) if active else None
    return jsonify(body)


@bp.get("/datasets/<key>/quality/history")
def dataset_history(key: str) -> Response:
    s = db_session()
    ds = visible_dataset(db_session(), current_reader(), key)
    try:
        limit = max(1, min(500, int(request.args.get("limit", 100))))
    except ValueError as exc:
        raise ValidationError({"limit": ["Must be a whole number."]}) from exc
    return jsonify({"dataset": ds.slug, "items": [_brief(r) for r in service.history(s, ds.id, limit)]})


@bp.post("/datasets/<key>/quality/run")
def dataset_run(key: str) -> ResponseReturnValue:
    _require_token()
    ds = visible_dataset(db_session(), current_reader(), key)
    policy.require(policy.can_edit_dataset(current_reader(), ds))
    s = db_session()
    existing = service.active_report(s, ds.id)
    s.commit()
    if existing is not None:
        return jsonify(_brief(existing)), 409
    report = quality_tasks.queue(current_app._get_current_object(), ds.id, "manual")
    if report is None:
        raise NotFound(key)
    return jsonify(_brief(report)), 202, {"Location": url_for(".dataset_report", key=ds.slug)}


@bp.get("/quality/summary")
def summary() -> Response:
    """Grades, averages and the worst datasets, over the datasets the caller may see."""
    code = request.args.get("organization") or None
    s = db_session()
    if code and s.scalar(select(Organization.id).where(Organization.code == code)) is None:
        raise NotFound(code)
    result = service.summary(s, current_reader(), code)
    return jsonify({
        "organization": code, "datasets": result.datasets, "checked": result.checked, "average": result.average,
        "grades": result.grades,
        "dimensions": {d: {"label": dimension_label(d), "score": v} for d, v in result.dimensions.items()},
        "worst": [{"slug": ds.slug, "title": ds.title_vi, "publisher": ds.publisher.code, "grade": ds.quality_grade,
                   "score": ds.quality_score, "url": url_for(".dataset_report", key=ds.slug, _external=True)}
                  for ds in result.worst],
        "trend": [{"at": at.isoformat(), "average": v} for at, v in result.trend],
        "by_organization": [{"organization": org.code, "datasets": n, "average": avg}
                            for org, n, avg in result.by_organization],
        "grade_thresholds": {g: low for low, g in scoring.GRADES},
    })


# --- OpenAPI ------------------------------------------------------------------------------------


def _openapi_paths() -> dict[str, dict[str, Any]]:
    err = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    key = {"name": "key", "in": "path", "required": True, "schema": {"type": "string"},
           "description": "the dataset's slug or id"}
    tags = ["quality"]
    dims = {"type": "object", "properties": {d: {"type": "integer", "nullable": True} for d in scoring.DIMENSIONS}}
    brief = {"type": "object", "properties": {
        "id": {"type": "integer"}, "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
        "trigger": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
        "started_at": {"type": "string", "format": "date-time", "nullable": True},
        "finished_at": {"type": "string", "format": "date-time", "nullable": True},
        "score": {"type": "integer", "nullable": True, "minimum": 0, "maximum": 100},
        "grade": {"type": "string", "nullable": True, "enum": [g for _l, g in scoring.GRADES]},
        "dimensions": dims, "rows_checked": {"type": "integer"},
        "rows_expected": {"type": "integer", "nullable": True},
        "complete": {"type": "boolean", "description": "every row of every table was read"},
        "message": {"type": "string", "nullable": True}}}
    example = {"type": "object", "properties": {
        "row": {"type": "integer"}, "column": {"type": "string"}, "first_row": {"type": "integer"},
        "value": {"type": "string", "nullable": True, "description": "masked if personal; absent or null when "
                                                                     "the caller may not receive the column"},
        "hidden": {"type": "boolean"}, "note": {"type": "string"}}}
    finding = {"type": "object", "properties": {
        "check": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"},
        "column": {"type": "string", "nullable": True}, "count": {"type": "integer"}, "params": {"type": "object"},
        "examples": {"type": "array", "items": example}}}
    report = {"allOf": [brief, {"type": "object", "properties": {
        "dataset": {"type": "string"},
        "checks": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "dimension": {"type": "string", "enum": list(scoring.DIMENSIONS)},
            "title": {"type": "string"}, "points": {"type": "integer"}, "earned": {"type": "number", "nullable": True},
            "status": {"type": "string", "enum": ["pass", "partial", "fail", "na"]}, "detail": {"type": "object"},
            "findings": {"type": "array", "items": {"type": "string"}},
            "fix": {"type": "string", "nullable": True}}}},
        "files": {"type": "array", "items": {"type": "object", "properties": {
            "distribution_id": {"type": "string"}, "title": {"type": "string"}, "format": {"type": "string"},
            "rows": {"type": "integer", "nullable": True}, "complete": {"type": "boolean", "nullable": True},
            "encoding": {"type": "string", "nullable": True}, "unreadable": {"type": "string", "nullable": True},
            "inferred_schema": {"type": "object", "nullable": True},
            "personal_data": {"type": "array", "items": {"type": "object"}},
            "findings": {"type": "array", "items": finding}}}},
        "running": {"allOf": [brief], "nullable": True}}}]}
    json_of = {"content": {"application/json": {"schema": report}}}
    return {
        "/datasets/{key}/quality": {
            "parameters": [key],
            "get": {"tags": tags, "summary": "The dataset's latest quality report (and the run in progress, if any)",
                    "responses": {"200": {"description": "The report, or status not_checked", **json_of},
                                  "404": {"description": "Not found, or not visible to the caller", **err}}},
        },
        "/datasets/{key}/quality/history": {
            "parameters": [key],
            "get": {"tags": tags, "summary": "Scores of the dataset's past reports, newest first",
                    "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                             "maximum": 500}}],
                    "responses": {"200": {"description": "Past reports", "content": {"application/json": {
                        "schema": {"type": "object", "properties": {"dataset": {"type": "string"},
                                                                    "items": {"type": "array", "items": brief}}}}}},
                        "404": {"description": "Not found", **err}}},
        },
        "/datasets/{key}/quality/run": {
            "parameters": [key],
            "post": {"tags": tags, "summary": "Run the checks now, in the background (editors of the owner)",
                     "security": [{"bearer": []}],
                     "responses": {"202": {"description": "Queued", "content": {"application/json": {
                         "schema": brief}}},
                         "409": {"description": "A run is already queued or running", "content": {
                             "application/json": {"schema": brief}}},
                         "401": {"description": "A bearer token is needed", **err},
                         "403": {"description": "Not allowed", **err}, "404": {"description": "Not found", **err}}},
        },
        "/quality/summary": {
            "get": {"tags": tags, "summary": "Grades, dimension averages, trend and the worst datasets, over the "
                                             "datasets the caller may see",
                    "parameters": [{"name": "organization", "in": "query", "schema": {"type": "string"},
                                    "description": "an agency's code (its units included)"}],
                    "responses": {"200": {"description": "The summary"},
                                  "404": {"description": "No such agency", **err}}},
        },
    }


OPENAPI_PATHS = _openapi_paths()
