"""Reading a stored tabular file (CSV, TSV, XLSX, JSON table) as a header and rows of text, streaming.

Cells are given as written (text), so that codes keep their leading zeros and the conversions can
type them from the schema; an XLSX cell that holds a number or a date is written back as text the
way the schema's parser reads it (ISO dates, integers without ".0")."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from ...quality import encoding

#: Formats read here (the distribution's format label, upper-case).
TABULAR_FORMATS = frozenset({"CSV", "TSV", "XLSX", "JSON"})


class UnreadableTable(ValueError):
    """The file cannot be read as a table at all (the reason is in the message)."""


def is_tabular(fmt: str | None) -> bool:
    return (fmt or "").upper() in TABULAR_FORMATS


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@contextmanager
def open_rows(path: Path, fmt: str) -> Iterator[tuple[list[str], Iterator[list[str]]]]:
    """(header, rows) of a file; rows are padded or cut to the header's width."""
    fmt = fmt.upper()
    if fmt in ("CSV", "TSV"):
        codec = encoding.detect(path).python_codec
        with open(path, newline="", encoding=codec, errors="replace") as handle:
            reader = csv.reader(handle, delimiter="\t" if fmt == "TSV" else ",")
            header = [h.strip() for h in next(reader, [])]
            if not header:
                raise UnreadableTable("the file has no header row")
            yield header, _fit(reader, len(header))
    elif fmt == "XLSX":
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # a broken zip or workbook in openpyxl's own words
            raise UnreadableTable(f"not a readable XLSX workbook: {exc}") from exc
        try:
            sheet = book.worksheets[0]
            values = sheet.iter_rows(values_only=True)
            header = [_xlsx_text(v).strip() for v in next(values, ())]
            while header and not header[-1]:
                header.pop()
            if not header:
                raise UnreadableTable("the first sheet has no header row")
            rows = ([_xlsx_text(v) for v in row] for row in values if any(v is not None for v in row))
            yield header, _fit(rows, len(header))
        finally:
            book.close()
    elif fmt == "JSON":
        header, rows = _json_table(path)
        yield header, _fit(iter(rows), len(header))
    else:
        raise UnreadableTable(f"{fmt} is not a tabular format")


def _fit(rows: Any, width: int) -> Iterator[list[str]]:
    for row in rows:
        if not row or (len(row) == 1 and not row[0]):
            continue  # blank line
        if len(row) < width:
            row = [*row, *([""] * (width - len(row)))]
        yield row[:width]


def _json_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _json_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """A JSON table: a list of objects, a list of lists (first is the header), or {"data": [...]}."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            doc = json.load(handle)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnreadableTable(f"not valid JSON: {exc}") from exc
    if isinstance(doc, dict):
        doc = doc.get("data") if isinstance(doc.get("data"), list) else doc.get("rows")
    if not isinstance(doc, list) or not doc:
        raise UnreadableTable("JSON that is not a table (a list of records)")
    if all(isinstance(item, dict) for item in doc):
        header: list[str] = []
        for item in doc:
            header.extend(k for k in item if k not in header)
        return header, [[_json_cell(item.get(k)) for k in header] for item in doc]
    if all(isinstance(item, list) for item in doc):
        return [_json_cell(h) for h in doc[0]], [[_json_cell(v) for v in row] for row in doc[1:]]
    raise UnreadableTable("JSON that is not a table (a list of records)")
