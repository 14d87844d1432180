"""One file -> ParsedDocument: read, clean, resolve metadata, chunk. Pure: touches no store."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from .catalog import resolve_meta
from .chunking import MAX_TOKENS, PageMap, TokenCounter, approx_tokens, chunk_document
from .clean import clean_pages
from .readers import read_pages
from .types import REGULATION_TYPES, IngestError, ParsedDocument


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


def parse_file(path: Path, rel_path: str, catalog: dict[str, dict[str, Any]], key: str | None = None,
               count: TokenCounter = approx_tokens, max_tokens: int = MAX_TOKENS,
               data: bytes | None = None) -> ParsedDocument:
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise IngestError(f"cannot read file: {e.strerror}") from None
    fmt, pages = read_pages(path, data)
    pages = clean_pages(pages)
    text, pm = join_pages(pages)
    if not text.strip():
        raise IngestError("no text left after cleaning")
    meta = resolve_meta(rel_path, text, catalog)
    doc_id = doc_id_for(key or rel_path)
    chunks = chunk_document(text, meta, doc_id, pm, count, max_tokens, regulation=meta.doc_type in REGULATION_TYPES)
    if not chunks:
        raise IngestError("no passages could be extracted")
    return ParsedDocument(meta=meta, doc_id=doc_id, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                          pages=pages, chunks=chunks, fmt=fmt)
