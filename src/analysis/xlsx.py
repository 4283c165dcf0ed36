"""Excel workbooks (.xlsx) of plain values, written directly: ``write(path, sheets)``.

A sheet is a title and its rows; a row is a sequence of plain values: text,
whole and decimal numbers, True/False, None for an empty cell.  The file is
the Office Open XML spreadsheet every reader opens (Excel, WPS, LibreOffice,
openpyxl, pandas): a workbook, a minimal style sheet, one sheet part per
sheet and the table of shared texts, each text stored once.

Why not openpyxl, which wrote them before: its write-only mode spent about
11 µs a cell building each cell as an object and an XML element; 02's
workbook of 584,000 cells at 1,000 reports took 6.8–10 s of the notebook's
23 s.  Here a row is one formatted string.  The tests read every kind of
value back through openpyxl and pandas, and through LibreOffice where it is
installed.

What Excel cannot hold is said, not left to break the file: a text longer
than a cell holds (``MAX_CELL_CHARS``) is cut with ``…``; a sheet of more
rows or columns than Excel's (``MAX_ROWS``, ``MAX_COLUMNS``) keeps those that
fit, a last row saying how many were left out (the CSV written beside it has
them all).  Characters
XML forbids (control characters) are dropped; a number that is not finite
(NaN, infinity) is an empty cell.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

__all__ = ["write", "MAX_ROWS", "MAX_COLUMNS", "MAX_CELL_CHARS"]

MAX_ROWS = 1_048_576  # Excel's rows a sheet
MAX_COLUMNS = 16_384  # Excel's columns a sheet
MAX_CELL_CHARS = 32_767  # Excel's characters a cell
EMPTY_TITLE = "表"  # the one sheet of a workbook given none
ROWS_LEFT_OUT = "…… 另有 {n:,} 行未列出（Excel 每个工作表最多 {limit:,} 行），完整数据见同名 CSV 文件。"
COLUMNS_LEFT_OUT = "…… 另有 {n:,} 列未列出（Excel 每个工作表最多 {limit:,} 列），完整数据见同名 CSV 文件。"

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")  # not allowed in XML 1.0
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def write(path: str | Path, sheets: Iterable[tuple[str, Iterable[Sequence[object]]]]) -> None:
    """Write *sheets* — (title, rows) in order, titles as Excel takes them (31 characters, none of ``[]:*?/\\``,
    each once) — as an .xlsx workbook at *path*.  The rows are read once, as they are written."""
    sheets = list(sheets) or [(EMPTY_TITLE, [])]  # a workbook has a sheet
    titles = [title for title, _ in sheets]
    strings: dict[str, int] = {}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as book:
        # the package's parts first, as Excel writes them; the shared texts last, once every sheet has named its own
        book.writestr("[Content_Types].xml", _content_types(len(titles)))
        book.writestr("_rels/.rels", _relations([("officeDocument", "xl/workbook.xml")]))
        book.writestr("xl/workbook.xml", _workbook(titles))
        sheet_relations = [("worksheet", f"worksheets/sheet{n}.xml") for n in range(1, len(titles) + 1)]
        book.writestr(
            "xl/_rels/workbook.xml.rels", _relations([*sheet_relations, ("styles", "styles.xml"), ("sharedStrings", "sharedStrings.xml")])
        )
        book.writestr("xl/styles.xml", _STYLES)
        for number, (_, rows) in enumerate(sheets, start=1):
            with book.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True) as part:
                for chunk in _sheet(rows, strings):
                    part.write(chunk.encode("utf-8"))
        with book.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'{_XML}<sst xmlns="{_MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'.encode())
            for batch in _batches((f'<si><t xml:space="preserve">{escape(text)}</t></si>' for text in strings), 4096):
                part.write(batch.encode("utf-8"))
            part.write(b"</sst>")


def _sheet(rows: Iterable[Sequence[object]], strings: dict[str, int]) -> Iterator[str]:
    """A sheet part in pieces: its rows, each cell with its reference, texts as their numbers in *strings*."""
    yield f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetData>'
    columns: list[str] = []
    written: list[str] = []
    number = 0
    left_out = 0
    widest = 0
    for row in rows:
        if number >= MAX_ROWS - 2:  # a row kept for each note (a sheet is read once: its length is known at its end)
            left_out += 1
            continue
        number += 1
        if len(row) > MAX_COLUMNS:
            widest = max(widest, len(row))
            row = row[:MAX_COLUMNS]
        while len(columns) < len(row):
            columns.append(_column(len(columns)))
        cells = []
        for column, value in zip(columns, row):
            cell = _cell(value, strings)
            if cell is not None:
                cells.append(f'<c r="{column}{number}"{cell}</c>')
        written.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(written) >= 512:
            yield "".join(written)
            written.clear()
    notes = [COLUMNS_LEFT_OUT.format(n=widest - MAX_COLUMNS, limit=MAX_COLUMNS)] if widest > MAX_COLUMNS else []
    notes += [ROWS_LEFT_OUT.format(n=left_out, limit=MAX_ROWS)] if left_out else []
    for at, note in enumerate(notes, start=number + 1):
        written.append(f'<row r="{at}"><c r="A{at}"{_cell(note, strings)}</c></row>')
    yield "".join(written) + "</sheetData></worksheet>"


def _cell(value: object, strings: dict[str, int]) -> str | None:
    """The part of a ``<c>`` element after its reference (type, value), or None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, str):
        if not value:
            return None
        if _ILLEGAL.search(value):
            value = _ILLEGAL.sub("", value)
        if len(value) > MAX_CELL_CHARS:
            value = value[: MAX_CELL_CHARS - 1] + "…"
        index = strings.get(value)
        if index is None:
            index = strings[value] = len(strings)
        return f' t="s"><v>{index}</v>'
    if isinstance(value, bool):
        return f' t="b"><v>{int(value)}</v>'
    if isinstance(value, int):
        return f"><v>{value}</v>"
    if isinstance(value, float):
        return f"><v>{value!r}</v>" if math.isfinite(value) else None
    raise TypeError(f"an .xlsx cell holds text, a number, True/False or None, not {type(value).__name__}: {value!r}")


def _column(index: int) -> str:
    """Excel's name of the column *index* (0 → A, 25 → Z, 26 → AA)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _batches(pieces: Iterable[str], size: int) -> Iterator[str]:
    batch: list[str] = []
    for piece in pieces:
        batch.append(piece)
        if len(batch) >= size:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)


def _content_types(sheets: int) -> str:
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    overrides = [("/xl/workbook.xml", f"{kind}.sheet.main+xml"), ("/xl/styles.xml", f"{kind}.styles+xml")]
    overrides += [(f"/xl/worksheets/sheet{n}.xml", f"{kind}.worksheet+xml") for n in range(1, sheets + 1)]
    overrides.append(("/xl/sharedStrings.xml", f"{kind}.sharedStrings+xml"))
    return (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{name}" ContentType="{content}"/>' for name, content in overrides)
        + "</Types>"
    )


def _relations(targets: list[tuple[str, str]]) -> str:
    """A relationships part: each (kind, target) with ids rId1, rId2, … in order."""
    items = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL}/{kind}" Target="{target}"/>' for n, (kind, target) in enumerate(targets, start=1)
    )
    return f'{_XML}<Relationships xmlns="{_PKG_REL}">{items}</Relationships>'


def _workbook(titles: list[str]) -> str:
    sheets = "".join(f'<sheet name={quoteattr(title)} sheetId="{n}" r:id="rId{n}"/>' for n, title in enumerate(titles, start=1))
    return f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{sheets}</sheets></workbook>'
