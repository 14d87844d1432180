"""The recommendations tracker: a TIP Report's recommendations to Indonesia, one by one, against the evidence of a
reporting period.

The recommendations are the passages of kind "recommendation" that ingest/tip_structure.py cuts from a report's
recommendations section. The default report is the latest TIP Report in the store (report year, then date) that
has such passages; ``--report`` picks another by path or short title.

For each recommendation:
- its *key terms*: the content words (stopwords and the `ignore` words of prompts/recommendations.yaml left out),
  each with its Indonesian equivalents from the TPPO glossary (index/glossary_en_id.tsv), so an Indonesian meeting
  report can answer an English recommendation;
- the evidence: hybrid search with the recommendation's text over documents dated inside the period (TIP Reports
  excluded: the report does not answer itself), GUGUS_REC_PASSAGES passages;
- the status, from the best passage's share of key terms: ``addressed`` at GUGUS_REC_ADDRESSED (0.6) or more,
  ``partial`` at GUGUS_REC_PARTIAL (0.35) or more, else ``no_evidence``. The citations are the passages at or above
  the partial share, best first, with the terms each one holds;
- the agencies responsible, from the rules of prompts/recommendations.yaml.

The share of terms is a screening measure for the secretariat, not a judgment: the citations are there to be read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ...index.keyword import STOPWORDS
from ...index.period import Period
from ...index.query import expand
from ...index.retriever import Filters, Hit
from ...ingest.types import DOC_TYPES
from ...prompts import PROMPT_DIR

RULES_FILE = PROMPT_DIR / "recommendations.yaml"
STATUSES = ("addressed", "partial", "no_evidence")


class RecommendationError(ValueError):
    pass


@dataclass(frozen=True)
class Rules:
    rules: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    ignore: frozenset[str]
    terms_id: tuple[tuple[str, tuple[str, ...]], ...] = ()  # English key term -> Indonesian word prefixes

    def indonesian(self, word: str) -> tuple[str, ...]:
        return next((forms for w, forms in self.terms_id if w == word), ())


@lru_cache(maxsize=4)
def _rules(path: Path, mtime: float) -> Rules:
    try:
        d = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise RecommendationError(f"{path}: invalid YAML: {e}") from None
    rules = []
    for i, r in enumerate(d.get("rules") or []):
        if not isinstance(r, dict) or not r.get("terms") or not r.get("agencies"):
            raise RecommendationError(f"{path}: rule {i + 1}: needs 'terms' and 'agencies'")
        rules.append((tuple(str(t).lower() for t in r["terms"]), tuple(str(a) for a in r["agencies"])))
    tid = d.get("terms_id") or {}
    if not isinstance(tid, dict):
        raise RecommendationError(f"{path}: 'terms_id' must map an English term to a list of Indonesian words")
    return Rules(tuple(rules), frozenset(str(w).lower() for w in d.get("ignore") or ()),
                 tuple((str(k).lower(), tuple(str(x).lower() for x in (v or ()))) for k, v in tid.items()))


def load_rules(path: Path = RULES_FILE) -> Rules:
    return _rules(path, path.stat().st_mtime)


def agencies_for(text: str, rules: Rules | None = None) -> list[str]:
    low = text.lower()
    out: list[str] = []
    for terms, agencies in (rules or load_rules()).rules:
        if any(re.search(rf"(?<!\w){re.escape(t)}", low) for t in terms):
            out.extend(a for a in agencies if a not in out)
    return out


@dataclass
class Term:
    word: str
    forms: tuple[str, ...]  # regex sources: an English prefix and the Indonesian glossary terms

    def in_text(self, low: str) -> bool:
        return any(re.search(f, low) for f in self.forms)


def key_terms(text: str, rules: Rules | None = None) -> list[Term]:
    rules = rules or load_rules()
    ignore = rules.ignore
    out: list[Term] = []
    seen: set[str] = set()
    for w in re.findall(r"[A-Za-z]+|\d{4}", text):
        low = w.lower()
        if low in STOPWORDS or low in ignore or (len(low) < 3 and not low.isdigit()) or low in seen:
            continue
        seen.add(low)
        prefix = low if len(low) <= 5 or low.isdigit() else low[:max(5, len(low) - 3)]
        forms = [rf"(?<!\w){re.escape(prefix)}"]
        forms += [rf"(?<!\w){re.escape(t.lower())}(?!\w)" for t in expand(low, "en")]
        forms += [rf"(?<!\w){re.escape(t)}" for t in rules.indonesian(low)]
        out.append(Term(low, tuple(dict.fromkeys(forms))))
    return out


@dataclass
class Citation:
    hit: Hit
    share: float
    terms: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"rank": self.hit.rank, "score": round(float(self.hit.score), 6), "text": self.hit.text,
                "source": self.hit.source(), "share": round(self.share, 3), "terms": self.terms}


@dataclass
class Recommendation:
    n: int
    text: str
    status: str
    agencies: list[str]
    citations: list[Citation] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    chunk_id: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "text": self.text, "status": self.status, "agencies": self.agencies,
                "citations": [c.to_json() for c in self.citations], "terms": self.terms, "chunk_id": self.chunk_id}


@dataclass
class Tracked:
    report: dict[str, Any]
    period: Period
    recommendations: list[Recommendation]

    def to_json(self) -> dict[str, Any]:
        return {"report": self.report, "period": self.period.to_json(),
                "recommendations": [r.to_json() for r in self.recommendations]}


def _n(section: str | None) -> int:
    m = re.search(r"> (\d+)$", section or "")
    return int(m.group(1)) if m else 0


def report_recommendations(g, filters: Filters | None = None) -> dict[str, list]:
    """doc path -> its recommendation chunks (StoredChunk), in order. ``filters`` carries the reader's access."""
    access = filters.access if filters else None
    out: dict[str, list] = {}
    for batch in g.store.iter_all():
        for c in batch:
            m = c.meta
            if m.get("kind") != "recommendation" or m.get("doc_type") != "tip_report":
                continue
            if access is not None and not access.matches(m):
                continue
            out.setdefault(m.get("path"), []).append(c)
    for v in out.values():
        v.sort(key=lambda c: (int(c.meta.get("ordinal") or 0)))
    return out


def choose_report(recs: dict[str, list], report: str | None) -> str:
    if not recs:
        raise RecommendationError("no TIP Report with a recommendations section in the documents "
                                  "(ingest one: its 'PRIORITIZED RECOMMENDATIONS' heading is recognised)")
    if report:
        want = report.strip().lower()
        for path, cs in recs.items():
            m = cs[0].meta
            if want in (str(path).lower(), str(m.get("short_title") or "").lower(), str(m.get("title") or "").lower()):
                return path
        raise RecommendationError(f"no TIP Report '{report}' with recommendations (have: "
                                  f"{', '.join(str(cs[0].meta.get('short_title') or p) for p, cs in recs.items())})")

    def key(path):
        m = recs[path][0].meta
        return (int(m.get("year") or 0), str(m.get("date") or ""), str(path))

    return max(recs, key=key)


def track(g, report: str | None, period: Period, filters: Filters | None = None) -> Tracked:
    s = g.settings
    rules = load_rules()
    recs = report_recommendations(g, filters)
    path = choose_report(recs, report)
    chunks = recs[path]
    m = chunks[0].meta
    source = {"path": m.get("path"), "title": m.get("title"), "doc_type": m.get("doc_type"), "page": m.get("page"),
              "section": m.get("section"), "short_title": m.get("short_title"), "year": m.get("year"),
              "date": m.get("date")}
    evidence = Filters(doc_types=[t for t in DOC_TYPES if t != "tip_report"], date_from=period.start,
                       date_to=period.end, access=filters.access if filters else None)
    out: list[Recommendation] = []
    for c in chunks:
        terms = key_terms(c.text, rules)
        hits = g.search(c.text, top_k=s.rec_passages, filters=evidence) if terms else []
        cites = []
        for h in hits:
            low = h.text.lower()
            held = [t.word for t in terms if t.in_text(low)]
            share = len(held) / len(terms)
            if share >= s.rec_partial:
                cites.append(Citation(h, share, held))
        cites.sort(key=lambda x: (-x.share, x.hit.rank))
        best = cites[0].share if cites else 0.0
        status = "addressed" if best >= s.rec_addressed else "partial" if best >= s.rec_partial else "no_evidence"
        out.append(Recommendation(_n(c.meta.get("section")) or len(out) + 1, c.text, status,
                                  agencies_for(c.text, rules), cites, [t.word for t in terms], c.id))
    return Tracked(source, period, out)
