"""What a passage must contain before an extractive answer may quote it, read off the question.

Similarity alone cannot tell "no source says this" from "a related source exists" (dev set: unanswerable questions
score as high as answerable ones), so the question's hard constraints are checked against the evidence:
  - names: capitalised names in the question (a person, a Polres, an agency) appear in the passage;
  - years: each year the question names is in the passage text or is the document's year;
  - Pasal: "Pasal 5" / "Article 5" asked for is the passage's Pasal (or quoted in it);
  - agencies: an agency the question names ("Kementerian Sosial", "KemenPPPA", "Ministry of Foreign Affairs") is
    named in the passage, in either language (ingest/agencies.yaml), or is the document's agency;
  - persons: "who is the current head of ...", "siapa nama ...": the sentence names a person, not only an office;
  - answer types (index/query.py): "kapan ditetapkan" needs a date in the sentence, "berapa hari" a number of days,
    "what prison term" a prison term; "the Indonesian translation" needs a passage in Indonesian;
  - quantity: "berapa / how many / how much" questions are answered by a sentence holding a number; when the
    question names what is counted (victims, cases, convictions, migrant workers ...) or asks for a prison term,
    an amount of money or a percentage, the sentence must state such a figure (app/figures/prose.py's extractor decides).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...index.fusion import where_matches
from ...index.query import (ANSWER_TYPES, CONSECUTIVE, answer_type, document_language, load_glossary,
                           references)
from ...ingest.agencies import question_patterns
from ...ingest.types import REGULATION_TYPES
from ...ingest.catalog import detect_language

YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
PASAL_Q = re.compile(r"\b(?:Pasal|Article|Art\.)\s+(\d{1,3}[A-Z]?)\b", re.I)
QUANTITY = re.compile(r"\b(berapa|jumlah|how many|how much|number of|what percentage|berapa banyak)\b", re.I)
WHICH_PASAL = re.compile(r"\b(pasal berapa|pasal apa|which article|what article|which provision)\b", re.I)
CONTACT = re.compile(r"\b(phone|telepon|telp|nomor hp|handphone|whatsapp|e-?mail|surel)\b", re.I)
# What kind of figure a question asks for, read off its words (first match wins).
FIGURE_UNITS = [  # (question words, units, only in a quantity question)
    (re.compile(r"\b(prison terms?|imprisonment|jail|pidana penjara|hukuman penjara|ancaman penjara|"
                r"ancaman (pidana|hukuman)|berapa (lama|tahun) (pidana|penjara|hukuman))\b", re.I),
     {"tahun", "bulan", "rupiah"}, False),
    (re.compile(r"\b(budget|anggaran|funding|dana|biaya|fines?|denda|rupiah|money)\b", re.I), {"rupiah", "USD"},
     True),
    (re.compile(r"\b(percent(age)?|persen|persentase|proportion)\b|%", re.I), {"persen"}, True),
]
MULTIPLE = re.compile(r"\b(kali lipat|times (as|the)|how many times|berapa kali)\b", re.I)  # a factor, not a figure
NOT_MODIFIERS = set("""yang masih dianggap adalah ada is are was were be did does do has have had can could must should
will would seseorang the a an of""".split())
AMOUNT_OF = re.compile(r"\b(what|which) (is|was|are|were) the\b[^?]*\b(budget|anggaran|fine|denda)\b", re.I)
DURATION = re.compile(r"\s*(tahun|years?|lama|long|hours?|jam|hari|days?|bulan|months?|kali|times)\b", re.I)
SOURCE_OF = re.compile(r"\b(sources?|sumber|from which|from what|dari mana|what kind|jenis apa)\b", re.I)
# Counted nouns that answer for one another ("how many traffickers were convicted": convicts, convictions, cases).
RELATED_COUNTS = [{"pelaku", "tersangka", "terdakwa", "terpidana", "putusan", "kasus", "penyidikan", "penuntutan"},
                  {"PMI", "WNI"}, {"rumah perlindungan", "sentra layanan"}]
CONTACT_VALUE = re.compile(r"\d[\d\s().-]{6,}\d|[\w.+-]+@[\w-]+\.\w+")
NUMBER = re.compile(r"\d")
# The ordinals that answer "for how many consecutive years" (index.query.CONSECUTIVE): "fifth", "tahun kedua".
ORDINAL = re.compile(r"\b(second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th)|kedua|ketiga|"
                     r"keempat|kelima|keenam|ketujuh|kedelapan|kesembilan|kesepuluh|ke-\d+)\b", re.I)
# Capitalised words that are not names: question words, months, document words, the domain's common terms.
NOT_NAMES = set("""
apa apakah siapa berapa bagaimana kapan mana mengapa menurut dalam di yang dan dari untuk pada the what which who
whom how when where why does did is are was were according under in of for to and a an per do can if list name
pasal article ayat bab law laws act regulation regulations perpres pp uu perda undang-undang peraturan presiden
pemerintah daerah government presidential regional report tip trafficking persons laporan indonesia indonesian
republik republic gugus tugas task force pusat central national nasional tppo pp rakor rapat koordinasi meeting
january february march april may june july august september october november december januari februari maret mei
juni juli agustus oktober desember ministry minister kementerian menteri original elucidation penjelasan
""".split())


# "Who currently holds office X" asks for a person; "Siapa Ketua I ..." may be answered with an office ("Menko Polkam").
PERSON_Q = re.compile(r"\b(siapa\s+(?:nama|yang\s+(?:saat\s+ini|sekarang|kini)|yang\s+menjabat)|"
                      r"who\s+(?:is|was)\s+the\s+(?:current|present|incumbent)|who\s+currently|name\s+of\s+the)\b", re.I)
# A person in a sentence: a rank or honorific before a capitalised name ("Irjen Pol Desman S Tarigan", "Duta Besar
# Lufti Rauf", "Gus Ipul", "Dr. Hasto").
PERSON = re.compile(r"\b(?:Irjen|Brigjen|Komjen|Jenderal|Kombes|AKBP|AKP|Kompol|Laksamana|Marsekal|Mayjen|Letjen|Dr|"
                    r"Prof|Ir|Drs|Hj?|Bapak|Ibu|Pak|Bu|Gus|Duta Besar|Ambassador|Mr|Ms|Mrs|Minister|Menteri)\.?\s+"
                    r"(?:Pol\.?\s+)?(?:[A-Z]\.\s*)*[A-Z][a-z]{2,}")


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
    answer_type: str | None = None  # index.query.ANSWER_TYPES: the sentence must state a date, a duration ...
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
    c.years = sorted(set(YEAR.findall(question)))
    c.pasal = [f"Pasal {p}" for p in PASAL_Q.findall(question)]
    c.quantity = bool(QUANTITY.search(question)) and not WHICH_PASAL.search(question)
    c.contact = bool(CONTACT.search(question))
    c.lang = detect_language(question)
    c.figure_units, c.figure_counted = asked_figure(question, c.quantity)
    c.agencies = [a for a, rx in question_patterns(strict=True).items() if rx.search(question)]
    c.person = bool(PERSON_Q.search(question))
    c.consecutive = bool(CONSECUTIVE.search(question))
    c.refs = references(question)
    c.answer_type, c.doc_language = answer_type(question), document_language(question)
    skip = NOT_NAMES | _glossary_words()
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
    if c.agencies:
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


def asked_figure(question: str, quantity: bool) -> tuple[set[str], set[str]]:
    """(units, counted nouns) of the figure a question asks for; empty sets when it asks for none.
    A counted noun must follow the quantity words ("how many victims", "berapa jumlah korban"), so that "how many
    hours must staff report a victim" does not ask for a number of victims."""
    from ..figures.prose import COUNTED

    other = MULTIPLE.search(question) or SOURCE_OF.search(question) or WHICH_PASAL.search(question) or any(
        DURATION.match(question[m.end():]) for m in QUANTITY.finditer(question))
    if not other:
        for pattern, units, needs_quantity in FIGURE_UNITS:
            if pattern.search(question) and (quantity or not needs_quantity or AMOUNT_OF.search(question)):
                return units, set()
    if not quantity:
        return set(), set()
    counted: set[str] = set()
    for m in QUANTITY.finditer(question):
        words = question[m.end():].lower().split()
        lead = []  # "how many [labor trafficking] victims": up to two words before the noun, none of them a verb
        for w in words[:3]:
            if w.strip("?,.") in NOT_MODIFIERS:
                break
            lead.append(w)
        window = " ".join(lead)
        counted |= {name for name, forms in COUNTED.items() if name not in ("orang", "satgas")
                    and any(re.search(rf"(?:^|\s){re.escape(f.lower())}\b", window) for f in forms)}
    for related in RELATED_COUNTS:
        if counted & related:
            counted |= related
    return set(), counted


def sentence_ok(c: Constraints, sentence: str, meta: dict | None = None) -> bool:
    if c.contact and not CONTACT_VALUE.search(sentence):
        return False
    if c.person and not PERSON.search(sentence):
        return False
    # only a specific type: "time limit" or "berapa lama" also sit in questions asking several things at once
    if c.answer_type and c.answer_type != "duration" and not ANSWER_TYPES[c.answer_type].search(sentence):
        return False
    if c.figure_units or c.figure_counted:
        return any((not c.figure_units or f.unit in c.figure_units)
                   and (not c.figure_counted or f.counted in c.figure_counted) for f in _figures(sentence, meta))
    if c.quantity:  # any number but a year, or a figure written in words ("two victims", "six million")
        return (bool(NUMBER.search(YEAR.sub(" ", sentence))) or bool(_figures(sentence, meta))
                or (c.consecutive and bool(ORDINAL.search(sentence))))
    return True


def _figures(sentence: str, meta: dict | None) -> list:
    """The figures the sentence states (app/figures/prose.py's extractor; numbers are read in the passage's language)."""
    from ..figures.prose import extract

    return extract(sentence, meta or {"language": detect_language(sentence)})
