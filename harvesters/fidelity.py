"""How much of a source a job kept: per record, the source keys read and those mapped to nothing.

Each harvester declares, in one place, the source keys it maps (its `KNOWN` sets) and those that are
bookkeeping with nothing to keep (`IGNORED`: revision ids, counters...). For every record it yields
it calls `note(record, keys, known, ignored)`, which puts a small `_fidelity` entry on the record:
how many source fields had a value and which of them were not kept. The runner takes that entry off
before the record's content hash and schema (`take`), and sums it per job (`Fidelity`), stored on the
job as `{"records", "fields", "not_kept": {key: count}}` and said as "kept 97.8 % of source fields;
not kept: dct:conformsTo ×120, …". Cheap: one set difference per record.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

KEY = "_fidelity"
#: Distinct keys kept in a job's summary; the rest are summed under OTHER (the total stays exact).
MAX_KEYS = 300
OTHER = "…"
EMPTY = (None, "", [], {})


def note(record: Any, keys: Iterable[str], known: frozenset[str] | set[str],
         ignored: frozenset[str] | set[str] = frozenset()) -> Any:
    """Mark a normalized record with the source keys it came from (keys with no value are not counted)."""
    if not isinstance(record, dict):
        return record
    fields = 0
    lost: list[str] = []
    for key in keys:
        if key in ignored:
            continue
        fields += 1
        if key not in known:
            lost.append(key)
    meta = record.get(KEY)
    if meta:  # several parts of one source record (a package and its resources) add up
        meta["fields"] += fields
        meta["not_kept"].extend(lost)
    else:
        record[KEY] = {"fields": fields, "not_kept": lost}
    return record


def present(mapping: dict[str, Any], prefix: str = "") -> list[str]:
    """The keys of a JSON object that hold a value, optionally prefixed ("resource." ...)."""
    return [prefix + str(k) for k, v in mapping.items() if v not in EMPTY]


def take(record: dict[str, Any]) -> dict[str, Any] | None:
    """Remove and return a record's fidelity entry (it is not part of the record)."""
    return record.pop(KEY, None)


class Fidelity:
    """A job's sum of its records' fidelity entries."""

    def __init__(self) -> None:
        self.records = 0
        self.fields = 0
        self.not_kept: Counter[str] = Counter()

    def add(self, meta: dict[str, Any] | None) -> None:
        if not meta:
            return
        self.records += 1
        self.fields += int(meta.get("fields") or 0)
        self.not_kept.update(meta.get("not_kept") or ())

    def as_json(self) -> dict[str, Any] | None:
        if not self.records:
            return None
        top = self.not_kept.most_common(MAX_KEYS)
        rest = sum(self.not_kept.values()) - sum(n for _k, n in top)
        out = dict(top)
        if rest:
            out[OTHER] = out.get(OTHER, 0) + rest
        return {"records": self.records, "fields": self.fields, "not_kept": out}


def lost_count(data: dict[str, Any] | None) -> int:
    return sum((data or {}).get("not_kept", {}).values())


def kept_percent(data: dict[str, Any] | None) -> float | None:
    """The share of source fields kept, in percent (one decimal), or None when the job did not say."""
    if not data or not data.get("fields"):
        return None
    fields = int(data["fields"])
    # rounded down: a job that lost anything never reads "100.0 %"
    return math.floor(1000.0 * (fields - lost_count(data)) / fields) / 10


def not_kept(data: dict[str, Any] | None, limit: int | None = None) -> list[tuple[str, int]]:
    """The keys not kept, most frequent first."""
    items = sorted((data or {}).get("not_kept", {}).items(), key=lambda kv: (-kv[1], kv[0]))
    return items[:limit] if limit else items


def summary_text(data: dict[str, Any] | None, limit: int = 10) -> str | None:
    """ "kept 97.8 % of source fields; not kept: dct:conformsTo ×120, …" (English, for the CLI and logs)."""
    percent = kept_percent(data)
    if percent is None:
        return None
    assert data is not None
    text = f"kept {percent:.1f} % of {data['fields']} source fields in {data['records']} records"
    items = not_kept(data)
    if not items:
        return text + "; nothing left out"
    shown = ", ".join(f"{k} ×{n}" for k, n in items[:limit])
    more = f", and {len(items) - limit} more keys" if len(items) > limit else ""
    return f"{text}; not kept: {shown}{more}"
