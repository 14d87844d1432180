"""Query analysis before retrieval: language, cross-language expansion from the TPPO glossary, and references to
specific documents ("UU 21/2007", "Law 18/2017", "TIP Report 2021") that retrieval should look inside."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..ingest.catalog import detect_language
from .rules import rules

GLOSSARY_FILE = Path(__file__).with_name("glossary_en_id.tsv")

# The question rules this module's checks use (regulation_number, named_law_*, law_year, perda_diy, tip_report_year,
# doc_language_*, consecutive, answer_*, definition) are data: index/question_rules.yaml, loaded by index/rules.py.
R = rules()
# A date stated in a text ("10 Agustus 2023"): the answer_date rule's evidence, also used where no question is asked
# (source sentences: a dated line is not a heading), so it is not switched off with the rule.
DATE_IN_TEXT = R.rule("answer_date").evidence[None]


def document_language(text: str) -> str | None:
    """"the embassy's Indonesian translation", "versi bahasa Inggris": the language of the documents asked for."""
    for rid in ("doc_language_id", "doc_language_en"):
        if R.search(rid, text):
            return R.rule(rid).data["lang"]
    return None


def answer_pattern(kind: str) -> re.Pattern | None:
    """The pattern a passage answering an answer type holds ("duration", "duration:hari", "penalty", "date"); None
    when the type's rule is off."""
    if kind.startswith("duration:"):
        return R.evidence("answer_duration_unit", kind.split(":", 1)[1])
    return R.evidence(f"answer_{kind}")


def answer_type(text: str) -> str | None:
    """The kind of statement that answers the question ("Berapa hari ..." -> "paling lambat 7 (tujuh) hari"; "what
    prison term" -> "dipidana dengan pidana penjara"; "Kapan ... ditetapkan" -> "pada tanggal 10 Agustus 2023"), or
    None. A passage that holds one is preferred among the fused candidates."""
    if R.search("consecutive", text):  # answered by an ordinal ("for the fifth consecutive year"), not a duration
        return None
    m = R.search("answer_duration_unit", text)
    if m:
        unit = m.group(1).lower()
        return f"duration:{R.rule('answer_duration_unit').data['english'].get(unit.rstrip('s'), unit)}"
    for kind in ("duration", "penalty", "date"):
        if R.search(f"answer_{kind}", text):
            return kind
    return None


@dataclass
class QueryPlan:
    text: str
    lang: str
    expansion: list[str] = field(default_factory=list)  # other-language terms for keyword search
    refs: list[dict] = field(default_factory=list)  # Chroma where-clauses of documents the query names
    focus: list[str] = field(default_factory=list)  # the term a definition question asks about, and its translations
    answer_type: str | None = None  # duration, duration:<unit>, penalty or date (answer_pattern)
    doc_language: str | None = None  # the language of the documents asked for ("the Indonesian translation")

    def answers_type(self, passage: str) -> bool:
        rx = answer_pattern(self.answer_type) if self.answer_type else None
        return rx is not None and rx.search(passage) is not None

    @property
    def keyword_text(self) -> str:
        return " ".join([self.text] + self.expansion)


@lru_cache(maxsize=4)
def load_glossary(path: Path = GLOSSARY_FILE) -> list[tuple[list[str], list[str]]]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        en, idn = line.split("\t", 1)
        pairs.append(([t.strip() for t in en.split("|") if t.strip()], [t.strip() for t in idn.split("|") if t.strip()]))
    return pairs


def _phrase_in(phrase: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase.lower())}(?:s|es)?(?!\w)", text) is not None  # plurals too


def expand(text: str, lang: str) -> list[str]:
    """Terms of the other language for glossary phrases found in the text (longest phrases first)."""
    low = text.lower()
    out: list[str] = []
    for en, idn in load_glossary():
        src, dst = (en, idn) if lang == "en" else (idn, en)
        for phrase in sorted(src, key=len, reverse=True):
            if _phrase_in(phrase, low):
                out.extend(t for t in dst if t not in out)
                break
    return out


def references(text: str) -> list[dict]:
    """Chroma where-clauses of the documents a question names (at most 3): regulations by number and year, laws by
    subject or by year, the regional regulations, TIP Reports by year."""
    refs: list[dict] = []
    for doc_type, rx in zip(R.rule("regulation_number").data["kinds"], R.patterns("regulation_number")):
        for m in rx.finditer(text):
            refs.append({"$and": [{"doc_type": doc_type}, {"number": str(int(m.group(1)))}, {"year": int(m.group(2))}]})
    if not refs:
        for rid in ("named_law_tppo", "named_law_lpsk", "named_law_pmi"):
            if R.search(rid, text):
                laws = [(t, n, y) for t, n, y in R.rule(rid).data["laws"]]
                laws = [x for x in laws if str(x[2]) in text] or laws  # "the 2014 LPSK law": that one
                refs += [{"$and": [{"doc_type": t}, {"number": n}, {"year": y}]} for t, n, y in laws]
    if not any(r.get("$and", [{}])[0].get("doc_type") == "uu" for r in refs):
        for m in R.finditer("law_year", text):
            ref = {"$and": [{"doc_type": "uu"}, {"year": int(m.group(1))}]}
            if ref not in refs:
                refs.append(ref)
        if R.search("perda_diy", text):
            refs.append({"doc_type": R.rule("perda_diy").data["doc_type"]})
    for m in R.finditer("tip_report_year", text):
        year = int(m.group(1) or m.group(2))
        refs.append({"$and": [{"doc_type": "tip_report"}, {"year": year}]})
    return refs[:3]


# Definition questions (rule "definition"): "How does the 2007 law define debt bondage?", "What is a 'perpetrator
# witness'?", "Apa yang dimaksud dengan eksploitasi menurut UU 21/2007?", "apa arti rumah aman?". The captured term is
# at most a few words; longer captures ("what are the three stages of protection for ...") are not definition
# questions.
_QUOTED = re.compile(r"(?:^|(?<=[\s(]))['‘\"“]([^'’\"”]{2,60})['’\"”](?=[\s?.,;:)]|$)")
_PAREN = re.compile(r"\(([^()]{2,60})\)")


def definition_focus(text: str, lang: str) -> list[str]:
    """For a question asking what a term means: the term (quoted or parenthesised alternatives included) and its
    glossary equivalents. Empty for other questions."""
    terms: list[str] = []
    asked = False
    max_words = R.rule("definition").data["max_words"]
    for rx in R.patterns("definition"):
        for m in rx.finditer(text):
            asked = True
            t = m.group(1).strip(" '\"‘’“”")
            if t and len(t.split()) <= max_words:
                terms.append(t)
    if not asked:
        return []
    terms += _QUOTED.findall(text) + [p for p in _PAREN.findall(text) if len(p.split()) <= max_words]
    if not terms:
        return []
    out: list[str] = []
    for t in terms:
        for x in [t] + expand(t, "en") + expand(t, "id"):
            if x not in out:
                out.append(x)
    return out


def plan_query(text: str) -> QueryPlan:
    lang = detect_language(text)
    return QueryPlan(text=text, lang=lang, expansion=expand(text, lang), refs=references(text),
                     focus=definition_focus(text, lang), answer_type=answer_type(text),
                     doc_language=document_language(text))
