"""Columns whose values are nearly all of one type: the few odd values are reported, row by row.

Type inference (ours or frictionless's) makes a column text as soon as a few of its values are not
numbers, dates or yes/no values, and a declared `string` field accepts anything: either way a column
of integers with one "abc" would pass the type check. This tracker classifies every filled cell of
a text column as it streams by and, at the end, reports the values that break a type held by at
least `scoring.TYPE_CONSISTENCY_SHARE` of the column. Vietnamese forms are understood: decimals with
"," or "." separators, dates in dd/mm/yyyy or ISO form, and "có"/"không", "x", TRUE/FALSE.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

#: The types a column may hold nearly everywhere ("text" is whatever is none of them).
KINDS = ("integer", "number", "date", "boolean")
BOOLEAN_WORDS = frozenset({"có", "không", "x", "true", "false", "đúng", "sai", "yes", "no"})
#: After this many values, a column far from any type is dropped (it is free text).
GIVE_UP_AFTER = 1000

_INTEGER = re.compile(r"[+-]?\d+\Z")
_NUMBER = re.compile(r"[+-]?(?:\d+[.,]\d+|\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?)\Z")
_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})\Z")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\Z")


def _real_date(year: str, month: str, day: str) -> bool:
    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


@lru_cache(maxsize=1 << 16)  # columns worth tracking repeat their values (dates, yes/no, amounts)
def kind_of(value: str) -> str:
    """The type a single cell's text has: one of `KINDS`, or "text"."""
    text = value.strip()
    if not text:
        return "text"
    first = text[0]
    if first.isdigit() or first in "+-":
        if _INTEGER.match(text):
            return "integer"
        if _NUMBER.match(text):
            return "number"
        found = _DMY.match(text)
        if found:
            return "date" if _real_date(found.group(3), found.group(2), found.group(1)) else "text"
        found = _ISO.match(text)
        if found:
            return "date" if _real_date(*found.group(1, 2, 3)) else "text"
        return "text"
    return "boolean" if text.casefold() in BOOLEAN_WORDS else "text"


def _matching(counts: dict[str, int], kind: str) -> int:
    """Values that fit `kind` (an integer is a number too)."""
    return counts.get(kind, 0) + (counts.get("integer", 0) if kind == "number" else 0)


@dataclass
class Odd:
    """The values of a column that break the type nearly all the others have."""

    column: str
    kind: str
    values: int
    count: int
    examples: list[tuple[int, str]]


@dataclass
class ColumnKinds:
    """Counts of each type in one column, with the first rows of each type kept as examples."""

    keep: int = 20
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    dropped: bool = False

    def add(self, value: str, row: int) -> None:
        kind = kind_of(value)
        self.total += 1
        self.counts[kind] = self.counts.get(kind, 0) + 1
        kept = self.examples.setdefault(kind, [])
        if len(kept) < self.keep:
            kept.append((row, value))
        if self.total == GIVE_UP_AFTER and self.best()[1] < self.total // 2:
            self.dropped = True

    def best(self) -> tuple[str, int]:
        return max(((k, _matching(self.counts, k)) for k in KINDS), key=lambda item: item[1])

    def odd(self, column: str, threshold: float) -> Odd | None:
        """The odd values, when at least `threshold` of the values share a type and some do not."""
        if self.dropped or not self.total:
            return None
        kind, matching = self.best()
        if matching == self.total or matching / self.total < threshold:
            return None
        fits = {kind, "integer"} if kind == "number" else {kind}
        examples = sorted(e for k, kept in self.examples.items() if k not in fits for e in kept)
        return Odd(column, kind, self.total, self.total - matching, examples[: self.keep])


class Consistency:
    """One `ColumnKinds` per text column of a table, fed from the row stream."""

    def __init__(self, columns: list[tuple[int, str]], keep: int = 20) -> None:
        self.columns = [(position, name, ColumnKinds(keep)) for position, name in columns]

    def add(self, cells: list[object], row: int) -> None:
        dropped = False
        for position, _name, kinds in self.columns:
            if position < len(cells):
                value = cells[position]
                if isinstance(value, str) and value.strip():
                    kinds.add(value, row)
                    dropped = dropped or kinds.dropped
        if dropped:  # free-text columns stop costing anything
            self.columns = [c for c in self.columns if not c[2].dropped]

    @property
    def active(self) -> bool:
        return bool(self.columns)

    def finish(self, threshold: float) -> list[Odd]:
        found = []
        for _position, name, kinds in self.columns:
            odd = kinds.odd(name, threshold)
            if odd is not None:
                found.append(odd)
        return found


def text_columns(schema_fields: list[dict[str, object]], names: list[str]) -> list[tuple[int, str]]:
    """(position, name) of the fields read as free text: type string (or any) with no pattern or list
    of allowed values (those already say what the column holds)."""
    out = []
    for fld in schema_fields:
        name = fld.get("name")
        if name not in names or fld.get("type", "string") not in ("string", "any"):
            continue
        constraints = fld.get("constraints") or {}
        if isinstance(constraints, dict) and (constraints.get("pattern") or constraints.get("enum")):
            continue
        out.append((names.index(name), str(name)))
    return out
