"""The public portal in the API: open-data lists (the country's and an agency's; stewards add,
change and remove planned entries with a token) and the public feedback with its answers.

Lists name only open, published datasets; a planned entry whose dataset is hidden shows its own
title and no dataset. The sender's e-mail address of feedback is never given out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ..auth import authenticate_bearer, current_actor
from ..db import db_session
from ..models import FEEDBACK_KINDS, FEEDBACK_STATUSES, Organization, PublicFeedback
from ..services import feedback, opendata
from ..services.common import NotFound
from ..services.listing import Page
from ..web.params import BadParameter
from . import routes
from .routes import _body, _page_args, _require_token

bp = Blueprint("portal_api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate_bearer)
routes.install_error_handlers(bp)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _entry(e: opendata.Entry) -> dict[str, Any]:
    return {
        "status": e.status, "organization": e.organization.code, "title_vi": e.title_vi, "title_en": e.title_en,
        "planned_date": _iso(e.planned_date), "opened_on": _iso(e.opened_on), "update_frequency": e.update_frequency,
        "themes": e.themes, "plan_id": e.plan_id, "dataset": e.dataset_slug,
        "url": url_for("datasets.show", key=e.dataset_slug, _external=True) if e.dataset_slug else None,
    }


def _plan(plan: Any) -> dict[str, Any]:
    return {
        "id": plan.id, "organization": plan.organization.code, "title_vi": plan.title_vi, "title_en": plan.title_en,
        "description_vi": plan.description_vi, "description_en": plan.description_en, "themes": plan.themes,
        "planned_date": _iso(plan.planned_date), "update_frequency": plan.update_frequency, "status": plan.status,
        "dataset": opendata.public_dataset_slug(db_session(), plan),
    }


def _feedback(fb: PublicFeedback) -> dict[str, Any]:
    public_ds = fb.dataset if fb.dataset is not None and fb.dataset.status == "published" else None
    return {
        "id": fb.id, "kind": fb.kind, "status": fb.status, "organization": fb.organization.code,
        "dataset": public_ds.slug if public_ds is not None else None, "subject": fb.subject, "message": fb.message,
        "author_name": fb.author_name, "created_at": _iso(fb.created_at), "answer": fb.answer,
        "answered_at": _iso(fb.answered_at),
        "url": url_for("portal.show_request", feedback_id=fb.id, _external=True),
    }


def _paged(page: Page[Any], items: list[dict[str, Any]], endpoint: str, **view_args: Any) -> Response:
    args = {k: v for k, v in request.args.items() if k != "page"}
    links = {"self": url_for(endpoint, **view_args, **args, page=page.page, _external=True)}
    if page.has_next:
        links["next"] = url_for(endpoint, **view_args, **args, page=page.page + 1, _external=True)
    if page.has_prev:
        links["prev"] = url_for(endpoint, **view_args, **args, page=page.page - 1, _external=True)
    return jsonify({"items": items, "page": page.page, "per_page": page.per_page, "total": page.total,
                    "pages": page.pages, "links": links})


def _org(code: str) -> Organization:
    org = db_session().scalar(select(Organization).where(Organization.code == code))
    if org is None:
        raise NotFound(code)
    return org


def _list(org: Organization | None, endpoint: str, **view_args: Any) -> Response:
    status = request.args.get("status") or None
    if status and status not in opendata.rules.OPEN_DATA_LIST_STATUSES:
        raise BadParameter("status", ", ".join(opendata.rules.OPEN_DATA_LIST_STATUSES))
    f = opendata.ListFilters(organization=org.code if org else request.args.get("organization") or None,
                             theme=request.args.get("theme") or None, status=status)
    page, per_page = _page_args()
    result = opendata.list_entries(db_session(), f, page=page, per_page=per_page)
    return _paged(result, [_entry(e) for e in result.items], endpoint, **view_args)


@bp.get("/open-data")
def open_data_list() -> Response:
    return _list(None, ".open_data_list")


@bp.get("/organizations/<code>/open-data")
def organization_open_data(code: str) -> Response:
    return _list(_org(code), ".organization_open_data", code=code)


@bp.post("/organizations/<code>/open-data")
def plan_create(code: str) -> ResponseReturnValue:
    _require_token()
    org = _org(code)
    s = db_session()
    plan = opendata.create_plan(s, current_actor(), org, _body())
    s.commit()
    return jsonify(_plan(plan)), 201, {"Location": url_for(".plan", code=code, plan_id=plan.id)}


@bp.get("/organizations/<code>/open-data/<plan_id>")
def plan(code: str, plan_id: str) -> Response:
    return jsonify(_plan(opendata.plan_of(db_session(), _org(code), plan_id)))


@bp.put("/organizations/<code>/open-data/<plan_id>")
def plan_update(code: str, plan_id: str) -> Response:
    _require_token()
    s = db_session()
    found = opendata.plan_of(s, _org(code), plan_id)
    opendata.update_plan(s, current_actor(), found, _body())
    s.commit()
    return jsonify(_plan(found))


@bp.delete("/organizations/<code>/open-data/<plan_id>")
def plan_delete(code: str, plan_id: str) -> tuple[str, int]:
    _require_token()
    s = db_session()
    opendata.delete_plan(s, current_actor(), opendata.plan_of(s, _org(code), plan_id))
    s.commit()
    return "", 204


@bp.get("/requests")
def requests_list() -> Response:
    status = request.args.get("status") or None
    kind = request.args.get("kind") or None
    for name, value, allowed in (("status", status, FEEDBACK_STATUSES), ("kind", kind, FEEDBACK_KINDS)):
        if value and value not in allowed:
            raise BadParameter(name, ", ".join(allowed))
    page, per_page = _page_args()
    result = feedback.list_public(db_session(), page=page, per_page=per_page, status=status, kind=kind,
                                  organization=request.args.get("organization") or None)
    return _paged(result, [_feedback(fb) for fb in result.items], ".requests_list")


def _openapi_paths() -> dict[str, Any]:
    from .openapi import PAGING, _q

    tags = ["open data"]
    err = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    code = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
    plan_id = {"name": "plan_id", "in": "path", "required": True, "schema": {"type": "string"}}
    entry = {"type": "object", "properties": {
        "status": {"type": "string", "enum": list(opendata.rules.OPEN_DATA_LIST_STATUSES)},
        "organization": {"type": "string"}, "title_vi": {"type": "string"}, "title_en": {"type": "string",
                                                                                     "nullable": True},
        "planned_date": {"type": "string", "format": "date", "nullable": True},
        "opened_on": {"type": "string", "format": "date", "nullable": True},
        "update_frequency": {"type": "string", "nullable": True}, "themes": {"type": "array", "items": {
            "type": "string"}}, "plan_id": {"type": "string", "nullable": True},
        "dataset": {"type": "string", "nullable": True}, "url": {"type": "string", "nullable": True}}}
    plan_body = {"type": "object", "required": ["title_vi", "planned_date"], "properties": {
        "title_vi": {"type": "string", "maxLength": 500}, "title_en": {"type": "string", "maxLength": 500},
        "description_vi": {"type": "string"}, "description_en": {"type": "string"},
        "themes": {"type": "array", "items": {"type": "string"}},
        "planned_date": {"type": "string", "format": "date"}, "update_frequency": {"type": "string"},
        "status": {"type": "string", "enum": ["planned", "in_preparation"]},
        "dataset": {"type": "string", "description": "address (slug) of the agency's dataset carrying it out"}}}
    page_of = {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/PageMeta"}, {
        "type": "object", "properties": {"items": {"type": "array", "items": entry}}}]}}}
    filters = [_q("organization", "an agency's code"), _q("theme", "a theme code"),
               _q("status", "an entry status", list(opendata.rules.OPEN_DATA_LIST_STATUSES)), *PAGING]
    written = {"401": {"description": "A bearer token is needed", **err},
               "403": {"description": "Only the agency's stewards", **err},
               "404": {"description": "No such agency or entry", **err},
               "422": {"description": "Field-level errors; nothing was changed", **err}}
    return {
        "/open-data": {"get": {"tags": tags, "summary": "The country's open-data list: opened and planned entries",
                               "parameters": filters,
                               "responses": {"200": {"description": "A page of entries", "content": page_of},
                                             "400": {"description": "A bad parameter", **err}}}},
        "/organizations/{code}/open-data": {
            "parameters": [code],
            "get": {"tags": tags, "summary": "An agency's open-data list", "parameters": filters[1:],
                    "responses": {"200": {"description": "A page of entries", "content": page_of},
                                  "404": {"description": "No such agency", **err}}},
            "post": {"tags": tags, "summary": "Add a planned entry (the agency's stewards)",
                     "security": [{"bearer": []}],
                     "requestBody": {"required": True, "content": {"application/json": {"schema": plan_body}}},
                     "responses": {"201": {"description": "Added"}, **written}},
        },
        "/organizations/{code}/open-data/{plan_id}": {
            "parameters": [code, plan_id],
            "get": {"tags": tags, "summary": "One planned entry",
                    "responses": {"200": {"description": "The entry"}, "404": {"description": "Not found", **err}}},
            "put": {"tags": tags, "summary": "Replace a planned entry (the agency's stewards)",
                    "security": [{"bearer": []}],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": plan_body}}},
                    "responses": {"200": {"description": "Saved"}, **written}},
            "delete": {"tags": tags, "summary": "Remove a planned entry (the agency's stewards)",
                       "security": [{"bearer": []}], "responses": {"204": {"description": "Removed"}, **written}},
        },
        "/requests": {"get": {"tags": tags, "summary": "Public feedback and requests to open data, with answers",
                              "parameters": [_q("status", "awaiting or answered", list(FEEDBACK_STATUSES)),
                                             _q("kind", "problem or open_request", list(FEEDBACK_KINDS)),
                                             _q("organization", "an agency's code"), *PAGING],
                              "responses": {"200": {"description": "A page of requests"},
                                            "400": {"description": "A bad parameter", **err}}}},
    }


OPENAPI_PATHS = _openapi_paths()
