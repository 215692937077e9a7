"""Data checks of one table (CSV, TSV, XLSX, JSON), streamed row by row with bounded memory.

frictionless reads the file and judges each row against the Table Schema (types, constraints,
structure), but its `validate()` stops at 1,000 errors and keeps every error and every primary key
in memory. So the rows are read here from `resource.row_stream`: every row and every error is
counted, only the first few examples of each problem are kept, and the checks that need memory
(duplicate rows, primary keys, unique values) use `keys.KeyTracker`, which spills to disk; foreign
keys are checked through a temporary SQLite file. frictionless is opened on a file handle (not a
path), so its path-safety rule never rejects a stored file and it reads nothing else.

Without a schema, one is inferred from the first `INFER_ROWS` rows (not the 100 frictionless uses
by default) and offered to the steward; the checks then run against it.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frictionless import Detector, Dialect, FrictionlessException, Schema
from frictionless.resources import TableResource

from .. import zipguard
from . import encoding as enc
from .consistency import Consistency, text_columns
from .inference import protect_codes
from .keys import DEFAULT_CHUNK, KeyTracker
from .sensitive import SAMPLE_ROWS, PersonalData

#: Formats the data checks read (distribution format label -> frictionless format).
TABULAR_FORMATS = {"CSV": "csv", "TSV": "tsv", "XLSX": "xlsx", "JSON": "json"}
TEXT_FORMATS = ("csv", "tsv", "json")
INFER_ROWS = 10_000
PROGRESS_EVERY = 5_000
_TYPE_NOTE = re.compile(r'type is "([a-z]+)')
MAX_VALUE = 120

#: frictionless error types (and our own codes) -> the check that scores them.
CHECK_OF: dict[str, str] = {
    "type-error": "data_types", "type-inconsistent": "data_types",
    "constraint-error": "data_constraints", "unique-error": "data_constraints",
    "primary-key-duplicate": "data_primary_key", "primary-key-empty": "data_primary_key",
    "foreign-key-error": "data_foreign_keys", "foreign-key-reference": "data_foreign_keys",
    "blank-header": "data_header", "blank-label": "data_header", "duplicate-label": "data_header",
    "missing-label": "data_header", "extra-label": "data_header", "incorrect-label": "data_header",
    "blank-row": "data_structure", "extra-cell": "data_structure", "missing-cell": "data_structure",
    "duplicate-row": "data_duplicates",
    "encoding-legacy": "data_encoding", "encoding-unknown": "data_encoding", "encoding-declared": "data_encoding",
    "file-missing": "data_readable", "binary-file": "data_readable", "format-error": "data_readable",
    "source-error": "data_readable", "xlsx-too-large": "data_readable", "empty-file": "data_readable",
    "read-stopped": "data_readable", "fetch-failed": "data_readable", "schema-invalid": "data_readable",
    "code-not-in-list": "codes_data_columns",
    "personal-data": "no_personal_data",
    "schema-inferred": "schema_present",
    "other-sheets": "data_readable",
}
#: Codes counted per row for the proportional scores.
ROW_CLASSES = {
    "type-error": "types", "constraint-error": "constraints", "unique-error": "constraints",
    "blank-row": "structure", "extra-cell": "structure", "missing-cell": "structure",
}
#: Problems that are information, not faults (they cost no points by themselves).
INFO_CODES = frozenset({"schema-inferred", "other-sheets"})


class Unreadable(Exception):
    """The file cannot be read as a table; `code` names why (a finding, never a crash)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Problem:
    code: str
    column: str | None = None
    count: int = 0
    params: dict[str, Any] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def check(self) -> str:
        return CHECK_OF.get(self.code, "data_readable")

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "code": self.code, "column": self.column, "count": self.count,
                "params": self.params, "examples": self.examples}


@dataclass
class TableReport:
    """What reading one table found; `as_dict()` is what a QualityReport stores."""

    format: str
    rows: int = 0
    complete: bool = False
    encoding: str | None = None
    declared_encoding: str | None = None
    labels: list[str] = field(default_factory=list)
    schema_declared: bool = False
    inferred_schema: dict[str, Any] | None = None
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: int = 0
    code_columns: list[str] = field(default_factory=list)
    cells: int = 0
    empty_cells: int = 0
    row_errors: dict[str, int] = field(default_factory=dict)  # rows with at least one error of a class
    duplicates: int = 0
    pk_problems: int = 0
    fk_problems: int = 0
    code_problems: int = 0
    personal: list[dict[str, Any]] = field(default_factory=list)
    problems: dict[tuple[str, str | None], Problem] = field(default_factory=dict)
    fatal: str | None = None
    sheets: int | None = None

    def problem(self, code: str, column: str | None = None, **params: Any) -> Problem:
        key = (code, column)
        found = self.problems.get(key)
        if found is None:
            found = self.problems[key] = Problem(code, column, params=params)
        return found

    @property
    def readable(self) -> bool:
        return self.fatal is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format, "rows": self.rows, "complete": self.complete, "encoding": self.encoding,
            "declared_encoding": self.declared_encoding, "labels": self.labels,
            "schema_declared": self.schema_declared, "inferred_schema": self.inferred_schema,
            "primary_key": self.primary_key, "foreign_keys": self.foreign_keys, "code_columns": self.code_columns,
            "cells": self.cells, "empty_cells": self.empty_cells, "row_errors": self.row_errors,
            "duplicates": self.duplicates, "pk_problems": self.pk_problems, "fk_problems": self.fk_problems,
            "code_problems": self.code_problems, "personal": self.personal, "fatal": self.fatal,
            "sheets": self.sheets,
        }


@dataclass(frozen=True)
class Limits:
    examples: int = 20
    chunk: int = DEFAULT_CHUNK
    xlsx_max_bytes: int = 500 * 1024 * 1024
    infer_rows: int = INFER_ROWS


@dataclass(frozen=True)
class Reference:
    """Another table of the same dataset that a foreign key points at."""

    path: Path
    format: str
    schema: dict[str, Any] | None
    declared_encoding: str | None = None


ReferenceResolver = Callable[[str], Reference | None]


# --- opening a table ------------------------------------------------------------------------------


def _xlsx_guard(path: Path, max_bytes: int) -> int:
    """Refuse zip bombs before openpyxl inflates anything; returns the number of sheets."""
    try:
        names = {i.filename for i in zipguard.check(path, max_bytes)}
    except zipguard.NotAZip as exc:
        raise Unreadable("format-error", detail="not an XLSX (zip) file") from exc
    except zipguard.TooLarge as exc:
        raise Unreadable("xlsx-too-large", bytes=exc.total, limit=max_bytes) from exc
    if "xl/workbook.xml" not in names:
        raise Unreadable("format-error", detail="no workbook inside the zip file")
    return max(1, sum(1 for n in names if n.startswith("xl/worksheets/sheet") and n.endswith(".xml")))


def _frictionless_schema(schema: dict[str, Any]) -> tuple[Schema, list[str], list[str], list[dict[str, Any]]]:
    """The declared schema without what frictionless would keep in memory (primary key, unique,
    foreign keys): those are checked here. Returns (schema, primary key, unique fields, foreign keys)."""
    pk = schema.get("primaryKey") or []
    pk = [pk] if isinstance(pk, str) else list(pk)
    unique: list[str] = []
    fields = []
    for fld in schema.get("fields") or []:
        # the catalogue stores absent properties as null; Table Schema wants them left out
        fld = {k: v for k, v in dict(fld).items() if v is not None}
        constraints = dict(fld.get("constraints") or {})
        if constraints.pop("unique", False):
            unique.append(fld["name"])
        if constraints:
            fld["constraints"] = constraints
        else:
            fld.pop("constraints", None)
        fields.append(fld)
    descriptor = {"fields": fields}
    if schema.get("missingValues") is not None:
        descriptor["missingValues"] = schema["missingValues"]
    try:
        parsed = Schema.from_descriptor(descriptor)
    except FrictionlessException as exc:
        raise Unreadable("schema-invalid", detail=_note(exc)) from exc
    return parsed, pk, unique, list(schema.get("foreignKeys") or [])


def _note(exc: FrictionlessException) -> str:
    error = getattr(exc, "error", None)
    note = str(getattr(error, "note", None) or getattr(error, "message", None) or exc)
    reasons = getattr(exc, "reasons", None) or []
    if reasons:
        note += ": " + str(getattr(reasons[0], "note", reasons[0]))
    return note[:300]


@contextlib.contextmanager
def _open_table(path: Path, fmt: str, schema: Schema | None, infer_rows: int,
                as_text: bool = False) -> Iterator[TableResource]:
    handle = open(path, "rb")  # noqa: SIM115 - closed below, after frictionless lets go of it
    try:
        options: dict[str, Any] = {"format": fmt}
        if fmt in TEXT_FORMATS:
            options["encoding"] = "utf-8"
        if fmt == "tsv":
            options["format"] = "csv"
            options["dialect"] = Dialect.from_descriptor({"csv": {"delimiter": "\t"}})
        if schema is not None:
            options["schema"] = schema
        elif as_text:  # keys compared as written (a referenced table without a schema: "01" stays "01")
            options["detector"] = Detector(sample_size=100, field_type="string")
        else:
            options["detector"] = Detector(sample_size=infer_rows, field_confidence=0.9)
        resource = TableResource(handle, **options)
        try:
            resource.open()
        except FrictionlessException as exc:
            kind = getattr(getattr(exc, "error", None), "type", "source-error")
            code = "format-error" if kind in ("format-error", "encoding-error") else "source-error"
            raise Unreadable(code, detail=_note(exc)) from exc
        except Exception as exc:  # a parser failing in its own way (zip, XML, JSON, CSV)
            raise Unreadable("format-error", detail=str(exc)[:300]) from exc
        try:
            yield resource
        finally:
            resource.close()
    finally:
        handle.close()


def estimate_rows(path: Path) -> int | None:
    """Rows in a text file, estimated from the average length of its first lines (for progress)."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(1 << 16)
    lines = head.count(b"\n")
    if not lines:
        return None
    return max(1, int(size / (len(head) / lines)) - 1)


# --- the check ------------------------------------------------------------------------------------


class _Run:
    """One pass over one table."""

    def __init__(self, report: TableReport, limits: Limits, folder: str) -> None:
        self.report = report
        self.limits = limits
        self.folder = folder

    # problems ---------------------------------------------------------------------------------

    def example(self, problem: Problem, **example: Any) -> None:
        problem.count += 1
        if len(problem.examples) < self.limits.examples:
            value = example.get("value")
            if value is not None:
                text = str(value)
                example["value"] = text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"
            kept = {k: v for k, v in example.items() if v is not None}
            if kept:
                problem.examples.append(kept)

    def header_errors(self, errors: list[Any]) -> None:
        for e in errors:
            code = e.type if e.type in CHECK_OF else "incorrect-label"
            label = getattr(e, "label", None)
            self.example(self.report.problem(code), column=getattr(e, "field_name", None) or label,
                         value=label, note=getattr(e, "note", None) or None,
                         position=getattr(e, "field_number", None))

    def row_errors(self, errors: list[Any], row_number: int) -> bool:
        """Record a row's errors; True when the row is blank (it takes part in nothing else)."""
        classes = set()
        blank = False
        for e in errors:
            code = e.type
            if code == "blank-row":
                blank = True
            column = getattr(e, "field_name", None) if code in ("type-error", "constraint-error") else None
            problem = self.report.problem(code if code in CHECK_OF else "source-error", column)
            if code == "type-error" and "type" not in problem.params:
                found = _TYPE_NOTE.search(getattr(e, "note", "") or "")
                problem.params["type"] = found.group(1) if found else ""
            self.example(problem, row=row_number, column=getattr(e, "field_name", None) or None,
                         value=getattr(e, "cell", None), note=getattr(e, "note", None) or None)
            cls = ROW_CLASSES.get(code)
            if cls:
                classes.add(cls)
        counts = self.report.row_errors
        for cls in classes:
            counts[cls] = counts.get(cls, 0) + 1
        return blank


def check_table(
    path: Path,
    fmt: str,
    *,
    schema: dict[str, Any] | None = None,
    declared_encoding: str | None = None,
    name: str | None = None,
    code_lists: dict[str, frozenset[str]] | None = None,
    references: ReferenceResolver | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    limits: Limits | None = None,
) -> TableReport:
    """Read a whole table and judge it. Never raises for a bad file: the problem is in the report."""
    limits = limits or Limits()
    report = TableReport(format=fmt.upper(), declared_encoding=declared_encoding,
                         schema_declared=bool(schema and schema.get("fields")))
    with tempfile.TemporaryDirectory(prefix="quality-") as folder:
        run = _Run(report, limits, folder)
        try:
            _check(run, path, fmt.lower(), schema if report.schema_declared else None, name, code_lists or {},
                   references, progress)
        except Unreadable as exc:
            report.fatal = exc.code
            report.complete = False
            run.example(report.problem(exc.code, **exc.params), **({"note": exc.params.get("detail")}
                                                                   if exc.params.get("detail") else {}))
    _mask_personal_examples(report)
    return report


def _prepare_text(run: _Run, path: Path, fmt: str) -> Path:
    """Detect the encoding; legacy encodings are converted to UTF-8 in a temporary file."""
    report = run.report
    detected = enc.detect(path)
    if not detected.is_text:
        raise Unreadable("binary-file")
    report.encoding = detected.encoding
    if detected.encoding == "unknown":
        run.example(report.problem("encoding-unknown"))
    elif not detected.is_utf8:
        run.example(report.problem("encoding-legacy", detected=detected.label))
    declared = report.declared_encoding
    if declared and declared != detected.encoding and not (
        declared == "utf-8" and detected.encoding == "utf-8-sig"
    ) and detected.encoding != "unknown":
        run.example(report.problem("encoding-declared", detected=detected.label,
                                   declared=enc.LABELS.get(declared, declared)))
    if detected.is_utf8:
        return path
    target = Path(run.folder) / "utf8.txt"
    enc.transcode(path, detected.encoding, target)
    return target


def _check(run: _Run, path: Path, fmt: str, schema: dict[str, Any] | None, name: str | None,
           code_lists: dict[str, frozenset[str]], references: ReferenceResolver | None,
           progress: Callable[[int, int | None], None] | None) -> None:
    report, limits = run.report, run.limits
    if not path.is_file():
        raise Unreadable("file-missing")
    if path.stat().st_size == 0:
        raise Unreadable("empty-file")
    estimate: int | None = None
    if fmt in TEXT_FORMATS:
        path = _prepare_text(run, path, fmt)
        estimate = estimate_rows(path) if fmt != "json" else None
    elif fmt == "xlsx":
        report.sheets = _xlsx_guard(path, limits.xlsx_max_bytes)
        if report.sheets > 1:
            run.example(report.problem("other-sheets", sheets=report.sheets))
    else:
        raise Unreadable("format-error", detail=f"the data checks do not read {fmt.upper()}")

    pk: list[str] = []
    unique: list[str] = []
    foreign: list[dict[str, Any]] = []
    parsed = None
    if schema is not None:
        parsed, pk, unique, foreign = _frictionless_schema(schema)
    report.primary_key = pk

    def read(resource: TableResource, inferred: dict[str, Any] | None) -> None:
        if not (resource.labels or resource.fragment):
            raise Unreadable("empty-file")
        report.labels = [str(label) for label in resource.labels]
        if schema is None:
            report.inferred_schema = inferred or resource.schema.to_descriptor()
            run.example(report.problem("schema-inferred", rows=limits.infer_rows))
        run.header_errors(list(resource.header.errors))
        fields = [f.name for f in resource.header.get_expected_fields()]
        _stream(run, resource, fields, pk, unique, foreign, name, code_lists, references, schema,
                progress, estimate)

    if schema is not None:
        with _open_table(path, fmt, parsed, limits.infer_rows) as resource:
            read(resource, None)
        return
    with _open_table(path, fmt, None, limits.infer_rows) as resource:
        corrected = resource.schema.to_descriptor()
        if not protect_codes(corrected, resource.fragment or []):
            read(resource, None)  # frictionless's inference stands (it reports header problems best)
            return
    # codes kept as text: the table is read again with the corrected schema, from its first row
    with _open_table(path, fmt, Schema.from_descriptor(corrected), limits.infer_rows) as resource:
        read(resource, corrected)


def _code_columns(schema: dict[str, Any] | None, fields: list[str],
                  code_lists: dict[str, frozenset[str]]) -> list[tuple[int, str, str, frozenset[str]]]:
    """(position, field, list name, valid codes) for fields whose schema names a code list."""
    out = []
    for fld in (schema or {}).get("fields") or []:
        listed = fld.get("codeList")
        if listed in code_lists and fld.get("name") in fields:
            out.append((fields.index(fld["name"]), fld["name"], listed, code_lists[listed]))
    return out


def _stream(run: _Run, resource: TableResource, fields: list[str], pk: list[str], unique: list[str],
            foreign: list[dict[str, Any]], name: str | None, code_lists: dict[str, frozenset[str]],
            references: ReferenceResolver | None, schema: dict[str, Any] | None,
            progress: Callable[[int, int | None], None] | None, estimate: int | None) -> None:
    report, limits = run.report, run.limits
    nfields = len(fields)
    pk = [k for k in pk if k in fields]
    duplicates = KeyTracker(limits.chunk, run.folder)
    pk_keys = KeyTracker(limits.chunk, run.folder) if pk else None
    unique_keys = {u: KeyTracker(limits.chunk, run.folder) for u in unique if u in fields}
    personal = PersonalData(fields)
    codes = _code_columns(schema, fields, code_lists)
    report.code_columns = [c[1] for c in codes]
    links = _ForeignKeys(run, foreign, fields, name, references) if foreign else None
    pk_empty = report.problem("primary-key-empty") if pk else None
    single_key = pk[0] if len(pk) == 1 else None
    dup_hash, dup_row = duplicates.appenders()
    key_hash, key_row = pk_keys.appenders() if pk_keys is not None else (None, None)
    settle_every = max(1, min(limits.chunk, 1000))
    scan: Callable[[Any], None] | None = personal.add  # dropped after the sample when no column is suspect
    consistency = Consistency(text_columns(resource.schema.to_descriptor().get("fields") or [], fields),
                              limits.examples)
    kinds: Callable[[list[Any], int], None] | None = consistency.add if consistency.active else None
    rows = empty = 0
    stream = resource.row_stream
    try:
        for row in stream:
            rows += 1
            errors = row.errors
            number = row.row_number
            if errors and run.row_errors(errors, number):
                continue  # a blank row
            cells = row.cells
            empty += cells.count("") + cells.count(None) + max(0, nfields - len(cells))
            dup_hash(hash(tuple(cells)))
            dup_row(number)
            if key_hash is not None:
                key = row[single_key] if single_key is not None else tuple(row[k] for k in pk)
                if key is None or (single_key is None and None in key):
                    run.example(pk_empty, row=number, column=", ".join(pk))  # type: ignore[arg-type]
                else:
                    key_hash(hash(key))
                    key_row(number)  # type: ignore[misc]
            for field_name, tracker in unique_keys.items():
                value = row[field_name]
                if value is not None:
                    tracker.add(hash(value), number)
            if links is not None:
                links.add(row, number)
            if kinds is not None:
                kinds(cells, number)
                if not consistency.active:
                    kinds = None
            if scan is not None:
                scan(cells)
                if rows == SAMPLE_ROWS and not personal.scanning:
                    scan = None
            for position, field_name, listed, valid in codes:
                if position < len(cells):
                    value = cells[position]
                    text = value.strip() if isinstance(value, str) else ("" if value is None else str(value))
                    if text and text not in valid:
                        run.example(report.problem("code-not-in-list", field_name, list=listed), row=number,
                                    column=field_name, value=text)
            if rows % settle_every == 0:
                duplicates.settle()
                if pk_keys is not None:
                    pk_keys.settle()
            if progress is not None and rows % PROGRESS_EVERY == 0:
                progress(rows, estimate)
        report.complete = True
    except FrictionlessException as exc:
        run.example(report.problem("read-stopped", rows=rows), row=rows + 1, note=_note(exc))
    except Exception as exc:  # a parser's own failure midway: report how far we got
        run.example(report.problem("read-stopped", rows=rows), row=rows + 1, note=str(exc)[:300])
    report.rows = rows
    report.cells = rows * nfields
    report.empty_cells = empty
    _finish_keys(run, duplicates, pk_keys, unique_keys, pk)
    _finish_consistency(run, consistency)
    if links is not None:
        report.fk_problems = links.finish()
    report.foreign_keys = len(foreign)
    report.code_problems = sum(p.count for (code, _c), p in report.problems.items() if code == "code-not-in-list")
    report.personal = personal.findings()
    for item in report.personal:
        problem = report.problem("personal-data", item["column"], kind=item["kind"], checked=item["checked"],
                                 header=item["header"])
        problem.count = item["count"]
        problem.examples = [{"column": item["column"], "value": item["example"]}] if item["example"] else []
    if progress is not None:
        progress(rows, rows)


def _finish_keys(run: _Run, duplicates: KeyTracker, pk_keys: KeyTracker | None,
                 unique_keys: dict[str, KeyTracker], pk: list[str]) -> None:
    report, keep = run.report, run.limits.examples
    repeats = duplicates.finish(keep)
    report.duplicates = repeats.count
    if repeats.count:
        problem = report.problem("duplicate-row")
        problem.count = repeats.count
        problem.examples = [{"row": r, "first_row": f} for r, f in repeats.examples]
    pk_total = report.problems.get(("primary-key-empty", None))
    report.pk_problems = pk_total.count if pk_total else 0
    if pk_total is not None and not pk_total.count:
        del report.problems[("primary-key-empty", None)]
    if pk_keys is not None:
        repeats = pk_keys.finish(keep)
        if repeats.count:
            problem = report.problem("primary-key-duplicate", ", ".join(pk))
            problem.count = repeats.count
            problem.examples = [{"row": r, "first_row": f, "column": ", ".join(pk)} for r, f in repeats.examples]
            report.pk_problems += repeats.count
    for field_name, tracker in unique_keys.items():
        repeats = tracker.finish(keep)
        if repeats.count:
            problem = report.problem("unique-error", field_name)
            problem.count = repeats.count
            problem.examples = [{"row": r, "first_row": f, "column": field_name} for r, f in repeats.examples]
            report.row_errors["constraints"] = report.row_errors.get("constraints", 0) + repeats.count


def _finish_consistency(run: _Run, consistency: Consistency) -> None:
    """Values that break the type nearly all of their column holds count as type errors."""
    from .scoring import TYPE_CONSISTENCY_SHARE

    report = run.report
    for odd in consistency.finish(TYPE_CONSISTENCY_SHARE):
        problem = report.problem("type-inconsistent", odd.column, type=odd.kind, values=odd.values)
        problem.count = odd.count
        problem.examples = [{"row": row, "column": odd.column, "value": value} for row, value in odd.examples]
        report.row_errors["types"] = report.row_errors.get("types", 0) + odd.count


class _ForeignKeys:
    """Foreign keys through a temporary SQLite file: the referenced keys and the referencing values
    both go to disk, and one anti-join at the end finds the values with nothing to point at."""

    BATCH = 10_000

    def __init__(self, run: _Run, foreign: list[dict[str, Any]], fields: list[str], name: str | None,
                 references: ReferenceResolver | None) -> None:
        self.run = run
        self.db = sqlite3.connect(str(Path(run.folder) / "foreign-keys.sqlite"))
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.groups: list[tuple[int, list[str], str]] = []  # (group id, fields, label)
        self.self_refs: list[tuple[int, list[str]]] = []
        self.pending: list[tuple[int, int, str]] = []
        self.refs_pending: list[tuple[int, str]] = []
        self.db.execute("CREATE TABLE ref (grp INTEGER, k TEXT, PRIMARY KEY (grp, k)) WITHOUT ROWID")
        self.db.execute("CREATE TABLE val (grp INTEGER, row INTEGER, k TEXT)")
        for n, fk in enumerate(foreign):
            own = fk.get("fields")
            own = [own] if isinstance(own, str) else list(own or [])
            ref = fk.get("reference") or {}
            target = ref.get("fields")
            target = [target] if isinstance(target, str) else list(target or [])
            resource = ref.get("resource") or ""
            label = f"{', '.join(own)} → {resource or name or ''}({', '.join(target)})"
            if not own or len(own) != len(target) or any(f not in fields for f in own):
                run.example(run.report.problem("foreign-key-reference", label, reason="fields"))
                continue
            if not resource or resource == name:
                self.self_refs.append((n, target))
            elif not self._load(n, resource, target, references, label):
                continue
            self.groups.append((n, own, label))

    def _load(self, group: int, resource: str, target: list[str], references: ReferenceResolver | None,
              label: str) -> bool:
        ref = references(resource) if references else None
        if ref is None:
            self.run.example(self.run.report.problem("foreign-key-reference", label, reason="missing",
                                                     resource=resource))
            return False
        schema = None
        try:
            if ref.schema and ref.schema.get("fields"):
                schema = _frictionless_schema(ref.schema)[0]
            path = ref.path
            if ref.format in TEXT_FORMATS:
                detected = enc.detect(path)
                if not detected.is_utf8:
                    path = Path(self.run.folder) / f"reference-{group}.txt"
                    enc.transcode(ref.path, detected.encoding, path)
            with _open_table(path, ref.format, schema, INFER_ROWS, as_text=schema is None) as table:
                batch = []
                for row in table.row_stream:
                    values = tuple(row.get(f) for f in target)
                    if any(v is not None for v in values):
                        batch.append((group, _key(values)))
                    if len(batch) >= self.BATCH:
                        self.db.executemany("INSERT OR IGNORE INTO ref VALUES (?, ?)", batch)
                        batch = []
                self.db.executemany("INSERT OR IGNORE INTO ref VALUES (?, ?)", batch)
        except (Unreadable, FrictionlessException, OSError, KeyError) as exc:
            self.run.example(self.run.report.problem("foreign-key-reference", label, reason="unreadable",
                                                     resource=resource), note=str(exc)[:200])
            return False
        return True

    def add(self, row: Any, number: int) -> None:
        for group, target in self.self_refs:
            values = tuple(row.get(f) for f in target)
            if any(v is not None for v in values):
                self.refs_pending.append((group, _key(values)))
        for group, own, _label in self.groups:
            values = tuple(row.get(f) for f in own)
            if all(v is not None for v in values):
                self.pending.append((group, number, _key(values)))
        if len(self.pending) >= self.BATCH or len(self.refs_pending) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        self.db.executemany("INSERT OR IGNORE INTO ref VALUES (?, ?)", self.refs_pending)
        self.db.executemany("INSERT INTO val VALUES (?, ?, ?)", self.pending)
        self.pending, self.refs_pending = [], []

    def finish(self) -> int:
        self._flush()
        total = 0
        missing = "NOT EXISTS (SELECT 1 FROM ref WHERE ref.grp = val.grp AND ref.k = val.k)"
        for group, own, label in self.groups:
            count = self.db.execute(f"SELECT count(*) FROM val WHERE grp = ? AND {missing}",  # noqa: S608
                                    (group,)).fetchone()[0]
            if not count:
                continue
            total += count
            problem = self.run.report.problem("foreign-key-error", ", ".join(own), reference=label)
            problem.count = count
            rows = self.db.execute(f"SELECT row, k FROM val WHERE grp = ? AND {missing} ORDER BY row LIMIT ?",  # noqa: S608
                                   (group, self.run.limits.examples)).fetchall()
            problem.examples = [{"row": r, "column": ", ".join(own), "value": k} for r, k in rows]
        self.db.close()
        return total


def _key(values: tuple[Any, ...]) -> str:
    return "\x1f".join("" if v is None else str(v) for v in values)


def _mask_personal_examples(report: TableReport) -> None:
    """Examples of other problems from a column found to hold personal data are masked too."""
    from .sensitive import mask

    kinds = {item["column"]: item["kind"] for item in report.personal}
    if not kinds:
        return
    for (code, _column), problem in report.problems.items():
        if code == "personal-data":
            continue
        for example in problem.examples:
            column = example.get("column")
            if column in kinds and example.get("value"):
                example["value"] = mask(kinds[column], str(example["value"]))


# --- from file results to check outcomes -----------------------------------------------------------

HEADER_CODES = ("blank-header", "blank-label", "duplicate-label", "missing-label", "extra-label", "incorrect-label")


def outcomes(files: list[dict[str, Any]], findings: list[dict[str, Any]]) -> dict[str, Any]:
    """Compliance of the data checks from the per-file summaries (`TableReport.as_dict()` under
    "table") and the findings of a run. Files that could not be read score 0 in `data_readable`
    and `data_types` and are left out of the other data checks."""
    from .scoring import Outcome, share, with_errors

    tables = [f for f in files if f.get("table")]
    if not tables:
        return {}
    by_file: dict[str, dict[str, int]] = {}
    for item in findings:
        counts = by_file.setdefault(item.get("distribution_id") or "", {})
        counts[item["code"]] = counts.get(item["code"], 0) + int(item.get("count") or 0)

    def mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    def titles(items: list[dict[str, Any]]) -> list[str]:
        return [f.get("title") or f.get("distribution_id") or "" for f in items]

    readable = [f for f in tables if f["table"]["fatal"] is None]
    complete = [f for f in readable if f["table"]["complete"]]
    out: dict[str, Any] = {}
    out["data_readable"] = Outcome(share(len(complete), len(tables)),
                                   {"failed": titles([f for f in tables if f not in complete])})

    def per_file(check: str, value: Any, only: list[dict[str, Any]] | None = None,
                 zero_unreadable: bool = False) -> None:
        values, failing = [], []
        for f in tables:
            t = f["table"]
            if t["fatal"] is not None:
                if zero_unreadable:
                    values.append(0.0)
                    failing.append(f)
                continue
            if only is not None and f not in only:
                continue
            v = value(t, by_file.get(f["distribution_id"], {}))
            if v is None:
                continue
            values.append(v)
            if v < 1.0:
                failing.append(f)
        out[check] = Outcome(mean(values), {"files": titles(failing)})

    def clean(t: dict[str, Any], bad: int) -> float:
        return with_errors(1.0 - bad / t["rows"], bad) if t["rows"] else (0.0 if bad else 1.0)

    per_file("data_types", lambda t, c: clean(t, t["row_errors"].get("types", 0)), zero_unreadable=True)
    per_file("data_constraints", lambda t, c: clean(t, t["row_errors"].get("constraints", 0)))
    # a key is asked for by a declared schema; a table without one was never asked (not applicable)
    per_file("data_primary_key", lambda t, c: clean(t, t["pk_problems"]) if t["primary_key"] else (
        0.0 if t["schema_declared"] else None))
    per_file("data_foreign_keys", lambda t, c: (
        0.0 if c.get("foreign-key-reference") else clean(t, t["fk_problems"])) if t["foreign_keys"] else None)
    per_file("data_filled", lambda t, c: 1.0 - t["empty_cells"] / t["cells"] if t["cells"] else None)
    per_file("data_header", lambda t, c: max(0.0, 1.0 - sum(c.get(k, 0) for k in HEADER_CODES)
                                             / max(1, len(t["labels"]))))
    per_file("data_structure", lambda t, c: clean(t, t["row_errors"].get("structure", 0)))
    per_file("data_duplicates", lambda t, c: clean(t, t["duplicates"]))
    text = [f for f in tables if f["table"]["encoding"]]
    per_file("data_encoding", lambda t, c: 0.0 if any(c.get(k) for k in (
        "encoding-legacy", "encoding-unknown", "encoding-declared")) else 1.0, only=text)
    per_file("codes_data_columns", lambda t, c: (
        with_errors(1.0 - t["code_problems"] / max(1, t["rows"] * len(t["code_columns"])), t["code_problems"])
        if t["code_columns"] else None))
    return out
