"""Turning HTML form posts into the dicts the schemas validate, and reading list arguments."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import request
from flask_babel import gettext
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from .. import json_input
from . import params

_SEPARATORS = re.compile(r"[,;\n]")


def read_form(
    form: MultiDict,
    *,
    lists: Iterable[str] = (),
    bools: Iterable[str] = (),
    json_fields: Iterable[str] = (),
    skip: Iterable[str] = ("csrf_token",),
) -> dict[str, Any]:
    """Lists arrive comma-separated or as repeated inputs; unchecked boxes arrive not at all."""
    lists, bools, json_fields, skip = set(lists), set(bools), set(json_fields), set(skip)
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key in form:
        if key in skip or key in bools:
            continue
        if key in lists:
            values = form.getlist(key)
            items = values if len(values) > 1 else _SEPARATORS.split(values[0] if values else "")
            data[key] = [v.strip() for v in items if v.strip()]
        elif key in json_fields:
            raw = form.get(key, "").strip()
            if not raw:
                data[key] = None
                continue
            try:
                data[key] = json_input.loads(raw)
            except ValueError as exc:
                errors[key] = [gettext("Not valid JSON: %(reason)s", reason=str(exc))]
        else:
            data[key] = form.get(key, "")
    for key in bools:
        data[key] = form.get(key) in ("on", "true", "1", "yes")
    if errors:
        raise ValidationError(errors)
    return data


def page_args(default_per_page: int | None = None) -> tuple[int, int]:
    """Page and page size of a list page: bad values fall back, numbers are clamped (never a 500)."""
    return params.page_args(request.args, default_per_page, strict=False)
