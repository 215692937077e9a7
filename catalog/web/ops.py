"""Operations: /healthz for load balancers and orchestrators, /metrics for Prometheus."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from .. import metrics
from ..services import health

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """200 when the database, the search index, the broker and the file store all answer; else 503
    naming what is down."""
    result = health.check_all(current_app._get_current_object())  # type: ignore[attr-defined]
    response = jsonify(result.as_dict())
    response.status_code = 503 if result.down else 200
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
def prometheus() -> Response:
    """Prometheus exposition text; for this machine or the holder of CATALOG_METRICS_TOKEN."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not metrics.allowed(app):
        return Response("metrics are open to this machine or with the bearer token CATALOG_METRICS_TOKEN\n",
                        status=403, mimetype="text/plain", headers={"WWW-Authenticate": "Bearer"})
    body, content_type = metrics.scrape(app)
    return Response(body, mimetype=None, content_type=content_type, headers={"Cache-Control": "no-store"})
