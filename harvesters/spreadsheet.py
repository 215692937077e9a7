"""Agencies' own data inventories: an XLSX or CSV list of datasets with Vietnamese column headings.

The documented template is `seed/harvest/mau_danh_muc_du_lieu.xlsx` (and `.csv`; see
`seed/harvest/README.md`). Real inventories drift from any template, so:
- headings are matched without case, diacritics, punctuation, extra spaces or a hint in
  parentheses ("Mức độ chia sẻ (mở / dùng chung / dùng riêng)"), and several usual names are known
  for each column (Vietnamese and English);
- the heading row is found among the first rows (agencies put a title above it);
- a row that cannot be taken is reported with its row number and the rest goes on;
- values are lenient: dd/mm/yyyy dates, "có"/"x" for yes, lists separated by ";" "," or new lines,
  "dùng chung" for shared data.
Each row is one dataset; its id is the "Mã tập dữ liệu" cell, or the name made into a slug.
Filters: `sheet` (the sheet's name; default the first sheet with a heading row).

Hostile files are refused with a clear job error before they can exhaust the server: an XLSX
whose content would take more than MAX_INFLATED_BYTES once uncompressed (the zip-bomb guard the
quality checks use, `catalog/zipguard.py`), and a sheet or CSV of more than MAX_ROWS rows or
MAX_CELLS cells (counted while reading, so a sheet that claims 16,384 columns is cut early).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from catalog import zipguard
from catalog.text import fold, slugify

from . import fidelity
from .base import Harvester, HarvestFailed, LogText, Problem, Record
from .options import SpreadsheetOptions
from .reading import read
from .record import as_text

#: column -> the headings it is known by (compared folded).
COLUMNS: dict[str, tuple[str, ...]] = {
    "remote_id": ("mã tập dữ liệu", "mã dữ liệu", "mã", "mã số", "mã định danh", "id", "code", "dataset id",
                  "identifier"),
    "title_vi": ("tên tập dữ liệu", "tên dữ liệu", "tên", "tiêu đề", "title", "name", "dataset name"),
    "title_en": ("tên tiếng anh", "tên tập dữ liệu tiếng anh", "tên tiếng anh của tập dữ liệu", "english title",
                 "title en", "name en"),
    "description_vi": ("mô tả", "mô tả tóm tắt", "nội dung", "tóm tắt", "description"),
    "publisher": ("mã cơ quan", "cơ quan", "cơ quan chủ quản", "cơ quan quản lý", "đơn vị", "đơn vị chủ quản",
                  "đơn vị quản lý", "publisher", "agency", "organization"),
    "database": ("mã cơ sở dữ liệu", "mã csdl", "cơ sở dữ liệu", "csdl", "database", "database code"),
    "access_level": ("mức độ chia sẻ", "loại dữ liệu", "phạm vi chia sẻ", "mức độ tiếp cận", "phân loại",
                     "access level", "access"),
    "themes": ("lĩnh vực", "chủ đề", "nhóm dữ liệu", "theme", "themes"),
    "keywords": ("từ khóa", "từ khoá", "keywords", "tags"),
    "spatial": ("phạm vi địa lý", "địa bàn", "phạm vi", "địa phương", "spatial", "place"),
    "update_frequency": ("tần suất cập nhật", "tần suất", "chu kỳ cập nhật", "update frequency", "frequency"),
    "licence": ("giấy phép", "giấy phép sử dụng", "license", "licence"),
    "contact_name": ("người liên hệ", "đầu mối", "cán bộ đầu mối", "đầu mối liên hệ", "contact", "contact name"),
    "contact_email": ("thư điện tử", "email", "e-mail", "thư điện tử liên hệ", "email liên hệ", "contact email"),
    "contact_phone": ("điện thoại", "số điện thoại", "điện thoại liên hệ", "phone", "telephone"),
    "landing_page": ("trang thông tin", "trang web", "đường dẫn", "địa chỉ trang", "landing page", "website"),
    "download_url": ("đường dẫn tải về", "liên kết tải về", "tải về", "địa chỉ tải về", "download url",
                     "download"),
    "format": ("định dạng", "định dạng dữ liệu", "format"),
    "issued": ("ngày ban hành", "ngày công bố", "ngày tạo", "issued"),
    "modified": ("ngày cập nhật", "cập nhật lần cuối", "ngày sửa đổi", "modified", "last updated"),
    "temporal_start": ("từ ngày", "thời gian bắt đầu", "dữ liệu từ", "temporal start"),
    "temporal_end": ("đến ngày", "thời gian kết thúc", "dữ liệu đến", "temporal end"),
    "is_master_data": ("dữ liệu chủ", "là dữ liệu chủ", "master data"),
    "provenance": ("nguồn gốc dữ liệu", "nguồn gốc", "nguồn dữ liệu", "provenance"),
    "version": ("phiên bản", "version"),
    "languages": ("ngôn ngữ", "language", "languages"),
}
LISTS = ("themes", "keywords", "spatial", "languages")
ACCESS = {
    "mo": "open", "du lieu mo": "open", "open": "open", "cong khai": "open",
    "dung chung": "shared", "du lieu dung chung": "shared", "chia se": "shared", "shared": "shared",
    "dung rieng": "restricted", "du lieu dung rieng": "restricted", "rieng": "restricted", "han che": "restricted",
    "theo yeu cau": "restricted", "restricted": "restricted",
}
YES = {"co", "x", "yes", "y", "true", "1", "dung", "phai"}
_PARENS = re.compile(r"\([^)]*\)")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_SPLIT = re.compile(r"[;\n]|,(?!\d)")
HEADER_SCAN = 15
#: Limits of one inventory (an agency's list of datasets is far smaller).
MAX_INFLATED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 50_000
MAX_CELLS = 2_000_000


def heading_key(text: str) -> str:
    """'Mức độ chia sẻ (mở/dùng chung)*' -> 'muc do chia se'."""
    return _NOT_WORD.sub(" ", fold(_PARENS.sub(" ", text))).strip()


ALIASES = {heading_key(alias): column for column, aliases in COLUMNS.items() for alias in aliases}


def _cell(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return as_text(value)


def find_header(rows: list[list[Any]]) -> tuple[int, dict[int, str], list[str]] | None:
    """(index of the heading row, column position -> field, headings not understood)."""
    for index, row in enumerate(rows[:HEADER_SCAN]):
        mapping: dict[int, str] = {}
        unknown: list[str] = []
        for pos, cell in enumerate(row):
            text = _cell(cell)
            if not text:
                continue
            column = ALIASES.get(heading_key(text))
            if column and column not in mapping.values():
                mapping[pos] = column
            else:
                unknown.append(text)
        if "title_vi" in mapping.values() and len(mapping) >= 2:
            return index, mapping, unknown
    return None


def row_record(values: dict[str, str], row_number: int, warn: Any) -> Record | Problem:
    title = values.get("title_vi") or values.get("title_en")
    rid = values.get("remote_id") or (slugify(title) if title else None)
    if not title:
        return Problem(values.get("remote_id"), LogText("row_without_name", "row {row}: no dataset name "
                                                                "(Tên tập dữ liệu)", row=row_number))
    record: Record = {"kind": "dataset", "remote_id": rid}
    for column, value in values.items():
        if column == "remote_id":
            continue
        if column in LISTS:
            record[column] = [v.strip() for v in _SPLIT.split(value) if v.strip()]
        elif column == "access_level":
            level = ACCESS.get(heading_key(value))
            if level is None:
                warn(rid, "invalid_value", LogText(
                    "unknown_access_level", "row {row}: access level {value!r} is not one of "
                    "mở / dùng chung / dùng riêng; the source's default is used", row=row_number, value=value[:60]))
            record["access_level"] = level
        elif column == "is_master_data":
            record["is_master_data"] = heading_key(value) in YES
        elif column in ("download_url", "format"):
            continue
        else:
            record[column] = value
    if values.get("download_url") or values.get("format"):
        record["distributions"] = [{
            "remote_id": values.get("download_url") or "file", "title_vi": title,
            "download_url": values.get("download_url"), "format": (values.get("format") or "").upper() or None,
        }]
    return record


def _csv_rows(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise HarvestFailed("the CSV file is neither UTF-8 nor Windows-1258 text", "parse")
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return _bounded(csv.reader(io.StringIO(text), dialect), "the CSV file")


def _bounded(rows: Iterator[Any], where: str) -> list[list[Any]]:
    """The rows, refused past MAX_ROWS rows or MAX_CELLS cells (counted as they are read)."""
    out: list[list[Any]] = []
    cells = 0
    for row in rows:
        if len(out) >= MAX_ROWS:
            raise HarvestFailed(f"refused: {where} has more than {MAX_ROWS:,} rows; split the inventory", "parse")
        cells += len(row)
        if cells > MAX_CELLS:
            raise HarvestFailed(f"refused: {where} has more than {MAX_CELLS:,} cells; remove the empty or "
                                "unused columns", "parse")
        out.append(list(row))
    return out


def _xlsx_sheets(data: bytes, wanted: str | None) -> Iterator[tuple[str, list[list[Any]]]]:
    from zipfile import BadZipFile

    import openpyxl

    try:
        zipguard.check(io.BytesIO(data), MAX_INFLATED_BYTES)
    except zipguard.NotAZip as exc:
        raise HarvestFailed(f"the file is not a readable XLSX workbook: {exc}", "parse") from exc
    except zipguard.TooLarge as exc:
        raise HarvestFailed(f"refused: the workbook would take {exc.total / 1048576:.0f} MB uncompressed, over the "
                            f"limit of {exc.limit / 1048576:.0f} MB (a zip bomb?)", "parse") from exc
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise HarvestFailed(f"the file is not a readable XLSX workbook: {exc}", "parse") from exc
    try:
        names = [wanted] if wanted else book.sheetnames
        for name in names:
            if name not in book.sheetnames:
                raise HarvestFailed(f"the workbook has no sheet named {name!r} (it has: {', '.join(book.sheetnames)})",
                                    "parse")
            yield name, _bounded(book[name].iter_rows(values_only=True), f"the sheet {name!r}")
    finally:
        book.close()


def _column_keys(heading_row: list[Any], mapping: dict[int, str]) -> dict[int, str]:
    """What the fidelity report calls each column: its heading as written; a heading written twice whose
    second copy is not read is told apart by its position ("Ghi chú (column 9)")."""
    keys: dict[int, str] = {}
    for pos, cell in enumerate(heading_row):
        text = _cell(cell)
        if text:
            keys[pos] = text
    read = {keys[pos] for pos in mapping if pos in keys}
    for pos, text in keys.items():
        if pos not in mapping and text in read:
            keys[pos] = f"{text} (column {pos + 1})"
    return keys


class SpreadsheetHarvester(Harvester):
    options = SpreadsheetOptions
    protocol = "spreadsheet"

    def gather(self) -> Iterator[Record | Problem]:
        response = read(self.ctx, self.ctx.url)
        data = response.content
        is_xlsx = data[:2] == b"PK" or response.url.lower().endswith((".xlsx", ".xlsm"))
        sheets = _xlsx_sheets(data, self.ctx.filters.get("sheet")) if is_xlsx else iter([("CSV", _csv_rows(data))])
        for name, rows in sheets:
            found = find_header(rows)
            if found is None:
                continue
            self.announced_empty = True  # an inventory with its headings and no row lists nothing
            yield from self._rows(name, rows, *found)
            return
        expected = ", ".join(COLUMNS[c][0] for c in ("remote_id", "title_vi", "access_level"))
        raise HarvestFailed(f"{response.url}: no heading row found; the inventory needs at least the columns "
                            f"{expected} (see the template in seed/harvest)", "parse")

    def _rows(self, sheet: str, rows: list[list[Any]], index: int, mapping: dict[int, str],
              unknown: list[str]) -> Iterator[Record | Problem]:
        warn = self.ctx.warn
        keys = _column_keys(rows[index], mapping)
        known = frozenset(keys[pos] for pos in mapping)
        for heading in unknown:
            warn(None, "invalid_value", LogText("unused_column", "{sheet}: the column {value!r} is not used",
                                                sheet=sheet, value=heading[:80]))
        self.ctx.set_total(sum(1 for r in rows[index + 1:] if any(_cell(c) for c in r)))
        first_row: dict[str, int] = {}
        for offset, row in enumerate(rows[index + 1:], start=index + 2):
            values = {mapping[pos]: text for pos, cell in enumerate(row)
                      if pos in mapping and (text := _cell(cell))}
            if not values:
                continue
            item = row_record(values, offset, warn)
            if isinstance(item, dict):
                fidelity.note(item, [keys.get(pos) or f"column {pos + 1}" for pos, cell in enumerate(row)
                                     if _cell(cell)], known)
                rid = item["remote_id"]
                if rid in first_row:
                    yield Problem(rid, LogText("row_code_repeated", "row {row}: the code {code} is already used on "
                                               "row {first}", row=offset, code=rid, first=first_row[rid]), "duplicate")
                    continue
                first_row[rid] = offset
            yield item


HARVESTER = SpreadsheetHarvester
