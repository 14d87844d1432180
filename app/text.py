"""Text shared by answering and drafting: the sentences of generated text and of stored passages (both split by
ingest/sentences.py, the one splitter), citation markers, numbers, and instructions planted in documents."""
from __future__ import annotations

import re

from ..index.query import DATE_IN_TEXT
from ..ingest.sentences import split_sentences  # noqa: F401  (re-exported: generated text, or profile="source")

CITE = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
# An instruction addressed to the model: "abaikan/lupakan/ignore/disregard ... instruksi/perintah/instructions".
INJECTION = re.compile(r"\b(?:abaikan|lupakan|acuhkan|ignore|disregard|forget|override)\b[^.!?\n]{0,60}?"
                       r"\b(?:instruksi|perintah|arahan|aturan|instructions?|prompts?|rules?|directions?)\b", re.I)
NUMBER = re.compile(r"(?<![\w\[])\d+(?:[.,]\d+)*(?![\w\]])")


def parse_cites(sentence: str) -> tuple[str, list[int]]:
    """The sentence without its [n] markers, and the cited numbers in order of first appearance."""
    nums: list[int] = []
    for m in CITE.finditer(sentence):
        nums.extend(int(x) for x in re.split(r"\s*[,;]\s*", m.group(1)))
    clean = CITE.sub("", sentence)
    clean = re.sub(r"\s+([.,;:!?])", r"\1", clean)
    return re.sub(r"\s{2,}", " ", clean).strip(), list(dict.fromkeys(nums))


def numbers_in(text: str) -> set[str]:
    """Numbers normalised so that 4.320, 4,320 and 4320 compare equal."""
    return {re.sub(r"[.,]", "", n) for n in NUMBER.findall(text)}


# ------------------------------------------------------------------------------------------------ source text
_LIST_LINE = re.compile(r"^\s*(?:[-•*·]|\d{1,2}[.)]|[a-z][.)])\s")
def is_list_unit(unit: str) -> bool:
    lines = unit.split("\n")
    return len(lines) >= 3 and sum(bool(_LIST_LINE.match(l)) for l in lines[1:]) >= 2


def sentence_units(text: str) -> list[str]:
    """Sentences of a passage; a sentence ending in ':' keeps the list that follows it (blank lines between items
    are common in news text)."""
    units: list[str] = []
    buf: list[str] = []
    in_list = False
    for line in (l.strip() for l in text.split("\n")):
        if not line:
            continue
        if buf and (buf[-1].endswith(":") or (in_list and _LIST_LINE.match(line))):
            buf.append(line)
            in_list = True
            continue
        if buf:
            units.extend(_split(buf))
        buf, in_list = [line], False
    if buf:
        units.extend(_split(buf))
    # Source text is data: bracketed numbers in it are not citations, and a sentence instructing the model is not
    # evidence (prompt injection); neither may reach an answer or a draft.
    return [_clean_source(u) for u in units if re.search(r"\w{3}", u) and not _is_heading(u)
            and not INJECTION.search(u)]


def _clean_source(unit: str) -> str:
    unit = CITE.sub("", unit)
    unit = re.sub(r"[ \t]+([.,;:!?])", r"\1", unit)
    return re.sub(r"[ \t]{2,}", " ", unit).strip()


def _is_heading(u: str) -> bool:
    """A short line without final punctuation, except a dated line ("Ditetapkan di Jakarta pada tanggal ...")."""
    return ("\n" not in u and u.rstrip()[-1:] not in ".;:!?\"”)" and len(u.split()) <= 10
            and not DATE_IN_TEXT.search(u))


def _split(lines: list[str]) -> list[str]:
    if len(lines) > 1:
        return ["\n".join(lines)]
    return split_sentences(lines[0], "source")
