"""Integration map pages: the map and table of connections, one connection with its health, a
province at a glance, and the "typed twice" finder. Thin over services/connections.py,
services/connection_health.py and services/reuse.py; who sees what is policy.py's answer."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from .. import charts, policy
from ..auth import current_actor, current_reader
from ..db import db_session
from ..i18n import current_locale
from ..integration_map import Edge, Node, draw_map
from ..models import (
    CONNECTION_PLATFORMS,
    CONNECTION_STATUSES,
    HEALTH_STATES,
    Connection,
    ConnectionCheck,
    Organization,
    utcnow,
)
from ..services import connection_health as health
from ..services import connection_rollup as rollup
from ..services import connections, listing, liveness, reuse
from ..services.common import NotFound
from . import connection_labels as cl

bp = Blueprint("connections", __name__)


def _top(org: Organization) -> Organization:
    ancestors = org.ancestors()
    return ancestors[-1] if ancestors else org


def _map(conns: list[Connection]) -> Any:
    loc = current_locale()
    nodes: dict[str, Node] = {}
    edges: dict[tuple[str, str], Edge] = {}
    for conn in conns:
        ends = []
        for org in (conn.consumer_org, conn.provider_org):
            top = _top(org)
            if top.code not in nodes:
                is_province = top.kind in ("province", "city")
                href = url_for(".province", code=top.code) if is_province else None
                nodes[top.code] = Node(top.code, top.acronym or top.code, top.name(loc), is_province, href)
            ends.append(top.code)
        key = (min(ends), max(ends))
        edges.setdefault(key, Edge(*key)).healths.append(conn.health)
    ordered = sorted(nodes.values(), key=lambda n: n.key)
    summary = gettext("%(n)s connections between %(m)s agencies.", n=len(conns), m=len(ordered))
    return draw_map(ordered, list(edges.values()), title=gettext("Integration map"), description=summary,
                    colors=cl.HEALTH_COLORS, health_labels={k: str(v) for k, v in cl.HEALTH.items()})


def _filters() -> connections.Filters:
    a = request.args
    return connections.Filters(province=a.get("province") or None, ministry=a.get("ministry") or None,
                               platform=a.get("platform") or None, status=a.get("status") or None,
                               health=a.get("health") or None)


@bp.get("/connections")
def index() -> str:
    session = db_session()
    reader = current_reader()
    filters = _filters()
    q = connections.query(session, reader, filters).options(
        selectinload(Connection.consumer), selectinload(Connection.provider_database),
        selectinload(Connection.provider_service), selectinload(Connection.consumer_org),
        selectinload(Connection.provider_org))
    every = list(session.scalars(q))
    try:
        page_no = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page_no = 1
    per_page = 50
    page = listing.Page(every[(page_no - 1) * per_page: page_no * per_page], len(every), page_no, per_page)
    counts = {h: sum(1 for c in every if c.health == h) for h in HEALTH_STATES}
    provinces = connections.province_orgs(session)
    ministries = list(session.scalars(select(Organization).where(
        Organization.kind.in_(("ministry", "ministerial_agency", "government_agency"))).order_by(Organization.name_vi)))
    return render_template("connections/index.html", page=page, svg=_map(every) if every else None, counts=counts,
                           filters=filters, provinces=provinces, ministries=ministries, cl=cl,
                           sources=liveness.harvest_sources(session, reader, utcnow()),
                           services=liveness.data_services(session, reader),
                           platforms=CONNECTION_PLATFORMS, statuses=CONNECTION_STATUSES, healths=HEALTH_STATES)


def _lag_chart(conn: Connection, now: Any) -> Any:
    rows = db_session().execute(select(ConnectionCheck.at, ConnectionCheck.synced_at).where(
        ConnectionCheck.connection_id == conn.id, ConnectionCheck.kind == "heartbeat",
        ConnectionCheck.at >= now - timedelta(days=30)).order_by(ConnectionCheck.at.desc()).limit(60)).all()
    if not rows:
        return None
    points = [(r[0].strftime("%d/%m %H:%M"), round((r[0] - r[1]).total_seconds() / 60, 1) if r[1] else None)
              for r in reversed(rows)]
    top = max((v for _l, v in points if v is not None), default=1) or 1
    return charts.line_chart(points, title=gettext("Synchronisation lag (minutes), last 30 days"),
                             unit=" min", y_max=max(top, conn.sync_interval_minutes or 0) * 1.1, color="#E69F00")


FORM_FIELDS = (
    "code", "consumer", "provider_database", "provider_service", "platform", "mode", "sync_interval_minutes",
    "status", "legal_basis", "agreement", "description_vi", "description_en", "consumer_contact_name",
    "consumer_contact_email", "provider_contact_name", "provider_contact_email", "probe_url",
    "probe_expected_status", "probe_interval_minutes",
)


def parse_items(text: str) -> list[dict[str, str]]:
    """One data item a line: "field | label | class | dataset" (only the field is required)."""
    items = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not parts[0]:
            continue
        item = dict(zip(("name", "label_vi", "classification", "dataset"), parts, strict=False))
        items.append({k: v for k, v in item.items() if v})
    return items


def _form_data() -> dict[str, Any]:
    data: dict[str, Any] = {k: request.form[k].strip() for k in FORM_FIELDS if request.form.get(k, "").strip()}
    data["items"] = parse_items(request.form.get("items", ""))
    return data


@bp.route("/connections/new", methods=["GET", "POST"])
@login_required
def create() -> ResponseReturnValue:
    """Stewards and editors of either side register a connection; the other side confirms it."""
    reader = current_reader()
    policy.require(reader.is_admin or bool(policy.editable_org_ids(reader)))
    values: dict[str, Any] = {"platform": "NDXP", "mode": "realtime_api", "status": "planned",
                              "probe_expected_status": 200}
    errors: dict[str, Any] = {}
    if request.method == "POST":
        session = db_session()
        try:
            conn = connections.create_connection(session, current_actor(), _form_data())
        except ValidationError as err:
            session.rollback()
            values, errors = request.form.to_dict(), err.messages
        else:
            session.commit()
            flash(gettext("The connection is registered; the other side is asked to confirm it."), "success")
            return redirect(url_for(".show", conn_id=conn.id))
    return render_template("connections/form.html", values=values, errors=errors, cl=cl,
                           platforms=CONNECTION_PLATFORMS, statuses=CONNECTION_STATUSES), 400 if errors else 200


@bp.get("/connections/<conn_id>")
def show(conn_id: str) -> str:
    session = db_session()
    reader = current_reader()
    conn = connections.by_id(session, reader, conn_id)
    cfg = current_app.config["CATALOG"]
    can_health = policy.can_view_connection_health(reader, conn)
    now = utcnow()
    data: dict[str, Any] = {}
    if can_health:
        since = now - health.WINDOWS["24h"]
        recent = health.probe_history(session, conn, since, now)  # read once: 24 h, today, the windows' ends
        data["summary"] = health.summary(session, conn, cfg, now, recent)
        days = rollup.daily(session, conn, now, 30, recent, since)
        if any(v is not None for _d, v in days):
            data["availability_chart"] = charts.line_chart(
                [(d.strftime("%d/%m"), v) for d, v in days],
                title=gettext("Availability per day (%%), last 30 days"), unit="%")
        data["lag_chart"] = _lag_chart(conn, now)
        data["incidents"] = health.incidents(session, conn, 50)
        session.commit()  # keep the daily roll-ups computed for this page
    return render_template("connections/show.html", conn=conn, cl=cl, now=now, can_health=can_health,
                           items=connections.visible_items(reader, conn, session),
                           hidden=connections.hidden_item_count(reader, conn, session),
                           can_edit=policy.can_edit_connection(reader, conn),
                           can_confirm=policy.can_confirm_connection(reader, conn), **data)


@bp.post("/connections/<conn_id>/confirm")
@login_required
def confirm(conn_id: str) -> ResponseReturnValue:
    session = db_session()
    conn = connections.by_id(session, current_reader(), conn_id)
    connections.confirm_connection(session, current_actor(), conn)
    session.commit()
    flash(gettext("The connection is confirmed."), "success")
    return redirect(url_for(".show", conn_id=conn.id))


@bp.post("/connections/<conn_id>/heartbeat-token")
@login_required
def heartbeat_token(conn_id: str) -> str:
    session = db_session()
    conn = connections.by_id(session, current_reader(), conn_id)
    token = connections.issue_heartbeat_token(session, current_actor(), conn)
    session.commit()
    return render_template("connections/token.html", conn=conn, token=token)


def _province(session: Any, code: str) -> Organization:
    org = session.scalar(select(Organization).where(
        or_(Organization.code == code, Organization.admin_unit_code == code),
        Organization.kind.in_(("province", "city"))))
    if org is None:
        raise NotFound(code)
    return org


@bp.get("/provinces/<code>/connections")
def province(code: str) -> str:
    """Is this province connected? Its systems' links to the national portal and the ministries' systems."""
    session = db_session()
    reader = current_reader()
    org = _province(session, code)
    conns = list(session.scalars(connections.query(session, reader, connections.Filters(province=org.code))))
    now = utcnow()
    lags = {c.id: health.lag(c, now) for c in conns} if any(
        policy.can_view_connection_health(reader, c) for c in conns) else {}
    groups: dict[str, list[Connection]] = {"portal": [], "national": [], "platform": [], "other": []}
    for c in conns:
        provider_code = c.provider_database.code if c.provider_database else ""
        consumer_code = c.consumer.code
        if "NPSP" in (provider_code, consumer_code):
            groups["portal"].append(c)
        elif provider_code in ("NDXP", "NDOP", "VBQG") or consumer_code in ("NDXP", "NDOP", "VBQG"):
            groups["platform"].append(c)
        elif _top(c.provider_org).id != org.id or _top(c.consumer_org).id != org.id:
            groups["national"].append(c)
        else:
            groups["other"].append(c)
    working = sum(1 for c in conns if c.health == "up")
    monitored = sum(1 for c in conns if c.health != "unknown")
    return render_template("connections/province.html", org=org, groups=groups, cl=cl, lags=lags,
                           working=working, monitored=monitored, total=len(conns),
                           can_health=bool(reader.is_agency_member or reader.is_admin))


# --- the "typed twice" finder ------------------------------------------------------------------


@bp.get("/reuse")
def reuse_page() -> str:
    session = db_session()
    org = request.args.get("organization") or None
    groups = reuse.findings(session, current_reader(), org)
    reader = current_reader()
    markable = {f.system.id for g in groups for f in g.findings if policy.can_mark_reuse(reader, f.system)}
    orgs = list(session.scalars(select(Organization).where(Organization.parent_id.is_(None))
                                .order_by(Organization.name_vi)))
    return render_template("connections/reuse.html", groups=groups, organization=org, orgs=orgs,
                           markable=markable, cl=cl)


@bp.get("/reuse.csv")
def reuse_csv() -> Response:
    loc = current_locale()
    groups = reuse.findings(db_session(), current_reader(), request.args.get("organization") or None)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["concept", "label", "held_by", "systems_collecting_again", "system", "system_name", "owner",
                     "fields", "available_through", "connections", "decision", "reason"])
    for g in groups:
        label = g.concept.label_en if loc == "en" else g.concept.label_vi
        for f in g.findings:
            writer.writerow([g.concept.code, label, g.holder.code if g.holder else g.concept.held_by,
                             len(g.findings), f.system.code, f.system.name(loc), f.system.owner.code,
                             ";".join(f.fields), ";".join(s.slug for s in f.services),
                             ";".join(c.code for c in f.connections), f.mark.decision if f.mark else "",
                             f.mark.reason if f.mark else ""])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=reuse.csv"})


@bp.post("/reuse/<db_code>/<concept>")
@login_required
def reuse_mark(db_code: str, concept: str) -> ResponseReturnValue:
    session = db_session()
    form = request.form
    raw = {"decision": form.get("decision", ""), "reason": form.get("reason") or None,
           "connection": form.get("connection") or None}
    reuse.mark(session, current_actor(), db_code, concept, raw)
    session.commit()
    flash(gettext("Your answer is recorded."), "success")
    return redirect(url_for(".reuse_page"))
