"""What a report says, in the reader's language: findings and check details as sentences.

Reports store codes and numbers only (a report written in Vietnamese is read in English too);
these tables turn them into text when a page or the API shows them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import format_decimal, gettext, ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

#: Names a column for a page: its Table Schema title with the name beside it, as markup.
ColumnLabel = Callable[[str], Markup]

FINDINGS: dict[str, Any] = {
    "type-error": _l("%(count)s values in column %(column)s are not of type %(type)s."),
    "type-inconsistent": _l("Column %(column)s: %(count)s of %(values)s values are not of the type of the others."),
    "constraint-error": _l("%(count)s values in column %(column)s break a constraint of the schema."),
    "unique-error": _l("%(count)s values in column %(column)s repeat, though the column must be unique."),
    "primary-key-duplicate": _l("%(count)s rows repeat the key (%(column)s) of an earlier row."),
    "primary-key-empty": _l("%(count)s rows have an empty or invalid key (%(column)s)."),
    "foreign-key-error": _l("%(count)s values of %(column)s have no match in the table they refer to."),
    "foreign-key-reference": _l("The reference %(column)s cannot be checked: the table it names was not found or "
                                "could not be read."),
    "blank-header": _l("The header row is blank."),
    "blank-label": _l("%(count)s columns have no name."),
    "duplicate-label": _l("%(count)s column names repeat."),
    "missing-label": _l("%(count)s columns of the schema are missing from the file."),
    "extra-label": _l("%(count)s columns of the file are not in the schema."),
    "incorrect-label": _l("%(count)s column names differ from the schema."),
    "blank-row": _l("%(count)s rows are blank."),
    "extra-cell": _l("%(count)s cells stand beyond the last column."),
    "missing-cell": _l("%(count)s cells are missing at the end of rows."),
    "duplicate-row": _l("%(count)s rows repeat an earlier row."),
    "encoding-legacy": _l("The file is encoded in %(detected)s, not UTF-8: its Vietnamese text garbles in most "
                          "programs."),
    "encoding-unknown": _l("The file is not UTF-8 and its encoding was not recognised; unreadable characters were "
                           "replaced."),
    "encoding-declared": _l("The file is %(detected)s but its media type declares %(declared)s."),
    "file-missing": _l("The stored file is missing."),
    "binary-file": _l("The file is not text: it looks like another kind of file renamed."),
    "format-error": _l("The file cannot be read in its declared format."),
    "source-error": _l("The file cannot be read as a table."),
    "xlsx-too-large": _l("The workbook would take %(mb)s MB once uncompressed, over the limit: it was not opened."),
    "empty-file": _l("The file is empty."),
    "read-stopped": _l("Reading stopped after %(rows)s rows; the rest of the file could not be checked."),
    "fetch-failed": _l("The file could not be fetched: %(reason)s."),
    "schema-invalid": _l("The Table Schema is not valid, so the data could not be checked against it."),
    "code-not-in-list": _l("%(count)s values of column %(column)s are not codes of the list “%(list)s”."),
    "personal-data": _l("Column %(column)s holds %(kind)s: %(count)s of %(checked)s values."),
    "schema-inferred": _l("There is no Table Schema: one was inferred from the first %(rows)s rows and the checks "
                          "used it."),
    "other-sheets": _l("The workbook has %(sheets)s sheets; only the first was checked."),
}

#: The type nearly all of a column holds, as the noun of "is not ...".
VALUE_KINDS = {
    "integer": _l("an integer"),
    "number": _l("a number"),
    "date": _l("a date"),
    "boolean": _l("a yes/no value"),
}
#: Odd values quoted in the sentence of a type-inconsistent column.
QUOTED_EXAMPLES = 5

PERSONAL_KINDS = {
    "citizen_id": _l("citizen identity numbers (CCCD)"),
    "old_id": _l("identity card numbers (CMND)"),
    "phone": _l("mobile phone numbers"),
    "email": _l("e-mail addresses"),
    "tax_code": _l("personal tax codes"),
    "name_with_birth_date": _l("full names next to dates of birth"),
}

CODE_LISTS = {
    "admin_unit": _l("administrative units"),
    "organization": _l("agencies"),
    "theme": _l("themes"),
    "licence": _l("licences"),
}

FETCH_REASONS = {
    "timeout": _l("no answer in time"),
    "http_status": _l("the server answered with an error"),
    "connection": _l("the server could not be reached"),
    "blocked_address": _l("the address is not public"),
    "bad_url": _l("the address is not a web address"),
    "too_large": _l("the file is larger than the limit"),
    "file_missing": _l("the stored file is missing"),
}

FIELDS = {
    "title_vi": _l("title"),
    "description_vi": _l("description"),
    "licence_code": _l("licence"),
    "contact": _l("contact point"),
    "title_en": _l("English title"),
    "description_en": _l("English description"),
    "spatial": _l("area covered"),
    "temporal": _l("period covered"),
    "update_frequency": _l("update frequency"),
    "issued": _l("date issued"),
    "modified": _l("date of last change"),
    "contact_email": _l("contact e-mail"),
    "contact_phone": _l("contact telephone"),
    "landing_page": _l("web page"),
    "database": _l("database"),
}

DATE_PROBLEMS = {
    "issued_after_modified": _l("issued after its last change"),
    "period_reversed": _l("the period covered ends before it starts"),
    "in_future": _l("a date lies in the future"),
    "file_issued_after_modified": _l("a file is issued after its last change"),
    "file_in_future": _l("a file's date lies in the future"),
}


def _number(value: Any) -> str:
    try:
        return format_decimal(int(value))
    except (TypeError, ValueError):
        return str(value)


def _say(template: Any, values: dict[str, Any]) -> str:
    """Fill a message; with a column given as markup, the rest is escaped and the result is markup."""
    if any(isinstance(v, Markup) for v in values.values()):
        return Markup.escape(str(template)) % values
    return str(template) % values


def finding_text(item: dict[str, Any], column_label: ColumnLabel | None = None) -> str:
    """One finding as a sentence (with `column_label`, markup naming the column by its title)."""
    params = dict(item.get("params") or {})
    if item.get("code") == "type-inconsistent" and params.get("type") in VALUE_KINDS:
        return _inconsistent_text(item, params)
    template = FINDINGS.get(item.get("code") or "")
    if template is None:
        return str(item.get("code"))
    values = {
        "count": _number(item.get("count") or 0),
        "column": column_label(item["column"]) if column_label and item.get("column") else item.get("column") or "—",
        "type": params.get("type") or "?",
        "detected": params.get("detected") or "?",
        "declared": params.get("declared") or "?",
        "rows": _number(params.get("rows") or 0),
        "sheets": params.get("sheets") or "?",
        "list": str(CODE_LISTS.get(params.get("list") or "", params.get("list") or "")),
        "kind": str(PERSONAL_KINDS.get(params.get("kind") or "", params.get("kind") or "")),
        "checked": _number(params.get("checked") or 0),
        "mb": _number((params.get("bytes") or 0) // (1024 * 1024)),
        "reason": str(FETCH_REASONS.get(params.get("kind") or "", params.get("kind") or "?"))
        + (f" ({params['status']})" if params.get("status") else ""),
    }
    return _say(template, values)


def _inconsistent_text(item: dict[str, Any], params: dict[str, Any]) -> str:
    """"Column so_luong: 1 of 36 values is not an integer: row 12 “abc”."""
    count = int(item.get("count") or 0)
    quoted = ", ".join(
        gettext("row %(row)s “%(value)s”", row=e.get("row"), value=e["value"]) if e.get("value") is not None
        else gettext("row %(row)s", row=e.get("row")) for e in (item.get("examples") or [])[:QUOTED_EXAMPLES])
    if count > QUOTED_EXAMPLES and quoted:
        quoted += ", …"
    return ngettext("Column %(column)s: %(odd)s of %(values)s values is not %(kind)s: %(examples)s.",
                    "Column %(column)s: %(odd)s of %(values)s values are not %(kind)s: %(examples)s.",
                    count, column=item.get("column") or "—", odd=_number(count),
                    values=_number(params.get("values") or 0), kind=str(VALUE_KINDS[params["type"]]),
                    examples=quoted or "—")


def field_names(names: list[str]) -> str:
    return ", ".join(str(FIELDS.get(n, n)) for n in names)


def check_lines(check: dict[str, Any], *, show_links: bool = True,
                column_label: ColumnLabel | None = None) -> list[str]:
    """What a failed or partial check found, in a few lines (empty for passed checks)."""
    if check.get("status") not in ("fail", "partial"):
        return []
    detail = check.get("detail") or {}
    cid = check["id"]
    lines: list[str] = []
    if cid in ("meta_required", "meta_recommended") and detail.get("missing"):
        lines.append(str(_l("Missing: %(fields)s.", fields=field_names(detail["missing"]))))
    elif cid == "meta_contact" and detail.get("invalid"):
        lines.append(str(_l("Not well formed: %(fields)s.", fields=field_names(detail["invalid"]))))
    elif cid == "meta_dates" and detail.get("problems"):
        lines.append(str(_l("Problems: %(items)s.", items=", ".join(
            str(DATE_PROBLEMS.get(p, p)) for p in detail["problems"]))))
    elif cid == "meta_frequency":
        lines.append(str(_l("No update frequency is declared.")))
    elif cid == "meta_fresh":
        reason = detail.get("reason")
        if reason == "age":
            lines.append(str(_l("Last changed %(days)s days ago (on %(date)s); the declared frequency allows "
                                "%(max)s days.", days=detail.get("age_days"), date=detail.get("last"),
                                max=detail.get("max_days"))))
        elif reason == "no_date":
            lines.append(str(_l("No date of last change is given.")))
        else:
            lines.append(str(_l("Freshness cannot be judged without an update frequency.")))
    elif cid == "links_alive":
        for item in detail.get("failed") or []:
            reason = str(FETCH_REASONS.get(item.get("error_kind") or "", item.get("error_kind") or ""))
            if item.get("status_code"):
                reason = f"{reason} ({item['status_code']})"
            where = item.get("url") if show_links and item.get("url") else (item.get("file") or _l("a link"))
            lines.append(f"{where}: {reason}")
    elif cid in ("codes_themes", "codes_spatial") and detail.get("unknown"):
        lines.append(str(_l("Unknown codes: %(codes)s.", codes=", ".join(detail["unknown"]))))
    elif cid == "codes_publisher":
        lines.append(str(_l("The publisher %(code)s has no electronic identifier code in the right form.",
                            code=detail.get("publisher") or "?")))
    elif cid == "schema_present":
        if detail.get("missing"):
            lines.append(str(_l("Without a schema: %(files)s.", files=", ".join(map(str, detail["missing"])))))
        if detail.get("mismatched"):
            lines.append(str(_l("Header differs from the schema: %(files)s.",
                                files=", ".join(map(str, detail["mismatched"])))))
    elif cid == "schema_classified":
        lines.append(str(_l("%(n)s fields have no class.", n=detail.get("unclassified"))))
    elif cid == "licence_open":
        lines.append(str(_l("Licence: %(licence)s.", licence=detail.get("licence") or "—")))
    elif cid == "service_available":
        lines.append(str(_l("No data service is linked to this dataset.")))
    elif cid == "no_personal_data":
        for item in detail.get("columns") or []:
            if not item.get("allowed"):
                column = item.get("column")
                lines.append(_say(_l("%(file)s, column %(column)s: %(kind)s."), {
                    "file": item.get("file"),
                    "column": column_label(column) if column_label and column else column,
                    "kind": str(PERSONAL_KINDS.get(item.get("kind"), item.get("kind")))}))
    elif detail.get("files") or detail.get("failed"):
        lines.append(str(_l("Files concerned: %(files)s.", files=", ".join(
            map(str, detail.get("files") or detail.get("failed"))))))
    return lines
