"""Conversions of a tabular file: CSV (UTF-8), JSON, XLSX and a Frictionless data package (zip).

Each is written once per file version and column set into its own folder, all in one streaming
reading of the file (the workbook by `xlsx.SheetWriter`, JSON record by record), so memory stays
flat however long the file. The CSV keeps every cell as written (codes keep their leading zeros); JSON and XLSX
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
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ... import crashpoints
from . import source, types, xlsx

#: The conversions, by the suffix of their download address.
KINDS = {
    "csv": ("data.csv", "text/csv"),
    "json": ("data.json", "application/json"),
    "xlsx": ("data.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "zip": ("datapackage.zip", "application/zip"),
}
#: Files at least this large are converted by a second process while this one imports the rows
#: table (the two longest parts of publishing a file, side by side).
PROCESS_BYTES = 5 * 1024 * 1024


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
    The file is read once for all of them. A large file is converted by a second process while
    `during` runs here (the rows table's import); a failure of either undoes the build."""
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    helper: subprocess.Popen[bytes] | None = None
    try:
        with source.open_rows(path, fmt) as (header, _rows):
            idx, chosen = _pick(fields, header, columns)
        if during is not None and path.stat().st_size >= PROCESS_BYTES:
            helper = _start_process(path, fmt, idx, chosen, work, name, title)
            during()
            out, err = helper.communicate()
            if helper.returncode != 0:
                raise ValueError(f"the conversion failed: {err.decode(errors='replace')[-500:]}")
            written = json.loads(out.decode().strip().splitlines()[-1])
            crashpoints.reached("public_files.converted")
        else:
            written = write_all(path, fmt, idx, chosen, work, name=name, title=title)
            crashpoints.reached("public_files.converted")
            if during is not None:
                during()
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


def _start_process(path: Path, fmt: str, idx: list[int], fields: list[dict[str, Any]], work: Path, name: str,
                   title: str) -> subprocess.Popen[bytes]:
    spec = json.dumps({"path": str(path), "fmt": fmt, "idx": idx, "fields": fields, "work": str(work),
                       "name": name, "title": title})
    return subprocess.Popen([sys.executable, "-m", "catalog.services.tabular.convert", spec],  # noqa: S603 - no shell
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def write_all(path: Path, fmt: str, idx: list[int], fields: list[dict[str, Any]], work: Path, *, name: str,
              title: str) -> dict[str, Any]:
    """CSV, JSON, XLSX and the data package of the chosen columns, in one reading of the file:
    each row is cut and typed once and goes to every output. {"rows": n, "xlsx": kept}."""
    names = [f["name"] for f in fields]
    convert: list[Callable[[str], Any]] = [types.checked_converter(f) for f in fields]
    book = xlsx.SheetWriter(work / "data.xlsx", names, [f["type"] for f in fields])
    count = 0
    try:
        with source.open_rows(path, fmt) as (_header, rows), \
                open(work / "data.csv", "w", newline="", encoding="utf-8") as out_csv, \
                open(work / "data.json", "w", encoding="utf-8") as out_json:
            writer = csv.writer(out_csv, lineterminator="\r\n")
            writer.writerow(names)
            out_json.write("[")
            dumps = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
            for row in rows:
                cells = [row[i] for i in idx]
                writer.writerow(cells)
                values = [conv(cell) for conv, cell in zip(convert, cells, strict=True)]
                out_json.write(("," if count else "") + "\n" + dumps(dict(zip(names, values, strict=True))))
                count += 1
                book.add(values)
            out_json.write("\n]\n")
    except BaseException:
        book.abort()
        raise
    xlsx_ok = book.finish()
    package, schema = package_descriptor(name, title, fields)
    _write_package(work, package, schema)
    return {"rows": count, "xlsx": xlsx_ok}


def _write_package(work: Path, package: dict[str, Any], schema: dict[str, Any]) -> None:
    with zipfile.ZipFile(work / "datapackage.zip", "w", compression=zipfile.ZIP_DEFLATED) as pack:
        pack.writestr("datapackage.json", json.dumps(package, ensure_ascii=False, indent=2))
        pack.writestr("schema.json", json.dumps(schema, ensure_ascii=False, indent=2))
        pack.write(work / "data.csv", "data.csv")


if __name__ == "__main__":  # the second process of `build`: python -m catalog.services.tabular.convert SPEC
    _spec = json.loads(sys.argv[1])
    print(json.dumps(write_all(Path(_spec["path"]), _spec["fmt"], _spec["idx"], _spec["fields"], Path(_spec["work"]),
                               name=_spec["name"], title=_spec["title"])))
