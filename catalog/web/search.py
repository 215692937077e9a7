"""The search page: one box for datasets, databases, agencies and data services, with facets."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from .. import policy
from ..auth import current_reader
from ..db import db_session
from ..i18n import current_locale
from ..search.base import ALL
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
    "all": _l("All"),
    "dataset": _l("Datasets"),
    "database": _l("Databases"),
    "organization": _l("Agencies"),
    "dataservice": _l("Data services"),
}
#: what each result of the mixed tab is, in the singular
KIND_LABELS = {
    "dataset": _l("Dataset"),
    "database": _l("Database"),
    "organization": _l("Agency"),
    "dataservice": _l("Data service"),
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


def _more_for_officers(reader: policy.Reader, kind: str) -> bool:
    """Whether to tell the visitor that officers find more (the same whatever the query)."""
    kinds = ("dataset", "dataservice") if kind == ALL else (kind,)
    return any(policy.officers_see_more(db_session(), reader, k) for k in kinds)


@bp.get("/search")
def index() -> str:
    """Without `type`, the mixed tab: the best hits of every kind, so none hides on another tab."""
    reader = current_reader()
    params = SearchParams.from_args(request.args, default_kind=ALL)
    page = search(db_session(), reader, params, locale=current_locale(), static_labels=STATIC_LABELS)
    # an empty tab never hides what the same words find on the others
    elsewhere = ({k: n for k, n in page.kinds.items() if n and k != params.kind}
                 if not page.total and params.kind != ALL else {})
    return render_template("search/results.html", result=page, params=params, facet_titles=FACET_TITLES,
                           kind_titles=KIND_TITLES, kind_labels=KIND_LABELS, sort_titles=SORT_TITLES,
                           elsewhere=elsewhere,
                           more_for_officers=_more_for_officers(reader, params.kind),
                           url=lambda **c: _url(request.args, **c),
                           toggle=lambda f, v: _toggle(request.args, f, v))
