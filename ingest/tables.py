"""Tables that stay tables: XLSX (openpyxl, every sheet), CSV, and the tables inside DOCX files.

Each data row becomes one passage that carries its header labels ("Jenis kegiatan: Penyidikan TPPO | Jumlah kasus:
120"), so a row can be found by search and cited by sheet, row and cell. The structured row (sheet, row number,
header row, row label, and for every cell its reference "B3", column label and value) goes into the chunk's
``table`` field; index/store.py stores it in the chunk metadata and app/figures/rows.py reads figures from it.

Damage is named, never silently lost, and never costs the rest of the file:
- a sheet that cannot be read (corrupt XML) is named and skipped, the other sheets are read;
- an empty sheet is named;
- merged cells are named, and the merged value is repeated in every cell of the range (a header merged over three
  columns labels all three);
- a formula without a cached value (a file written by a program that does not compute formulas) is named; the cell
  keeps the formula text, and is never read as a figure.
The warnings go into the ingest summary (FileOutcome.warnings).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import asdict, dataclass, field
from typing import Any

from .types import Chunk, DocMeta, IngestError

TABLE_FORMATS = ("xlsx", "csv")
MAX_WARN_CELLS = 5  # cell references listed per warning before "..."
CSV_DELIMITERS = ",;\t|"
CSV_SNIFF_CHARS = 20000  # the delimiter is sniffed from the start of the file


@dataclass
class Cell:
    ref: str  # "B3"
    column: str  # the column's header label ("Jumlah kasus"), or the column letter when there is none
    value: Any  # int | float | str (dates as ISO text); None for an empty cell
    formula: str | None = None  # "=SUM(B2:B4)" when the cell holds a formula without a cached value

    @property
    def text(self) -> str:
        if self.formula:
            return self.formula
        v = self.value
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return "" if v is None else str(v).strip()


@dataclass
class Row:
    number: int  # 1-based row number in the sheet
    label: str  # the row's first text cell ("Penyidikan TPPO")
    cells: list[Cell]


@dataclass
class Sheet:
    name: str
    title: str = ""  # a single-cell line above the header ("Data TPPO Polri 2025")
    header_row: int | None = None
    headers: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)


@dataclass
class TableFile:
    sheets: list[Sheet]
    warnings: list[str] = field(default_factory=list)

    def text(self) -> str:
        """All rows as plain text (metadata inference: agencies named, dates, language)."""
        parts = []
        for s in self.sheets:
            parts.append(s.title or s.name)
            parts.extend(row_text(r) for r in s.rows)
        return "\n\n".join(p for p in parts if p)


def col_letter(i: int) -> str:
    """1 -> A, 27 -> AA."""
    s = ""
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _refs(refs: list[str]) -> str:
    return ", ".join(refs[:MAX_WARN_CELLS]) + (f" ... ({len(refs)} in all)" if len(refs) > MAX_WARN_CELLS else "")


def _norm(v: Any) -> Any:
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()[:10] if isinstance(v, dt.datetime) and not (v.hour or v.minute) else v.isoformat()
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return v


def _is_text(v: Any) -> bool:
    return isinstance(v, str) and not re.fullmatch(r"[\d.,\s%-]+", v)


_YEAR = re.compile(r"(?:19|20)\d\d(?:\s*[-–/]\s*(?:19|20)?\d\d)?")


def _year_header(filled: list[Any]) -> bool:
    """"Kegiatan | 2024 | 2025": a label, then years (or "2024-2025") as column headings."""
    return _is_text(filled[0]) and all(isinstance(v, (str, int)) and _YEAR.fullmatch(str(v).strip())
                                       for v in filled[1:])


def _sub_header(hdr: list[Any], sub: list[Any]) -> bool:
    """A second header row: only text, nothing under the label column, and under a header that repeats (a merged
    cell) or is empty."""
    cells = [(j, v) for j, v in enumerate(sub) if v is not None]
    if not cells or (sub and sub[0] is not None) or not all(_is_text(v) for _, v in cells):
        return False
    repeated = {str(v) for v in hdr if v is not None and sum(str(x) == str(v) for x in hdr) > 1}
    return any(j >= len(hdr) or hdr[j] is None or str(hdr[j]) in repeated for j, _ in cells)


def build_sheet(name: str, grid: list[list[Any]], formulas: dict[tuple[int, int], str] | None = None) -> Sheet:
    """A sheet from its grid of values (grid[r][c], 0-based; None = empty). The header is the first row with at
    least two filled cells, most of them text (or a label followed by years: "Kegiatan | 2024 | 2025"); single-cell
    rows above it are the sheet's title."""
    formulas = formulas or {}
    sheet = Sheet(name)
    header_i = None
    data_start = len(grid)
    title: list[str] = []
    for i, row in enumerate(grid):
        filled = [v for j, v in enumerate(row) if v is not None or (i, j) in formulas]
        if not filled:
            continue
        distinct = list(dict.fromkeys(str(v) for v in filled))
        if len(distinct) == 1 and _is_text(filled[0]):  # one cell, or one value merged across the row: a title
            title.append(distinct[0])
            continue
        if len(filled) >= 2 and (sum(_is_text(v) for v in filled) * 2 >= len(filled) or _year_header(filled)):
            header_i, data_start = i, i + 1
            break
        if len(filled) == 1 and _is_text(filled[0]):
            title.append(str(filled[0]))
            continue
        data_start = i  # data without a header: columns are named by their letters
        break
    sheet.title = " — ".join(title)
    width = max((len(r) for r in grid), default=0)
    if header_i is not None:
        sheet.header_row = header_i + 1
        hdr = grid[header_i]
        sheet.headers = [str(hdr[j]).strip() if j < len(hdr) and hdr[j] is not None else col_letter(j + 1)
                         for j in range(width)]
        sub = grid[data_start] if data_start < len(grid) else []
        if _sub_header(hdr, sub):  # "Jumlah korban" merged over "Laki-laki | Perempuan": one label per column
            sheet.headers = [" — ".join(dict.fromkeys(x for x in (
                str(hdr[j]).strip() if j < len(hdr) and hdr[j] is not None else "",
                str(sub[j]).strip() if j < len(sub) and sub[j] is not None else "") if x)) or col_letter(j + 1)
                for j in range(width)]
            data_start += 1
    else:
        sheet.headers = [col_letter(j + 1) for j in range(width)]
    for i in range(data_start, len(grid)):
        row = grid[i]
        cells = []
        for j in range(width):
            v = row[j] if j < len(row) else None
            f = formulas.get((i, j))
            if v is None and f is None:
                continue
            cells.append(Cell(f"{col_letter(j + 1)}{i + 1}", sheet.headers[j], v, f))
        if not cells:
            continue
        label = next((c.text for c in cells if _is_text(c.value)), "")
        sheet.rows.append(Row(i + 1, label, cells))
    return sheet


# ------------------------------------------------------------------------------------------------ XLSX
_MERGE_RX = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')


def _ref_to_rc(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    col = 0
    for ch in m.group(1):  # type: ignore[union-attr]
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1  # type: ignore[union-attr]


def read_xlsx(data: bytes) -> TableFile:
    """Every sheet of a workbook. Sheets are read one by one (read-only mode), so one corrupt sheet is named and the
    others are kept."""
    import openpyxl

    if not data.startswith(b"PK"):
        raise IngestError("not an XLSX file (no ZIP signature)")
    try:
        wb_values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        wb_formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise IngestError(f"corrupt XLSX: {e}") from None
    except Exception as e:  # openpyxl raises many lxml/package errors on damaged files
        raise IngestError(f"corrupt XLSX: {type(e).__name__}: {e}") from None
    out = TableFile([])
    try:
        for ws in wb_values.worksheets:
            name = ws.title
            try:
                grid = [[_norm(v) for v in row] for row in ws.iter_rows(values_only=True)]
                raw = [list(row) for row in wb_formulas[name].iter_rows(values_only=True)]
                merges = _MERGE_RX.findall(wb_values._archive.read(ws._worksheet_path))
            except Exception as e:
                out.warnings.append(f"sheet '{name}': cannot be read ({type(e).__name__}: {str(e)[:120]}); "
                                    "skipped, the other sheets are kept")
                continue
            formulas: dict[tuple[int, int], str] = {}
            for i, row in enumerate(raw):
                for j, v in enumerate(row):
                    if isinstance(v, str) and v.startswith("=") and (i >= len(grid) or j >= len(grid[i])
                                                                     or grid[i][j] is None):
                        formulas[(i, j)] = v
            if formulas:
                refs = [f"{col_letter(j + 1)}{i + 1}" for i, j in sorted(formulas)]
                out.warnings.append(f"sheet '{name}': {len(refs)} formula cell(s) without a cached value "
                                    f"({_refs(refs)}); kept as formula text, not read as figures; open and save the "
                                    "file in Excel or LibreOffice to compute them")
            merged_refs = []
            for ref in (m.decode() for m in merges):
                a, _, b = ref.partition(":")
                (r0, c0), (r1, c1) = _ref_to_rc(a), _ref_to_rc(b or a)
                while len(grid) <= r1:
                    grid.append([])
                for r in range(r0, r1 + 1):
                    while len(grid[r]) <= c1:
                        grid[r].append(None)
                top = grid[r0][c0]
                for r in range(r0, r1 + 1):
                    for c in range(c0, c1 + 1):
                        if (r, c) != (r0, c0):
                            grid[r][c] = top
                merged_refs.append(ref)
            if merged_refs:
                out.warnings.append(f"sheet '{name}': merged cells {_refs(merged_refs)}; the merged value is "
                                    "repeated in each cell of the range")
            if not any(v is not None for row in grid for v in row) and not formulas:
                out.warnings.append(f"sheet '{name}': empty")
                continue
            sheet = build_sheet(name, grid, formulas)
            if not sheet.rows:
                out.warnings.append(f"sheet '{name}': a header but no data rows")
            out.sheets.append(sheet)
    finally:
        wb_values.close()
        wb_formulas.close()
    return out


# ------------------------------------------------------------------------------------------------ CSV
def _csv_value(s: str) -> Any:
    s = s.strip()
    return s or None


def read_csv_table(text: str, name: str) -> TableFile:
    """A CSV (delimiter sniffed among , ; tab |) as one sheet named after the file."""
    sample = text[:CSV_SNIFF_CHARS]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    try:
        grid = [[_csv_value(v) for v in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as e:
        raise IngestError(f"unreadable CSV: {e}") from None
    out = TableFile([])
    if not any(v is not None for r in grid for v in r):
        raise IngestError("the CSV has no values")
    widths = {len(r) for r in grid if any(v is not None for v in r)}
    if len(widths) > 1:
        short = [str(i + 1) for i, r in enumerate(grid) if r and len(r) < max(widths)]
        if short:
            out.warnings.append(f"rows with fewer columns than the widest row: {_refs(short)}")
    sheet = build_sheet(name, grid)
    if not sheet.rows:
        out.warnings.append("a header but no data rows")
    out.sheets.append(sheet)
    return out


# ------------------------------------------------------------------------------------------------ DOCX tables
def docx_tables(doc) -> list[Sheet]:
    """The tables of a python-docx Document, as sheets named "Tabel 1", "Tabel 2" ... (merged cells repeat)."""
    sheets = []
    for k, table in enumerate(doc.tables, 1):
        grid = [[_norm(c.text) for c in row.cells] for row in table.rows]
        if not any(v is not None for r in grid for v in r):
            continue
        sheet = build_sheet(f"Tabel {k}", grid)
        if sheet.rows:
            sheets.append(sheet)
    return sheets


# ------------------------------------------------------------------------------------------------ passages
def row_text(r: Row) -> str:
    """"Jenis kegiatan: Penyidikan TPPO | Jumlah kasus: 120 | Tersangka: 150"."""
    return " | ".join(f"{c.column}: {c.text}" if c.column and c.column != c.text else c.text for c in r.cells)


def row_record(sheet: Sheet, r: Row) -> dict[str, Any]:
    return {"sheet": sheet.name, "row": r.number, "header_row": sheet.header_row, "label": r.label,
            "title": sheet.title, "cells": [asdict(c) for c in r.cells]}


def table_chunks(tf: TableFile, meta: DocMeta, doc_id: str, count, max_tokens: int,
                 start_ordinal: int = 0, split=None) -> list[Chunk]:
    """One chunk per data row (split at the token budget only if a single row is longer than it)."""
    chunks: list[Chunk] = []
    for sheet in tf.sheets:
        for r in sheet.rows:
            text = row_text(r)
            if not re.search(r"\w", text):
                continue
            record = row_record(sheet, r)
            section = " > ".join(x for x in (meta.label, sheet.name, f"baris {r.number}") if x)
            pieces = split(text, max_tokens, count) if split else [text]
            for piece in pieces:
                chunks.append(Chunk(doc_id=doc_id, ordinal=start_ordinal + len(chunks), text=piece, section=section,
                                    kind="table_row", tokens=count(piece),
                                    context=" ".join(x for x in (meta.title, sheet.title) if x), table=record))
    return chunks

