"""What an administrator or a steward is told after inviting someone (the admin and members pages)."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_babel import format_datetime, gettext


def flash_invitation(result: Any) -> None:
    """An existing account got the role at once; anyone else was sent a link that expires."""
    if result.url is None:
        flash(gettext("%(email)s already had an account and now has the role.", email=result.user.email), "success")
    else:
        flash(gettext("An invitation was e-mailed to %(email)s; its link works until %(date)s.",
                      email=result.user.email, date=format_datetime(result.expires_at, "short")), "success")
