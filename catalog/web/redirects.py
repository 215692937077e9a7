"""Where to send a reader back to: `next=` is followed only to a path on this site."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

#: Control characters (C0, DEL, C1): browsers drop tabs and newlines anywhere in a URL and trim the
#: others at its ends, so "/\t/evil.example" is followed as "//evil.example"; none belongs in a path.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe_next(target: str | None, fallback: str) -> str:
    """`target` if it is a path on this site, else `fallback`. Used by every place that takes `next`.

    Refused: anything with a scheme or a host, a start other than one "/", a backslash anywhere
    (browsers read it as "/"), control and invisible format characters, leading or trailing spaces,
    and all of these once percent-decoded too (a decoded "%2F%2F" must not become a host either).
    """
    if not target or not isinstance(target, str):
        return fallback
    for candidate in (target, unquote(target)):
        if _CONTROL.search(candidate) or candidate != candidate.strip() or "\\" in candidate:
            return fallback
        if any(unicodedata.category(c) == "Cf" for c in candidate):  # zero-width and byte-order marks
            return fallback
        if not candidate.startswith("/") or candidate.startswith("//"):
            return fallback
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return fallback
    return target
