"""Conversions of a tabular file: CSV (UTF-8), JSON, XLSX and a Frictionless data package (zip).

Each is written once per file version and column set into its own folder, streaming row by row
(openpyxl's write-only workbook, JSON written record by record), so memory stays flat however
long the file. The CSV keeps every cell as written (codes keep their leading zeros); JSON and XLSX
carry the typed values of the served schema (numbers, dates, booleans), text where a column fell
back to text. A folder appears only complete: it is written aside and renamed into place."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ... import crashpoints
from . import source, types

#: The conversions, by the suffix of their download address.
KINDS = {
    "csv": ("data.csv", "text/csv"),
    "json": ("data.json", "application/json"),
    "xlsx": ("data.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "zip": ("datapackage.zip", "application/zip"),
}
#: Rows a worksheet holds (Excel's limit, header included).
XLSX_MAX_ROWS = 1_048_576
#: Files at least this large get their workbook written by a second process, beside the rest.
XLSX_PROCESS_BYTES = 5 * 1024 * 1024


def _pick(fields: list[dict[str, Any]], header: list[str], columns: frozenset[str] | None
          ) -> tuple[list[int], list[dict[str, Any]]]:
    idx = [i for i, name in enumerate(header) if columns is None or name in columns]
    return idx, [fields[i] for i in idx]


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def package_descriptor(name: str, title: str, fields: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(datapackage.json, schema.json) for the CSV conversion: the served types, and the options
    that let a Frictionless reader parse the cells exactly as they are written."""
    schema_fields = []
    for fld in fields:
        item: dict[str, Any] = {"name": fld["name"], "type": fld["type"]}
        for key in ("format", "groupChar", "decimalChar"):
            if key in fld and fld["type"] in ("number", "date", "datetime"):
                item[key] = fld[key]
        if fld["type"] == "date" and "format" not in item:
            item["format"] = "%Y-%m-%d"
        if fld["type"] == "boolean":
            item["trueValues"] = list(fld.get("trueValues") or sorted(types.TRUE_VALUES))
            item["falseValues"] = list(fld.get("falseValues") or sorted(types.FALSE_VALUES))
        schema_fields.append(item)
    schema = {"fields": schema_fields, "missingValues": [""]}
    package = {
        "name": name, "title": title, "profile": "tabular-data-package",
        "resources": [{"name": name, "path": "data.csv", "profile": "tabular-data-resource", "format": "csv",
                       "mediatype": "text/csv", "encoding": "utf-8", "schema": "schema.json"}],
    }
    return package, schema


def build(path: Path, fmt: str, fields: list[dict[str, Any]], columns: frozenset[str] | None, target: Path,
          *, name: str, title: str, during: Callable[[], None] | None = None) -> dict[str, Any]:
    """Write every conversion of a file into `target` (replacing it); returns what was written.
    A large file's workbook is written by a second process at the same time (the slowest part);
    `during` runs while it works (the rows table's import), and its failure undoes the build."""
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    helper: subprocess.Popen[bytes] | None = None
    try:
        with source.open_rows(path, fmt) as (header, rows):
            idx, chosen = _pick(fields, header, columns)
            if path.stat().st_size >= XLSX_PROCESS_BYTES:
                helper = _start_xlsx_process(path, fmt, idx, chosen, work / "data.xlsx")
            written = _write_all(work, chosen, idx, rows, xlsx=helper is None)
        crashpoints.reached("public_files.converted")
        if during is not None:
            during()
        if helper is not None:
            _, err = helper.communicate()
            if helper.returncode != 0:
                raise ValueError(f"the XLSX conversion failed: {err.decode(errors='replace')[-500:]}")
            written["xlsx"] = (work / "data.xlsx").exists()
        package, schema = package_descriptor(name, title, chosen)
        _write_package(work, package, schema)
        if target.exists():
            shutil.rmtree(target)
        os.replace(work, target)
    except BaseException:
        if helper is not None and helper.poll() is None:
            helper.kill()
            helper.wait()
        shutil.rmtree(work, ignore_errors=True)
        raise
    return written


def _start_xlsx_process(path: Path, fmt: str, idx: list[int], fields: list[dict[str, Any]], out: Path
                        ) -> subprocess.Popen[bytes]:
    spec = json.dumps({"path": str(path), "fmt": fmt, "idx": idx, "fields": fields, "out": str(out)})
    return subprocess.Popen([sys.executable, "-m", "catalog.services.tabular.convert", spec],  # noqa: S603 - no shell
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class XlsxWriter:
    """A write-only workbook of one sheet; text that looks like a formula stays text."""

    def __init__(self, names: list[str]) -> None:
        from openpyxl import Workbook

        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet("data")
        self.sheet.append(names)
        self.rows = 1

    def add(self, values: list[Any]) -> bool:
        """Append a row; False once Excel's row limit is reached (the workbook is then not saved)."""
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        self.rows += 1
        if self.rows > XLSX_MAX_ROWS:
            return False
        line: list[Any] = []
        for value in values:
            if isinstance(value, str) and (value.startswith("=") or ILLEGAL_CHARACTERS_RE.search(value)):
                cell = WriteOnlyCell(self.sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"
                line.append(cell)
            else:
                line.append(value)
        self.sheet.append(line)
        return True

    def finish(self, out: Path) -> bool:
        if self.rows > XLSX_MAX_ROWS:
            self.book.close()
            return False
        self.book.save(out)
        return True


def write_xlsx(path: Path, fmt: str, idx: list[int], fields: list[dict[str, Any]], out: Path) -> bool:
    """The workbook alone (run in the second process for a large file)."""
    convert = [types.converter(f) for f in fields]
    book = XlsxWriter([f["name"] for f in fields])
    with source.open_rows(path, fmt) as (_header, rows):
        for row in rows:
            if not book.add([conv(row[i]) for conv, i in zip(convert, idx, strict=True)]):
                break
    return book.finish(out)


def _write_all(work: Path, fields: list[dict[str, Any]], idx: list[int], rows: Iterator[list[str]], *,
               xlsx: bool) -> dict[str, Any]:
    names = [f["name"] for f in fields]
    convert: list[Callable[[str], Any]] = [types.converter(f) for f in fields]
    book = XlsxWriter(names) if xlsx else None
    count = 0
    with open(work / "data.csv", "w", newline="", encoding="utf-8") as out_csv, \
            open(work / "data.json", "w", encoding="utf-8") as out_json:
        writer = csv.writer(out_csv, lineterminator="\r\n")
        writer.writerow(names)
        out_json.write("[")
        for row in rows:
            cells = [row[i] for i in idx]
            writer.writerow(cells)
            values = [conv(cell) for conv, cell in zip(convert, cells, strict=True)]
            out_json.write(("," if count else "") + "\n" + json.dumps(
                dict(zip(names, values, strict=True)), ensure_ascii=False, default=_json_default))
            count += 1
            if book is not None:
                book.add(values)
        out_json.write("\n]\n")
    xlsx_ok = book.finish(work / "data.xlsx") if book is not None else False
    return {"rows": count, "xlsx": xlsx_ok}


def _write_package(work: Path, package: dict[str, Any], schema: dict[str, Any]) -> None:
    with zipfile.ZipFile(work / "datapackage.zip", "w", compression=zipfile.ZIP_DEFLATED) as pack:
        pack.writestr("datapackage.json", json.dumps(package, ensure_ascii=False, indent=2))
        pack.writestr("schema.json", json.dumps(schema, ensure_ascii=False, indent=2))
        pack.write(work / "data.csv", "data.csv")


if __name__ == "__main__":  # the second process of `build`: python -m catalog.services.tabular.convert SPEC
    _spec = json.loads(sys.argv[1])
    write_xlsx(Path(_spec["path"]), _spec["fmt"], _spec["idx"], _spec["fields"], Path(_spec["out"]))
