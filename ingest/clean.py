"""Cleaning: page furniture, news boilerplate, OCR/markup artefacts, hyphenation and wrapped lines."""
from __future__ import annotations

import re
from collections import Counter

from .types import Page

# Lines of web-page furniture seen in Indonesian news reports (ads, share/comment forms, read-also links).
BOILERPLATE = [
    r"^-?\s*iklan( google)?\s*-?$",
    r"^baca juga\b.*$",
    r"^(lihat|simak) juga\b.*$",
    r"^bagikan( berita ini)?\s*:?$",
    r"^share( this)?\s*:?$",
    r"^tinggalkan (ulasan|balasan|komentar)\b.*$",
    r"^alamat email anda tidak akan dipublikasikan.*$",
    r"^ruas yang wajib ditandai.*$",
    r"^\d+\s*mins? read$",
    r"^jasa (pembuatan )?website\b.*$",
    r"^(#\w+\s*){2,}$",  # hashtag lines
    r"^(advertisement|scroll to continue|scroll untuk melanjutkan).*$",
    r"^(dokumen ini ditandatangani secara elektronik|d okumen ini ditandatangani).*$",
    r"^yang diterbitkan oleh balai sert\w*kasi elektronik.*$",
    r"^sk no\.? ?\d+ ?[a-z]?$",  # serial numbers of the official SALINAN paper
    r"^(pres ?i ?d ?en|presioen)$",  # running page header of presidential regulations ...
    r"^(rep\w* ?)?[a-z]{0,2} ?[it]?ndones\w*$",  # ... and its OCR variants ("REPUBUK INDONESIA", "K INDONES")
    r"^distribusi i+$",
    r"^.{1,60}?(\. ?\. ?\.|…)$",  # catchwords: the next page's first words at the page foot ("Pasal 5. . .")
]
_BOILER = [re.compile(p, re.I) for p in BOILERPLATE]
_PAGE_NO = re.compile(r"^\s*[-–—]?\s*\d{1,4}\s*[-–—]?\s*$")  # "-21-", "21", "- 3 -"
# OCR artefacts of specific, recurring misreadings in the official SALINAN scans.
OCR_FIXES = {"T\\rgas": "Tugas", "Ttrgas": "Tugas", "PRESIOEN": "PRESIDEN", "REPUELIK": "REPUBLIK", "TNDONESIA": "INDONESIA"}
_DIGITISH = re.compile(r"\b(?=[0-9OolIL]*\d[0-9OolIL]*\d)[0-9OolIL]{3,}\b")  # "2OO8", "2Ol7", "9l"? (3+ chars)
_EMPH = re.compile(r"(?<!\w)_([^_\n]{1,200}?)_(?!\w)")
_REDUP = re.compile(r"\b(\w+)-[ \t]*\n?[ \t]*(\w+)\b")


def _norm_furniture(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip().lower())


def strip_page_furniture(pages: list[Page]) -> list[Page]:
    """Drop page numbers and header/footer lines repeated on at least half of a multi-page PDF's pages."""
    if len(pages) < 3:
        return [Page(p.number, "\n".join(l for l in p.text.split("\n") if not _PAGE_NO.match(l)), p.ocr) for p in pages]
    counts: Counter[str] = Counter()
    for p in pages:
        lines = [l for l in p.text.split("\n") if l.strip()]
        edge = set(_norm_furniture(l) for l in lines[:3] + lines[-3:])
        counts.update(edge)
    threshold = max(2, len(pages) // 2)
    repeated = {k for k, c in counts.items() if c >= threshold and len(k) < 120}
    out = []
    for p in pages:
        keep = [l for l in p.text.split("\n") if not _PAGE_NO.match(l) and _norm_furniture(l) not in repeated]
        out.append(Page(p.number, "\n".join(keep), p.ocr))
    return out


def drop_boilerplate(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    prev = None
    for line in lines:
        s = line.strip()
        if any(b.match(s) for b in _BOILER):
            continue
        if s and s == prev:  # a headline printed twice in a row
            continue
        out.append(line)
        if s:
            prev = s
    return "\n".join(out)


def _fix_digits(m: re.Match) -> str:
    tok = m.group(0)
    return tok.translate(str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "L": "1"}))


def _join_hyphen(m: re.Match) -> str:
    a, b = m.group(1), m.group(2)
    between = m.group(0)[len(a) + 1 : len(m.group(0)) - len(b)]
    if a.lower() == b.lower() or (b[:1].isupper() and a[:1].isupper()):  # "undang- undang", "Undang-\nUndang"
        return f"{a}-{b}"
    if "\n" in between and b[:1].islower():  # "perda-\ngangan": a word broken at the line end
        return a + b
    return f"{a}-{b}"  # "laki- laki" style spacing inside compounds


def clean_text(text: str) -> str:
    text = text.replace("\u00ad", "").replace("\ufeff", "").replace("\xa0", " ")
    for bad, good in OCR_FIXES.items():
        text = text.replace(bad, good)
    text = text.replace("\\r", "")
    text = re.sub(r"Gugu\.?s(\s+)T\S{0,4}?gas\b", r"Gugus\1Tugas", text)  # "Gugus T[rgas", "Gugu.s Tfigas"
    text = re.sub(r"(?m)^(\s*#*\s*)Pa\W?sa\W?l\s+([0-9IlO](?: ?[0-9IlO]){0,2}[A-Z]?)\s*$",  # "Pasa-l 1 1" heading
                  lambda m: m.group(1) + "Pasal " + m.group(2).replace(" ", ""), text)
    text = text.replace("^", "")
    text = _EMPH.sub(r"\1", text)
    text = re.sub(r"(?<=\s)_(?=[\s,.;:])|(?<=[,.;:])_(?=\s|$)", "", text)  # stray markup underscores "_;_"
    text = re.sub(r"\s+_\s*([,.;:])", r"\1", text)
    text = _DIGITISH.sub(_fix_digits, text)
    text = drop_boilerplate(text)
    text = _REDUP.sub(lambda m: _join_hyphen(m) if "-" in m.group(0) else m.group(0), text)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"(?<=\w) +([,;:])(?=\s)", r"\1", text)
    text = re.sub(r" +\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def unwrap_lines(text: str) -> str:
    """Join lines that a PDF or OCR wrapped mid-sentence (next line starts in lower case)."""
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        s = line.strip()
        if (
            out
            and s
            and out[-1].strip()
            and s[0].islower()
            and not re.match(r"^[a-z]\.\s", s)  # "a. huruf" list items start a new line
            and not out[-1].rstrip().endswith((":", ";"))
        ):
            out[-1] = out[-1].rstrip() + " " + s
        else:
            out.append(line)
    return "\n".join(out)


MAX_RUN = 100  # characters without a space; longer runs are broken (the embedder does the same: GUGUS_MAX_WORD_CHARS)


def break_long_runs(text: str, n: int = MAX_RUN) -> str:
    """Break every space-free run longer than n characters into pieces of n: one unbroken 64 KB "word" made a
    passage the chunker could not split and cost 34 s in the embedder (issue 10 item 5)."""
    if len(text) <= n or not re.search(rf"\S{{{n + 1}}}", text):
        return text
    return re.sub(rf"\S{{{n}}}(?=\S)", lambda m: m.group(0) + " ", text)


def clean_pages(pages: list[Page]) -> list[Page]:
    pages = strip_page_furniture(pages)
    return [Page(p.number, break_long_runs(unwrap_lines(clean_text(p.text))), p.ocr) for p in pages]
