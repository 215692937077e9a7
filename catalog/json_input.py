"""JSON that comes from outside (API bodies, form fields, feed parameters).

The standard parser raises RecursionError on a document nested a few thousand levels deep, which
would surface as a 500; and a document just under that limit can still exhaust the recursion of
whatever walks it next (validation, storage). Here both are a plain ValueError, which every caller
already answers as "not valid JSON" with the reason.
"""

from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider

#: Deeper than any document the catalogue reads (a Table Schema is 4 levels, an OpenAPI spec ~20).
MAX_DEPTH = 100


def loads(raw: str | bytes) -> Any:
    """`json.loads`, with "nested too deeply" as a ValueError instead of a crash."""
    try:
        value = json.loads(raw)
    except RecursionError as exc:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels") from exc
    if _depth(value) > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    return value


def _depth(value: Any) -> int:
    """Nesting depth, walked without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


class BoundedJSONProvider(DefaultJSONProvider):
    """`request.get_json()` with the same bound (silent callers then get None, others a 400)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s)
