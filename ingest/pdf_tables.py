"""Ruled tables in PDF agency submissions, read as tables (issue 11: "tables stay tables").

pypdf reads the text (ingest/readers.py); it flattens a table into lines of cell text that lose which figure belongs
to which label. Here pdfplumber finds the tables, only on pages that draw a grid of aligned rules (counted with
pdfium, fast: pdfplumber's layout analysis costs about 0.1-0.5 s a page and is skipped elsewhere), with the "lines"
strategy: a table must be ruled. Each table becomes a Sheet ("Tabel 1", "Tabel 2" ... numbered through
the document, as for DOCX), so its rows are passages with header labels and cell references in the same record
shape as XLSX/CSV/DOCX rows (ingest/tables.py), plus the page. A table that runs on to the next page without
repeating its header gets the header of the page before and stays the same table, its row numbers running on
("Tabel 1", rows 2-6 on page 1, rows 7-8 on page 2; a cell reference "B7" is column B of the table's 7th row).

Not read as tables: tables drawn without rules (whitespace-aligned columns; their text stays prose), scanned pages
(OCR'd text only), and a page whose table detection fails (named in the warnings; its text is kept).
"""
from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import Any

from .tables import Sheet, _is_text, _norm, build_sheet

log = logging.getLogger(__name__)

MIN_RULES = 3  # aligned horizontal and vertical rules a page needs before pdfplumber looks for a table on it
THIN = 2.5  # points: a path this thin is a rule (a stroked line or a thin filled rectangle, as Word exports borders)
ALIGN = 3.0  # points: rules whose ends agree within this are one grid's
TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}


@dataclass
class PdfTable:
    page: int  # 1-based
    sheet: Sheet
    top: bool  # starts near the top of its page (a continuation candidate)
    bottom: bool  # ends near the foot of its page


def ruled_pages(data: bytes, skip: set[int] = frozenset()) -> list[int]:
    """0-based pages that draw a ruled grid: at least MIN_RULES thin horizontal paths with the same ends and
    MIN_RULES thin vertical ones with the same ends (a two-column, two-row table has three of each). A page frame or
    the box of an electronic-signature footer (two and two, as on every page of the corpus Perda DIY 6/2025) is not
    one."""
    from collections import Counter

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    out = []
    pdf = pdfium.PdfDocument(data)
    try:
        for i in range(len(pdf)):
            if i in skip:
                continue
            page = pdf[i]
            hor: Counter = Counter()
            ver: Counter = Counter()
            for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=2):
                left, bottom, right, top = obj.get_bounds()
                w, h = right - left, top - bottom
                if h <= THIN and w >= 3 * THIN:
                    hor[(round(left / ALIGN), round(right / ALIGN))] += 1
                elif w <= THIN and h >= 3 * THIN:
                    ver[(round(bottom / ALIGN), round(top / ALIGN))] += 1
            page.close()
            if max(hor.values(), default=0) >= MIN_RULES and max(ver.values(), default=0) >= MIN_RULES:
                out.append(i)
    finally:
        pdf.close()
    return out


def _cell(v: Any) -> Any:
    if isinstance(v, str):
        v = re.sub(r"\s*\n\s*", " ", v)
    return _norm(v)


def _header_like(row: list[Any]) -> bool:
    filled = [v for v in row if v is not None]
    return len(filled) >= 2 and sum(_is_text(v) for v in filled) * 2 >= len(filled) and \
        all(isinstance(v, str) and not re.search(r"\d", v) for v in filled[1:])


def read_pdf_tables(data: bytes, skip: set[int] = frozenset(), warnings: list[str] | None = None) -> list[PdfTable]:
    """The ruled tables of a PDF, page by page (``skip``: 0-based pages not to look at, e.g. OCR'd scans)."""
    try:
        pages = ruled_pages(data, skip)
    except Exception as e:  # pypdf read the file, pdfium cannot: keep the text, name the loss
        if warnings is not None:
            warnings.append(f"tables not looked for ({type(e).__name__}: {str(e)[:120]}); the text is kept")
        return []
    if not pages:
        return []
    try:
        return _tables(data, pages, warnings)
    except Exception as e:
        if warnings is not None:
            warnings.append(f"tables not read ({type(e).__name__}: {str(e)[:120]}); the text is kept")
        return []


def _tables(data: bytes, pages: list[int], warnings: list[str] | None) -> list[PdfTable]:
    import pdfplumber

    out: list[PdfTable] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for i in pages:
            try:
                page = pdf.pages[i]
                found = page.find_tables(TABLE_SETTINGS)
                grids = [(t.bbox, t.extract()) for t in found]
            except Exception as e:  # a damaged content stream: the page's text is still read by pypdf
                if warnings is not None:
                    warnings.append(f"page {i + 1}: table detection failed ({type(e).__name__}); its text is kept")
                continue
            finally:
                try:
                    page.flush_cache()
                except Exception:
                    pass
            height = float(page.height)
            for bbox, rows in grids:
                grid = [[_cell(v) for v in r] for r in rows]
                grid = [r for r in grid if any(v is not None for v in r)]
                if len(grid) < 2 or max(len(r) for r in grid) < 2:
                    continue
                top, bottom = bbox[1] < height * 0.2, bbox[3] > height * 0.8
                prev = out[-1] if out else None
                if (prev and prev.page == i and prev.bottom and top and not _header_like(grid[0])
                        and prev.sheet.header_row and len(prev.sheet.headers) == max(len(r) for r in grid)):
                    # the table goes on from the page before: same table, its header, row numbers running on
                    sheet = build_sheet(prev.sheet.name, [list(prev.sheet.headers)] + grid)
                    shift = prev.sheet.rows[-1].number - 1 if prev.sheet.rows else 0
                    sheet.header_row, sheet.title = prev.sheet.header_row, prev.sheet.title
                    for r in sheet.rows:
                        r.number += shift
                        for c in r.cells:
                            c.ref = re.sub(r"\d+$", str(r.number), c.ref)
                else:
                    sheet = build_sheet(f"Tabel {len({t.sheet.name for t in out}) + 1}", grid)
                if sheet.rows:
                    out.append(PdfTable(i + 1, sheet, top, bottom))
    return out


_WORD = re.compile(r"\w+", re.U)


def drop_table_lines(text: str, tables: list[PdfTable]) -> str:
    """The page's pypdf text without the lines that are the tables' cell text (each row is its own passage now):
    a line is dropped when every word of it is a word of the page's table cells."""
    words = set()
    for t in tables:
        words.update(w.lower() for w in _WORD.findall(t.sheet.title))
        words.update(w.lower() for h in t.sheet.headers for w in _WORD.findall(h))
        for r in t.sheet.rows:
            for c in r.cells:
                words.update(w.lower() for w in _WORD.findall(c.text))
    keep = []
    for line in text.split("\n"):
        ws = [w.lower() for w in _WORD.findall(line)]
        if ws and all(w in words for w in ws):
            continue
        keep.append(line)
    return "\n".join(keep)
