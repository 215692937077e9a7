"""Home page, language switch and the page listing the legal rules the catalogue follows."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session
from sqlalchemy import func, select
from werkzeug import Response

from .. import policy, rules
from ..auth import current_reader
from ..db import db_session
from ..i18n import LOCALES
from ..models import Database, Organization
from ..services import listing, memo, portal
from .redirects import safe_next

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    s = db_session()
    reader = current_reader()
    counts = {
        "datasets": listing.count_visible_datasets(s, reader),
        "open": listing.count_visible_datasets(s, reader, access_level=rules.ACCESS_OPEN),
        "organizations": memo.kept(s, "count_all", "organization",
                                   lambda: s.scalar(select(func.count()).select_from(Organization)) or 0),
        "databases": memo.kept(s, "count_all", "database",
                               lambda: s.scalar(select(func.count()).select_from(Database)) or 0),
        "services": listing.count_visible_dataservices(s, reader),
    }
    # datasets that give something to download come first: a visitor's first click gets data
    if reader == policy.ANONYMOUS:
        newest = listing.newest_for_public(s, "downloadable", 6)
    else:
        newest = listing.list_datasets(s, reader, listing.DatasetFilters(), sort="downloadable", per_page=6).items
    national = listing.list_databases(s, kind="national", per_page=12).items
    # a visitor who sees a zero learns when signing in as an officer would show more
    more = ((counts["services"] == 0 and policy.officers_see_more(s, reader, "dataservice"))
            or (counts["datasets"] == 0 and policy.officers_see_more(s, reader, "dataset")))
    return render_template("home.html", counts=counts, newest=newest, national=national, more_for_officers=more,
                           public=portal.home_blocks(s))


@bp.get("/language/<code>")
def language(code: str) -> Response:
    if code in LOCALES:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), "/"))


@bp.get("/rules")
def legal_rules() -> str:
    return render_template("rules.html", rules=rules.RULES)


