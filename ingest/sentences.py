"""The one sentence splitter. Ingest, retrieval and answering all split here; three kinds of text want three
strictnesses, named as profiles rather than written three times:

  generated  text a generator wrote (answers, draft paragraphs; app/answering/verify.py): a sentence ends at . ! ?
             before a capital, a digit or an opening quote; the [n] markers after the stop stay with their sentence;
             a line break always ends one; a list marker ("1.", "a."), a Roman numeral or a common abbreviation
             ("No.", "Dr.", "Jl.", "dll.") does not end one
  source     a stored passage read for evidence (app/text.sentence_units): also ';' ends a sentence (legal text
             runs clauses together with semicolons); no abbreviation rule
  budget     cutting a passage to a token budget (ingest/chunking.split_to_budget): any of . ; : ! ? followed by a
             letter or digit; line breaks do not end sentences
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_CITES = r"((?:\s*\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\])*)"
# A period that ends a list marker ("1.", "a."), a Roman numeral or a common abbreviation does not end a sentence.
NO_END = re.compile(r"(?:^|[\s(])(?:\d{1,3}|[a-zA-Z]|[IVX]{1,4}|No|Nomor|Pol|Dr|Drs|Ir|Irjen|Brigjen|Kombes|H|Hj|"
                    r"St|Jl|dll|dsb|Tbk|Prof|Mr|Mrs|Ms|U\.S|e\.g|i\.e|vs|etc)\.$")


@dataclass(frozen=True)
class Profile:
    end: re.Pattern  # group 1: what stays with the sentence before the break (citation markers), may be empty
    lines_end: bool  # a line break ends a sentence
    abbreviations: bool  # NO_END applies
    strip: bool  # pieces are stripped


PROFILES = {
    "generated": Profile(re.compile(r"(?<=[.!?])" + _CITES + r"\s+(?=[\"“(]?[A-Z0-9])"), True, True, True),
    "source": Profile(re.compile(r"(?<=[.;!?])()\s+(?=[\"“(]?[A-Z0-9])"), False, False, False),
    "budget": Profile(re.compile(r"(?<=[.;:!?])()\s+(?=[\"“(]?[A-Z0-9a-z])"), False, False, False),
}


def split_sentences(text: str, profile: str = "generated") -> list[str]:
    """The sentences of ``text`` under one of PROFILES; empty pieces are dropped."""
    p = PROFILES[profile]
    if p.strip:
        text = text.strip()
    out: list[str] = []
    for line in (text.split("\n") if p.lines_end else [text]):
        last = 0
        for m in p.end.finditer(line):
            if p.abbreviations and not m.group(1) and NO_END.search(line[last:m.start()]):
                continue
            out.append(line[last:m.start()] + m.group(1))
            last = m.end()
        out.append(line[last:])
    return [s.strip() for s in out if s.strip()] if p.strip else [s for s in out if s.strip()]
