"""Shared schema machinery: error messages in the reader's language and the field types forms need."""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ..text import nfc

_TYPE_MESSAGES: list[tuple[type[fields.Field], Any]] = [
    # most specific first: Email and Url are Strings, Integer is a Number
    (fields.Email, _l("Not a valid e-mail address.")),
    (fields.Url, _l("Not a valid web address: it must start with http:// or https://.")),
    (fields.String, _l("Must be text.")),
    (fields.Integer, _l("Must be a whole number.")),
    (fields.Number, _l("Must be a number.")),
    (fields.Boolean, _l("Must be yes or no (true or false).")),
    (fields.DateTime, _l("Must be a date and time in ISO 8601 form, e.g. 2025-07-01T08:00:00+07:00.")),
    (fields.Date, _l("Must be a date written as YYYY-MM-DD.")),
    (fields.List, _l("Must be a list.")),
    (fields.Dict, _l("Must be a JSON object.")),
]

_COMMON_MESSAGES = {
    "required": _l("This field is required."),
    "null": _l("This field cannot be empty."),
    "validator_failed": _l("Invalid value."),
}


def _localize(field: fields.Field) -> None:
    for key, message in _COMMON_MESSAGES.items():
        field.error_messages[key] = str(message)
    for ftype, message in _TYPE_MESSAGES:
        if isinstance(field, ftype):
            field.error_messages["invalid"] = str(message)
            break
    # Url and Email check through a validator made at construction time with the English message.
    for validator in field.validators:
        if isinstance(validator, validate.URL | validate.Email):
            validator.error = field.error_messages["invalid"]
    inner = getattr(field, "inner", None)
    if isinstance(inner, fields.Field):
        _localize(inner)


class BaseSchema(Schema):
    """Refuses unknown fields and speaks the reader's language in its errors."""

    class Meta:
        unknown = RAISE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_messages = {
            **self.error_messages,
            "unknown": str(_l("Unknown field.")),
            "type": str(_l("Invalid input: a JSON object is expected.")),
        }
        for field in self.fields.values():
            _localize(field)


class BlankIsNone:
    """Forms send "" for an empty input: treat it as absent, before any validator runs."""

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            if self.required:  # type: ignore[attr-defined]
                raise self.make_error("required")  # type: ignore[attr-defined]
            return None
        if isinstance(value, str):
            value = value.strip()
        return super().deserialize(value, attr, data, **kwargs)  # type: ignore[misc]


class Text(BlankIsNone, fields.String):
    """Trimmed, NFC-normalised text (Vietnamese arrives both precomposed and decomposed)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return nfc(super()._deserialize(value, attr, data, **kwargs))


class OptionalDate(BlankIsNone, fields.Date):
    pass


class OptionalUrl(BlankIsNone, fields.Url):
    """An http(s) address; other schemes (file:, ftp:, javascript:) are refused."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("schemes", {"http", "https"})
        super().__init__(**kwargs)


class OptionalEmail(BlankIsNone, fields.Email):
    pass


class Words(fields.List):
    """A list of short strings (keywords, codes), blank items dropped, duplicates removed in order."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        if isinstance(value, list):
            value = [v for v in value if not (isinstance(v, str) and not v.strip())]
        items = super()._deserialize(value, attr, data, **kwargs)
        return list(dict.fromkeys(items))


#: Vietnam keeps one time zone all year; a date and time typed without a zone is local time.
VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")


def max_len(n: int) -> validate.Length:
    return validate.Length(max=n, error=_l("At most {max} characters."))


def one_of(choices: tuple[str, ...] | list[str]) -> validate.OneOf:
    return validate.OneOf(list(choices), error=_l("Must be one of: {choices}."))


CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,199}$")


#: Validators, not functions, so that the OpenAPI document shows their patterns.
code_format = validate.Regexp(CODE_RE, error=_l("Use letters, digits, dots, dashes or underscores (at most 64)."))
slug_format = validate.Regexp(SLUG_RE, error=_l("Use lower-case letters, digits and dashes (2 to 200)."))


def words(max_items: int = 50, max_length: int = 100) -> Words:
    return Words(
        Text(validate=max_len(max_length)),
        load_default=list,
        validate=validate.Length(max=max_items, error=_l("At most {max} items.")),
    )


def field_errors(err: ValidationError) -> dict[str, list[str]]:
    """Errors as {field: [messages]}, flattening nested ones to "field.0.name" paths."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            out.setdefault(prefix or "_schema", []).extend(value)
        elif isinstance(value, list):
            for sub in value:
                walk(prefix, sub)
        else:
            out.setdefault(prefix or "_schema", []).append(str(value))

    walk("", err.messages)
    return out
