"""Agency pages: the tree, each agency's page, its entry form and its members."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug import Response

from .. import policy, rules
from ..auth import current_actor, current_reader
from ..db import db_session
from ..models import Dataset, Membership, Organization, User, utcnow
from ..services import account_links, audit, listing, organizations, users
from ..services.common import NotFound
from .forms import page_args, read_form
from .invitations import flash_invitation

bp = Blueprint("organizations", __name__, url_prefix="/organizations")

FORM_FIELDS = [
    "code", "identifier", "name_vi", "name_en", "acronym", "kind", "parent", "admin_unit_code",
    "description_vi", "description_en", "website", "email", "phone", "address",
    "focal_officer_name", "focal_officer_title", "focal_officer_email", "focal_officer_phone",
]


def _org(code: str) -> Organization:
    org = db_session().scalar(select(Organization).where(Organization.code == code))
    if org is None:
        raise NotFound(code)
    return org


@bp.get("")
def index() -> str:
    s = db_session()
    q = request.args.get("q") or None
    kind = request.args.get("kind") or None
    orgs = listing.list_organizations(s, q=q, kind=kind, sort="kind", per_page=1000).items
    counts = listing.visible_dataset_counts_by(s, current_reader(), Dataset.publisher_id)
    groups: dict[str, list[Organization]] = {k: [] for k in rules.ORGANIZATION_KINDS}
    for org in orgs:
        groups.setdefault(org.kind, []).append(org)
    return render_template("organizations/list.html", groups=groups, counts=counts, q=q or "", kind=kind or "")


@bp.get("/<code>")
def show(code: str) -> str:
    s = db_session()
    org = _org(code)
    reader = current_reader()
    page, per_page = page_args()
    datasets = listing.list_datasets(s, reader, listing.DatasetFilters(organization=org.code, include_units=True),
                                     page=page, per_page=per_page)
    drafts = []
    if reader.is_member_of(org.id) or reader.is_admin:
        drafts = listing.list_datasets(s, reader, listing.DatasetFilters(organization=org.code, status="draft"),
                                       per_page=50).items
    services = listing.list_dataservices(s, reader, organization=org.code).items
    return render_template("organizations/show.html", org=org, datasets=datasets, drafts=drafts, services=services,
                           can_edit=policy.can_edit_organization(reader, org),
                           can_register=policy.can_register_in(reader, org.id))


def _form_values(org: Organization | None) -> dict[str, object]:
    if org is None:
        return {}
    values = {f: getattr(org, f, None) for f in FORM_FIELDS if f != "parent"}
    values["parent"] = org.parent.code if org.parent else ""
    return values


def _render_form(
    org: Organization | None, values: dict, errors: dict | None = None, status: int = 200
) -> tuple[str, int]:
    parents = db_session().scalars(select(Organization).order_by(Organization.name_vi)).all()
    return render_template("organizations/form.html", org=org, values=values, errors=errors or {},
                           parents=parents, is_admin=current_reader().is_admin), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> tuple[str, int] | Response:
    policy.require(policy.can_create_organization(current_reader()))
    if request.method == "GET":
        return _render_form(None, {})
    s = db_session()
    try:
        org = organizations.create_organization(s, current_actor(), read_form(request.form))
    except ValidationError as err:
        s.rollback()
        return _render_form(None, request.form.to_dict(), err.messages, 400)
    s.commit()
    flash(gettext("The organization was registered."), "success")
    return redirect(url_for(".show", code=org.code))


@bp.route("/<code>/edit", methods=["GET", "POST"])
@login_required
def edit(code: str) -> tuple[str, int] | Response:
    org = _org(code)
    policy.require(policy.can_edit_organization(current_reader(), org))
    if request.method == "GET":
        return _render_form(org, _form_values(org))
    s = db_session()
    try:
        organizations.update_organization(s, current_actor(), org, read_form(request.form))
    except ValidationError as err:
        s.rollback()
        return _render_form(org, request.form.to_dict(), err.messages, 400)
    s.commit()
    flash(gettext("The changes were saved."), "success")
    return redirect(url_for(".show", code=org.code))


@bp.post("/<code>/delete")
@login_required
def delete(code: str) -> Response:
    s = db_session()
    org = _org(code)
    try:
        organizations.delete_organization(s, current_actor(), org)
    except ValidationError as err:
        s.rollback()
        flash(" ".join(str(m) for msgs in err.messages.values() for m in msgs), "error")
        return redirect(url_for(".show", code=code))
    s.commit()
    flash(gettext("The organization was deleted."), "info")
    return redirect(url_for(".index"))


def _members_page(org: Organization, errors: dict | None = None, invite_errors: dict | None = None,
                  status: int = 200) -> tuple[str, int]:
    s = db_session()
    rows = s.scalars(select(Membership).where(Membership.organization_id == org.id)).all()
    reader = current_reader()
    # the picker suggests active accounts that have chosen a password
    accounts = s.scalars(select(User).where(User.active.is_(True), User.password_hash.is_not(None))
                         .order_by(User.name).limit(500)).all()
    return render_template(
        "organizations/members.html", org=org, memberships=rows, errors=errors or {},
        invite_errors=invite_errors or {}, form=request.form, accounts=accounts,
        awaiting=account_links.memberships_awaiting(s, org), invitations=account_links.pending_invitations(s, org),
        can_invite_admin=reader.is_admin, now=utcnow(),
    ), status


@bp.route("/<code>/members", methods=["GET", "POST"])
@login_required
def members(code: str) -> tuple[str, int] | Response:
    """Give a role to an existing account, picked by its name or e-mail address."""
    s = db_session()
    org = _org(code)
    policy.require(policy.can_manage_members(current_reader(), org))
    if request.method == "GET":
        return _members_page(org)
    try:
        # `email` is what the form sent before it picked accounts by name too
        user = users.find_account(s, request.form.get("account") or request.form.get("email", ""))
        users.set_membership(s, current_actor(), {"email": user.email, "organization": org.code,
                                                  "role": request.form.get("role", "")})
    except ValidationError as err:
        s.rollback()
        return _members_page(org, errors=err.messages, status=400)
    s.commit()
    flash(gettext("The role was saved."), "success")
    return redirect(url_for(".members", code=code))


@bp.post("/<code>/members/invite")
@login_required
def invite(code: str) -> tuple[str, int] | Response:
    """Invite a person by e-mail into the agency with a role; they choose their own password."""
    s = db_session()
    org = _org(code)
    policy.require(policy.can_manage_members(current_reader(), org))
    try:
        data = read_form(request.form, bools=("is_admin",))
        result = account_links.invite(s, current_actor(), {**data, "organization": org.code,
                                                          "locale": data.get("locale") or None})
    except ValidationError as err:
        s.rollback()
        return _members_page(org, invite_errors=err.messages, status=400)
    s.commit()
    flash_invitation(result)
    return redirect(url_for(".members", code=code))


@bp.post("/<code>/members/<membership_id>/remove")
@login_required
def remove_member(code: str, membership_id: str) -> Response:
    s = db_session()
    membership = s.get(Membership, membership_id)
    if membership is None or membership.organization.code != code:
        raise NotFound(membership_id)
    users.remove_membership(s, current_actor(), membership)
    s.commit()
    flash(gettext("The role was removed."), "info")
    return redirect(url_for(".members", code=code))


@bp.get("/<code>/audit.csv")
@login_required
def audit_export(code: str) -> Response:
    """The agency's log, for its stewards: its records, and the requests and agreements it is party to."""
    org = _org(code)
    policy.require(current_reader().is_steward_of(org.id))
    events = list(reversed(audit.events_for(db_session(), organization_id=org.id)))
    response = Response("\ufeff" + audit.export_csv(events), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f"attachment; filename=nhat-ky-{org.code}.csv"
    return response
