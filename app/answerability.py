"""What a passage must contain before an extractive answer may quote it, read off the question.

Similarity alone cannot tell "no source says this" from "a related source exists" (dev set: unanswerable questions
score as high as answerable ones), so the question's hard constraints are checked against the evidence:
  - names: capitalised names in the question (a person, a Polres, an agency) appear in the passage;
  - years: each year the question names is in the passage text or is the document's year;
  - Pasal: "Pasal 5" / "Article 5" asked for is the passage's Pasal (or quoted in it);
  - quantity: "berapa / how many / how much" questions are answered by a sentence holding a number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..index.query import load_glossary
from ..ingest.catalog import detect_language

YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
PASAL_Q = re.compile(r"\b(?:Pasal|Article|Art\.)\s+(\d{1,3}[A-Z]?)\b", re.I)
QUANTITY = re.compile(r"\b(berapa|jumlah|how many|how much|number of|what percentage|berapa banyak)\b", re.I)
WHICH_PASAL = re.compile(r"\b(pasal berapa|pasal apa|which article|what article|which provision)\b", re.I)
CONTACT = re.compile(r"\b(phone|telepon|telp|nomor hp|handphone|whatsapp|e-?mail|surel)\b", re.I)
CONTACT_VALUE = re.compile(r"\d[\d\s().-]{6,}\d|[\w.+-]+@[\w-]+\.\w+")
NUMBER = re.compile(r"\d")
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


@dataclass
class Constraints:
    names: list[str] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    pasal: list[str] = field(default_factory=list)
    quantity: bool = False
    contact: bool = False
    lang: str = "id"


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


def passage_ok(c: Constraints, text: str, meta: dict) -> bool:
    body = _norm(text + " " + str(meta.get("title", "")) + " " + str(meta.get("header", "")))
    same_lang = meta.get("language", c.lang) == c.lang
    for name in c.names:
        # across languages only acronyms and codes are compared ("Coordinating Ministry" is "Kemenko" in the source)
        if not same_lang and not (name.isupper() or re.search(r"\d", name)):
            continue
        if not all(part.lower() in body for part in name.split()):
            return False
    doc_year = str(meta.get("year") or (meta.get("date") or "")[:4])
    for y in c.years:
        if y not in body and y != doc_year:
            return False
    if c.pasal:
        own = (meta.get("pasal") or meta.get("explains") or "").lower()
        if not any(p.lower() == own or re.search(rf"\b{p.lower()}\b", body) for p in c.pasal):
            return False
    return True


def sentence_ok(c: Constraints, sentence: str) -> bool:
    if c.contact and not CONTACT_VALUE.search(sentence):
        return False
    if c.quantity:
        without_years = YEAR.sub(" ", sentence)
        return bool(NUMBER.search(without_years))
    return True
