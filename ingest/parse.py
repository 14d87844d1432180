"""One file -> ParsedDocument: read, clean, resolve metadata, chunk. Pure: touches no store."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from .catalog import resolve_meta
from .chunking import (MAX_TOKENS, PageMap, RegulationChunker, TokenCounter, approx_tokens, chunk_prose,
                       split_to_budget)
from .clean import clean_pages
from .readers import check_content_matches, decode_text, file_format, read_docx, read_pages
from .tables import TABLE_FORMATS, TableFile, docx_tables, read_csv_table, read_xlsx, table_chunks
from .tip_structure import chunk_tip_report
from .types import REGULATION_TYPES, Chunk, DocMeta, IngestError, Page, ParsedDocument


def chunk_document(text: str, meta: DocMeta, doc_id: str, pages: PageMap, count: TokenCounter = approx_tokens,
                   max_tokens: int = MAX_TOKENS, regulation: bool = False,
                   warnings: list[str] | None = None) -> list[Chunk]:
    """`warnings` (if given) receives the damage worth naming in the ingest summary: a regulation's Pasal whose
    body is empty (the text was lost when the source was parsed)."""
    if regulation:
        rc = RegulationChunker(meta, doc_id, count, max_tokens, pages)
        chunks = rc.run(text)
        if sum(c.kind == "pasal" and c.pasal is not None for c in chunks) >= 1:
            if rc.empty and warnings is not None:
                warnings.append(f"{len(rc.empty)} Pasal with an empty body (text lost in the source?): "
                                + ", ".join(rc.empty[:10]) + (" ..." if len(rc.empty) > 10 else ""))
            return chunks
    if meta.doc_type == "tip_report":  # section headings kept, one passage per recommendation
        chunks = chunk_tip_report(text, meta, doc_id, pages, count, max_tokens)
        if chunks:
            return chunks
    return chunk_prose(text, meta, doc_id, count, max_tokens, pages)


def doc_id_for(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def join_pages(pages) -> tuple[str, PageMap]:
    pm = PageMap()
    parts: list[str] = []
    off = 0
    for p in pages:
        pm.starts.append(off)
        pm.numbers.append(p.number)
        parts.append(p.text)
        off += len(p.text) + 2
    return "\n\n".join(parts), pm


MAX_UNPACKED_BYTES = 200 * 2**20  # a DOCX/XLSX unpacking to more is refused (GUGUS_MAX_UNPACKED_MB)


def check_unpacked(data: bytes, limit: int) -> None:
    """Refuse a zip container (DOCX, XLSX) whose members unpack to more than `limit` bytes, before unpacking: a
    1.6 MB DOCX padded to 1.5 GB took the server from 341 MB to 3.4 GB (issue 10 item 5)."""
    import io
    import zipfile

    if not data.startswith(b"PK"):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            total = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        return  # the reader names the damage
    if total > limit:
        raise IngestError(f"unpacks to {total / 2**20:.0f} MB, over the limit of {limit / 2**20:.0f} MB "
                          f"(setting GUGUS_MAX_UNPACKED_MB)")


def parse_file(path: Path, rel_path: str, catalog: dict[str, dict[str, Any]], key: str | None = None,
               count: TokenCounter = approx_tokens, max_tokens: int = MAX_TOKENS,
               data: bytes | None = None, max_unpacked: int = MAX_UNPACKED_BYTES) -> ParsedDocument:
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise IngestError(f"cannot read file: {e.strerror}") from None
    check_unpacked(data, max_unpacked)
    fmt = file_format(path)
    if fmt in TABLE_FORMATS or fmt == "html" or fmt == "docx":
        doc = parse_structured(path, rel_path, catalog, fmt, data, key, count, max_tokens)
        if doc is not None:
            return doc
    fmt, pages = read_pages(path, data)
    warnings: list[str] = []
    tables = []
    if fmt == "pdf":  # ruled tables: one passage per row (ingest/pdf_tables.py); their lines leave the prose
        from .pdf_tables import drop_table_lines, read_pdf_tables

        tables = read_pdf_tables(data, skip={p.number - 1 for p in pages if p.ocr}, warnings=warnings)
        pages = [Page(p.number, drop_table_lines(p.text, [t for t in tables if t.page == p.number]), p.ocr)
                 if any(t.page == p.number for t in tables) else p for p in pages]
    pages = clean_pages(pages)
    text, pm = join_pages(pages)
    if not text.strip() and not tables:
        raise IngestError("no text left after cleaning")
    meta = resolve_meta(rel_path, text + "\n\n" + "\n\n".join(TableFile([t.sheet]).text() for t in tables), catalog)
    doc_id = doc_id_for(key or rel_path)
    chunks = chunk_document(text, meta, doc_id, pm, count, max_tokens, regulation=meta.doc_type in REGULATION_TYPES,
                            warnings=warnings) if text.strip() else []
    for t in tables:
        rows = table_chunks(TableFile([t.sheet]), meta, doc_id, count, max_tokens, start_ordinal=len(chunks),
                            split=split_to_budget)
        for c in rows:
            c.page = t.page
            c.table["page"] = t.page
        chunks += rows
    if not chunks:
        raise IngestError("no passages could be extracted")
    return ParsedDocument(meta=meta, doc_id=doc_id, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                          pages=pages, chunks=chunks, fmt=fmt, warnings=warnings)


def parse_structured(path: Path, rel_path: str, catalog: dict[str, dict[str, Any]], fmt: str, data: bytes,
                     key: str | None, count: TokenCounter, max_tokens: int) -> ParsedDocument | None:
    """XLSX and CSV (one passage per table row), HTML (trafilatura), and DOCX with tables (prose passages, then one
    passage per table row). None: a DOCX without tables, read the ordinary way."""
    if not data.strip():
        raise IngestError("empty file")
    check_content_matches(path, fmt, data)
    sha = hashlib.sha256(data).hexdigest()
    doc_id = doc_id_for(key or rel_path)
    if fmt == "html":
        from .html import read_html

        page = read_html(decode_text(data))
        pages = clean_pages([Page(None, page.text)])
        text, pm = join_pages(pages)
        meta = resolve_meta(rel_path, text, catalog)
        if page.date and (not meta.date or "date" in meta.inferred):
            meta.date = page.date
            meta.year = meta.year if meta.year and "year" not in meta.inferred else int(page.date[:4])
        chunks = chunk_document(text, meta, doc_id, pm, count, max_tokens)
        if not chunks:
            raise IngestError("no passages could be extracted")
        return ParsedDocument(meta=meta, doc_id=doc_id, sha256=sha, size=len(data), pages=pages, chunks=chunks,
                              fmt=fmt)
    prose = ""
    if fmt == "xlsx":
        tf = read_xlsx(data)
    elif fmt == "csv":
        tf = read_csv_table(decode_text(data), Path(rel_path).stem)
    else:  # docx
        import io

        import docx

        try:
            sheets = docx_tables(docx.Document(io.BytesIO(data)))
        except Exception:
            return None  # read_pages names the damage
        if not sheets:
            return None
        tf = TableFile(sheets)
        prose = read_docx(path, data, tables=False)
    table_text = tf.text()
    if not (prose.strip() or table_text.strip()):
        raise IngestError("no text found in the file" + (f" ({'; '.join(tf.warnings)})" if tf.warnings else ""))
    full = "\n\n".join(x for x in (prose, table_text) if x.strip())
    meta = resolve_meta(rel_path, full, catalog)
    chunks = []
    pages = [Page(None, full)]
    if prose.strip():
        ptext, pm = join_pages(clean_pages([Page(None, prose)]))
        chunks = chunk_document(ptext, meta, doc_id, pm, count, max_tokens) if ptext.strip() else []
    chunks += table_chunks(tf, meta, doc_id, count, max_tokens, start_ordinal=len(chunks), split=split_to_budget)
    if not chunks:
        raise IngestError("no passages could be extracted" + (f" ({'; '.join(tf.warnings)})" if tf.warnings else ""))
    return ParsedDocument(meta=meta, doc_id=doc_id, sha256=sha, size=len(data), pages=pages, chunks=chunks, fmt=fmt,
                          warnings=list(tf.warnings))
