"""Dates and times in the reader's language.

Vietnamese pages write the numeric form used in official practice, dd/mm/yyyy, and a time before
the date (HH:MM dd/mm/yyyy); Babel's Vietnamese short forms ("5/3/26") drop the leading zeros and
two digits of the year, and its long forms mix words and numbers, so Vietnamese uses fixed patterns.
English keeps Babel's forms, with the month spelled out where Babel would write "3/5/26".
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import has_app_context
from flask_babel import format_date as _babel_date
from flask_babel import format_datetime as _babel_datetime
from flask_babel import get_locale

VI_DATE = "dd/MM/yyyy"
VI_DATETIME = "HH:mm dd/MM/yyyy"
VI_DATETIME_SECONDS = "HH:mm:ss dd/MM/yyyy"
#: English short forms that name the month, so 5 March is never read as 3 May.
EN_DATE_SHORT = "MMM d, yyyy"
EN_DATETIME_SHORT = "MMM d, yyyy, h:mm a"


def _language() -> str:
    loc = get_locale()
    return loc.language if loc else "vi"


def format_date(value: date | datetime | None, fmt: str = "long") -> str:
    """A date: "05/03/2026" in Vietnamese whatever the form; "March 5, 2026" (long) in English."""
    if value is None:
        return ""
    if not has_app_context():  # a service called from a script: the default language's form
        return value.strftime("%d/%m/%Y")
    if _language() == "vi":
        return _babel_date(value, VI_DATE)
    return _babel_date(value, EN_DATE_SHORT if fmt == "short" else fmt)


def format_datetime(value: datetime | None, fmt: str = "short") -> str:
    """A moment in the catalogue's time zone: "14:30 05/03/2026" in Vietnamese (seconds beyond short)."""
    if value is None:
        return ""
    if not has_app_context():
        local = value.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")) if value.tzinfo else value
        return local.strftime("%H:%M %d/%m/%Y")
    if _language() == "vi":
        return _babel_datetime(value, VI_DATETIME if fmt == "short" else VI_DATETIME_SECONDS)
    return _babel_datetime(value, EN_DATETIME_SHORT if fmt == "short" else fmt)
