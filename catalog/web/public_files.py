"""Conversions of public tabular files: `/distributions/<id>/download/csv|json|xlsx|zip`.

The same checks as the original file's download (policy, trimming, logging of data that is not
open); the conversion holds only the columns the reader may receive. Each download is counted
under its form (`download_counts`), so the dataset page and the API show them per file and format."""

from __future__ import annotations

from flask import Blueprint, current_app
from werkzeug import Response

from ..auth import current_actor, current_reader
from ..db import db_session
from ..downloads import file_response
from ..services import distributions, download_counts, public_files
from ..services.common import NotFound, visible_distribution
from ..services.tabular import convert

bp = Blueprint("public_files", __name__)


def conversion_name(file_name: str | None, kind: str) -> str:
    """"dan-so.xlsx" -> "dan-so.csv"; the data package keeps its kind in the name."""
    stem = (file_name or "data").rsplit(".", 1)[0] or "data"
    return f"{stem}.datapackage.zip" if kind == "zip" else f"{stem}.{kind}"


@bp.get("/distributions/<dist_id>/download/<any(csv, json, xlsx, zip):kind>")
def conversion(dist_id: str, kind: str) -> Response:
    s = db_session()
    dist = visible_distribution(s, current_reader(), dist_id)
    plan = distributions.plan_download(s, current_actor(), dist, current_app.config["CATALOG"]["UPLOAD_FOLDER"],
                                       convertible=True)
    if plan.path is None:
        raise NotFound(dist_id)
    path = public_files.conversion(s, dist, plan.columns, kind)
    if path is None:
        s.commit()
        raise NotFound(dist_id)
    download_counts.record_download(s, dist, kind)  # counted per form, beside the file's own downloads
    s.commit()
    response = file_response(path, conversion_name(dist.file_name, kind), convert.KINDS[kind][1],
                             etag=f"{dist.checksum_sha256}-{kind}-{path.parent.name}")
    if plan.columns is not None:
        response.headers["X-Columns-Trimmed"] = "true"
    return response
