"""A streaming XLSX workbook of one sheet, written as its XML straight into the zip.

Why not a library: for a 1,000,000-row file openpyxl's write-only workbook took about 48 s of CPU
and XlsxWriter (`constant_memory`) about 36 s (measured on the bench's table, issue 13), nearly
all of it in per-cell objects and checks; the publish-time conversion must take under 60 s in
all. Here each column gets one encoder chosen once from its served type, a row is one string
join, and the sheet is deflated as it is written, so memory stays flat however long the file.

What it writes is the minimal SpreadsheetML package (content types, relationships, workbook,
styles, one sheet): text as inline strings (never a formula, whatever it starts with; characters
XML cannot carry are dropped, as openpyxl does; a carriage return kept as a character
reference), integers as written, numbers by their shortest exact decimal (`repr`), booleans,
dates and naive date-times as serial days with a date style (the 1900 leap-year quirk handled as
openpyxl does, so readers get the same values back), a date-time with a zone as its ISO text."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

#: Rows a worksheet holds (Excel's limit, header included).
MAX_ROWS = 1_048_576
#: Rows gathered before they are handed to the compressor.
FLUSH_ROWS = 2000
#: Deflate level of the sheet: 1 is several times faster than the default and the file only a
#: little larger (the sheet's XML repeats itself).
COMPRESS_LEVEL = 1

_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_EPOCH = datetime(1899, 12, 30)

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>')
#: Cell styles: 0 plain, 1 a date, 2 a date-time.
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
_SHEET_END = "</sheetData></worksheet>"


def _text(value: Any) -> str:
    text = str(value)
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _serial(value: date | datetime) -> float | int:
    """Excel's serial day of a date or naive date-time (as openpyxl counts it, 1900 quirk included)."""
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    delta = moment - _EPOCH
    days = delta.days
    if 0 < days <= 60:
        days -= 1
    if not isinstance(value, datetime):
        return days
    return days + (delta.seconds + delta.microseconds / 1e6) / 86400


def _integer(value: Any) -> str:
    return f"<c><v>{value}</v></c>"


def _number(value: Any) -> str:
    return f"<c><v>{value!r}</v></c>"


def _boolean(value: Any) -> str:
    return f'<c t="b"><v>{1 if value else 0}</v></c>'


def _date(value: Any) -> str:
    return f'<c s="1"><v>{_serial(value)}</v></c>'


def _datetime(value: Any) -> str:
    if value.tzinfo is not None:  # Excel has no zones: the ISO text keeps the moment exactly
        return _text(value.isoformat())
    return f'<c s="2"><v>{_serial(value)!r}</v></c>'


_ENCODERS: dict[str, Callable[[Any], str]] = {
    "string": _text, "integer": _integer, "year": _integer, "number": _number, "boolean": _boolean,
    "date": _date, "datetime": _datetime,
}


def encoder(kind: str) -> Callable[[Any], str]:
    """The cell writer for the values `types.converter` gives a column of one served type; an
    empty cell (None) is `<c/>`."""
    write = _ENCODERS.get(kind, _text)
    return lambda value: "<c/>" if value is None else write(value)


class SheetWriter:
    """One sheet written row by row into `out`; `add` says False once Excel's row limit is passed
    (the workbook is then not kept)."""

    def __init__(self, out: Path, names: list[str], kinds: list[str]) -> None:
        self.out = out
        self.encoders = [encoder(kind) for kind in kinds]
        self.rows = 0
        self.full = False
        self.buffer: list[str] = []
        self.zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL)
        for name, body in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _ROOT_RELS),
                           ("xl/workbook.xml", _WORKBOOK), ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
                           ("xl/styles.xml", _STYLES)):
            self.zip.writestr(name, body)
        self.sheet: IO[bytes] = self.zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self.sheet.write(_SHEET_START.encode())
        self._row([_text(name) for name in names])

    def _row(self, cells: list[str]) -> None:
        self.rows += 1
        self.buffer.append(f'<row r="{self.rows}">{"".join(cells)}</row>')
        if len(self.buffer) >= FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        self.sheet.write("".join(self.buffer).encode())
        self.buffer.clear()

    def add(self, values: list[Any]) -> bool:
        if self.full or self.rows >= MAX_ROWS:
            self.full = True
            return False
        self._row([enc(v) for enc, v in zip(self.encoders, values, strict=True)])
        return True

    def finish(self) -> bool:
        """Close the workbook; True when it was kept (False: too many rows, the file is removed)."""
        self._flush()
        self.sheet.write(_SHEET_END.encode())
        self.sheet.close()
        self.zip.close()
        if self.full:
            self.out.unlink(missing_ok=True)
            return False
        return True

    def abort(self) -> None:
        """Give up (an error elsewhere): close and remove the partial file."""
        try:
            self.sheet.close()
            self.zip.close()
        finally:
            self.out.unlink(missing_ok=True)
