"""Column types from the Table Schema, cell parsers, and one streaming pass that checks and counts.

The type of a column comes, in order, from the distribution's declared Table Schema, from the
schema the latest quality check inferred, or from a look at the first rows here (codes with
leading zeros stay text, as `quality.inference` decides); a steward's override wins over all of
them. A column whose non-empty cells do not all parse as its type falls back to text, and the
fallback is reported with the number of cells that failed and the first of them: the import of a
file never fails as a whole because of one column (LESSONS: ckanext-xloader #182)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ...quality.inference import protect_codes

#: Types served as such; any other Table Schema type is served as text.
TYPES = ("string", "integer", "number", "boolean", "date", "datetime", "year")
#: Distinct values counted exactly up to this many per column (beyond: "at least").
DISTINCT_CAP = 10_000
#: Most common values shown per text column.
TOP_VALUES = 5
#: Rows looked at when no schema says the types.
INFER_ROWS = 1000

_INT = re.compile(r"-?(0|[1-9][0-9]*)\Z")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_ISO_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?\Z")
_YEAR = re.compile(r"[0-9]{4}\Z")
TRUE_VALUES = frozenset({"true", "True", "TRUE", "1", "yes", "Yes", "có", "Có"})
FALSE_VALUES = frozenset({"false", "False", "FALSE", "0", "no", "No", "không", "Không"})


def _integer(text: str, _fld: Mapping[str, Any]) -> int:
    """Integers as written: "01" is not one (a code would lose its zero)."""
    if not _INT.match(text):
        raise ValueError(text)
    return int(text)


def _number(text: str, fld: Mapping[str, Any]) -> float:
    group, decimal = fld.get("groupChar"), fld.get("decimalChar")
    if group:
        text = text.replace(group, "")
    if decimal and decimal != ".":
        text = text.replace(decimal, ".")
    if text.lstrip("-").startswith("0") and len(text.lstrip("-")) > 1 and text.lstrip("-")[1] != ".":
        raise ValueError(text)
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


def _boolean(text: str, fld: Mapping[str, Any]) -> bool:
    if text in (fld.get("trueValues") or TRUE_VALUES):
        return True
    if text in (fld.get("falseValues") or FALSE_VALUES):
        return False
    raise ValueError(text)


def _date(text: str, fld: Mapping[str, Any]) -> date:
    fmt = fld.get("format")
    if fmt and fmt not in ("default", "any"):
        return datetime.strptime(text, fmt).date()
    if not _ISO_DATE.match(text):
        raise ValueError(text)
    return date.fromisoformat(text)


def _datetime(text: str, fld: Mapping[str, Any]) -> datetime:
    fmt = fld.get("format")
    if fmt and fmt not in ("default", "any"):
        return datetime.strptime(text, fmt)
    if not _ISO_DATETIME.match(text):
        raise ValueError(text)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _year(text: str, _fld: Mapping[str, Any]) -> int:
    if not _YEAR.match(text):
        raise ValueError(text)
    return int(text)


PARSERS: dict[str, Callable[[str, Mapping[str, Any]], Any]] = {
    "string": lambda text, _fld: text, "integer": _integer, "number": _number, "boolean": _boolean,
    "date": _date, "datetime": _datetime, "year": _year,
}


def served_type(name: str | None) -> str:
    return name if name in TYPES else "string"


def infer_fields(header: list[str], sample: list[list[str]]) -> list[dict[str, Any]]:
    """A schema for a file nobody described: the narrowest type all sampled values parse as."""
    fields = []
    for i, name in enumerate(header):
        values = [row[i].strip() for row in sample if row[i].strip()]
        chosen = "string"
        for candidate in ("integer", "number", "date", "datetime", "boolean"):
            if values and all(_parses(candidate, v) for v in values):
                chosen = candidate
                break
        fields.append({"name": name, "type": chosen})
    descriptor = {"fields": fields}
    protect_codes(descriptor, [[row[i] for i in range(len(header))] for row in sample])
    return descriptor["fields"]


def _parses(kind: str, text: str) -> bool:
    try:
        PARSERS[kind](text, {})
    except (ValueError, TypeError):
        return False
    return True


def resolve_fields(header: list[str], declared: Iterable[Mapping[str, Any]] | None,
                   sample: list[list[str]], overrides: Mapping[str, str]) -> list[dict[str, Any]]:
    """One field per header column: {name, type, declared_type, source, ...parser options}."""
    by_name = {str(f.get("name")): dict(f) for f in (declared or []) if f.get("name")}
    inferred = {f["name"]: f for f in infer_fields(header, sample)} if not by_name else {}
    out = []
    for name in header:
        fld = by_name.get(name) or inferred.get(name) or {"name": name, "type": "string"}
        source = "schema" if name in by_name else ("inferred" if name in inferred else "default")
        kind = served_type(fld.get("type"))
        if name in overrides:
            kind, source = served_type(overrides[name]), "override"
        keep = {k: fld[k] for k in ("format", "groupChar", "decimalChar", "trueValues", "falseValues") if k in fld}
        if source == "override":
            keep = {}
        out.append({"name": name, "type": kind, "declared_type": fld.get("type") or "string", "source": source, **keep})
    return out


@dataclass
class ColumnStats:
    """Counted over every row of one column."""

    name: str
    kind: str
    options: dict[str, Any]
    count: int = 0
    empty: int = 0
    bad: int = 0
    example: str | None = None
    minimum: Any = None
    maximum: Any = None
    values: Counter = field(default_factory=Counter)
    capped: bool = False

    def add(self, text: str) -> None:
        if text == "" or text.isspace():
            self.empty += 1
            return
        self.count += 1
        if text in self.values:
            self.values[text] += 1
        elif len(self.values) < DISTINCT_CAP:
            self.values[text] = 1
        else:
            self.capped = True
        if self.kind == "string":
            return
        try:
            value = PARSERS[self.kind](text.strip(), self.options)
        except (ValueError, TypeError):
            self.bad += 1
            if self.example is None:
                self.example = text[:200]
            return
        try:
            if self.minimum is None or value < self.minimum:
                self.minimum = value
            if self.maximum is None or value > self.maximum:
                self.maximum = value
        except TypeError:  # datetimes with and without a zone do not compare; the range is left out
            self.minimum = self.maximum = None

    @property
    def fallback(self) -> bool:
        return self.bad > 0

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": "string" if self.fallback else self.kind,
                               "count": self.count, "empty": self.empty, "distinct": len(self.values),
                               "distinct_at_least": self.capped}
        if self.kind != "string" and not self.fallback and self.count:
            out["min"], out["max"] = _plain(self.minimum), _plain(self.maximum)
        else:
            out["top"] = [[value, n] for value, n in self.values.most_common(TOP_VALUES)]
        return out


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def analyse(fields: list[dict[str, Any]], rows: Iterable[list[str]]) -> tuple[list[ColumnStats], int]:
    """One pass over the rows: statistics and parse failures per column; returns them and the row count."""
    columns = [ColumnStats(f["name"], f["type"], {k: v for k, v in f.items()
                                                   if k not in ("name", "type", "declared_type", "source")})
               for f in fields]
    n = 0
    for row in rows:
        n += 1
        for col, text in zip(columns, row, strict=False):
            col.add(text)
    return columns, n


def final_fields(fields: list[dict[str, Any]], stats: list[ColumnStats]) -> list[dict[str, Any]]:
    """The fields as served: a column with cells that failed its type becomes text, reported."""
    out = []
    for fld, col in zip(fields, stats, strict=True):
        fld = dict(fld)
        if col.fallback:
            fld.update(type="string", fallback=True, bad=col.bad, example=col.example)
        else:
            fld.update(fallback=False, bad=0, example=None)
        out.append(fld)
    return out


def converter(fld: Mapping[str, Any]) -> Callable[[str], Any]:
    """Text of a cell -> its typed value (None for an empty cell) for a field of `final_fields`."""
    parse = PARSERS[fld["type"]]
    options = {k: v for k, v in fld.items() if k in ("format", "groupChar", "decimalChar", "trueValues", "falseValues")}
    if fld["type"] == "string":
        return lambda text: text if text != "" else None
    return lambda text: parse(text.strip(), options) if text.strip() else None


def checked_converter(fld: Mapping[str, Any]) -> Callable[[str], Any]:
    """`converter` for the cells of a file whose every cell `analyse` already parsed as the field's
    type (the conversions and the rows table of a prepared file): the same values, without checking
    again what was checked (the parser's checks are what makes `converter` slow on a large file)."""
    kind = fld["type"]
    plain = not any(k in fld for k in ("format", "groupChar", "decimalChar", "trueValues", "falseValues"))
    if kind == "string":
        return lambda text: text if text != "" else None
    if plain and kind in ("integer", "year"):
        return lambda text: int(text) if text.strip() else None
    if plain and kind == "number":
        return lambda text: float(text) if text.strip() else None
    if plain and kind == "date":
        return lambda text: date.fromisoformat(text.strip()) if text.strip() else None
    return converter(fld)
