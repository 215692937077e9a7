"""The integration map in the API: connections, their health and incidents, heartbeats, the
"typed twice" finder.

Reading follows the policy (a confirmed connection between public systems is public; its data
items follow the provider's field classes; health for officers). Changes need a user's token;
a heartbeat needs the token issued for that very connection and no other.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from .. import policy
from ..auth import _bearer, authenticate_bearer, current_actor, current_reader
from ..db import db_session
from ..i18n import current_locale
from ..models import Connection, ConnectionIncident, utcnow
from ..services import connection_health as health
from ..services import connections, listing, liveness, reuse
from ..web.params import MAX_PAGE
from . import routes
from .errors import json_error
from .routes import _body, _page_args, _require_token

bp = Blueprint("connections_api", __name__, url_prefix="/api/v1")


@bp.before_request
def _person_token() -> ResponseReturnValue | None:
    """A person's token, as on every API route; the heartbeat carries a system's token scoped to one
    connection instead, which its own view checks."""
    if request.endpoint == "connections_api.heartbeat":
        return None
    return authenticate_bearer()


routes.install_error_handlers(bp)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def connection_json(conn: Connection, *, detail: bool = False) -> dict[str, Any]:
    reader = current_reader()
    loc = current_locale()
    out: dict[str, Any] = {
        "id": conn.id, "code": conn.code,
        "consumer": {"code": conn.consumer.code, "name": conn.consumer.name(loc), "owner": conn.consumer_org.code},
        "provider": {"database": conn.provider_database.code if conn.provider_database else None,
                     "service": conn.provider_service.slug if conn.provider_service else None,
                     "name": conn.provider_name(loc), "owner": conn.provider_org.code},
        "platform": conn.platform, "mode": conn.mode, "sync_interval_minutes": conn.sync_interval_minutes,
        "status": conn.status, "health": conn.health, "confirmed": conn.confirmed,
        "unconfirmed_fact": conn.unconfirmed_fact,
        "links": {"self": url_for("connections_api.connection", conn_id=conn.id, _external=True),
                  "html": url_for("connections.show", conn_id=conn.id, _external=True)},
    }
    if detail:
        session = db_session()
        out.update({
            "items": connections.visible_items(reader, conn, session),
            "hidden_items": connections.hidden_item_count(reader, conn, session),
            "legal_basis": conn.legal_basis,
            "agreement": conn.agreement.number if conn.agreement else None,
            "description": conn.description(loc), "source": conn.source,
            "contacts": {"consumer": {"name": conn.consumer_contact_name, "email": conn.consumer_contact_email},
                         "provider": {"name": conn.provider_contact_name, "email": conn.provider_contact_email}},
            "confirmed_at": _iso(conn.confirmed_at),
        })
        if policy.can_view_connection_health(reader, conn):
            out["probe"] = {"url": conn.probe_url, "expected_status": conn.probe_expected_status,
                            "interval_minutes": conn.probe_interval_minutes,
                            "heartbeat_token_issued": bool(conn.heartbeat_token_hash)}
    return out


def _conn(conn_id: str) -> Connection:
    return connections.by_id(db_session(), current_reader(), conn_id)


def _health_reader(conn: Connection) -> None:
    reader = current_reader()
    if not reader.is_authenticated:
        raise routes._Unauthorized()
    policy.require(policy.can_view_connection_health(reader, conn))


@bp.get("/connections")
def connections_list() -> Response:
    args = request.args
    filters = connections.Filters(province=args.get("province") or None, ministry=args.get("ministry") or None,
                                  platform=args.get("platform") or None, status=args.get("status") or None,
                                  health=args.get("health") or None)
    session = db_session()
    page_no, per_page = _page_args()
    page = listing.paginate(session, connections.query(session, current_reader(), filters), page_no, per_page)
    return jsonify({"items": [connection_json(c) for c in page.items], "page": page.page,
                    "per_page": page.per_page, "total": page.total, "pages": page.pages})


@bp.post("/connections")
def connection_create() -> ResponseReturnValue:
    _require_token()
    conn = connections.create_connection(db_session(), current_actor(), _body())
    db_session().commit()
    return jsonify(connection_json(conn, detail=True)), 201, {
        "Location": url_for(".connection", conn_id=conn.id, _external=True)}


@bp.get("/connections/metrics")
def metrics() -> Response:
    """Prometheus-style gauges per connection (officers: health is theirs to see)."""
    reader = current_reader()
    if not reader.is_authenticated:
        raise routes._Unauthorized()
    policy.require(reader.is_admin or reader.is_agency_member)
    session = db_session()
    open_counts = dict(session.execute(
        select(ConnectionIncident.connection_id, func.count()).where(ConnectionIncident.closed_at.is_(None))
        .group_by(ConnectionIncident.connection_id)).all())
    now = utcnow()
    lines = [
        "# HELP catalog_connection_up 1 when the connection works, 0.5 degraded, 0 down; absent when not monitored",
        "# TYPE catalog_connection_up gauge",
        "# HELP catalog_connection_lag_seconds Seconds since the last successful synchronisation reported",
        "# TYPE catalog_connection_lag_seconds gauge",
        "# HELP catalog_connection_consecutive_failures Failed probes in a row",
        "# TYPE catalog_connection_consecutive_failures gauge",
        "# HELP catalog_connection_open_incidents Incidents open now",
        "# TYPE catalog_connection_open_incidents gauge",
    ]
    values = {"up": 1, "degraded": 0.5, "down": 0}
    for conn in session.scalars(select(Connection).where(policy.connection_visibility(reader))
                                .order_by(Connection.code)):
        label = '{code="%s",platform="%s"}' % (conn.code.replace('"', ""), conn.platform)  # noqa: UP031
        if conn.health in values:
            lines.append(f"catalog_connection_up{label} {values[conn.health]}")
        if conn.last_sync_at is not None:
            lines.append(f"catalog_connection_lag_seconds{label} {int((now - conn.last_sync_at).total_seconds())}")
        lines.append(f"catalog_connection_consecutive_failures{label} {conn.consecutive_failures}")
        lines.append(f"catalog_connection_open_incidents{label} {open_counts.get(conn.id, 0)}")
    lines += ["# HELP catalog_harvest_source_up The last harvest: 1 complete, 0.5 with failures or late, 0 failed",
              "# TYPE catalog_harvest_source_up gauge"]
    for row in liveness.harvest_sources(session, reader, now):
        if row.health in values:
            lines.append('catalog_harvest_source_up{source="%s"} %s' % (row.source.slug, values[row.health]))  # noqa: UP031
    lines += ["# HELP catalog_dataservice_up The data service's last probes: 1 up, 0.5 degraded, 0 down",
              "# TYPE catalog_dataservice_up gauge"]
    for svc in liveness.data_services(session, reader, limit=10_000):
        if svc.health in values:
            lines.append('catalog_dataservice_up{service="%s"} %s' % (svc.slug, values[svc.health]))  # noqa: UP031
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")


@bp.get("/connections/<conn_id>")
def connection(conn_id: str) -> Response:
    return jsonify(connection_json(_conn(conn_id), detail=True))


@bp.patch("/connections/<conn_id>")
def connection_update(conn_id: str) -> Response:
    _require_token()
    conn = connections.update_connection(db_session(), current_actor(), _conn(conn_id), _body())
    db_session().commit()
    return jsonify(connection_json(conn, detail=True))


@bp.delete("/connections/<conn_id>")
def connection_delete(conn_id: str) -> tuple[str, int]:
    _require_token()
    connections.delete_connection(db_session(), current_actor(), _conn(conn_id))
    db_session().commit()
    return "", 204


@bp.post("/connections/<conn_id>/confirm")
def connection_confirm(conn_id: str) -> Response:
    _require_token()
    conn = connections.confirm_connection(db_session(), current_actor(), _conn(conn_id))
    db_session().commit()
    return jsonify(connection_json(conn, detail=True))


@bp.post("/connections/<conn_id>/heartbeat-token")
def heartbeat_token(conn_id: str) -> ResponseReturnValue:
    _require_token()
    token = connections.issue_heartbeat_token(db_session(), current_actor(), _conn(conn_id))
    db_session().commit()
    return jsonify({"token": token, "connection": conn_id}), 201


@bp.post("/connections/<conn_id>/heartbeat")
def heartbeat(conn_id: str) -> ResponseReturnValue:
    """A system reports its last sync with the token of this connection (a user's token will not do)."""
    session = db_session()
    conn = session.get(Connection, conn_id)
    if conn is None or not connections.token_matches(conn, _bearer(request)):
        return json_error(401, "unauthorized")
    check = health.record_heartbeat(session, conn, _body(), current_app.config["CATALOG"])
    session.commit()
    return jsonify({"received_at": _iso(check.at), "health": conn.health,
                    "last_sync_at": _iso(conn.last_sync_at)}), 202


@bp.post("/connections/<conn_id>/maintenance")
def maintenance(conn_id: str) -> ResponseReturnValue:
    _require_token()
    window = health.announce_maintenance(db_session(), current_actor(), _conn(conn_id), _body())
    db_session().commit()
    return jsonify({"starts_at": _iso(window.starts_at), "ends_at": _iso(window.ends_at), "note": window.note}), 201


def health_json(conn: Connection) -> dict[str, Any]:
    session = db_session()
    data = health.summary(session, conn, current_app.config["CATALOG"])
    session.commit()  # keep the daily roll-ups computed for this answer
    last_probe, last_hb = data.pop("last_probe"), data.pop("last_heartbeat")
    data["last_sync_at"] = _iso(data["last_sync_at"])
    data["maintenance"] = [{"starts_at": _iso(m.starts_at), "ends_at": _iso(m.ends_at), "note": m.note}
                           for m in data["maintenance"]]
    data["last_probe"] = {"at": _iso(last_probe.at), "ok": last_probe.ok, "status": last_probe.status_code,
                          "latency_ms": last_probe.latency_ms, "error": last_probe.error} if last_probe else None
    data["last_heartbeat"] = {"at": _iso(last_hb.at), "ok": last_hb.ok, "synced_at": _iso(last_hb.synced_at),
                              "records_sent": last_hb.records_sent, "records_received": last_hb.records_received,
                              "records_failed": last_hb.records_failed} if last_hb else None
    return {"connection": conn.code, **data}


@bp.get("/connections/<conn_id>/health")
def connection_health(conn_id: str) -> Response:
    conn = _conn(conn_id)
    _health_reader(conn)
    return jsonify(health_json(conn))


def incident_json(incident: ConnectionIncident) -> dict[str, Any]:
    return {"id": incident.id, "cause": incident.cause, "opened_at": _iso(incident.opened_at),
            "closed_at": _iso(incident.closed_at), "duration_seconds": incident.duration_seconds(),
            "detail": incident.detail}


@bp.get("/connections/<conn_id>/incidents")
def connection_incidents(conn_id: str) -> Response:
    conn = _conn(conn_id)
    _health_reader(conn)
    return jsonify({"connection": conn.code, "items": [incident_json(i) for i in health.incidents(db_session(), conn)]})


@bp.get("/reuse")
def reuse_findings() -> Response:
    session = db_session()
    findings = reuse.findings(session, current_reader())
    return jsonify({"items": [reuse.finding_json(f, current_locale()) for f in findings]})


@bp.post("/reuse/<db_code>/<concept>")
def reuse_mark(db_code: str, concept: str) -> Response:
    _require_token()
    mark = reuse.mark(db_session(), current_actor(), db_code, concept, _body())
    db_session().commit()
    return jsonify({"database": db_code, "concept": concept, "decision": mark.decision, "reason": mark.reason})


def _openapi_paths() -> dict[str, Any]:
    tags = ["connections"]
    err = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    cid = {"name": "conn_id", "in": "path", "required": True, "schema": {"type": "string"},
           "description": "the connection's id or code"}
    obj = {"content": {"application/json": {"schema": {"type": "object"}}}}
    body = {"required": True, **obj}
    token = [{"bearer": []}]

    def op(summary: str, ok: str = "200", *, write: bool = False, with_body: bool = False,
           params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"tags": tags, "summary": summary,
                               "responses": {ok: {"description": "OK", **obj},
                                             "404": {"description": "Not found, or not visible", **err}}}
        if write:
            out["security"] = token
            out["responses"].update({"401": {"description": "A bearer token is needed", **err},
                                     "403": {"description": "Not allowed", **err},
                                     "422": {"description": "Field-level validation errors", **err}})
        if with_body:
            out["requestBody"] = body
        if params:
            out["parameters"] = params
            out["responses"]["422"] = {"description": "A filter names an agency code that does not exist", **err}
        return out

    filters = [{"name": n, "in": "query", "schema": {"type": "string"}, "description": d} for n, d in (
        ("province", "a province's agency code or identifier code (000.00.00.Hnn)"),
        ("ministry", "a ministry's agency code or identifier code (000.00.00.Gnn), its units included"),
        ("platform", "NDXP, NDOP, LGSP or direct"), ("status", "planned, testing, operating, suspended, retired"),
        ("health", "up, degraded, down, maintenance, unknown"))] + [
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}]
    return {
        "/connections": {
            "get": op("Connections the caller may know of, filtered", params=filters),
            "post": op("Register a connection (stewards or editors of either side; the other side confirms)",
                       "201", write=True, with_body=True),
        },
        "/connections/{conn_id}": {
            "parameters": [cid],
            "get": op("A connection: systems, data items (as the field classes allow), basis, mode"),
            "patch": op("Change a connection", write=True, with_body=True),
            "delete": op("Remove a connection", "204", write=True),
        },
        "/connections/metrics": {"get": {"tags": tags, "summary": "Prometheus-style gauges per connection (officers)",
                                          "responses": {"200": {"description": "text/plain exposition format"},
                                                        "401": {"description": "A bearer token is needed", **err},
                                                        "403": {"description": "Not allowed", **err}}}},
        "/connections/{conn_id}/confirm": {"parameters": [cid], "post": op("The other side confirms", write=True)},
        "/connections/{conn_id}/heartbeat-token": {
            "parameters": [cid], "post": op("Issue the token a system uses for heartbeats (replaces the old one)",
                                            "201", write=True)},
        "/connections/{conn_id}/heartbeat": {
            "parameters": [cid],
            "post": {**op("A system reports its last successful sync and counts", "202", with_body=True),
                     "security": [{"bearer": []}],
                     "description": "Authorization: Bearer <the token issued for this connection>. Body: "
                                    "last_sync_at (ISO 8601 with zone), ok, records_sent, records_received, "
                                    "records_failed, message."}},
        "/connections/{conn_id}/maintenance": {
            "parameters": [cid],
            "post": op("Announce planned maintenance (at least 7 working days ahead)", "201", write=True,
                       with_body=True)},
        "/connections/{conn_id}/health": {
            "parameters": [cid], "get": op("Health: state, availability 24h/7d/30d, latency, lag (officers)")},
        "/connections/{conn_id}/incidents": {
            "parameters": [cid], "get": op("Incidents, newest first, with their duration (officers)")},
        "/reuse": {"get": op("Data items collected again although a national database holds them")},
        "/reuse/{db_code}/{concept}": {
            "parameters": [{"name": "db_code", "in": "path", "required": True, "schema": {"type": "string"}},
                           {"name": "concept", "in": "path", "required": True, "schema": {"type": "string"}}],
            "post": op("Mark a finding intended (with a reason) or reused through a connection", write=True,
                       with_body=True)},
    }


OPENAPI_PATHS = _openapi_paths()
