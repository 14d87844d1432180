"""Is a written sentence faithful to the evidence it renders? Checks that understand translation (id <-> en).

The writer (app/answering/writer.py) renders evidence sentences in another language or voice. A rendering is kept only if,
against the evidence it cites (the evidence sentence(s) plus its passage's label: title, Pasal, date):
  - numbers:   every number it states, with its magnitude word (ribu/juta/miliar/triliun <-> thousand/million/
               billion/trillion) and percent, has the same value in the evidence ("11,4 miliar" is 11.4 billion,
               never 11.4 million; "Rp120.000.000,00" is IDR 120 million); law numbers ("21/2007") too;
  - bounds:    a bounded number keeps its bound (paling singkat/paling sedikit <-> at least/minimum; paling lama/
               paling banyak <-> at most/maximum/up to), and no bound is added or inverted;
  - negation:  the rendering is negated (not/no/never/without/cannot ...) exactly when the evidence is (tidak/bukan/
               belum/tanpa ...);
  - agencies:  every agency it names (one vocabulary, both languages: ingest/agencies.yaml) is named in the evidence;
  - names:     every capitalised word that is not common report vocabulary appears in the evidence (no invented
               person, place or body);
  - terms:     a domain term it uses (index/glossary_en_id.tsv, prompts/legal_terms_en_id.tsv) has its counterpart in
               the evidence, its label or the question ("forced labour" needs "kerja paksa"); in the same language,
               most of its content words are the evidence's;
  - meaning:   cross-lingual embedding similarity to the evidence is at least a measured threshold.
`check` returns the list of failed checks (empty = faithful) so that the caller can say why it quoted instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ...ingest.agencies import agencies_named, alias_texts
from ..figures.prose import MULTIPLIERS, NUMBER_EXPR, parse_number, parse_words

# ------------------------------------------------------------------------------------------------ bounds
_BOUND_WORDS = [
    (r"paling\s+(?:sedikit|singkat|rendah)|sekurang-kurangnya|setidak-tidaknya|minimal|minimum|at\s+least|"
     r"not\s+less\s+than|no\s+less\s+than|no\s+fewer\s+than|a\s+minimum\s+of|minimum\s+of", "min"),
    (r"paling\s+(?:lama|banyak|tinggi)|selama-lamanya|sebanyak-banyaknya|setinggi-tingginya|maksimal|maksimum|"
     r"at\s+most|up\s+to|not\s+more\s+than|no\s+more\s+than|no\s+longer\s+than|not\s+exceeding|a\s+maximum\s+of|"
     r"maximum\s+of|maximum", "max"),
]
_BOUND_RE = [(re.compile(rf"\b(?:{p})\b", re.I), kind) for p, kind in _BOUND_WORDS]
_RANGE_WORDS = re.compile(r"\b(?:between|from|antara|dari)\s+$", re.I)
_CLAUSE = re.compile(r"[;:]|\b(?:dan|and|atau|or|serta)\b", re.I)

# ------------------------------------------------------------------------------------------------ negation
NEGATION = re.compile(r"\b(?:tidak|tak|bukan|belum|tanpa|jangan|tiada|not|no(?!\.\s*\d)|never|without|cannot|none|"
                      r"neither|nor|non|lacks?|lacked|failed\s+to|fails\s+to)\b|n't\b", re.I)

# ------------------------------------------------------------------------------------------------ names
# Capitalised words a rendering may use without the evidence containing them: report vocabulary, months, the
# translations of institutions (the agencies check covers agencies themselves).
COMMON_CAPITALISED = set("""
the a an this that these those in on at of for by with under according as it its their there they he she we if
when where which who while after before during since between from and or but also however both each every all
any some such not no law laws article articles paragraph paragraphs chapter section sections regulation
regulations government presidential president decree minister ministry ministries ministerial coordinating
national regional provincial province provinces regency regencies city district local central republic indonesia
indonesian indonesians state department report reports tip trafficking persons person victim victims witness
witnesses protection agency agencies institute institution task force forces team unit subunit office police
attorney general prosecutor prosecutors prosecution court courts supreme district high judge judges
social affairs foreign women empowerment child children manpower health labor labour migrant worker workers
human rights justice ministry of home affairs village villages education religious communication
information immigration directorate director directorate-general secretariat secretary chair chairperson
deputy head heads member members council commission committee board embassy consulate action plan national
prevention handling eradication crime crimes criminal act acts penalty penalties imprisonment fine fines
restitution compensation rehabilitation repatriation reintegration shelter shelters services service integrated
center centre centers centres tier watch list prioritized recommendations prosecution protection prevention
profile january february march april may june july august september october november december monday tuesday
wednesday thursday friday saturday sunday rupiah idr usd us u.s en id no number year years
""".split())
_CAP_WORD = re.compile(r"(?<![\w'’])([A-Z][a-zA-Z'’-]{2,})")


@dataclass
class Evidence:
    """What a written sentence may draw on: the evidence text (language `lang`) and its passage's label."""

    text: str
    lang: str
    context: str = ""  # title, Pasal path, date, document number: numbers and names a rendering may add
    question: str = ""  # the question answered: its words (not its numbers) may be used


# What a number counts, read off the word after it: a rendering may not move a number to another kind of thing
# ("LPSK terdiri atas 7 orang ... masa jabatan 5 tahun" rendered "five members" takes the 5 of the years).
_KINDS = {
    "time": r"tahun|years?|bulan|months?|hari|days?|jam|hours?|minggu|pekan|weeks?|menit|minutes?",
    "money": r"rupiah|idr|rp|dollars?|usd",
    "percent": r"persen|percent|per\s+cent|%",
    "people": r"orang|persons?|people|anggota|members?|korban|victims?|pelaku|perpetrators?|traffickers?|"
              r"tersangka|suspects?|terdakwa|defendants?|terpidana|convicts?|pekerja|workers?|anak|child(?:ren)?|"
              r"perempuan|women|wni|citizens?|pmi",
    "cases": r"kasus|cases?|perkara|putusan|convictions?|verdicts?|penyidikan|investigations?|penuntutan|"
             r"prosecutions?",
}
_KIND_RE = [(k, re.compile(rf"^\s*(?:\([^)]*\)\s*)?(?:(?:{'|'.join(MULTIPLIERS)})\s+)?(?:[\w-]+\s+)?(?:{p})\b", re.I))
            for k, p in _KINDS.items()]


def kind_after(text: str, end: int, currency: bool = False) -> str | None:
    """The kind of thing the number ending at `end` counts (time, money, percent, people, cases), or None."""
    if currency:
        return "money"
    rest = text[end:end + 60]
    for k, rx in _KIND_RE:
        m = rx.match(rest)
        if m and (k != "people" or len(m.group(0).split()) <= 3):
            return k
    return None


def _kinds(text: str, lang: str) -> dict[int, str | None]:
    """position of each number -> what it counts."""
    out: dict[int, str | None] = {}
    for m in NUMBER_EXPR.finditer(text):
        out[m.start()] = kind_after(text, m.end(), bool(m.group("cur1")) or bool(m.group("pct")))
    return out


def _values(text: str, lang: str) -> list[tuple[float, str | None, int]]:
    """(value, bound, position) of every number in `text`, read with the language's separators; a range
    ("3 to 15", "antara 3 dan 15") bounds its ends (min, max)."""
    out: list[tuple[float, str | None, int]] = []
    for m in NUMBER_EXPR.finditer(text):
        vals = []
        for i in (1, 2):
            if m.group(f"dig{i}") is None and m.group(f"wrd{i}") is None:
                continue
            v = parse_number(m.group(f"dig{i}"), lang) if m.group(f"dig{i}") else parse_words(m.group(f"wrd{i}"))
            if v is None:
                continue
            if m.group(f"mul{i}"):
                v *= MULTIPLIERS[m.group(f"mul{i}").lower()]
            vals.append(v)
        if not vals:
            continue
        before = text[max(0, m.start() - 60):m.start()]
        clause = _CLAUSE.split(before)[-1] if _CLAUSE.search(before) else before
        bound = _bound_kind(clause)
        if len(vals) == 2:
            out += [(vals[0], "min", m.start()), (vals[1], "max", m.start())]
        elif _RANGE_WORDS.search(before) and re.match(r"\s*(?:\([^)]*\)\s*)?(?:\w+\s+)?(?:and|to|dan|sampai|hingga)\s",
                                                      text[m.end():]):
            out.append((vals[0], "min", m.start()))
        else:
            out.append((vals[0], bound, m.start()))
    # "between 3 and 15 years": the second end of a worded range
    for m in re.finditer(r"\b(?:between|antara)\s+\S+(?:\s*\([^)]*\))?\s+(?:and|dan)\s+(\d[\d.,]*)", text, re.I):
        for k, (v, b, pos) in enumerate(out):
            if pos == m.start(1):
                out[k] = (v, "max", pos)
    # law numbers ("UU 21/2007", "Law No. 21 of 2007" reads as 21 and 2007 above)
    for m in re.finditer(r"(?<![\w.])(\d{1,4})/(\d{4})(?!\w)", text):
        out += [(float(m.group(1)), None, m.start(1)), (float(m.group(2)), None, m.start(2))]
    return out


def _bound_kind(before: str) -> str | None:
    best: tuple[int, str] | None = None
    for rx, kind in _BOUND_RE:
        for mm in rx.finditer(before):
            if best is None or mm.end() > best[0]:
                best = (mm.end(), kind)
    if best is None:
        return None
    # the bound must govern this number: at most a few words between them
    return best[1] if len(before[best[0]:].split()) <= 4 else None


def _near(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def check_numbers(written: str, written_lang: str, ev: Evidence) -> list[str]:
    """Failed number and bound checks (empty = all numbers faithful)."""
    problems: list[str] = []
    theirs_all = _values(ev.text, ev.lang)
    have = theirs_all + [(v, None, -1) for v, _, _ in _values(ev.context, ev.lang)]
    # a rendering may keep the source's separators ("4.320" in English): read it both ways, accept either reading
    other = "id" if written_lang == "en" else "en"
    mine = _values(written, written_lang)
    alt = {pos: v for v, _, pos in _values(written, other)}
    my_kinds = _kinds(written, written_lang)
    ev_kinds = _kinds(ev.text, ev.lang)
    for v, bound, pos in mine:
        candidates = [v] + ([alt[pos]] if pos in alt and not _near(alt[pos], v) else [])
        same = [h for h in have if any(_near(h[0], c) for c in candidates)]
        if not same:
            problems.append(f"number {v:g} is not in the evidence")
            continue
        kind = my_kinds.get(pos)
        theirs = {ev_kinds.get(h[2]) for h in same if h[2] >= 0}
        if kind and theirs and None not in theirs and kind not in theirs:
            problems.append(f"number {v:g} counts {kind} here but {'/'.join(sorted(theirs))} in the evidence")
            continue
        if bound and not any(h[1] == bound for h in same):
            problems.append(f"bound '{bound}' on {v:g} is not in the evidence")
    # a bound in the evidence stays on its number when the rendering states that number
    for v, bound, _ in theirs_all:
        if not bound:
            continue
        stated = [b for w, b, pos in mine if _near(w, v) or (pos in alt and _near(alt[pos], v))]
        if stated and bound not in stated:
            problems.append(f"bound '{bound}' on {v:g} was dropped")
    return list(dict.fromkeys(problems))


def check_negation(written: str, ev: Evidence) -> list[str]:
    w, e = bool(NEGATION.search(written)), bool(NEGATION.search(ev.text))
    if w and not e:
        return ["negation added"]
    if e and not w:
        return ["negation dropped"]
    return []


def check_agencies(written: str, ev: Evidence) -> list[str]:
    have = set(agencies_named(ev.text + "\n" + ev.context))
    extra = [a for a in agencies_named(written) if a not in have]
    return [f"agency {a} is not in the evidence" for a in extra]


@lru_cache(maxsize=1)
def _allowed_words() -> frozenset[str]:
    from ...index.query import load_glossary
    words = set(COMMON_CAPITALISED)
    for en, idn in load_glossary():
        for t in en + idn:
            words.update(w.lower() for w in re.findall(r"[A-Za-z'’-]+", t))
    for a in alias_texts():  # ingest/agencies.yaml
        words.update(w.lower() for w in re.findall(r"[A-Za-z'’-]+", a))
    return frozenset(words)


def check_names(written: str, ev: Evidence) -> list[str]:
    have = (ev.text + " " + ev.context).lower()
    allowed = _allowed_words()
    bad = []
    for m in _CAP_WORD.finditer(written):
        w = m.group(1)
        start = written[:m.start()].rstrip()
        if not start or start[-1] in ".!?:\"“(\n":  # sentence-initial: capitalised by grammar
            continue
        lw = w.lower().strip("'’-")
        if lw in allowed or lw.rstrip("s") in allowed or lw in have:
            continue
        bad.append(w)
    return [f"name '{w}' is not in the evidence" for w in dict.fromkeys(bad)]


@lru_cache(maxsize=1)
def term_pairs() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(English terms, Indonesian terms) of the glossary and the legal terms list, longest phrases first."""
    from ...index.query import load_glossary
    from ...prompts import LEGAL_TERMS

    pairs = load_glossary() + load_glossary(LEGAL_TERMS)
    out = [(tuple(t.lower() for t in en), tuple(t.lower() for t in idn)) for en, idn in pairs]
    return tuple(sorted(out, key=lambda p: -max(len(t) for t in p[0] + p[1])))


def _has(term: str, text: str) -> bool:
    # plurals, and Indonesian suffixes ("keluarganya" is "keluarga")
    return re.search(rf"(?<![\w-]){re.escape(term)}(?:s|es|nya|lah|kah|an|kan)?(?!\w)", text) is not None


def check_terms(written: str, written_lang: str, ev: Evidence, min_share: float = 0.6) -> list[str]:
    """Domain terms of the rendering need their counterpart in the evidence (or its label, or the question)."""
    from ...index.keyword import analyze

    support = " ".join((ev.text, ev.context, ev.question)).lower()
    low = written.lower()
    if written_lang == ev.lang:
        mine = set(analyze(written))
        if not mine:
            return []
        have = set(analyze(support))
        share = len(mine & have) / len(mine)
        return [] if share >= min_share else [f"only {share:.0%} of its words are in the evidence"]
    # every counterpart any list gives a term counts ("forced labor": "kerja paksa" or "kerja atau pelayanan paksa")
    counterparts: dict[str, set[str]] = {}
    for en, idn in term_pairs():
        mine, theirs = (en, idn) if written_lang == "en" else (idn, en)
        for t in mine:
            counterparts.setdefault(t, set()).update(theirs + mine)
    problems = []
    for used in sorted(counterparts, key=len, reverse=True):  # a longer phrase covers its parts
        if not _has(used, low):
            continue
        low = re.sub(rf"(?<!\w){re.escape(used)}(?:s|es)?(?!\w)", " ", low)
        if not any(_has(t, support) for t in counterparts[used]):
            problems.append(f"term '{used}' has no counterpart in the evidence")
    return problems


class FaithfulnessChecker:
    """All checks; `similarity_min` is the cross-lingual e5 cosine a rendering needs (measured, bench/RESULTS.md)."""

    def __init__(self, embedder=None, similarity_min: float = 0.80):
        self.embedder = embedder
        self.similarity_min = similarity_min

    def similarity(self, written: str, evidence: str) -> float:
        if self.embedder is None:
            return 1.0
        v = np.asarray(self.embedder.embed_passages([written, evidence]), dtype=np.float32)
        return float(v[0] @ v[1])

    def check(self, written: str, written_lang: str, ev: Evidence) -> list[str]:
        problems = (check_numbers(written, written_lang, ev) + check_negation(written, ev)
                    + check_agencies(written, ev) + check_names(written, ev) + check_terms(written, written_lang, ev))
        if problems:
            return problems
        sim = self.similarity(written, ev.text)
        if sim < self.similarity_min:
            return [f"similarity {sim:.2f} below {self.similarity_min:.2f}"]
        return []
