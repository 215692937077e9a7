"""The rows API (CKAN `datastore_search`-like), previews and statistics, and stewards' column types.

Rows come from the queryable copy made when the file became public (`services.public_files`);
only open, published datasets have one, and only the columns the caller may receive are served,
filtered, searched or sorted."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, jsonify, request, stream_with_context, url_for
from flask_babel import gettext
from marshmallow import ValidationError

from ..auth import authenticate_bearer, current_reader
from ..db import db_session
from ..models import Dataset, Distribution, PublicFile
from ..services import download_counts, public_files
from ..services.common import NotFound, visible_dataset, visible_distribution
from ..services.tabular import query as rows_query
from ..web.params import BadParameter
from . import routes
from .routes import _body, _require_token

bp = Blueprint("rows_api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate_bearer)
routes.install_error_handlers(bp)


def _served_fields(record: PublicFile, dist: Distribution) -> list[dict[str, Any]]:
    return public_files.served_fields(record, current_reader(), dist)


def _public_record(ds: Dataset, resource: str | None) -> tuple[Distribution, PublicFile]:
    """The file asked for (`resource`, else the dataset's first with rows) and its ready copy."""
    if not public_files.is_public(ds):
        raise NotFound(ds.id)  # rows are served for open, published data only
    s = db_session()
    for dist in ds.distributions:
        if resource and dist.id != resource:
            continue
        record = s.get(PublicFile, dist.id)
        if record is not None and record.status == "ready" and record.table_name \
                and record.checksum == dist.checksum_sha256:
            return dist, record
        if resource:
            break
    if resource:
        raise BadParameter("resource", gettext("This dataset has no queryable file with this id."))
    raise NotFound(ds.id)


def _fields_out(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": f["name"], "type": f["type"], "declared_type": f.get("declared_type"),
             "type_source": f.get("source"), "fallback": bool(f.get("fallback")), "bad_cells": f.get("bad") or 0,
             "example": f.get("example")} for f in fields]


@bp.get("/datasets/<key>/rows")
def rows(key: str) -> Response:
    s = db_session()
    ds = visible_dataset(s, current_reader(), key)
    dist, record = _public_record(ds, request.args.get("resource"))
    fields = _served_fields(record, dist)
    q = rows_query.parse(request.args, fields)
    total, records = rows_query.run(s, record.table_name or "", fields, q)
    by_name = {f["name"]: f for f in fields}
    args = {k: v for k, v in request.args.items() if k not in ("offset", "resource")}
    links = {"self": url_for(".rows", key=ds.slug, resource=dist.id, **args, offset=q.offset, _external=True),
             "csv": url_for(".rows_csv", key=ds.slug, resource=dist.id,
                            **{k: v for k, v in args.items() if k != "limit"}, _external=True)}
    if q.limit and q.offset + q.limit < total:
        links["next"] = url_for(".rows", key=ds.slug, resource=dist.id, **args, offset=q.offset + q.limit,
                                _external=True)
    return jsonify({
        "dataset": ds.slug, "resource": dist.id, "fields": _fields_out([by_name[n] for n in q.fields]),
        "records": records, "total": total, "limit": q.limit, "offset": q.offset,
        "filters": request.args.get("filters") and dict(q.filters),
        "q": request.args.get("q") or None, "sort": request.args.get("sort") or None, "links": links,
    })


@bp.get("/datasets/<key>/rows.csv")
def rows_csv(key: str) -> Response:
    s = db_session()
    ds = visible_dataset(s, current_reader(), key)
    dist, record = _public_record(ds, request.args.get("resource"))
    fields = _served_fields(record, dist)
    q = rows_query.parse(request.args, fields, paged=False)
    table = record.table_name or ""

    def generate() -> Iterator[str]:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(q.fields)
        for n, row in enumerate(rows_query.iter_rows(s, table, fields, q), 1):
            writer.writerow(["" if v is None else (v.isoformat() if hasattr(v, "isoformat") else
                                                   ("true" if v is True else "false" if v is False else v))
                             for v in row])
            if n % 1000 == 0:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue()

    response = Response(stream_with_context(generate()), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{ds.slug}-rows.csv"'
    return response


def preview_json(dist: Distribution) -> dict[str, Any]:
    """What the page shows of a file: its state, first rows, statistics, conversion links and how
    often the file and each conversion were downloaded ({"file": n, "csv": n, ...})."""
    s = db_session()
    view = public_files.preview_for(s, current_reader(), dist)
    counts = download_counts.counts_for_file(s, dist.id)
    if view is None:
        return {"resource": dist.id, "status": "not_prepared", "download_counts": counts}
    if view["status"] != "ready":
        return {"resource": dist.id, "status": view["status"], "message": view["message"], "download_counts": counts}
    names = [f["name"] for f in view["fields"]]
    return {
        "resource": dist.id, "status": "ready", "rows": view["rows"], "fields": _fields_out(view["fields"]),
        "preview": [dict(zip(names, row, strict=True)) for row in view["preview"]], "stats": view["stats"],
        "downloads": {kind: url_for("public_files.conversion", dist_id=dist.id, kind=kind, _external=True)
                      for kind in ("csv", "json", "xlsx", "zip")},
        "download_counts": counts,
        "built_at": view["built_at"].isoformat(),
    }


@bp.get("/distributions/<dist_id>/preview")
def preview(dist_id: str) -> Response:
    s = db_session()
    dist = visible_distribution(s, current_reader(), dist_id)
    if not public_files.is_public(dist.dataset):
        raise NotFound(dist_id)
    return jsonify(preview_json(dist))


@bp.put("/distributions/<dist_id>/types")
def set_types(dist_id: str) -> Response:
    """A steward's column types ({"field": "string"}; null drops an override); kept on re-import."""
    _require_token()
    s = db_session()
    dist = visible_distribution(s, current_reader(), dist_id)
    body = _body()
    if not all(isinstance(v, (str, type(None))) for v in body.values()):
        raise ValidationError({"_schema": [gettext("Give each field's type as text, or null.")]})
    record = public_files.set_types(s, current_reader(), dist, body)
    s.commit()
    overrides = public_files.overrides_for(s, dist.id)
    return jsonify({"resource": dist.id, "overrides": overrides,
                    "preview": preview_json(dist) if record is not None else None})


def _openapi_paths() -> dict[str, dict[str, Any]]:
    err = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    key = {"name": "key", "in": "path", "required": True, "schema": {"type": "string"},
           "description": "the dataset's slug or id"}
    dist = {"name": "dist_id", "in": "path", "required": True, "schema": {"type": "string"}}
    tags = ["rows"]

    def qp(name: str, description: str, kind: str = "string", **extra: Any) -> dict[str, Any]:
        return {"name": name, "in": "query", "schema": {"type": kind, **extra}, "description": description}

    search = [
        qp("resource", "the file's (distribution's) id; default: the dataset's first queryable file"),
        qp("filters", 'a JSON object of exact values per field, a list for any of several: {"tinh": "Hà Nội"}'),
        qp("q", "words to find anywhere in the row, accents and đ folded (\"ha noi\" finds \"Hà Nội\")"),
        qp("sort", 'fields to sort by, each optionally followed by asc or desc: "dan_so desc, tinh"'),
        qp("fields", "the fields to return, separated by commas (default: all the caller may receive)"),
    ]
    field = {"type": "object", "properties": {
        "id": {"type": "string"}, "type": {"type": "string"}, "declared_type": {"type": "string"},
        "type_source": {"type": "string", "enum": ["schema", "inferred", "default", "override"]},
        "fallback": {"type": "boolean", "description": "cells did not parse as the declared type: served as text"},
        "bad_cells": {"type": "integer"}, "example": {"type": "string", "nullable": True}}}
    page = {"type": "object", "properties": {
        "dataset": {"type": "string"}, "resource": {"type": "string"},
        "fields": {"type": "array", "items": field}, "records": {"type": "array", "items": {"type": "object"}},
        "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"},
        "links": {"type": "object"}}}
    bad = {"description": "A parameter is not valid (its name is in `parameter`)", **err}
    return {
        "/datasets/{key}/rows": {
            "parameters": [key],
            "get": {"tags": tags, "summary": "Rows of an open dataset's file, filtered, searched, sorted and paged",
                    "parameters": [*search, qp("limit", "rows per page (0 to 1000, default 100)", "integer",
                                               minimum=0, maximum=rows_query.MAX_LIMIT),
                                   qp("offset", "rows to skip", "integer", minimum=0, maximum=rows_query.MAX_OFFSET)],
                    "responses": {"200": {"description": "A page of rows and the total that match",
                                          "content": {"application/json": {"schema": page}}},
                                  "400": bad, "404": {"description": "Not found, not open, or no queryable file",
                                                      **err}}},
        },
        "/datasets/{key}/rows.csv": {
            "parameters": [key],
            "get": {"tags": tags, "summary": "The filtered rows as CSV (UTF-8), all of them unless limit is given",
                    "parameters": [*search, qp("limit", "at most this many rows", "integer", minimum=0),
                                   qp("offset", "rows to skip", "integer", minimum=0)],
                    "responses": {"200": {"description": "CSV",
                                          "content": {"text/csv": {"schema": {"type": "string"}}}},
                                  "400": bad, "404": {"description": "Not found", **err}}},
        },
        "/distributions/{dist_id}/preview": {
            "parameters": [dist],
            "get": {"tags": tags, "summary": "A public file's first rows, column types, statistics and conversions",
                    "description": "download_counts gives how often the file itself (file) and each conversion "
                                   "(csv, json, xlsx, zip) was downloaded.",
                    "responses": {"200": {"description": "The preview (status not_prepared or failed when there is "
                                                         "none) and the download counts per form"},
                                  "404": {"description": "Not found, or not open", **err}}},
        },
        "/distributions/{dist_id}/types": {
            "parameters": [dist],
            "put": {"tags": tags, "summary": "Set column types (editors of the owner); kept when the file is "
                                             "imported again",
                    "security": [{"bearer": []}],
                    "requestBody": {"content": {"application/json": {"schema": {
                        "type": "object", "additionalProperties": {"type": "string", "nullable": True,
                                                                   "enum": ["string", "integer", "number", "boolean",
                                                                            "date", "datetime", "year", None]}},
                        "example": {"ma_tinh": "string"}}}},
                    "responses": {"200": {"description": "The overrides and the new preview"},
                                  "401": {"description": "A bearer token is needed", **err},
                                  "403": {"description": "Not allowed", **err},
                                  "404": {"description": "Not found", **err},
                                  "422": {"description": "Unknown field or type", **err}}},
        },
    }


OPENAPI_PATHS = _openapi_paths()
