"""A kind of source's options as real form fields, built from what its harvester declares.

`harvesters.options` declares each protocol's options as a typed schema (label, help, type, range);
this module turns them into form fields (`opt-<protocol>-<option>`), reads the submitted fields back
into the option values the harvest service checks, and names the wrong field when a value is refused.
The JSON text of the options stays on the form only as an advanced fallback: a field filled in wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError, fields, validate

from harvesters.base import harvester_class

from ..schemas.base import Words


@dataclass(frozen=True)
class OptionField:
    """One option of one protocol, as the form shows it."""

    protocol: str
    key: str
    label: str
    help: str | None
    kind: str  # "words", "integer", "boolean", "url" or "text"
    minimum: int | None = None
    maximum: int | None = None
    admin_only: bool = False

    @property
    def name(self) -> str:
        return f"opt-{self.protocol}-{self.key}"


def _kind(field: fields.Field) -> str:
    if isinstance(field, Words | fields.List):
        return "words"
    if isinstance(field, fields.Boolean):
        return "boolean"
    if isinstance(field, fields.Integer):
        return "integer"
    if isinstance(field, fields.Url):
        return "url"
    return "text"


def _range(field: fields.Field) -> tuple[int | None, int | None]:
    for validator in field.validators:
        if isinstance(validator, validate.Range):
            return validator.min, validator.max
    return None, None


def fields_of(protocol: str) -> list[OptionField]:
    """The form fields of a protocol's declared options, in their declared order."""
    out = []
    for name, field in harvester_class(protocol).options().fields.items():
        minimum, maximum = _range(field)
        help_text = field.metadata.get("help")
        out.append(OptionField(
            protocol=protocol, key=field.data_key or name, label=str(field.metadata.get("label", name)),
            help=str(help_text) if help_text else None, kind=_kind(field), minimum=minimum, maximum=maximum,
            admin_only=bool(field.metadata.get("admin_only"))))
    return out


def form_values(protocol: str, filters: Mapping[str, Any] | None) -> dict[str, str]:
    """A saved source's options as the values of its protocol's fields (for the edit form)."""
    given = filters or {}
    values: dict[str, str] = {}
    for opt in fields_of(protocol):
        if opt.key not in given or given[opt.key] is None:
            continue
        value = given[opt.key]
        if opt.kind == "words" and isinstance(value, list):
            values[opt.name] = ", ".join(map(str, value))
        elif opt.kind == "boolean":
            values[opt.name] = "true" if value else "false"
        else:
            values[opt.name] = str(value)
    return values


def _split(text: str) -> list[str]:
    """Words typed in one box: separated by commas or new lines."""
    return [part.strip() for line in text.splitlines() for part in line.split(",") if part.strip()]


def read(form: Mapping[str, Any], protocol: str, advanced: Mapping[str, Any] | None, *, is_admin: bool,
         saved: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The options of the chosen protocol from its fields, over those of the advanced JSON text.

    A blank field leaves the option out (the harvester's default applies). An option only an
    administrator may set keeps its saved value when someone else saves the form.
    """
    options: dict[str, Any] = dict(advanced or {})
    for opt in fields_of(protocol):
        if opt.admin_only and not is_admin:
            if saved and opt.key in saved:
                options[opt.key] = saved[opt.key]
            else:
                options.pop(opt.key, None)
            continue
        raw = str(form.get(opt.name) or "").strip()
        if not raw:
            continue
        if opt.kind == "words":
            options[opt.key] = _split(raw)
        elif opt.kind == "boolean":
            options[opt.key] = {"true": True, "false": False}.get(raw, raw)  # anything else: refused below
        else:
            options[opt.key] = raw
    return options


def check(protocol: str, options: Mapping[str, Any]) -> None:
    """Refuse a wrong value naming its field: errors are keyed by the form field (or by `filters`,
    the advanced JSON text, for an option that has no field), each message led by the field's label."""
    try:
        harvester_class(protocol).options().load(dict(options))
    except ValidationError as err:
        by_key = {opt.key: opt for opt in fields_of(protocol)}
        errors: dict[str, list[str]] = {}
        for key, messages in err.normalized_messages().items():
            opt = by_key.get(key)
            if opt is None:
                errors.setdefault("filters", []).append(f"{key}: {_flat(messages)}")
            else:
                errors[opt.name] = [f"{opt.label}: {_flat(messages)}"]
        raise ValidationError(errors) from None


def _flat(messages: Any) -> str:
    """marshmallow's messages of one field (a list, or per item of a list) as one sentence."""
    if isinstance(messages, dict):
        return " ".join(_flat(m) for m in messages.values())
    if isinstance(messages, list | tuple):
        return " ".join(_flat(m) for m in messages)
    return str(messages)


def labels_of(protocols: list[str]) -> dict[str, str]:
    """The label of every option field, for the error summary at the top of the form."""
    return {opt.name: opt.label for code in protocols for opt in fields_of(code)}
