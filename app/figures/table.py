"""The figures table: every figure in the store (extract.py reads prose, tables.py reads table rows), cached per
store and manifest generation, filtered like retrieval, and its CSV form.

    figures(g, filters=None) -> list[Figure]      # every figure in the store, filtered (cached per generation)
    all_figures(g) -> list[Figure]               # the same, unfiltered
    figures_for(g, passages) -> list[Figure]     # figures in these passages (chunk ids, Hits, Passages ...)
    to_csv(figures, file) / read_csv(file)       # CSV export (one row per figure) and its inverse
"""
from __future__ import annotations

import csv
import threading
from dataclasses import dataclass
from typing import Any, Iterable, TextIO

from ...index.period import Period
from ...index.retriever import Filters
from ...ingest.types import REGULATION_TYPES
from .prose import Figure, extract
from .rows import table_figures


@dataclass
class _Table:
    figures: list[Figure]
    metas: dict[str, dict[str, Any]]  # chunk id -> stored metadata (for access checks)


_cache: dict[tuple[int, int], _Table] = {}
_lock = threading.Lock()


def _table(g) -> _Table:
    """Every figure in the store, cached per manifest generation (a new ingest or upload invalidates it)."""
    key = (id(g.store), int(g.manifest.generation))
    with _lock:
        if key in _cache:
            return _cache[key]
    figs: list[Figure] = []
    metas: dict[str, dict[str, Any]] = {}
    for batch in g.store.iter_all():
        for c in sorted(batch, key=lambda c: c.id):
            found = _extract_chunk(c.text, c.meta, c.id)
            if found:
                figs.extend(found)
                metas[c.id] = c.meta
    figs.sort(key=lambda f: (f.path, f.chunk_id))  # documents in path order, passages in reading order
    table = _Table(figs, metas)
    with _lock:
        for k in [k for k in _cache if k[0] == key[0]]:
            del _cache[k]
        _cache[key] = table
    return table


def all_figures(g) -> list[Figure]:
    """Every figure in the store, unfiltered."""
    return _table(g).figures


def matches(f: Figure, filters: Filters | None, meta: dict[str, Any] | None = None) -> bool:
    """Whether a figure passes the filters (see the module docstring for the semantics). ``meta``, the source
    chunk's stored metadata, is needed for the access clause of filters that carry one."""
    if filters is None:
        return True
    access = getattr(filters, "access", None)
    if access is not None and not (meta is not None and access.matches(meta)):
        return False
    if filters.doc_types and f.doc_type not in filters.doc_types:
        return False
    if filters.languages and f.language not in filters.languages:
        return False
    if filters.agencies and (f.agency or "").lower() not in {a.lower() for a in filters.agencies}:
        return False
    d = Filters._dint(f.doc_date) if f.doc_date else 0
    if filters.date_from and d < Filters._dint(filters.date_from):
        return False
    if filters.date_to and d > Filters._dint(filters.date_to):
        return False
    p = filters.period
    if p:
        if f.doc_type in REGULATION_TYPES:
            return bool(f.doc_date) and f.doc_date[:10] <= p.end  # type: ignore[index]
        return f.period is not None and f.period.start <= p.end and p.start <= f.period.end
    return True


def figures(g, filters: Filters | None = None) -> list[Figure]:
    """The figures table: every figure in the store that passes ``filters``, in document order."""
    t = _table(g)
    return [f for f in t.figures if matches(f, filters, t.metas.get(f.chunk_id))]


def figures_for(g, passages: Iterable[Any]) -> list[Figure]:
    """Figures inside these passages: chunk ids, or objects with ``.id`` (Hit, StoredChunk) or ``.hit.id``
    (answer Passage). In the order of the passages given."""
    ids: list[str] = []
    for p in passages:
        cid = p if isinstance(p, str) else getattr(p, "id", None) or getattr(getattr(p, "hit", None), "id", None)
        if cid and cid not in ids:
            ids.append(cid)
    cached = _cache.get((id(g.store), int(g.manifest.generation)))
    if cached is not None:
        by_chunk: dict[str, list[Figure]] = {}
        for f in cached.figures:
            by_chunk.setdefault(f.chunk_id, []).append(f)
        return [f for i in ids for f in by_chunk.get(i, [])]
    return [f for c in g.store.get(ids) for f in _extract_chunk(c.text, c.meta, c.id)]


def _extract_chunk(text: str, meta: dict[str, Any], chunk_id: str) -> list[Figure]:
    """Table rows are read cell by cell (app/figures/rows.py), other passages sentence by sentence."""
    if meta.get("table"):
        return table_figures(text, meta, chunk_id)
    return extract(text, meta, chunk_id)


# ------------------------------------------------------------------------------------------------ CSV
CSV_FIELDS = ["value", "value_max", "unit", "what", "counted", "qualifiers", "action", "modifier", "agency",
              "agency_basis", "period_label", "period_start", "period_end", "period_basis", "text", "sentence",
              "chunk_id", "path", "title", "short_title", "doc_type", "doc_agency", "doc_date", "page", "section",
              "language", "context", "measure", "kind", "sheet", "row", "cell", "row_label", "column"]


def _fmt(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else repr(v)


def to_csv(figs: Iterable[Figure], file: TextIO) -> None:
    """One row per figure; list fields are joined with ';'. ``read_csv`` reads it back."""
    w = csv.DictWriter(file, fieldnames=CSV_FIELDS)
    w.writeheader()
    for f in figs:
        w.writerow({
            "value": _fmt(f.value), "value_max": _fmt(f.value_max), "unit": f.unit, "what": f.what,
            "counted": f.counted, "qualifiers": ";".join(f.qualifiers), "action": f.action or "",
            "modifier": f.modifier or "", "agency": f.agency or "", "agency_basis": f.agency_basis,
            "period_label": f.period.label if f.period else "", "period_start": f.period.start if f.period else "",
            "period_end": f.period.end if f.period else "", "period_basis": f.period_basis, "text": f.text,
            "sentence": f.sentence, "chunk_id": f.chunk_id, "path": f.path, "title": f.title,
            "short_title": f.short_title or "", "doc_type": f.doc_type, "doc_agency": f.doc_agency or "",
            "doc_date": f.doc_date or "", "page": "" if f.page is None else f.page, "section": f.section or "",
            "language": f.language, "context": ";".join(f.context), "measure": f.measure, "kind": f.kind,
            "sheet": f.sheet or "", "row": "" if f.row is None else f.row, "cell": f.cell or "",
            "row_label": f.row_label or "", "column": f.column or ""})


def read_csv(file: TextIO) -> list[Figure]:
    """The inverse of ``to_csv``."""
    out: list[Figure] = []
    for r in csv.DictReader(file):
        period = Period(r["period_start"], r["period_end"], r["period_label"]) if r["period_start"] else None
        out.append(Figure(
            value=float(r["value"]), value_max=float(r["value_max"]) if r["value_max"] else None, unit=r["unit"],
            counted=r["counted"], qualifiers=[q for q in r["qualifiers"].split(";") if q],
            action=r["action"] or None, modifier=r["modifier"] or None, agency=r["agency"] or None,
            agency_basis=r["agency_basis"], period=period, period_basis=r["period_basis"], text=r["text"],
            sentence=r["sentence"], chunk_id=r["chunk_id"], path=r["path"], title=r["title"],
            short_title=r["short_title"] or None, doc_type=r["doc_type"], doc_agency=r["doc_agency"] or None,
            doc_date=r["doc_date"] or None, page=int(r["page"]) if r["page"] else None, section=r["section"] or None,
            language=r["language"], context=[c for c in r["context"].split(";") if c],
            sheet=r.get("sheet") or None, row=int(r["row"]) if r.get("row") else None, cell=r.get("cell") or None,
            row_label=r.get("row_label") or None, column=r.get("column") or None))
    return out
