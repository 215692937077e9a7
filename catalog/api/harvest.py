"""Harvest sources in the API: CRUD, their jobs and job logs, and "run now".

Reading needs an account of a state agency (or a site administrator); writing and running need a
token of a site administrator or of a steward of the owning agency. Database passwords are never
returned (the address shows *** in their place).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields

from harvesters import jobs as harvest_jobs

from .. import policy
from ..auth import authenticate_bearer, current_actor, current_reader
from ..db import db_session
from ..models import HarvestJob, HarvestSource
from ..schemas.harvest import HarvestSourceInput
from ..services import harvest as service
from ..web.params import MAX_PAGE
from . import routes
from .openapi import content, json_schema, paged
from .routes import _body, _page_args, _page_response, _require_token

bp = Blueprint("harvest_api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate_bearer)
routes.install_error_handlers(bp)


# --- serializers --------------------------------------------------------------------------------


class HarvestSourceOut(Schema):
    id = fields.String()
    slug = fields.String()
    name = fields.String()
    protocol = fields.String()
    url = fields.Function(service.display_url, metadata={"description": "database passwords show as ***"})
    organization = fields.Function(lambda s: s.organization.code)
    database = fields.Function(lambda s: s.database.code if s.database else None)
    default_access_level = fields.String()
    default_licence = fields.String(attribute="default_licence_code", allow_none=True)
    auto_publish = fields.Boolean()
    schedule = fields.String()
    filters = fields.Dict()
    enabled = fields.Boolean()
    authoritative = fields.Boolean()
    description = fields.String(allow_none=True)
    running_job = fields.Integer(attribute="running_job_id", allow_none=True)
    last_job_at = fields.DateTime(allow_none=True)
    last_status = fields.String(allow_none=True)
    last_success_at = fields.DateTime(allow_none=True)
    records = fields.Function(lambda s: service.record_counts(db_session(), s),
                              metadata={"description": "harvested records by state (active, withdrawn)"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    links = fields.Function(lambda s: {
        "self": url_for("harvest_api.source", slug=s.slug, _external=True),
        "html": url_for("harvest.show", slug=s.slug, _external=True),
        "jobs": url_for("harvest_api.source_jobs", slug=s.slug, _external=True),
    })


class HarvestJobOut(Schema):
    id = fields.Integer()
    source = fields.Function(lambda j: j.source.slug)
    status = fields.String()
    triggered_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    heartbeat_at = fields.DateTime(allow_none=True)
    duration_s = fields.Float(allow_none=True)
    gather_complete = fields.Boolean()
    not_modified = fields.Boolean()
    total = fields.Integer(allow_none=True)
    new = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    withdrawn = fields.Integer()
    failed = fields.Integer()
    warnings = fields.Integer()
    #: Warnings counted but not stored as log lines (a job stores at most harvesters.job_log.MAX_STORED_WARNINGS).
    warnings_not_stored = fields.Integer()
    message = fields.String(allow_none=True)
    #: What the job could not keep of its source records; null for protocols that do not say.
    fidelity = fields.Function(lambda j: _fidelity(j.fidelity), metadata={
        "type": "object", "nullable": True,
        "description": "What the job could not keep of its source records: records, fields (source fields with a "
                       "value), kept_percent (rounded down), not_kept_count, not_kept [{field, count}] most "
                       "frequent first, summary (English); null for protocols that do not report it"})
    links = fields.Function(lambda j: {
        "self": url_for("harvest_api.job", job_id=j.id, _external=True),
        "html": url_for("harvest.job", job_id=j.id, _external=True),
        "errors": url_for("harvest_api.job_errors", job_id=j.id, _external=True),
    })


def _fidelity(data: dict[str, Any] | None) -> dict[str, Any] | None:
    from harvesters import fidelity

    percent = fidelity.kept_percent(data)
    if percent is None or data is None:
        return None
    return {"records": data["records"], "fields": data["fields"], "kept_percent": percent,
            "not_kept_count": fidelity.lost_count(data), "summary": fidelity.summary_text(data),
            "not_kept": [{"field": k, "count": n} for k, n in fidelity.not_kept(data)]}


class HarvestErrorOut(Schema):
    id = fields.Integer()
    remote_id = fields.String(allow_none=True)
    level = fields.String()
    kind = fields.String()
    message = fields.String()
    #: What the line says as a code and parameters (pages say it in the reader's language); null on older lines.
    code = fields.String(allow_none=True)
    params = fields.Dict(allow_none=True)
    at = fields.DateTime()


# --- plumbing -----------------------------------------------------------------------------------


def _require_view() -> None:
    reader = current_reader()
    if not reader.is_authenticated:
        raise routes._Unauthorized()
    policy.require(policy.can_view_harvests(reader))


def _source(slug: str) -> HarvestSource:
    _require_view()
    return service.source_by_slug(db_session(), slug)


def _job(job_id: int) -> HarvestJob:
    _require_view()
    return service.job_by_id(db_session(), job_id)


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


# --- routes -------------------------------------------------------------------------------------


@bp.get("/harvest-sources")
def sources() -> Response:
    _require_view()
    page, per_page = _page_args()
    result = service.list_sources(db_session(), organization=request.args.get("organization") or None,
                                  protocol=request.args.get("protocol") or None,
                                  words=request.args.get("q") or None, page=page, per_page=per_page)
    return _page_response(result, HarvestSourceOut(), ".sources")


@bp.post("/harvest-sources")
def source_create() -> ResponseReturnValue:
    _require_token("harvest")
    s = db_session()
    src = service.create_source(s, current_actor(), _body(), _secret())
    s.commit()
    return jsonify(HarvestSourceOut().dump(src)), 201, {"Location": url_for(".source", slug=src.slug)}


@bp.get("/harvest-sources/<slug>")
def source(slug: str) -> Response:
    return jsonify(HarvestSourceOut().dump(_source(slug)))


@bp.route("/harvest-sources/<slug>", methods=["PUT", "PATCH"])
def source_update(slug: str) -> Response:
    _require_token("harvest")
    s = db_session()
    src = _source(slug)
    service.update_source(s, current_actor(), src, _body(), _secret(), replace=request.method == "PUT")
    s.commit()
    s.refresh(src)
    return jsonify(HarvestSourceOut().dump(src))


@bp.delete("/harvest-sources/<slug>")
def source_delete(slug: str) -> tuple[str, int]:
    _require_token("harvest")
    s = db_session()
    service.delete_source(s, current_actor(), _source(slug))
    s.commit()
    return "", 204


@bp.get("/harvest-sources/<slug>/jobs")
def source_jobs(slug: str) -> Response:
    src = _source(slug)
    page, per_page = _page_args()
    return _page_response(service.list_jobs(db_session(), src, page, per_page), HarvestJobOut(), ".source_jobs",
                          slug=slug)


@bp.post("/harvest-sources/<slug>/run")
def source_run(slug: str) -> ResponseReturnValue:
    _require_token("harvest")
    s = db_session()
    src = _source(slug)
    job, created = service.request_run(s, current_actor(), src)
    s.commit()
    if created:
        harvest_jobs.start(current_app._get_current_object(), job)
    body = HarvestJobOut().dump(job)
    return jsonify(body), 202 if created else 409, {"Location": url_for(".job", job_id=job.id)}


@bp.get("/harvest-jobs/<int:job_id>")
def job(job_id: int) -> Response:
    return jsonify(HarvestJobOut().dump(_job(job_id)))


@bp.get("/harvest-jobs/<int:job_id>/errors")
def job_errors(job_id: int) -> Response:
    j = _job(job_id)
    page, per_page = _page_args()
    level = request.args.get("level") if request.args.get("level") in ("error", "warning") else None
    result = service.list_errors(db_session(), j, level=level, page=page, per_page=per_page)
    return _page_response(result, HarvestErrorOut(), ".job_errors", job_id=job_id)


# --- OpenAPI ------------------------------------------------------------------------------------


def _openapi_paths() -> dict[str, dict[str, Any]]:
    source_in, source_out = json_schema(HarvestSourceInput), json_schema(HarvestSourceOut)
    job_out, error_out = json_schema(HarvestJobOut), json_schema(HarvestErrorOut)
    err = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    write = [{"bearer": []}]
    paging = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
              {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}]
    slug = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
    job_id = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    tags = ["harvest"]
    errors = {"401": {"description": "Sign in (a token, or a session for reads)", **err},
              "403": {"description": "Not allowed", **err}}
    return {
        "/harvest-sources": {
            "get": {"tags": tags, "summary": "List harvest sources (agency officers and administrators)",
                    "parameters": [*paging, {"name": "organization", "in": "query", "schema": {"type": "string"}},
                                   {"name": "protocol", "in": "query", "schema": {"type": "string"}},
                                   {"name": "q", "in": "query", "schema": {"type": "string"},
                                    "description": "words of the name, address or description, with or without "
                                                   "diacritics"}],
                    "responses": {"200": {"description": "A page of sources", **paged(source_out)}, **errors}},
            "post": {"tags": tags, "summary": "Register a harvest source (administrator or steward of the agency)",
                     "security": write, "requestBody": {"required": True, **content(source_in)},
                     "responses": {"201": {"description": "Created", **content(source_out)}, **errors,
                                   "422": {"description": "Field-level errors; nothing was changed", **err}}},
        },
        "/harvest-sources/{slug}": {
            "parameters": [slug],
            "get": {"tags": tags, "summary": "One harvest source",
                    "responses": {"200": {"description": "The source", **content(source_out)}, **errors,
                                  "404": {"description": "Not found", **err}}},
            "put": {"tags": tags, "summary": "Replace a source's settings", "security": write,
                    "requestBody": {"required": True, **content(source_in)},
                    "responses": {"200": {"description": "Saved", **content(source_out)}, **errors,
                                  "422": {"description": "Field-level errors", **err}}},
            "patch": {"tags": tags, "summary": "Change some settings of a source", "security": write,
                      "requestBody": {"required": True, **content(source_in)},
                      "responses": {"200": {"description": "Saved", **content(source_out)}, **errors,
                                    "422": {"description": "Field-level errors", **err}}},
            "delete": {"tags": tags, "summary": "Delete a source with its jobs (its records stay)", "security": write,
                       "responses": {"204": {"description": "Deleted"}, **errors}},
        },
        "/harvest-sources/{slug}/jobs": {
            "parameters": [slug],
            "get": {"tags": tags, "summary": "A source's jobs, newest first", "parameters": paging,
                    "responses": {"200": {"description": "A page of jobs", **paged(job_out)}, **errors}},
        },
        "/harvest-sources/{slug}/run": {
            "parameters": [slug],
            "post": {"tags": tags, "summary": "Run the source now (in the background)", "security": write,
                     "responses": {"202": {"description": "A job was queued", **content(job_out)},
                                   "409": {"description": "A job is already waiting or running; it is returned",
                                           **content(job_out)}, **errors}},
        },
        "/harvest-jobs/{job_id}": {
            "parameters": [job_id],
            "get": {"tags": tags, "summary": "One job with its counts and what it could not keep (fidelity)",
                    "responses": {"200": {"description": "The job", **content(job_out)}, **errors}},
        },
        "/harvest-jobs/{job_id}/errors": {
            "parameters": [job_id],
            "get": {"tags": tags, "summary": "A job's log: records that failed and warnings",
                    "parameters": [*paging, {"name": "level", "in": "query",
                                             "schema": {"type": "string", "enum": ["error", "warning"]}}],
                    "responses": {"200": {"description": "A page of log lines", **paged(error_out)}, **errors}},
        },
    }


OPENAPI_PATHS = _openapi_paths()
