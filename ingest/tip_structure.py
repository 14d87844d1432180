"""TIP Report country narratives keep their structure: the section headings (PRIORITIZED RECOMMENDATIONS or
"RECOMMENDATIONS FOR INDONESIA", PROSECUTION, PROTECTION, PREVENTION, TRAFFICKING PROFILE) and, under the
recommendations heading, one passage per recommendation.

The State Department writes the recommendations as one paragraph of clauses separated by semicolons
("Investigate, prosecute, and convict ...; amend the 2007 law ...; increase efforts ..."), and in later reports as
bulleted lines; both are split. A recommendation passage has kind "recommendation" and the section path
"<report> > PRIORITIZED RECOMMENDATIONS > 3" (app/cycle/recommendations.py reads them back). The rest of the text is
chunked as prose, under its headings.
"""
from __future__ import annotations

import re

from .chunking import PageMap, TokenCounter, chunk_prose, split_to_budget
from .types import Chunk, DocMeta

SECTION_HEADINGS = ("PRIORITIZED RECOMMENDATIONS", "RECOMMENDATIONS FOR INDONESIA", "RECOMMENDATIONS", "PROSECUTION",
                    "PROTECTION", "PREVENTION", "TRAFFICKING PROFILE")
RECOMMENDATION_HEADINGS = ("PRIORITIZED RECOMMENDATIONS", "RECOMMENDATIONS FOR INDONESIA", "RECOMMENDATIONS")
_HEAD_RX = re.compile(r"(?m)^[ \t#]*(" + "|".join(re.escape(h) for h in SECTION_HEADINGS) + r")[ \t]*:?[ \t]*$")
_BULLET = re.compile(r"(?m)^\s*(?:[-•*·]|\d{1,2}[.)])\s+")


def split_recommendations(body: str) -> list[str]:
    """The recommendations of a section body: bulleted lines, else semicolon-separated clauses (as written)."""
    body = body.strip()
    if not body:
        return []
    if len(_BULLET.findall(body)) >= 2:
        parts = [p for p in _BULLET.split(body) if p.strip()]
    else:
        parts = re.split(r";\s+(?=\S)", re.sub(r"\s*\n\s*", " ", body))
    out = []
    for p in parts:
        p = re.sub(r"\s+", " ", p).strip().rstrip(";").strip()
        if re.search(r"[A-Za-z]{3}", p):
            out.append(p)  # verbatim (a clause after ';' keeps its lower-case start): passages are quoted as written
    return out


def _shifted(pm: PageMap, base: int) -> PageMap:
    return PageMap([s - base for s in pm.starts], list(pm.numbers))


def chunk_tip_report(text: str, meta: DocMeta, doc_id: str, pages: PageMap, count: TokenCounter,
                     max_tokens: int) -> list[Chunk] | None:
    """None when the text has no recommendations heading (the prose chunker handles it as before)."""
    heads = list(_HEAD_RX.finditer(text))
    rec_i = next((i for i, h in enumerate(heads) if h.group(1) in RECOMMENDATION_HEADINGS), None)
    if rec_i is None:
        return None
    h = heads[rec_i]
    end = heads[rec_i + 1].start() if rec_i + 1 < len(heads) else len(text)
    chunks: list[Chunk] = []
    before = text[:h.start()]
    if before.strip():
        chunks += chunk_prose(before, meta, doc_id, count, max_tokens, pages)
    heading = h.group(1)
    for n, rec in enumerate(split_recommendations(text[h.end():end]), 1):
        for piece in split_to_budget(rec, max_tokens, count):
            chunks.append(Chunk(doc_id=doc_id, ordinal=len(chunks), text=piece,
                                section=f"{meta.label} > {heading} > {n}", page=pages.page_at(h.end()),
                                kind="recommendation", tokens=count(piece), context=f"{meta.title} {heading}"))
    rest = text[end:]
    if rest.strip():
        chunks += chunk_prose(rest, meta, doc_id, count, max_tokens, _shifted(pages, end), start_ordinal=len(chunks))
    return chunks
