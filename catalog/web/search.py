"""The search page: one box for datasets, databases, agencies and data services, with facets."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from ..auth import current_reader
from ..db import db_session
from ..i18n import current_locale
from ..search.service import SearchParams, search
from . import labels

bp = Blueprint("search", __name__)

FACET_TITLES = {
    "organization": _l("Agency"),
    "database": _l("Database"),
    "theme": _l("Theme"),
    "format": _l("Format"),
    "access": _l("Access"),
    "licence": _l("Licence"),
    "frequency": _l("Update frequency"),
    "grade": _l("Quality grade"),
}
KIND_TITLES = {
    "dataset": _l("Datasets"),
    "database": _l("Databases"),
    "organization": _l("Agencies"),
    "dataservice": _l("Data services"),
}
SORT_TITLES = {
    "relevance": _l("Relevance"),
    "newest": _l("Newest"),
    "updated": _l("Recently updated"),
    "name": _l("Name A-Z"),
    "quality": _l("Quality grade"),
}
STATIC_LABELS = {"access": labels.ACCESS_LEVELS, "frequency": labels.UPDATE_FREQUENCIES}


def _url(args: MultiDict, **changes: str | None) -> str:
    out = MultiDict(args)
    for key, value in changes.items():
        out.pop(key, None)
        if value:
            out[key] = value
    if "page" not in changes:
        out.pop("page", None)
    return url_for("search.index", **out.to_dict(flat=False))


def _toggle(args: MultiDict, facet: str, value: str) -> str:
    """The same search with this facet value added, or removed if it was chosen."""
    out = MultiDict(args)
    chosen = out.getlist(facet)
    out.setlist(facet, [v for v in chosen if v != value] if value in chosen else [*chosen, value])
    out.pop("page", None)
    return url_for("search.index", **out.to_dict(flat=False))


@bp.get("/search")
def index() -> str:
    params = SearchParams.from_args(request.args)
    page = search(db_session(), current_reader(), params, locale=current_locale(), static_labels=STATIC_LABELS)
    return render_template("search/results.html", result=page, params=params, facet_titles=FACET_TITLES,
                           kind_titles=KIND_TITLES, sort_titles=SORT_TITLES,
                           url=lambda **c: _url(request.args, **c),
                           toggle=lambda f, v: _toggle(request.args, f, v))
