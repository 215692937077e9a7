"""Sharing in the API: requests and their actions, agreements, reports, notifications, audit export.

Reading needs an account of a state agency (its token, or its browser session); every change
needs a token. What a caller may see and do is what the pages allow: the two agencies of a
request, whoever decides along the dispute path, and site administrators.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select

from .. import policy, rules
from ..auth import authenticate_bearer, current_actor, current_reader
from ..db import db_session
from ..i18n import current_locale
from ..models import Organization, SharingAgreement, SharingRequest
from ..schemas import sharing as inputs
from ..services import audit, notifications
from ..services.common import NotFound
from ..services.sharing import access, agreements, reports, workflow
from ..services.sharing import requests as requests_service
from ..web import params
from ..web.params import MAX_PAGE
from . import routes
from .openapi import content, json_schema, paged
from .routes import _body, _page_args, _require_token

bp = Blueprint("sharing_api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate_bearer)
routes.install_error_handlers(bp)


def _signed_in() -> policy.Reader:
    reader = current_reader()
    if not reader.is_authenticated:
        raise routes._Unauthorized()
    return reader


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


# --- serializers --------------------------------------------------------------------------------


def request_json(req: SharingRequest) -> dict[str, Any]:
    agreement = req.agreement
    return {
        "id": req.id, "number": req.number, "kind": req.kind, "status": req.status,
        "requester": req.requester.code, "requester_identifier": req.requester_identifier,
        "provider": req.provider.code,
        "items": [{"dataset": i.dataset.slug, "columns": i.columns, "granted": i.granted,
                   "granted_columns": i.granted_columns} for i in req.items],
        "item_count": req.item_count,
        "application": req.application, "purpose": req.purpose, "intended_use": req.intended_use,
        "service": req.service.slug if req.service else None, "frequency": req.frequency,
        "contact_name": req.contact_name, "contact_email": req.contact_email, "contact_phone": req.contact_phone,
        "special_reason": req.special_reason, "start_date": _iso(req.start_date), "end_date": _iso(req.end_date),
        "methods": req.methods, "limits_of_use": req.limits_of_use,
        "protection_commitment": req.protection_commitment, "security_measures": req.security_measures,
        "retention_deletion": req.retention_deletion,
        "letter": {"name": req.attachment_name, "size": req.attachment_size, "sha256": req.attachment_sha256,
                   "url": url_for("sharing.letter", request_id=req.id, _external=True)}
        if req.attachment_path else None,
        "submitted_at": _iso(req.submitted_at), "due_at": _iso(req.due_at), "overdue": req.is_overdue(),
        "paused": req.status == "info_requested", "info_request": req.info_request,
        "info_response": req.info_response, "decided_at": _iso(req.decided_at),
        "decision_reasons": req.decision_reasons, "decision_legal_basis": req.decision_legal_basis,
        "escalation_level": req.escalation_level,
        "escalation_step": rules.ESCALATION_STEPS[req.escalation_level - 1] if req.escalation_level else None,
        "agreement": agreement.number if agreement else None,
        "renewal_of": req.renewal_of.number if req.renewal_of else None,
        "actions": workflow.available_actions(current_reader(), req),
        "created_at": _iso(req.created_at),
        "links": {"self": url_for(".request_detail", request_id=req.id, _external=True),
                  "html": url_for("sharing.show_request", request_id=req.id, _external=True),
                  **({"agreement": url_for(".agreement_detail", key=agreement.id, _external=True)}
                     if agreement else {})},
    }


def agreement_json(agreement: SharingAgreement) -> dict[str, Any]:
    reader = current_reader()
    party = reader.is_member_of(agreement.requester_org_id) or reader.is_member_of(agreement.provider_org_id)
    return {
        "id": agreement.id, "number": agreement.number, "kind": agreement.kind,
        "status": access.effective_status(agreement), "stored_status": agreement.status,
        "requester": agreement.requester.code, "provider": agreement.provider.code,
        "request": agreement.request.number, "partial": agreement.partial,
        "grants": [{"dataset": item.dataset.slug,
                    "columns": item.granted_columns if item.granted_columns is not None else item.columns}
                   for item in agreement.request.items if item.granted is not False],
        "start_date": _iso(agreement.start_date), "end_date": _iso(agreement.end_date),
        "methods": agreement.methods, "frequency": agreement.frequency,
        "limits_of_use": agreement.limits_of_use, "security_measures": agreement.security_measures,
        "retention_deletion": agreement.retention_deletion, "decided_at": _iso(agreement.decided_at),
        "decision_note": agreement.decision_note,
        "connection_details": agreement.connection_details if party else None,
        "suspension": {"reason": agreement.suspension_reason, "note": agreement.suspension_note,
                       "from": _iso(agreement.suspended_from), "until": _iso(agreement.suspended_until)}
        if agreement.suspended_from else None,
        "ended_at": _iso(agreement.ended_at), "termination_ground": agreement.termination_ground,
        "termination_note": agreement.termination_note,
        "deletion_confirmed_at": _iso(agreement.deletion_confirmed_at), "renewed_count": agreement.renewed_count,
        "links": {"self": url_for(".agreement_detail", key=agreement.id, _external=True),
                  "html": url_for("sharing.show_agreement", key=agreement.id, _external=True),
                  "print": url_for("sharing.print_agreement", key=agreement.id, _external=True)},
    }


def _page(items: list[dict[str, Any]], total: int, page: int, per_page: int) -> Response:
    return jsonify({"items": items, "page": page, "per_page": per_page, "total": total,
                    "pages": max(1, -(-total // per_page))})


# --- requests -----------------------------------------------------------------------------------


def _request(request_id: str) -> SharingRequest:
    return requests_service.request_by_id(db_session(), _signed_in(), request_id)


@bp.get("/sharing/requests")
def requests_list() -> Response:
    reader = _signed_in()
    page, per_page = _page_args()
    org_id = None
    if request.args.get("organization"):
        org = db_session().scalar(select(Organization).where(Organization.code == request.args["organization"]))
        if org is None:
            raise NotFound(request.args["organization"])
        org_id = org.id
    box = request.args.get("box") if request.args.get("box") in ("sent", "received") else "all"
    result = requests_service.list_requests(db_session(), reader, box=box, org_id=org_id,
                                            status=request.args.get("status") or None, page=page, per_page=per_page)
    return _page([request_json(r) for r in result.items], result.total, page, per_page)


@bp.post("/sharing/requests")
def request_create() -> ResponseReturnValue:
    _require_token()
    body = _body()
    send = bool(body.pop("submit", False))
    s = db_session()
    req = requests_service.create_request(s, current_actor(), body)
    if send:
        workflow.perform(s, current_actor(), req, "submit")
    s.commit()
    return jsonify(request_json(req)), 201, {"Location": url_for(".request_detail", request_id=req.id)}


@bp.get("/sharing/requests/<request_id>")
def request_detail(request_id: str) -> Response:
    return jsonify(request_json(_request(request_id)))


@bp.put("/sharing/requests/<request_id>")
def request_update(request_id: str) -> Response:
    _require_token()
    req = _request(request_id)
    requests_service.update_request(db_session(), current_actor(), req, _body())
    db_session().commit()
    return jsonify(request_json(req))


@bp.delete("/sharing/requests/<request_id>")
def request_delete(request_id: str) -> tuple[str, int]:
    _require_token()
    requests_service.delete_draft(db_session(), current_actor(), _request(request_id),
                                  current_app.config["CATALOG"]["UPLOAD_FOLDER"])
    db_session().commit()
    return "", 204


@bp.post("/sharing/requests/<request_id>/<action>")
def request_action(request_id: str, action: str) -> Response:
    _require_token()
    if action not in workflow.ACTIONS:
        raise NotFound(action)
    req = _request(request_id)
    body = _body() if request.content_length else {}
    workflow.perform(db_session(), current_actor(), req, action, body)
    db_session().commit()
    return jsonify(request_json(req))


@bp.put("/sharing/requests/<request_id>/letter")
def request_letter(request_id: str) -> Response:
    _require_token()
    req = _request(request_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise routes.BadBody()
    requests_service.attach_letter(db_session(), current_actor(), req, upload,
                                   current_app.config["CATALOG"]["UPLOAD_FOLDER"])
    db_session().commit()
    return jsonify(request_json(req))


# --- agreements ---------------------------------------------------------------------------------


@bp.get("/sharing/agreements")
def agreements_list() -> Response:
    reader = _signed_in()
    page, per_page = _page_args()
    result = agreements.list_agreements(db_session(), reader, page=page, per_page=per_page)
    return _page([agreement_json(a) for a in result.items], result.total, page, per_page)


@bp.get("/sharing/agreements/<key>")
def agreement_detail(key: str) -> Response:
    return jsonify(agreement_json(agreements.agreement_by_id(db_session(), _signed_in(), key)))


@bp.post("/sharing/agreements/<key>/<action>")
def agreement_action(key: str, action: str) -> ResponseReturnValue:
    _require_token()
    if action not in agreements.ACTIONS:
        raise NotFound(action)
    agreement = agreements.agreement_by_id(db_session(), _signed_in(), key)
    body = _body() if request.content_length else {}
    result = agreements.perform(db_session(), current_actor(), agreement, action, body)
    db_session().commit()
    if result is not None:  # a renewal request was sent
        return jsonify(request_json(result)), 201, {"Location": url_for(".request_detail", request_id=result.id)}
    return jsonify(agreement_json(agreement))


# --- reports, notifications, audit --------------------------------------------------------------


@bp.get("/sharing/reports")
def sharing_reports() -> Response:
    reader = _signed_in()
    s = db_session()
    rows = reports.figures(s, reports.scope_for(reader))
    return jsonify({
        "scope": "national" if reader.is_admin else "own agencies",
        "totals": reports.totals(rows),
        "agencies": [r.as_row() for r in rows],
        "most_requested": [{"dataset": ds.slug, "title": ds.title(current_locale()), "requests": n}
                           for ds, n in reports.most_requested(s) if policy.can_view_dataset(reader, ds)],
    })


@bp.get("/notifications")
def notifications_list() -> Response:
    _signed_in()
    s = db_session()
    loc = current_locale()
    items = []
    unread_only = params.choice(request.args, "unread", ("true", "false"), "false") == "true"
    for note in notifications.inbox(s, current_user.id, unread_only=unread_only):
        subject, body = notifications.render(note, loc)
        items.append({"id": note.id, "kind": note.kind, "subject": subject, "body": body,
                      "url": current_app.config["CATALOG"]["BASE_URL"].rstrip("/") + notifications.link_for(note),
                      "created_at": _iso(note.created_at), "read_at": _iso(note.read_at)})
    return jsonify({"items": items, "unread": notifications.unread_count(s, current_user.id)})


@bp.post("/notifications/read")
def notifications_read() -> Response:
    _require_token()
    body = _body() if request.content_length else {}
    ids = body.get("ids")
    if ids is not None and not (isinstance(ids, list) and all(isinstance(i, int) and not isinstance(i, bool)
                                                              for i in ids)):
        raise ValidationError({"ids": [gettext("A list of notification numbers is expected.")]})
    changed = notifications.mark_read(db_session(), current_user.id, ids)
    db_session().commit()
    return jsonify({"marked": changed})


@bp.get("/audit")
def audit_export() -> Response:
    """An agency's log (its stewards) or the whole log (administrators), as JSON lines or CSV."""
    reader = _signed_in()
    code = request.args.get("organization")
    org_id = None
    if code:
        org = db_session().scalar(select(Organization).where(Organization.code == code))
        if org is None:
            raise NotFound(code)
        policy.require(reader.is_steward_of(org.id))
        org_id = org.id
    else:
        policy.require(reader.is_admin)
    events = list(reversed(audit.events_for(db_session(), organization_id=org_id)))
    if params.choice(request.args, "format", ("jsonl", "csv"), "jsonl") == "csv":
        return Response("\ufeff" + audit.export_csv(events), mimetype="text/csv; charset=utf-8")
    return Response("\n".join(audit.export_jsonl(events)) + "\n", mimetype="application/x-ndjson")


# --- OpenAPI ------------------------------------------------------------------------------------


def _openapi_paths() -> dict[str, dict[str, Any]]:
    err = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    write = [{"bearer": []}]
    tags = ["sharing"]
    errors = {"401": {"description": "Sign in (a token; a session for reads)", **err},
              "403": {"description": "Not allowed", **err}, "404": {"description": "Not found", **err}}
    invalid = {"422": {"description": "Field-level errors; nothing was changed", **err}}
    obj = {"type": "object"}
    page = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
            {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}]
    rid = {"name": "request_id", "in": "path", "required": True, "schema": {"type": "string"},
           "description": "id or number (YC-YYYY-NNNNNN)"}
    key = {"name": "key", "in": "path", "required": True, "schema": {"type": "string"},
           "description": "id or number (TT-YYYY-NNNNNN)"}
    request_in = {**json_schema(inputs.RequestInput)}
    request_in["properties"] = {**request_in.get("properties", {}),
                                "submit": {"type": "boolean", "description": "send it at once"}}
    action_bodies = {name: json_schema(schema) for name, schema in workflow.INPUTS.items() if schema is not None}
    return {
        "/sharing/requests": {
            "get": {"tags": tags, "summary": "Requests of the caller's agencies (received: by deadline)",
                    "parameters": [*page,
                                   {"name": "box", "in": "query", "schema": {"type": "string",
                                                                             "enum": ["sent", "received", "all"]}},
                                   {"name": "status", "in": "query", "schema": {"type": "string"}},
                                   {"name": "organization", "in": "query", "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "A page of requests", **paged(obj)}, **errors}},
            "post": {"tags": tags, "summary": "Write a request (a draft, or sent at once with submit: true)",
                     "security": write, "requestBody": {"required": True, **content(request_in)},
                     "responses": {"201": {"description": "Created", **content(obj)}, **errors, **invalid}},
        },
        "/sharing/requests/{request_id}": {
            "parameters": [rid],
            "get": {"tags": tags, "summary": "One request, with the actions the caller may take",
                    "responses": {"200": {"description": "The request", **content(obj)}, **errors}},
            "put": {"tags": tags, "summary": "Rewrite a draft", "security": write,
                    "requestBody": {"required": True, **content(json_schema(inputs.RequestInput))},
                    "responses": {"200": {"description": "Saved", **content(obj)}, **errors, **invalid}},
            "delete": {"tags": tags, "summary": "Delete a draft", "security": write,
                       "responses": {"204": {"description": "Deleted"}, **errors, **invalid}},
        },
        "/sharing/requests/{request_id}/{action}": {
            "parameters": [rid, {"name": "action", "in": "path", "required": True,
                                 "schema": {"type": "string", "enum": list(workflow.ACTIONS)}}],
            "post": {"tags": tags, "security": write,
                     "summary": "Move the request: submit, withdraw, request_info, provide_info, approve, "
                                "approve_partially, refuse, escalate, uphold",
                     "requestBody": {"required": False, **content({"oneOf": list(action_bodies.values())})},
                     "responses": {"200": {"description": "The request after the action", **content(obj)},
                                   **errors, **invalid}},
        },
        "/sharing/requests/{request_id}/letter": {
            "parameters": [rid],
            "put": {"tags": tags, "summary": "Attach the official letter (PDF, at most 10 MB)", "security": write,
                    "requestBody": {"required": True, **content({"type": "object", "properties": {
                        "file": {"type": "string", "format": "binary"}}}, "multipart/form-data")},
                    "responses": {"200": {"description": "The request", **content(obj)}, **errors, **invalid}},
        },
        "/sharing/agreements": {
            "get": {"tags": tags, "summary": "Agreements of the caller's agencies", "parameters": page,
                    "responses": {"200": {"description": "A page of agreements", **paged(obj)}, **errors}},
        },
        "/sharing/agreements/{key}": {
            "parameters": [key],
            "get": {"tags": tags, "summary": "One agreement and its effective status",
                    "responses": {"200": {"description": "The agreement", **content(obj)}, **errors}},
        },
        "/sharing/agreements/{key}/{action}": {
            "parameters": [key, {"name": "action", "in": "path", "required": True,
                                 "schema": {"type": "string", "enum": list(agreements.ACTIONS)}}],
            "post": {"tags": tags, "security": write,
                     "summary": "suspend, resume, terminate, renew (a renewal request) or confirm_deletion",
                     "requestBody": {"required": False, **content({"oneOf": [
                         json_schema(schema) for schema in (inputs.SuspendInput, inputs.TerminateInput,
                                                            inputs.RenewInput)]})},
                     "responses": {"200": {"description": "The agreement", **content(obj)},
                                   "201": {"description": "A renewal request was sent", **content(obj)},
                                   **errors, **invalid}},
        },
        "/sharing/reports": {
            "get": {"tags": tags, "summary": "Who shares, who does not: per agency (administrators: the country)",
                    "responses": {"200": {"description": "Figures", **content(obj)}, **errors}},
        },
        "/notifications": {
            "get": {"tags": ["notifications"], "summary": "The caller's notifications, in the caller's language",
                    "parameters": [{"name": "unread", "in": "query", "schema": {"type": "boolean"}}],
                    "responses": {"200": {"description": "Notifications", **content(obj)}, **errors}},
        },
        "/notifications/read": {
            "post": {"tags": ["notifications"], "summary": "Mark notifications read (ids, or all)",
                     "security": write,
                     "requestBody": {"required": False, **content({"type": "object", "properties": {
                         "ids": {"type": "array", "items": {"type": "integer"}}}})},
                     "responses": {"200": {"description": "How many were marked", **content(obj)}, **errors}},
        },
        "/audit": {
            "get": {"tags": ["audit"], "summary": "Export the audit log: an agency's (its stewards) or all (admins)",
                    "parameters": [{"name": "organization", "in": "query", "schema": {"type": "string"}},
                                   {"name": "format", "in": "query",
                                    "schema": {"type": "string", "enum": ["jsonl", "csv"]}}],
                    "responses": {"200": {"description": "JSON lines or CSV, oldest first, with hashes"},
                                  **errors}},
        },
    }


OPENAPI_PATHS = _openapi_paths()
