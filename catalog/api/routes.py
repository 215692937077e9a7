"""The API's routes: thin wrappers that parse, call a service, and dump the result."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from marshmallow import Schema, ValidationError
from sqlalchemy import select

from .. import json_input, policy, rules
from ..auth import authenticate_bearer, current_actor, current_reader, require_scope, token_scopes
from ..db import db_session
from ..downloads import download_response
from ..models import AdminUnit, Database, DataService, Distribution, Licence, Organization, Theme
from ..models.dataset import DATASET_STATUSES
from ..services import databases, dataservices, datasets, distributions, listing, organizations
from ..services.common import NotFound, visible_dataset, visible_distribution
from ..services.references import InUse
from ..web import params
from . import serializers as out
from .errors import json_error, validation_error

bp = Blueprint("api", __name__, url_prefix="/api/v1")


# --- plumbing -----------------------------------------------------------------------------------


class BadBody(Exception):
    pass


class BodyTooLarge(Exception):
    pass


bp.before_request(authenticate_bearer)


@bp.errorhandler(BodyTooLarge)
def _too_large(_e: BodyTooLarge) -> ResponseReturnValue:
    kb = current_app.config["CATALOG"]["MAX_JSON_KB"]
    return json_error(413, "too_large", gettext("The body is larger than the limit of %(kb)s KB.", kb=kb))


@bp.errorhandler(BadBody)
def _bad_body(e: BadBody) -> ResponseReturnValue:
    if e.args:  # the parser's reason (where it broke, or how deep the nesting went)
        return json_error(400, "invalid_json", gettext("The body is not valid JSON: %(reason)s", reason=e.args[0]))
    return json_error(400, "invalid_json")


@bp.errorhandler(ValidationError)
def _invalid(e: ValidationError) -> ResponseReturnValue:
    db_session().rollback()
    return validation_error(e)


@bp.errorhandler(InUse)
def _in_use(e: InUse) -> ResponseReturnValue:
    """409, naming what still refers to the record and how many (a program can follow up)."""
    db_session().rollback()
    return jsonify({"error": "in_use", "message": e.text, "referenced_by": e.referrers}), 409


@bp.errorhandler(policy.Forbidden)
def _forbidden(_e: policy.Forbidden) -> ResponseReturnValue:
    db_session().rollback()
    if not current_reader().is_authenticated:
        return json_error(401, "unauthorized")
    return json_error(403, "forbidden")


@bp.errorhandler(NotFound)
def _not_found(_e: NotFound) -> ResponseReturnValue:
    return json_error(404, "not_found")


class _Unauthorized(Exception):
    pass


def install_error_handlers(blueprint: Blueprint) -> None:
    """Another API area answers bad bodies, validation errors, refusals and misses like this one."""
    for exc, handler in ((BodyTooLarge, _too_large), (BadBody, _bad_body), (InUse, _in_use),
                         (ValidationError, _invalid), (policy.Forbidden, _forbidden), (NotFound, _not_found),
                         (_Unauthorized, _unauthorized)):
        blueprint.register_error_handler(exc, handler)


def _require_token(scope: str = "write") -> None:
    """Writes come from machine clients with a token that holds `scope`; a browser session alone cannot write."""
    if not g.get("token_auth"):
        raise _Unauthorized()
    require_scope(scope)


@bp.errorhandler(_Unauthorized)
def _unauthorized(_e: _Unauthorized) -> ResponseReturnValue:
    return json_error(401, "unauthorized")


def _body() -> dict[str, Any]:
    limit = current_app.config["CATALOG"]["MAX_JSON_KB"] * 1024
    if (request.content_length or 0) > limit:
        raise BodyTooLarge()
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise BodyTooLarge()
    try:
        data = json_input.loads(raw or b"null")
    except ValueError as exc:
        raise BadBody(str(exc)) from exc
    if not isinstance(data, dict):
        raise BadBody()
    return data


def _page_args() -> tuple[int, int]:
    """Page and page size; anything but a whole number in range answers 400 naming the parameter."""
    return params.page_args(request.args, strict=True)


def _page_response(page: listing.Page[Any], schema: Schema, endpoint: str, **view_args: Any) -> Response:
    args = {k: v for k, v in request.args.items() if k not in ("page",)}
    links = {"self": url_for(endpoint, **view_args, **args, page=page.page, _external=True)}
    if page.has_next:
        links["next"] = url_for(endpoint, **view_args, **args, page=page.page + 1, _external=True)
    if page.has_prev:
        links["prev"] = url_for(endpoint, **view_args, **args, page=page.page - 1, _external=True)
    return jsonify({
        "items": schema.dump(page.items, many=True),
        "page": page.page, "per_page": page.per_page, "total": page.total, "pages": page.pages, "links": links,
    })


def _created(obj: Any, schema: Schema, location: str) -> tuple[Response, int, dict[str, str]]:
    db_session().commit()
    return jsonify(schema.dump(obj)), 201, {"Location": location}


def _saved(obj: Any, schema: Schema) -> Response:
    s = db_session()
    s.commit()
    s.refresh(obj)
    return jsonify(schema.dump(obj))


def _storage() -> distributions.Storage:
    return distributions.storage_for(current_app.config["CATALOG"])


# --- index --------------------------------------------------------------------------------------


@bp.get("/")
def index() -> Response:
    return jsonify({
        "name": "vn-data-catalog API",
        "version": "v1",
        "openapi": url_for(".openapi", _external=True),
        "collections": {
            name: url_for(endpoint, _external=True)
            for name, endpoint in (
                ("organizations", ".organizations_list"), ("databases", ".databases_list"),
                ("datasets", ".datasets_list"), ("dataservices", ".dataservices_list"), ("themes", ".themes"),
                ("licences", ".licences"), ("admin_units", ".admin_units"),
            )
        },
    })


@bp.get("/openapi.json")
def openapi() -> Response:
    from .openapi import build_spec

    return jsonify(build_spec())


@bp.get("/me")
def me() -> Response:
    reader = current_reader()
    if not reader.is_authenticated:
        return jsonify({"id": None, "email": None, "name": None, "is_admin": False, "memberships": []})
    scopes = token_scopes()
    return jsonify({
        "id": current_user.id, "email": current_user.email, "name": current_user.name,
        "is_admin": current_user.is_admin,
        "memberships": [{"organization": m.organization.code, "role": m.role} for m in current_user.memberships],
        "token_scopes": sorted(scopes) if scopes is not None else None,
    })


# --- organisations ------------------------------------------------------------------------------


def _org(code: str) -> Organization:
    org = db_session().scalar(select(Organization).where(Organization.code == code))
    if org is None:
        raise NotFound(code)
    return org


@bp.get("/organizations")
def organizations_list() -> Response:
    page, per_page = _page_args()
    result = listing.list_organizations(
        db_session(), q=request.args.get("q"), kind=request.args.get("kind"), parent=request.args.get("parent"),
        sort=params.choice(request.args, "sort", listing.ORG_SORTS, "name"), page=page, per_page=per_page)
    return _page_response(result, out.OrganizationOut(), ".organizations_list")


@bp.post("/organizations")
def organization_create() -> ResponseReturnValue:
    _require_token()
    org = organizations.create_organization(db_session(), current_actor(), _body())
    return _created(org, out.OrganizationOut(), url_for(".organization", code=org.code))


@bp.get("/organizations/<code>")
def organization(code: str) -> Response:
    return jsonify(out.OrganizationOut().dump(_org(code)))


@bp.route("/organizations/<code>", methods=["PUT", "PATCH"])
def organization_update(code: str) -> Response:
    _require_token()
    org = _org(code)
    organizations.update_organization(db_session(), current_actor(), org, _body(), replace=request.method == "PUT")
    return _saved(org, out.OrganizationOut())


@bp.delete("/organizations/<code>")
def organization_delete(code: str) -> tuple[str, int]:
    _require_token()
    organizations.delete_organization(db_session(), current_actor(), _org(code))
    db_session().commit()
    return "", 204


# --- databases ----------------------------------------------------------------------------------


def _db(code: str) -> Database:
    db = db_session().scalar(select(Database).where(Database.code == code))
    if db is None:
        raise NotFound(code)
    return db


@bp.get("/databases")
def databases_list() -> Response:
    page, per_page = _page_args()
    args = {k: request.args.get(k) for k in ("q", "kind", "owner", "status", "platform")}
    sort = params.choice(request.args, "sort", listing.DATABASE_SORTS, "name")
    result = listing.list_databases(db_session(), **args, sort=sort, page=page, per_page=per_page)
    return _page_response(result, out.DatabaseOut(), ".databases_list")


@bp.post("/databases")
def database_create() -> ResponseReturnValue:
    _require_token()
    db = databases.create_database(db_session(), current_actor(), _body())
    return _created(db, out.DatabaseOut(), url_for(".database", code=db.code))


@bp.get("/databases/<code>")
def database(code: str) -> Response:
    return jsonify(out.DatabaseOut().dump(_db(code)))


@bp.route("/databases/<code>", methods=["PUT", "PATCH"])
def database_update(code: str) -> Response:
    _require_token()
    db = _db(code)
    databases.update_database(db_session(), current_actor(), db, _body(), replace=request.method == "PUT")
    return _saved(db, out.DatabaseOut())


@bp.delete("/databases/<code>")
def database_delete(code: str) -> tuple[str, int]:
    _require_token()
    databases.delete_database(db_session(), current_actor(), _db(code))
    db_session().commit()
    return "", 204


# --- datasets -----------------------------------------------------------------------------------

DATASET_FILTERS = ("q", "organization", "database", "access_level", "theme", "licence", "format", "status", "keyword")


@bp.get("/datasets")
def datasets_list() -> Response:
    page, per_page = _page_args()
    filters = listing.DatasetFilters(**{k: request.args.get(k) or None for k in DATASET_FILTERS})
    filters.access_level = params.choice(request.args, "access_level", rules.ACCESS_LEVELS, "") or None
    filters.status = params.choice(request.args, "status", DATASET_STATUSES, "") or None
    master = request.args.get("master_data")
    if master is not None:
        filters.master_data = master.lower() in ("1", "true", "yes")
    sort = params.choice(request.args, "sort", listing.DATASET_SORTS, "newest")
    result = listing.list_datasets(db_session(), current_reader(), filters, sort=sort, page=page, per_page=per_page)
    return _page_response(result, out.DatasetOut(), ".datasets_list")


@bp.post("/datasets")
def dataset_create() -> ResponseReturnValue:
    _require_token()
    ds = datasets.create_dataset(db_session(), current_actor(), _body())
    return _created(ds, out.DatasetOut(), url_for(".dataset", key=ds.slug))


@bp.get("/datasets/<key>")
def dataset(key: str) -> ResponseReturnValue:
    try:
        ds = visible_dataset(db_session(), current_reader(), key)
    except NotFound:
        from .publishing import gone

        answer = gone(key)  # a withdrawn open dataset answers 410 with the reason
        if answer is None:
            raise
        return answer
    return jsonify(out.DatasetOut().dump(ds))


@bp.route("/datasets/<key>", methods=["PUT", "PATCH"])
def dataset_update(key: str) -> Response:
    _require_token()
    ds = visible_dataset(db_session(), current_reader(), key)
    datasets.update_dataset(db_session(), current_actor(), ds, _body(), replace=request.method == "PUT")
    return _saved(ds, out.DatasetOut())


@bp.delete("/datasets/<key>")
def dataset_delete(key: str) -> tuple[str, int]:
    _require_token()
    ds = visible_dataset(db_session(), current_reader(), key)
    datasets.delete_dataset(db_session(), current_actor(), ds, _storage().folder)
    db_session().commit()
    return "", 204


# --- distributions ------------------------------------------------------------------------------


def _distribution(dist_id: str) -> Distribution:
    return visible_distribution(db_session(), current_reader(), dist_id)


def _distribution_input() -> tuple[dict[str, Any], Any]:
    """JSON for a link; multipart (a `file` part and an optional `metadata` JSON part) for an upload."""
    if request.mimetype == "multipart/form-data":
        raw = request.form.get("metadata") or "{}"
        try:
            data = json_input.loads(raw)
        except ValueError as exc:
            raise BadBody() from exc
        if not isinstance(data, dict):
            raise BadBody()
        upload = request.files.get("file")
        return data, upload if upload is not None and upload.filename else None
    return _body(), None


@bp.get("/datasets/<key>/distributions")
def distributions_list(key: str) -> Response:
    ds = visible_dataset(db_session(), current_reader(), key)
    return jsonify({"items": out.DistributionOut().dump(ds.distributions, many=True), "total": len(ds.distributions)})


@bp.post("/datasets/<key>/distributions")
def distribution_create(key: str) -> ResponseReturnValue:
    _require_token()
    ds = visible_dataset(db_session(), current_reader(), key)
    data, upload = _distribution_input()
    dist = distributions.add_distribution(db_session(), current_actor(), ds, data, _storage(), upload)
    return _created(dist, out.DistributionOut(), url_for(".distribution", dist_id=dist.id))


@bp.get("/distributions/<dist_id>")
def distribution(dist_id: str) -> Response:
    return jsonify(out.DistributionOut().dump(_distribution(dist_id)))


@bp.route("/distributions/<dist_id>", methods=["PUT", "PATCH"])
def distribution_update(dist_id: str) -> Response:
    _require_token()
    dist = _distribution(dist_id)
    data, upload = _distribution_input()
    distributions.update_distribution(db_session(), current_actor(), dist, data, _storage(), upload,
                                      replace=request.method == "PUT")
    return _saved(dist, out.DistributionOut())


@bp.delete("/distributions/<dist_id>")
def distribution_delete(dist_id: str) -> tuple[str, int]:
    _require_token()
    distributions.delete_distribution(db_session(), current_actor(), _distribution(dist_id), _storage())
    db_session().commit()
    return "", 204


@bp.get("/distributions/<dist_id>/download")
def distribution_download(dist_id: str) -> ResponseReturnValue:
    return download_response(dist_id)


# --- data services ------------------------------------------------------------------------------


def _service(slug: str) -> DataService:
    svc = db_session().scalar(select(DataService).where(DataService.slug == slug))
    if svc is None or not policy.can_view_dataservice(current_reader(), svc):
        raise NotFound(slug)
    return svc


@bp.get("/dataservices")
def dataservices_list() -> Response:
    page, per_page = _page_args()
    result = listing.list_dataservices(db_session(), current_reader(), organization=request.args.get("organization"),
                                       q=request.args.get("q"), page=page, per_page=per_page)
    return _page_response(result, out.DataServiceOut(), ".dataservices_list")


@bp.post("/dataservices")
def dataservice_create() -> ResponseReturnValue:
    _require_token()
    svc = dataservices.create_dataservice(db_session(), current_actor(), _body())
    return _created(svc, out.DataServiceOut(), url_for(".dataservice", slug=svc.slug))


@bp.get("/dataservices/<slug>")
def dataservice(slug: str) -> Response:
    return jsonify(out.DataServiceOut().dump(_service(slug)))


@bp.route("/dataservices/<slug>", methods=["PUT", "PATCH"])
def dataservice_update(slug: str) -> Response:
    _require_token()
    svc = _service(slug)
    dataservices.update_dataservice(db_session(), current_actor(), svc, _body(), replace=request.method == "PUT")
    return _saved(svc, out.DataServiceOut())


@bp.delete("/dataservices/<slug>")
def dataservice_delete(slug: str) -> tuple[str, int]:
    _require_token()
    dataservices.delete_dataservice(db_session(), current_actor(), _service(slug))
    db_session().commit()
    return "", 204


# --- code lists ---------------------------------------------------------------------------------


@bp.get("/themes")
def themes() -> Response:
    rows = db_session().scalars(select(Theme).order_by(Theme.code)).all()
    return jsonify({"items": out.ThemeOut().dump(rows, many=True), "total": len(rows)})


@bp.get("/licences")
def licences() -> Response:
    rows = db_session().scalars(select(Licence).order_by(Licence.code)).all()
    return jsonify({"items": out.LicenceOut().dump(rows, many=True), "total": len(rows)})


@bp.get("/admin-units")
def admin_units() -> Response:
    rows = db_session().scalars(select(AdminUnit).order_by(AdminUnit.code)).all()
    return jsonify({"items": out.AdminUnitOut().dump(rows, many=True), "total": len(rows)})
