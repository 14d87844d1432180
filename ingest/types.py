"""Typed records that flow out of ingest/: document metadata, pages, chunks, per-file outcomes.

index/ and app/ import these; ingest/ imports nothing from them (data flows corpus -> ingest -> index -> app).
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

REGULATION_TYPES = ("uu", "perppu", "pp", "perpres", "permen", "perda", "perkada")
DOC_TYPES = REGULATION_TYPES + ("tip_report", "meeting_report", "agency_submission", "other")
# Document access levels: public (anyone), internal (any logged-in user), restricted (admins and members of one of
# the document's access_agencies). Enforced at retrieval (index/access.py); set in the catalog or at upload.
ACCESS_LEVELS = ("public", "internal", "restricted")


class IngestError(Exception):
    """A file that cannot be ingested. The message is the reason shown to the officer."""


@dataclass
class DocMeta:
    """What the catalog says (or ingest infers) about one document."""

    path: str  # as ingested: relative to the ingest root (e.g. "laws/uu_21_2007_pemberantasan_tppo.md")
    title: str
    doc_type: str = "other"
    short_title: str | None = None  # "UU 21/2007"; used in chunk paths
    number: str | None = None
    year: int | None = None
    agency: str | None = None
    agencies: list[str] = field(default_factory=list)  # agencies taking part / mentioned
    date: str | None = None  # ISO yyyy-mm-dd
    language: str = "id"
    origin: str | None = None
    licence: str | None = None
    access: str = "public"  # one of ACCESS_LEVELS
    access_agencies: list[str] = field(default_factory=list)  # restricted documents: agencies that may read them
    notes: str | None = None
    period: str | None = None  # agency submissions: the TIP period they report on ("2026"), catalog or upload form
    inferred: list[str] = field(default_factory=list)  # which fields were inferred rather than catalogued

    @property
    def label(self) -> str:
        return self.short_title or self.title

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "DocMeta":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass
class Page:
    number: int | None  # 1-based PDF page; None for formats without pages
    text: str
    ocr: bool = False


@dataclass
class Chunk:
    """One retrievable passage."""

    doc_id: str
    ordinal: int  # position in the document
    text: str  # the passage as shown to the officer
    section: str | None  # structural path: "UU 21/2007 > BAB I > Pasal 1 angka 3"
    page: int | None = None
    kind: str = "prose"  # pasal | penjelasan | preamble | closing | prose
    pasal: str | None = None  # "Pasal 5" for body and Penjelasan chunks
    explains: str | None = None  # Penjelasan chunks: the Pasal they explain
    tokens: int = 0
    context: str = ""  # heading titles etc.: prefixed for embedding and keyword search, never shown as the passage
    links: list[str] = field(default_factory=list)  # body <-> Penjelasan chunk ids of the same Pasal
    table: dict[str, Any] | None = None  # table rows (ingest/tables.py): sheet, row, label, cells [{ref, column, value}]

    @property
    def id(self) -> str:
        h = hashlib.sha1(f"{self.doc_id}|{self.ordinal}|{self.text}".encode()).hexdigest()[:12]
        return f"{self.doc_id}:{self.ordinal:05d}:{h}"

    def index_text(self, meta: DocMeta) -> str:
        """What embedding and keyword search see: the path and heading context, then the passage."""
        head = " ".join(x for x in (self.section or meta.title, self.context) if x)
        return f"{head}\n{self.text}"


@dataclass
class ParsedDocument:
    meta: DocMeta
    doc_id: str
    sha256: str
    size: int
    pages: list[Page]
    chunks: list[Chunk]
    fmt: str
    warnings: list[str] = field(default_factory=list)  # damage named in the ingest summary (broken sheets ...)

    @property
    def ocr_pages(self) -> list[int]:
        return [p.number for p in self.pages if p.ocr and p.number is not None]


@dataclass
class FileOutcome:
    """What happened to one file in one ingest run."""

    path: str
    status: str  # added | updated | unchanged | removed | failed
    chunks: int = 0
    pages: int = 0
    reason: str | None = None
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)  # ingested, with named damage (a broken sheet, merged cells)
