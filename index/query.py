"""Query analysis before retrieval: language, cross-language expansion from the TPPO glossary, and references to
specific documents ("UU 21/2007", "Law 18/2017", "TIP Report 2021") that retrieval should look inside."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..ingest.catalog import detect_language
from ..ingest.dates import FULL_MONTH_RE

GLOSSARY_FILE = Path(__file__).with_name("glossary_en_id.tsv")

REG_KINDS = {
    "uu": r"UU|Undang-Undang|Law|Act",
    "pp": r"PP|Peraturan Pemerintah|Government Regulation",
    "perpres": r"Perpres|Peraturan Presiden|Presidential Regulation|Presidential Decree",
    "perda": r"Perda(?:\s+DIY)?|Peraturan Daerah(?:\s+DIY)?|Regional Regulation",
}
_NUM_YEAR = r"\s*(?:No\.?|Nomor|Number|Nr\.?)?\s*(\d{1,4})\s*(?:/|\s+Tahun\s+|\s+of\s+|\s+year\s+|,\s*)((?:19|20)\d\d)\b"
REG_REF = [(t, re.compile(rf"\b(?:{k}){_NUM_YEAR}", re.I)) for t, k in REG_KINDS.items()]
TIP_REF = re.compile(r"\b(?:TIP(?:\s+Report)?|Trafficking in Persons Report|Laporan (?:TIP|Tahunan Perdagangan Orang))\s+"
                     r"\(?((?:19|20)\d\d)\b|\b((?:19|20)\d\d)\)?\s+(?:TIP|Trafficking in Persons)\b", re.I)
# "the embassy's Indonesian translation", "versi bahasa Inggris": the language of the document asked for.
DOC_LANG = [
    (re.compile(r"\b(?:indonesian[- ](?:language\s+)?(?:version|translation|text|edition)|(?:embassy'?s?\s+)?indonesian "
                r"translation|versi bahasa indonesia|terjemahan(?: bahasa indonesia)?)\b", re.I), "id"),
    (re.compile(r"\b(?:english[- ](?:language\s+)?(?:version|original|text|edition)|versi bahasa inggris|"
                r"(?:naskah|teks) (?:asli )?bahasa inggris)\b", re.I), "en"),
]


def document_language(text: str) -> str | None:
    for rx, lang in DOC_LANG:
        if rx.search(text):
            return lang
    return None


# Expected answer types: what kind of statement answers the question. A passage that holds one is preferred among
# the fused candidates ("Berapa hari ..." -> "paling lambat 7 (tujuh) hari"; "what prison term" -> "dipidana dengan
# pidana penjara"; "Kapan ... ditetapkan" -> "pada tanggal 10 Agustus 2023").
_UNITS = {"hari": r"hari|days?", "jam": r"jam|hours?", "bulan": r"bulan|months?", "tahun": r"tahun|years?",
          "minggu": r"minggu|weeks?"}
_UNIT_EN = {"day": "hari", "hour": "jam", "month": "bulan", "year": "tahun", "week": "minggu"}
_AMOUNT = r"\d+\s*(?:\([a-z ]+\)\s*)?"  # "7 (tujuh) ", "24 "
Q_UNIT = re.compile(r"\b(?:berapa|how many|within how many|dalam waktu berapa)\s+(hari|jam|bulan|tahun|minggu|days?|hours?|"
                    r"months?|years?|weeks?)\b", re.I)
Q_DURATION = re.compile(r"\b(berapa lama|how long|batas waktu|time limit|masa berlaku|jangka waktu)\b", re.I)
Q_PENALTY = re.compile(r"\b(ancaman (?:pidana|hukuman)|hukuman|pidana penjara|prison|sentences?|penalt\w*|punish\w*|"
                       r"sanksi pidana|fines?|denda)\b", re.I)
Q_DATE = re.compile(r"\b(kapan|when|tanggal berapa|what date)\b", re.I)
ANSWER_TYPES = {
    "duration": re.compile(rf"{_AMOUNT}(?:{'|'.join(_UNITS.values())})\b", re.I),
    "penalty": re.compile(r"\bdipidana dengan\b|\bpidana penjara\b|\bimprisonment\b|\byears in pris|\bsentenced\b|"
                         r"\bhukuman penjara\b|\bdivonis\b", re.I),
    "date": re.compile(rf"\b\d{{1,2}}\s+(?:{FULL_MONTH_RE})\s+[12][0-9O]{{3}}\b"),
    **{f"duration:{u}": re.compile(rf"{_AMOUNT}(?:{rx})\b", re.I) for u, rx in _UNITS.items()},
}


# "For how many consecutive years ...": answered by an ordinal ("for the fifth consecutive year"), not a duration.
CONSECUTIVE = re.compile(r"\b(consecutive|in a row|berturut-turut|berturut)\b", re.I)


def answer_type(text: str) -> str | None:
    """The kind of statement that answers the question (a key of ANSWER_TYPES), or None."""
    if CONSECUTIVE.search(text):
        return None
    m = Q_UNIT.search(text)
    if m:
        unit = m.group(1).lower()
        return f"duration:{_UNIT_EN.get(unit.rstrip('s'), unit)}"
    if Q_DURATION.search(text):
        return "duration"
    if Q_PENALTY.search(text):
        return "penalty"
    if Q_DATE.search(text):
        return "date"
    return None


@dataclass
class QueryPlan:
    text: str
    lang: str
    expansion: list[str] = field(default_factory=list)  # other-language terms for keyword search
    refs: list[dict] = field(default_factory=list)  # Chroma where-clauses of documents the query names
    focus: list[str] = field(default_factory=list)  # the term a definition question asks about, and its translations
    answer_type: str | None = None  # a key of ANSWER_TYPES
    doc_language: str | None = None  # the language of the documents asked for ("the Indonesian translation")

    def answers_type(self, passage: str) -> bool:
        return bool(self.answer_type) and ANSWER_TYPES[self.answer_type].search(passage) is not None

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


# "the 2006 witness and victim protection law", "UU tahun 2017 tentang ...": a law named by its year only.
LAW_YEAR_REF = [
    re.compile(r"\b((?:19|20)\d\d)\s+(?:[\w'-]+\s+){0,6}?(?:law|act)\b", re.I),
    re.compile(r"\b(?:UU|Undang-Undang)\s+(?:[\w'-]+\s+){0,6}?(?:tahun\s+)?((?:19|20)\d\d)\b", re.I),
]
PERDA_DIY_REF = re.compile(r"\b(?:Perda\s+(?:DIY|Yogyakarta)|Yogyakarta(?:\s+[\w-]+){0,3}\s+(?:Perda|regulation)|"
                           r"Peraturan Daerah (?:DIY|Daerah Istimewa Yogyakarta))\b", re.I)


# Laws the domain names by subject rather than number ("the anti-trafficking law", "UU TPPO", "the LPSK law").
# A name that fits several documents (the witness protection law and its 2014 amendment) refers to all of them.
NAMED_LAWS = [
    (re.compile(r"\b(?:anti-?trafficking (?:law|act)|trafficking (?:law|act)|UU (?:P?TPPO|Pemberantasan TPPO)|"
                r"Undang-Undang (?:Pemberantasan )?(?:Tindak Pidana Perdagangan Orang|TPPO))\b", re.I), [("21", 2007)]),
    (re.compile(r"\b(?:witness (?:and victim )?protection (?:law|act)|LPSK (?:law|act)|UU (?:LPSK|PSK)|"
                r"Undang-Undang Perlindungan Saksi(?: dan Korban)?|UU Perlindungan Saksi(?: dan Korban)?)\b", re.I),
     [("13", 2006), ("31", 2014)]),
    (re.compile(r"\b(?:migrant workers?(?:'s?)? protection (?:law|act)|UU P?PMI|"
                r"(?:UU|Undang-Undang) Pelindungan Pekerja Migran(?: Indonesia)?)\b", re.I), [("18", 2017)]),
]


def references(text: str) -> list[dict]:
    refs: list[dict] = []
    for doc_type, rx in REG_REF:
        for m in rx.finditer(text):
            refs.append({"$and": [{"doc_type": doc_type}, {"number": str(int(m.group(1)))}, {"year": int(m.group(2))}]})
    if not refs:
        for rx, laws in NAMED_LAWS:
            if rx.search(text):
                laws = [(n, y) for n, y in laws if str(y) in text] or laws  # "the 2014 LPSK law": that one
                refs += [{"$and": [{"doc_type": "uu"}, {"number": n}, {"year": y}]} for n, y in laws]
    if not any(r.get("$and", [{}])[0].get("doc_type") == "uu" for r in refs):
        for rx in LAW_YEAR_REF:
            for m in rx.finditer(text):
                ref = {"$and": [{"doc_type": "uu"}, {"year": int(m.group(1))}]}
                if ref not in refs:
                    refs.append(ref)
        if PERDA_DIY_REF.search(text):
            refs.append({"doc_type": "perda"})
    for m in TIP_REF.finditer(text):
        year = int(m.group(1) or m.group(2))
        refs.append({"$and": [{"doc_type": "tip_report"}, {"year": year}]})
    return refs[:3]


# Definition questions: "How does the 2007 law define debt bondage?", "What is a 'perpetrator witness'?",
# "Apa yang dimaksud dengan eksploitasi menurut UU 21/2007?", "apa arti rumah aman?". The captured term is at most
# a few words; longer captures ("what are the three stages of protection for ...") are not definition questions.
_TERM_END = (r"(?=\s*(?:\?|$|,|;|\bunder\b|\bin\b|\bof\b|\baccording\b|\bby\b|\bfor\b|\bwithin\b|\bmean\b|"
             r"\bmenurut\b|\bdalam\b|\bdi\b|\bpada\b|\bberdasarkan\b|\bsesuai\b|\bbagi\b|\buntuk\b))")
DEFINITION_Q = [re.compile(p, re.I) for p in (
    rf"\bdefin(?:e|es|ed)\s+(?:an?\s+|the\s+)?(.+?){_TERM_END}",
    rf"\b(?:definition|meaning)\s+of\s+(?:an?\s+|the\s+)?(.+?){_TERM_END}",
    rf"\bwhat\s+(?:is|are)\s+(?:an?\s+|the\s+)?(.+?){_TERM_END}",
    rf"\bwhat\s+does\s+(?:an?\s+|the\s+)?(.+?)\s+mean\b",
    rf"\b(?:counts?|qualif(?:y|ies)|regarded|considered|termasuk)\s+(?:as\s+|sebagai\s+)?(?:an?\s+|the\s+)?(.+?){_TERM_END}",
    rf"\b(?:yang\s+)?dimaksud\s+(?:dengan\s+)?(.+?){_TERM_END}",
    rf"\b(?:pengertian|definisi|arti|apa\s+itu)\s+(.+?){_TERM_END}",
)]
_QUOTED = re.compile(r"(?:^|(?<=[\s(]))['‘\"“]([^'’\"”]{2,60})['’\"”](?=[\s?.,;:)]|$)")
_PAREN = re.compile(r"\(([^()]{2,60})\)")
MAX_TERM_WORDS = 5


def definition_focus(text: str, lang: str) -> list[str]:
    """For a question asking what a term means: the term (quoted or parenthesised alternatives included) and its
    glossary equivalents. Empty for other questions."""
    terms: list[str] = []
    asked = False
    for rx in DEFINITION_Q:
        for m in rx.finditer(text):
            asked = True
            t = m.group(1).strip(" '\"‘’“”")
            if t and len(t.split()) <= MAX_TERM_WORDS:
                terms.append(t)
    if not asked:
        return []
    terms += _QUOTED.findall(text) + [p for p in _PAREN.findall(text) if len(p.split()) <= MAX_TERM_WORDS]
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
