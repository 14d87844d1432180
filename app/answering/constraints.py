"""What a passage must contain before an extractive answer may quote it, read off the question.

Similarity alone cannot tell "no source says this" from "a related source exists" (dev set: unanswerable questions
score as high as answerable ones), so the question's hard constraints are checked against the evidence. Each check
is a named rule of index/question_rules.yaml (its id in brackets), so that it can be switched off to measure what it
is worth (index/rules.py: ``with disabled([...])``; ``gugus eval answers --disable RULE``):
  - [names, not_names] capitalised names in the question (a person, a Polres, an agency) appear in the passage;
  - [year] each year the question names is in the passage text or is the document's year;
  - [pasal] "Pasal 5" / "Article 5" asked for is the passage's Pasal (or quoted in it);
  - [agency] an agency the question names ("Kementerian Sosial", "KemenPPPA", "Ministry of Foreign Affairs") is
    named in the passage, in either language (ingest/agencies.yaml), or is the document's agency;
  - [person] "who is the current head of ...", "siapa nama ...": the sentence names a person, not only an office;
  - [contact] "telepon", "e-mail": the sentence holds a phone number or an address;
  - [answer_*, doc_language_*] answer types (index/query.py): "kapan ditetapkan" needs a date in the sentence,
    "berapa hari" a number of days, "what prison term" a prison term; "the Indonesian translation" needs a passage
    in Indonesian;
  - [quantity, which_pasal, consecutive, figure_*, amount_of, multiple, source_of, duration_after_quantity,
    counted_noun, not_modifiers, related_counts] "berapa / how many / how much" questions are answered by a sentence
    holding a number; when the question names what is counted (victims, cases, convictions, migrant workers ...) or
    asks for a prison term, an amount of money or a percentage, the sentence must state such a figure
    (app/figures/prose.py's extractor decides).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...index.fusion import where_matches
from ...index.query import answer_pattern, answer_type, document_language, load_glossary, references
from ...index.rules import rules
from ...ingest.agencies import question_patterns
from ...ingest.catalog import detect_language
from ...ingest.types import REGULATION_TYPES

R = rules()
YEAR = R.rule("year").patterns[0]  # the years a quantity's number must not be (not switched off with "year")
NUMBER = re.compile(r"\d")


@dataclass
class Constraints:
    names: list[str] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    pasal: list[str] = field(default_factory=list)
    quantity: bool = False
    contact: bool = False
    lang: str = "id"
    figure_units: set[str] = field(default_factory=set)  # units a stated figure must have (tahun, rupiah, persen)
    figure_counted: set[str] = field(default_factory=set)  # or what it must count (figures.COUNTED canonical names)
    agencies: list[str] = field(default_factory=list)  # canonical short names (ingest/agencies.yaml)
    consecutive: bool = False
    refs: list[dict] = field(default_factory=list)  # the documents the question names (index.query.references)
    answer_type: str | None = None  # index.query.answer_type: the sentence must state a date, a duration ...
    doc_language: str | None = None  # "the Indonesian translation": passages in that language only
    person: bool = False


def _glossary_words() -> set[str]:
    words: set[str] = set()
    for en, idn in load_glossary():
        for t in en + idn:
            words.update(t.lower().split())
    return words


def constraints(question: str) -> Constraints:
    c = Constraints()
    c.years = sorted(set(R.findall("year", question)))
    c.pasal = [f"Pasal {p}" for p in R.findall("pasal", question)]
    c.quantity = bool(R.search("quantity", question)) and not R.search("which_pasal", question)
    c.contact = bool(R.search("contact", question))
    c.lang = detect_language(question)
    c.figure_units, c.figure_counted = asked_figure(question, c.quantity)
    if R.on("agency"):
        c.agencies = [a for a, rx in question_patterns(strict=True).items() if rx.search(question)]
    c.person = bool(R.search("person", question))
    c.consecutive = bool(R.search("consecutive", question))
    c.refs = references(question)
    c.answer_type, c.doc_language = answer_type(question), document_language(question)
    if not R.on("names"):
        return c
    skip = R.words("not_names") | _glossary_words()
    tokens = re.findall(r"[A-Za-z][\w'’.-]*", question)
    run: list[str] = []
    names: list[str] = []
    for i, tok in enumerate(tokens + [""]):
        word = tok.strip(".'’")
        is_name = bool(word) and word[0].isupper() and word.lower() not in skip and not word.isupper() and i > 0
        is_name = is_name or (len(word) >= 3 and word.isupper() and word.lower() not in skip)  # acronyms: IOM, KP2MI
        if is_name:
            run.append(word)
        elif run:
            names.append(" ".join(run))
            run = []
    c.names = names
    return c


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.lower())


def passage_ok(c: Constraints, text: str, meta: dict, document: str = "") -> bool:
    """`document`: other retrieved text of the passage's document. Names are checked against it too: a news report
    names the Polres once, in its first paragraph, and the passage with the measures agreed is the fourth."""
    body = _norm(text + " " + str(meta.get("title", "")) + " " + str(meta.get("header", "")))
    if c.doc_language and meta.get("language") not in (None, c.doc_language):
        return False
    same_lang = meta.get("language", c.lang) == c.lang
    in_doc = body + " " + _norm(document)
    for name in c.names:
        # across languages only acronyms and codes are compared ("Coordinating Ministry" is "Kemenko" in the source)
        if not same_lang and not (name.isupper() or re.search(r"\d", name)):
            continue
        if not all(part.lower() in in_doc for part in name.split()):
            return False
    doc_year = str(meta.get("year") or (meta.get("date") or "")[:4])
    # One year: the passage must be of it. Several ("between Law 13/2006 and its 2014 amendment", "the TIP Report
    # 2021 on the 2017 law"): the question spans documents, and each passage need only be of one of them.
    # A passage of a document the question names ("the LPSK law" in "the 2019 TIP report mentions ... which
    # provision of the LPSK law ...") needs none of the years, which date the other documents.
    in_year = [y in body or y == doc_year for y in c.years]
    named_doc = any(where_matches(r, meta) for r in c.refs)
    if in_year and not named_doc and not (any(in_year) if len(in_year) > 1 else in_year[0]):
        return False
    if c.agencies:  # rule "agency" (the question's agencies are read only when it is on)
        named = text + " " + str(meta.get("title", "")) + " " + str(meta.get("header", ""))
        pats = question_patterns(strict=False)
        if not all(pats[a].search(named) or a == meta.get("agency") for a in c.agencies):
            return False
    if c.pasal:
        # A regulation's passage must be the Pasal asked for (or its Penjelasan): Pasal 7 that refers back to
        # "Pasal 2 ayat (2)" is not Pasal 2. Other documents (a TIP report citing "Pasal 2") may quote it.
        own = (meta.get("pasal") or meta.get("explains") or "").lower()
        quoting = meta.get("doc_type") not in REGULATION_TYPES
        if not any(p.lower() == own or (quoting and re.search(rf"\b{p.lower()}\b", body)) for p in c.pasal):
            return False
    return True


def hits_ok(c: Constraints, hits: list) -> list[bool]:
    """passage_ok for retrieved hits, each checked with the other hits of its document as context: the extractive
    generator quotes none of the hits that fail."""
    by_doc: dict[str, list[str]] = {}
    key = [h.meta.get("doc_id") or h.meta.get("path") or "" for h in hits]
    for k, h in zip(key, hits):
        by_doc.setdefault(k, []).append(h.text)
    return [passage_ok(c, h.text, h.meta, " ".join(by_doc[k])) for k, h in zip(key, hits)]


FIGURE_RULES = ("figure_prison_term", "figure_money", "figure_percentage")  # first match wins


def asked_figure(question: str, quantity: bool) -> tuple[set[str], set[str]]:
    """(units, counted nouns) of the figure a question asks for; empty sets when it asks for none.
    A counted noun must follow the quantity words ("how many victims", "berapa jumlah korban"), so that "how many
    hours must staff report a victim" does not ask for a number of victims."""
    from ..figures.prose import COUNTED

    other = R.search("multiple", question) or R.search("source_of", question) or R.search("which_pasal", question) \
        or any(R.match("duration_after_quantity", question[m.end():]) for m in R.finditer("quantity", question))
    if not other:
        for rid in FIGURE_RULES:
            rule = R.rule(rid)
            if R.search(rid, question) and (quantity or not rule.data["needs_quantity"]
                                            or R.search("amount_of", question)):
                return set(rule.data["units"]), set()
    if not quantity or not R.on("counted_noun"):
        return set(), set()
    not_modifiers = R.words("not_modifiers")
    counted: set[str] = set()
    for m in R.finditer("quantity", question):
        words = question[m.end():].lower().split()
        lead = []  # "how many [labor trafficking] victims": up to two words before the noun, none of them a verb
        for w in words[:3]:
            if w.strip("?,.") in not_modifiers:
                break
            lead.append(w)
        window = " ".join(lead)
        counted |= {name for name, forms in COUNTED.items() if name not in ("orang", "satgas")
                    and any(re.search(rf"(?:^|\s){re.escape(f.lower())}\b", window) for f in forms)}
    for related in R.groups("related_counts"):
        if counted & related:
            counted |= related
    return set(), counted


def sentence_ok(c: Constraints, sentence: str, meta: dict | None = None) -> bool:
    if c.contact and not R.evidence("contact").search(sentence):
        return False
    if c.person and not R.evidence("person").search(sentence):
        return False
    # only a specific type: "time limit" or "berapa lama" also sit in questions asking several things at once
    rx = answer_pattern(c.answer_type) if c.answer_type and c.answer_type != "duration" else None
    if rx is not None and not rx.search(sentence):
        return False
    if c.figure_units or c.figure_counted:
        return any((not c.figure_units or f.unit in c.figure_units)
                   and (not c.figure_counted or f.counted in c.figure_counted) for f in _figures(sentence, meta))
    if c.quantity:  # any number but a year, or a figure written in words ("two victims", "six million")
        return (bool(NUMBER.search(YEAR.sub(" ", sentence))) or bool(_figures(sentence, meta))
                or (c.consecutive and bool(R.evidence("consecutive").search(sentence))))
    return True


def _figures(sentence: str, meta: dict | None) -> list:
    """The figures the sentence states (app/figures/prose.py's extractor; numbers are read in the passage's language)."""
    from ..figures.prose import extract

    return extract(sentence, meta or {"language": detect_language(sentence)})
