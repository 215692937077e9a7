"""The page of a dataset series (DCAT-AP 3 `dcat:DatasetSeries`) with the members the reader may see."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..auth import current_reader
from ..db import db_session
from ..services.series import visible_series

bp = Blueprint("series", __name__, url_prefix="/series")


@bp.get("/<slug>")
def show(slug: str) -> str:
    series, members = visible_series(db_session(), current_reader(), slug)
    return render_template("series/show.html", series=series, members=members)
