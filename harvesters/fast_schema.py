"""A precompiled loader for the harvest record schema: marshmallow's answer, without its per-field cost.

A harvest validates every new or changed record with `record.RecordSchema`; marshmallow's generic
machinery (error stores, getters, hooks, ~40 fields per record, most of them absent) was the first
wall of a first run (issue 16). `compile_schema` reads the schema's fields once and builds one plain
function per field that does what marshmallow would do for the values harvests send (trimmed NFC
text, ISO dates, lists of words, JSON objects, nested distributions), running the fields' own
validator objects. Anything else - an error, an unknown key, a value of an unusual type - is handed
to marshmallow itself for the whole record, so a refused record gets marshmallow's own errors,
messages and field names, and an unusual valid one its own cleaning: the results are identical by
construction, and `tests/harvest/test_fast_schema.py` checks it on random and hostile records.
The API and the forms keep using the marshmallow schemas directly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA
from marshmallow.utils import missing

from catalog.schemas.base import OptionalDate, OptionalEmail, OptionalUrl, Text, Words
from catalog.text import nfc


class _Defer(Exception):
    """This record (or value) is for marshmallow to judge. Raised as a new instance each time: one
    instance raised again and again would grow its traceback with every record."""

#: marks a field left out of the result (absent, and without a default)
_ABSENT = object()
FieldLoader = Callable[[Any], Any]


def _run_validators(validators: list[Callable[[Any], Any]], value: Any) -> None:
    for check in validators:
        try:
            check(value)
        except ValidationError:
            raise _Defer from None


def _text(field: fields.Field, normalise: Callable[[str], str] | None) -> FieldLoader:
    """`BlankIsNone` text: blank is None (or "required"), else stripped, `normalise`d, then validated."""
    required, allow_none, validators = field.required, field.allow_none, list(field.validators)

    def load(value: Any) -> Any:
        if type(value) is not str:
            if value is None and allow_none:
                return None
            raise _Defer
        value = value.strip()
        if not value:
            if required:
                raise _Defer
            return None
        if normalise is not None:
            value = normalise(value)
        if validators:
            _run_validators(validators, value)
        return value

    return load


def _date(field: fields.Field) -> FieldLoader:
    """`OptionalDate` (ISO format): blank is None, else `date.fromisoformat` of the stripped text."""
    required, allow_none, validators = field.required, field.allow_none, list(field.validators)

    def load(value: Any) -> Any:
        if type(value) is not str:
            if value is None and allow_none:
                return None
            raise _Defer
        value = value.strip()
        if not value:
            if required:
                raise _Defer
            return None
        try:
            out = date.fromisoformat(value)
        except ValueError:
            raise _Defer from None
        if validators:
            _run_validators(validators, out)
        return out

    return load


def _words(field: Words) -> FieldLoader:
    """`Words`: blank items dropped, each item a Text, duplicates removed in order, then validated."""
    item = _field_loader(field.inner)
    allow_none, validators = field.allow_none, list(field.validators)

    def load(value: Any) -> Any:
        if type(value) is not list:
            if value is None and allow_none:
                return None
            raise _Defer
        out = [item(v) for v in value if not (isinstance(v, str) and not v.strip())]
        out = list(dict.fromkeys(out))
        if validators:
            _run_validators(validators, out)
        return out

    return load


def _dict(field: fields.Field) -> FieldLoader:
    """A plain JSON object (no key or value field): a shallow copy."""
    allow_none, validators = field.allow_none, list(field.validators)

    def load(value: Any) -> Any:
        if type(value) is not dict:
            if value is None and allow_none:
                return None
            raise _Defer
        out = dict(value)
        if validators:
            _run_validators(validators, out)
        return out

    return load


def _boolean(field: fields.Field) -> FieldLoader:
    allow_none, validators = field.allow_none, list(field.validators)

    def load(value: Any) -> Any:
        if value is True or value is False:
            if validators:
                _run_validators(validators, value)
            return value
        if value is None and allow_none:
            return None
        raise _Defer

    return load


def _nested(field: fields.Nested) -> FieldLoader:
    """One nested object, loaded by the nested schema's own compiled loader."""
    inner = compile_schema(field.schema)
    allow_none, validators = field.allow_none, list(field.validators)

    def load(value: Any) -> Any:
        if type(value) is not dict:
            if value is None and allow_none:
                return None
            raise _Defer
        out = inner.fast(value)
        if validators:
            _run_validators(validators, out)
        return out

    return load


def _list(field: fields.List) -> FieldLoader:
    item = _field_loader(field.inner)
    allow_none, validators = field.allow_none, list(field.validators)

    def load(value: Any) -> Any:
        if type(value) is not list:
            if value is None and allow_none:
                return None
            raise _Defer
        out = [item(v) for v in value]
        if validators:
            _run_validators(validators, out)
        return out

    return load


def _generic(field: fields.Field) -> FieldLoader:
    """Any other field (numbers, a Table Schema...): marshmallow's own `deserialize` of that one value."""

    def load(value: Any) -> Any:
        try:
            return field.deserialize(value)
        except ValidationError:
            raise _Defer from None

    return load


def _field_loader(field: fields.Field) -> FieldLoader:
    """The fast loader of one field: by its exact class, so that a subclass with its own cleaning is
    never mistaken for the class it extends (it gets marshmallow's `deserialize`)."""
    kind = type(field)
    if field.pre_load or field.post_load:
        return _generic(field)
    if kind is Text:
        return _text(field, nfc)
    if kind in (OptionalUrl, OptionalEmail):  # BlankIsNone over marshmallow's string: no NFC
        return _text(field, None)
    if kind is OptionalDate and field.format in (None, "iso", "iso8601"):  # type: ignore[attr-defined]
        return _date(field)
    if kind is Words:
        return _words(field)  # type: ignore[arg-type]
    if kind is fields.Dict and field.key_field is None and field.value_field is None:  # type: ignore[attr-defined]
        return _dict(field)
    if kind is fields.Boolean:
        return _boolean(field)
    if (kind is fields.Nested and not field.many and field.unknown is None  # type: ignore[attr-defined]
            and not field.only and not field.exclude and _compilable(field.schema)):  # type: ignore[attr-defined]
        return _nested(field)  # type: ignore[arg-type]
    if kind is fields.List:
        return _list(field)  # type: ignore[arg-type]
    return _generic(field)


def _compilable(schema: Schema) -> bool:
    """Schemas whose load is only their fields and plain schema validators, refusing unknown keys."""
    hooks = schema._hooks
    if hooks[PRE_LOAD] or hooks[POST_LOAD] or hooks[VALIDATES]:
        return False
    if any(many or kwargs.get("pass_original") for _name, many, kwargs in hooks[VALIDATES_SCHEMA]):
        return False
    if schema.unknown in (EXCLUDE, INCLUDE) or schema.many or schema.partial or schema.dict_class is not dict:
        return False
    return all(f.data_key is None and f.attribute is None for f in schema.load_fields.values())


class CompiledSchema:
    """`load(data)` gives exactly what `schema.load(data)` gives (a result or a ValidationError)."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.fields: list[tuple[str, FieldLoader, bool, Any]] = []
        for name, field in schema.load_fields.items():
            self.fields.append((name, _field_loader(field), field.required, field.load_default))
        self.names = frozenset(schema.load_fields)
        self.validators = [getattr(schema, name) for name, _many, _kw in schema._hooks[VALIDATES_SCHEMA]]
        #: records handed to marshmallow (errors, unusual values): the fast path's coverage, for tests
        self.deferred = 0

    def fast(self, data: dict[str, Any]) -> dict[str, Any]:
        """The loaded record, or `_Defer` when marshmallow must judge it."""
        if not self.names.issuperset(data):
            raise _Defer
        out: dict[str, Any] = {}
        for name, load, required, default in self.fields:
            value = data.get(name, _ABSENT)
            if value is _ABSENT:
                if required:
                    raise _Defer
                if default is missing:
                    continue
                out[name] = default() if callable(default) else default
                continue
            out[name] = load(value)
        for check in self.validators:
            try:
                check(out, partial=None, many=False, unknown=self.schema.unknown)
            except ValidationError:
                raise _Defer from None
        return out

    def load(self, data: Any) -> dict[str, Any]:
        if type(data) is dict:
            try:
                return self.fast(data)
            except _Defer:
                pass
        self.deferred += 1
        return self.schema.load(data)


def compile_schema(schema: Schema) -> CompiledSchema:
    """The fast loader of a schema instance (its field objects, messages and validators are reused)."""
    if not _compilable(schema):
        raise TypeError(f"{type(schema).__name__} has hooks or options the fast loader does not copy")
    return CompiledSchema(schema)

