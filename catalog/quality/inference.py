"""Corrections to an inferred Table Schema, so that adopting it never changes a valid value.

frictionless infers "00001", "01" (a province code) or "0912345678" (a phone number) as integers:
a steward who adopted that schema would turn valid codes into different numbers. A column whose
sampled values have a leading zero, or whose name says it holds a code (`ma`, `ma_*`, `*_code`,
`so_dien_thoai`, `mst`...), is inferred as text with a `pattern` constraint instead, so the codes
stay as written and the pattern still catches a value that is not a code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..text import fold

#: Column names (folded, words joined by "_") that say the column holds a code.
CODE_NAME = re.compile(
    r"(ma|ma_.+|.+_ma|.+_code|code|code_.+|mst|ma_so_thue|so_dien_thoai|dien_thoai|sdt|phone|.+_phone"
    r"|cccd|cmnd|so_cccd|so_cmnd|zip|zip_code|postcode|postal_code)\Z")
#: Inferred types a code may have been mistaken for.
NUMERIC_TYPES = frozenset({"integer", "number", "year"})
_DIGITS = re.compile(r"\d+\Z")
_SEPARATORS = re.compile(r"[^a-z0-9]+")


def code_name(name: str) -> bool:
    """True when a column's name says it holds codes: "Mã tỉnh" -> "ma_tinh" does."""
    return bool(CODE_NAME.match(_SEPARATORS.sub("_", fold(name)).strip("_")))


def digits_pattern(values: Iterable[str]) -> str:
    """A pattern for codes made of digits: their exact width when all have the same one."""
    widths = {len(v) for v in values}
    if len(widths) == 1:
        return f"[0-9]{{{widths.pop()}}}"
    return "[0-9]+"


def protect_codes(descriptor: dict[str, Any], sample: list[list[Any]]) -> list[str]:
    """Turn the numeric fields of an inferred schema that hold codes into patterned strings, in place.

    `sample` is the data rows the inference read (cells as written). Returns the names changed."""
    changed = []
    for position, fld in enumerate(descriptor.get("fields") or []):
        if fld.get("type") not in NUMERIC_TYPES:
            continue
        values = [str(row[position]).strip() for row in sample
                  if position < len(row) and row[position] not in (None, "")]
        values = [v for v in values if v]
        all_digits = bool(values) and all(_DIGITS.match(v) for v in values)
        zero_padded = any(len(v) > 1 and v.startswith("0") for v in values if _DIGITS.match(v))
        if not (zero_padded or (code_name(str(fld.get("name") or "")) and all_digits)):
            continue
        for key in ("format", "bareNumber", "groupChar", "decimalChar"):
            fld.pop(key, None)
        fld["type"] = "string"
        if all_digits:
            fld["constraints"] = {**(fld.get("constraints") or {}), "pattern": digits_pattern(values)}
        changed.append(str(fld["name"]))
    return changed
