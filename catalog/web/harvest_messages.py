"""The lines of a harvest job's log in the reader's language.

Harvesters write each line in English together with a code and its parameters
(harvesters.base.LogText); pages say it again from the code here, with fields named by their
labels. Lines without a code (older jobs, free-text failures of a whole source) show as written.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from . import labels

MESSAGES: dict[str, Any] = {
    "no_id": _l("A record without an identifier was left out: %(title)s."),
    "not_a_package": _l("An entry of the source is not a record this kind of source describes; left out."),
    "iso_without_identification": _l("The ISO record does not describe its data; left out."),
    "api_without_id": _l("An API of the listing has no identifier or name; left out."),
    "row_without_name": _l("Row %(row)s: the dataset has no name (Tên tập dữ liệu)."),
    "row_code_repeated": _l("Row %(row)s: the code %(code)s is already used on row %(first)s."),
    "table_unreadable": _l("The table %(table)s cannot be read: %(reason)s"),
    "listed_twice": _l("The source lists this record twice; the first one is kept."),
    "not_taken": _l("Not taken: %(errors)s."),
    "draft_until": _l("Kept as a draft until it has: %(fields)s."),
    "same_identifier": _l("Has the same identifier as record %(other)s of this source; not taken."),
    "taken_over": _l("Already catalogued from another source (matched on: %(field)s); this authoritative source "
                     "now keeps it."),
    "already_registered": _l("The same dataset is already registered in this catalogue (matched on: %(field)s); "
                             "recorded as a second source of it."),
    "already_harvested": _l("The same dataset is already brought by another source (matched on: %(field)s); "
                            "recorded as a second source of it."),
    "now_keeps": _l("This authoritative source now keeps the dataset."),
    "agency_clash": _l("The %(field)s %(value)s belongs to a dataset of %(other)s; this source belongs to %(own)s, "
                       "which may not change it: recorded as a duplicate to review."),
    "index_healed": _l("Job %(job)s stopped before it finished; the search index was brought up to date for the "
                       "source's %(count)s records."),
    "kept_by_other": _l("A dataset this source no longer lists stays in the catalogue: another source (%(id)s) "
                        "still has it."),
    "resource_not_url": _l("File or link %(n)s: %(field)s “%(value)s” is not a web address; left out."),
    "not_url": _l("%(field)s “%(value)s” is not a web address; left out."),
    "not_email": _l("The contact e-mail “%(value)s” is not valid; left out."),
    "not_date": _l("%(field)s “%(value)s” is not a date; left out."),
    "period_reversed": _l("The period covered ends before it starts; left out."),
    "shortened": _l("%(field)s is longer than %(limit)s characters; shortened."),
    "long_values": _l("%(field)s: values longer than %(limit)s characters left out."),
    "too_many": _l("%(field)s: only the first %(limit)s of %(count)s kept."),
    "refused_value": _l("%(field)s: %(problem)s Left out."),
    "resource_refused_value": _l("File or link %(n)s: %(field)s: %(problem)s Left out."),
    "unknown_theme": _l("The theme “%(value)s” is not in the catalogue's list; left out."),
    "unknown_licence": _l("The licence “%(value)s” is not in the catalogue's list; left out."),
    "geometry_place": _l("A geometry was given as the place; only administrative units are kept."),
    "unknown_place": _l("The place “%(value)s” is not an administrative unit; left out."),
    "coverage_several_provinces": _l("The coverage box spans %(count)s provinces (%(spanned)s); it is filed under "
                                     "those it mostly covers: %(chosen)s."),
    "series_next_disagrees": _l("Its next dataset in the series is %(other)s, but %(other)s names %(theirs)s as its "
                                "previous one; both are kept as the sources give them."),
    "series_prev_disagrees": _l("Its previous dataset in the series is %(other)s, but %(other)s names %(theirs)s as "
                                "its next one; both are kept as the sources give them."),
    "series_prev_claimed": _l("Its previous dataset in the series is %(mine)s, but %(other)s names it as its next "
                              "one; both are kept as the sources give them."),
    "series_next_claimed": _l("Its next dataset in the series is %(mine)s, but %(other)s names it as its previous "
                              "one; both are kept as the sources give them."),
    "series_without_members": _l("A dataset series without any member dataset in the document is not kept: series "
                                 "are stored through their members."),
    "not_geometry": _l("The spatial coverage “%(value)s” is neither GeoJSON nor WKT; left out."),
    "unknown_frequency": _l("The update frequency “%(value)s” is not recognised; left out."),
    "unknown_language": _l("The language “%(value)s” is not recognised; left out."),
    "foreign_publisher": _l("The publisher “%(value)s” is not the source's agency or one of its units; the "
                            "source's agency is recorded instead."),
    "unknown_database": _l("The database “%(value)s” is not registered; left out."),
    "unknown_consumer": _l("The application “%(value)s” that calls this API is not a registered system; no "
                           "connection made."),
    "subscriptions_unread": _l("%(url)s: the subscriptions could not be read (%(error)s); its connections are "
                               "left as they were."),
    "remote_context": _l("%(url)s: the remote JSON-LD context %(context)s was not fetched; the terms it defines "
                         "are ignored."),
    "context_import": _l("%(url)s: an @import in a JSON-LD context was not fetched."),
    "service_without_endpoint": _l("A data service without an endpoint address was left out."),
    "schema_unreadable": _l("The Table Schema of a file cannot be read: %(reason)s"),
    "unknown_field_type": _l("Column %(column)s: the unknown type “%(value)s” is read as any type."),
    "unknown_access_level": _l("Row %(row)s: the access level “%(value)s” is not one of mở / dùng chung / dùng "
                               "riêng; the source's default is used."),
    "unused_column": _l("%(sheet)s: the column “%(value)s” is not used."),
    "spec_too_large": _l("The OpenAPI document (%(size)s bytes) is too large to keep; its address is kept."),
    "warnings_not_stored": _l("%(count)s more warnings were counted but not stored (a job stores at most "
                              "%(limit)s)."),
    "nothing_read": _l("The source answered %(bytes)s bytes but no record could be read from them; nothing was "
                       "taken or withdrawn."),
    "page_unreadable": _l("Page %(page)s could not be read and was skipped: %(reason)s"),
    "record_unreadable": _l("The record cannot be read: %(reason)s"),
    "iso19115_3": _l("The record is in ISO 19115-3 (%(root)s), which this harvester does not read yet; ask the "
                     "catalogue for ISO 19139 records."),
    "unknown_root": _l("The record's root element %(root)s is not an ISO 19139 record; left out."),
    "package_named_from_address": _l("The data package has no name or title; it is called “%(name)s” after its "
                                     "address."),
    "service_already_registered": _l("The same data service is already registered in this catalogue (matched on "
                                     "its identifier); recorded as a second source of it."),
    "service_kept_by_other": _l("A data service this source no longer lists stays in the catalogue: another source "
                                "(%(id)s) still has it."),
    "service_already_harvested": _l("The same data service is already brought by another source (matched on its "
                                    "identifier); recorded as a second source of it."),
}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "…"


def _value(key: str, value: Any) -> str:
    if key == "field" and isinstance(value, str):
        return labels.field_label(value)
    if key == "fields" and isinstance(value, list):
        return ", ".join(labels.field_label(str(v)) for v in value)
    if key == "errors" and isinstance(value, dict):
        return "; ".join(f"{labels.field_label(k)}: {labels.field_messages(k, v)}" for k, v in value.items())
    return "" if value is None else str(value)


def line(code: str | None, params: dict[str, Any] | None, message: str) -> str:
    """One log line in the reader's language; the stored English text when the code is not known."""
    template = MESSAGES.get(code or "")
    if template is None:
        return message
    values = _Blank({k: _value(k, v) for k, v in (params or {}).items()})
    return str(template) % values
