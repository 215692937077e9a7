"""Quality pages: a dataset's report, and the dashboards of the whole catalogue and of an agency.

A report is shown to whoever may see the dataset; example values from the data are shown only
from the columns the reader may receive (and personal data only masked), and failing link
addresses only to those who may download. Dashboards count only the datasets the reader may see
(the access policy is part of their queries). Charts are SVG drawn here (catalog/charts.py).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from markupsafe import Markup
from sqlalchemy import select
from werkzeug import Response

from .. import charts, policy
from ..auth import current_actor, current_reader
from ..dates import format_date
from ..db import db_session
from ..i18n import current_locale
from ..models import Dataset, Distribution, Organization, QualityReport
from ..quality import messages, scoring, service
from ..quality import tasks as quality_tasks
from ..services import distributions
from ..services.common import NotFound, visible_dataset

bp = Blueprint("quality", __name__)

STATUS_LABELS = {"pass": _l("passed"), "partial": _l("partly"), "fail": _l("failed"), "na": _l("not applicable")}
GRADE_COLORS = {"A": "#009E73", "B": "#56B4E9", "C": "#E69F00", "D": "#D55E00", "E": "#CC3311"}


def dimension_label(dim: str) -> str:
    return f"{scoring.DIMENSION_LABELS[dim]} ({scoring.DIMENSION_WORDS[dim]})" if current_locale() == "en" else \
        str(scoring.DIMENSION_LABELS[dim])


# --- what a reader may see of a report ------------------------------------------------------------


def column_label(ds: Dataset) -> messages.ColumnLabel:
    """Columns named on the page by their Table Schema title, the name beside it in a code font."""
    from .labels import column_titles

    titles = column_titles(ds)

    def label(name: str) -> Markup:
        title = titles.get(name)
        code = Markup('<code class="small">%s</code>') % name
        return Markup("%s %s") % (title, code) if title else code

    return label


def _allowed_columns(reader: policy.Reader, ds: Dataset) -> dict[str, frozenset[str] | None]:
    """Per distribution: None (every column) or the columns the reader may receive."""
    return {d.id: policy.readable_columns(reader, d) for d in ds.distributions}


def _shown(example: dict[str, Any], cols: frozenset[str] | None) -> dict[str, Any]:
    shown = dict(example)
    if shown.get("value") is not None and cols is not None:
        column = shown.get("column")
        if column is None or column not in cols:
            shown["value"] = None
            shown["hidden"] = True
    return shown


def visible_findings(reader: policy.Reader, ds: Dataset, report: QualityReport,
                     label: messages.ColumnLabel | None = None) -> list[dict[str, Any]]:
    """The report's findings, their example values cut to the columns the reader may receive
    (a removed file's examples are hidden from everyone but its owners)."""
    allowed = _allowed_columns(reader, ds)
    owner = reader.is_admin or reader.is_member_of(ds.publisher_id)
    out = []
    for item in report.findings or []:
        cols = allowed.get(item.get("distribution_id") or "", None if owner else frozenset())
        examples = [_shown(e, cols) for e in item.get("examples") or []]
        shown = {**item, "examples": examples}  # the sentence quotes only values the reader may see
        out.append({**shown, "text": messages.finding_text(shown, label)})
    return out


def report_view(reader: policy.Reader, ds: Dataset, report: QualityReport, *, markup: bool = False) -> dict[str, Any]:
    """Everything the page and the API show of one report, for this reader (`markup`: for the page,
    columns named by their titles)."""
    show_links = policy.can_download(reader, ds)
    label = column_label(ds) if markup else None
    checks = []
    for row in report.checks or []:
        check = scoring.BY_ID.get(row["id"])
        if check is None:
            continue
        detail = dict(row.get("detail") or {})
        if row["id"] == "links_alive" and not show_links:
            detail["failed"] = [{k: v for k, v in f.items() if k not in ("url", "error")}
                                for f in detail.get("failed") or []]
        checks.append({**row, "detail": detail, "title": str(check.title), "fix": str(check.fix),
                       "lines": messages.check_lines(row, show_links=show_links, column_label=label)})
    findings = visible_findings(reader, ds, report, label)
    allowed = _allowed_columns(reader, ds)
    files = []
    for entry in report.files or []:
        table = entry.get("table") or {}
        cols = allowed.get(entry.get("distribution_id") or "", frozenset())
        personal = [{**p, "example": p.get("example") if cols is None or p["column"] in cols else None}
                    for p in table.get("personal") or []]
        files.append({
            "distribution_id": entry.get("distribution_id"),
            "title": (entry.get("title_en") if current_locale() == "en" and entry.get("title_en") else None)
            or entry.get("title"),
            "format": entry.get("format"), "source": entry.get("source"), "checked": bool(table),
            "reused": entry.get("reused", False), "rows": table.get("rows"), "complete": table.get("complete"),
            "encoding": table.get("encoding"), "inferred_schema": table.get("inferred_schema"),
            "personal": personal, "fatal": table.get("fatal"),
            "findings": [f for f in findings if f.get("distribution_id") == entry.get("distribution_id")],
        })
    return {"checks": checks, "files": files, "findings": findings,
            "personal": [p for f in files for p in f["personal"]]}


# --- the dataset's report ------------------------------------------------------------------------


@bp.get("/datasets/<key>/quality")
def report(key: str) -> str:
    s = db_session()
    ds = visible_dataset(db_session(), current_reader(), key)
    reader = current_reader()
    latest = service.latest_report(s, ds.id)
    active = service.active_report(s, ds.id)
    s.commit()  # a dead run found above is marked failed
    past = service.history(s, ds.id, limit=30)
    view = report_view(reader, ds, latest, markup=True) if latest else None
    dims = latest.dimension_scores() if latest else {}
    dimension_chart = charts.bar_chart(
        [(dimension_label(d), v) for d, v in dims.items()], title=gettext("Score of each dimension"),
        max_value=100, css="bars dims") if latest else None
    trend_chart = charts.line_chart(
        [(format_date(r.finished_at, "short"), r.score) for r in reversed(past) if r.finished_at],
        title=gettext("Score over time")) if len(past) > 1 else None
    failed = s.scalar(select(QualityReport).where(QualityReport.dataset_id == ds.id,
                                                  QualityReport.status == "failed")
                      .order_by(QualityReport.id.desc()).limit(1))
    if failed is not None and latest is not None and failed.id < latest.id:
        failed = None
    return render_template(
        "quality/report.html", ds=ds, report=latest, active=active, view=view, history=past,
        dimension_chart=dimension_chart, trend_chart=trend_chart, failed=failed,
        can_edit=policy.can_edit_dataset(reader, ds), dimension_label=dimension_label,
        status_labels=STATUS_LABELS, scoring=scoring, json=json, column_label=column_label(ds),
    )


@bp.post("/datasets/<key>/quality/run")
@login_required
def run(key: str) -> Response:
    ds = visible_dataset(db_session(), current_reader(), key)
    policy.require(policy.can_edit_dataset(current_reader(), ds))
    found = quality_tasks.queue(current_app._get_current_object(), ds.id, "manual")
    if found is not None and found.status == "queued" and found.trigger == "manual":
        flash(gettext("The checks were started; this page shows their progress."), "info")
    else:
        flash(gettext("The checks are already running."), "info")
    return redirect(url_for(".report", key=ds.slug))


@bp.post("/datasets/<key>/quality/adopt-schema/<dist_id>")
@login_required
def adopt_schema(key: str, dist_id: str) -> Response:
    """Give a distribution the Table Schema the checks inferred from its data."""
    s = db_session()
    ds = visible_dataset(db_session(), current_reader(), key)
    reader = current_reader()
    policy.require(policy.can_edit_dataset(reader, ds))
    dist = s.get(Distribution, dist_id)
    latest = service.latest_report(s, ds.id)
    if dist is None or dist.dataset_id != ds.id or latest is None:
        raise NotFound(dist_id)
    entry = next((f for f in latest.files or [] if f.get("distribution_id") == dist.id), None)
    inferred = ((entry or {}).get("table") or {}).get("inferred_schema")
    if not inferred:
        raise NotFound(dist_id)
    # the pattern that keeps a code's zeros is part of what is adopted
    schema = {"fields": [{k: v for k, v in f.items() if k in ("name", "type", "format", "constraints")}
                         for f in inferred.get("fields") or []]}
    distributions.update_distribution(s, current_actor(), dist, {"table_schema": schema},
                                      distributions.storage_for(current_app.config["CATALOG"]))
    s.commit()
    flash(gettext("The inferred schema was adopted. Give each field its class on the file's form."), "success")
    return redirect(url_for(".report", key=ds.slug))


# --- dashboards ---------------------------------------------------------------------------------


def _dashboard(organization: Organization | None) -> str:
    s = db_session()
    reader = current_reader()
    summary = service.summary(s, reader, organization.code if organization else None)
    grades_chart = charts.bar_chart(
        [(gettext("Grade %(grade)s", grade=g), n) for g, n in summary.grades.items()],
        title=gettext("Datasets by grade"), colors=[GRADE_COLORS[g] for g in summary.grades], css="bars grades")
    dims_chart = charts.bar_chart(
        [(dimension_label(d), v) for d, v in summary.dimensions.items()],
        title=gettext("Average score of each dimension"), max_value=100, css="bars dims")
    trend_chart = charts.line_chart(
        [(format_date(at, "short"), v) for at, v in summary.trend], title=gettext("Average score over time"),
    ) if summary.trend else None
    return render_template("quality/dashboard.html", organization=organization, summary=summary,
                           grades_chart=grades_chart, dims_chart=dims_chart, trend_chart=trend_chart,
                           dimension_label=dimension_label, scoring=scoring)


@bp.get("/quality")
def dashboard() -> str:
    return _dashboard(None)


@bp.get("/organizations/<code>/quality")
def organization_dashboard(code: str) -> str:
    org = db_session().scalar(select(Organization).where(Organization.code == code))
    if org is None:
        raise NotFound(code)
    return _dashboard(org)


@bp.app_template_global()
def grade_badge(grade: str | None, score: int | None = None) -> Markup:
    """The grade as a badge (letter and score; the colour only repeats what the text says)."""
    if not grade:
        return Markup('<span class="badge grade none">{}</span>').format(gettext("Not checked"))
    label = gettext("Quality %(grade)s", grade=grade)
    if score is not None:
        label = f"{label} · {score}/100"
    return Markup('<span class="badge grade g{}">{}</span>').format(grade, label)

