"""Structure-aware chunking.

Regulations (UU, PP, Perpres, Perda ...): Menimbang/Mengingat up front, then BAB > Bagian > Paragraf > Pasal >
ayat (1) > huruf a., a closing (Disahkan/Ditetapkan), and a PENJELASAN (I. UMUM, II. PASAL DEMI PASAL). A chunk
never spans two Pasal; a long Pasal splits at ayat (or at angka for definitions); each chunk carries its path
("UU 21/2007 > BAB I > Pasal 1 angka 3") and Penjelasan chunks are linked to the Pasal they explain.

Prose (meeting reports, submissions, TIP excerpts): paragraphs grouped under their heading up to a token budget.
Texts arrive OCR'd or parsed from PDFs, so headings are found by pattern and by the order of Pasal numbers, not
by line layout alone.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Callable

from .sentences import split_sentences
from .types import Chunk, DocMeta

TokenCounter = Callable[[str], int]

MAX_TOKENS = 320  # passage tokens of the embedder; e5 reads 512 with the header line
TARGET_TOKENS = 200  # prose chunks aim for this size
MAX_INLINE_GAP = 5  # an inline "Pasal N" heading may skip at most this many numbers (parse losses)


def approx_tokens(text: str) -> int:
    """Rough XLM-R sentencepiece count for Indonesian/English (about 3.3 characters a token)."""
    return len(text) // 3 + 2


# --------------------------------------------------------------------------------------------- text splitting
def split_to_budget(text: str, max_tokens: int, count: TokenCounter) -> list[str]:
    """Split text at sentence (then word) boundaries into pieces of at most max_tokens."""
    text = text.strip()
    if count(text) <= max_tokens:
        return [text] if text else []
    sentences = split_sentences(text, "budget")
    if len(sentences) == 1:
        words = text.split()
        pieces, cur = [], []
        for w in words:
            if cur and count(" ".join(cur + [w])) > max_tokens:
                pieces.append(" ".join(cur))
                cur = []
            cur.append(w)
        if cur:
            pieces.append(" ".join(cur))
        return pieces
    out: list[str] = []
    cur = ""
    for s in sentences:
        cand = f"{cur} {s}".strip() if cur else s
        if cur and count(cand) > max_tokens:
            out.append(cur)
            cur = s
        else:
            cur = cand
        if count(cur) > max_tokens:
            parts = split_to_budget(cur, max_tokens, count) if len(split_sentences(cur, "budget")) <= 1 else [cur]
            out.extend(parts[:-1])
            cur = parts[-1]
    if cur:
        out.append(cur)
    return out


@dataclass
class PageMap:
    """Character offset -> page number for a document text joined from its pages."""

    starts: list[int] = field(default_factory=list)
    numbers: list[int | None] = field(default_factory=list)

    def page_at(self, offset: int) -> int | None:
        if not self.starts:
            return None
        i = bisect.bisect_right(self.starts, offset) - 1
        return self.numbers[max(i, 0)]


# --------------------------------------------------------------------------------------------- regulations
ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def roman_to_int(s: str) -> int:
    total, prev = 0, 0
    for ch in reversed(s.upper()):
        v = ROMAN[ch]
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total


def _pasal_key(num: str) -> tuple[int, int]:
    num = num.translate(str.maketrans({"O": "0", "I": "1", "l": "1"}))
    m = re.match(r"(\d+)([A-Z]?)$", num)
    if not m:
        return (-1, 0)
    return (int(m.group(1)), ord(m.group(2)) - 64 if m.group(2) else 0)


def _pasal_label(num: str) -> str:
    k = _pasal_key(num)
    return f"Pasal {k[0]}{chr(64 + k[1]) if k[1] else ''}"


PASAL_RX = re.compile(r"(?<![\w/])(?:#+[ \t]*)?Pasal\s*([0-9][0-9OIl]{0,2}[A-Z]?|[IVX]{1,4})(?=[\s.,;:)]|$)")
BAB_RX = re.compile(r"(?<![\w/])(?:#+[ \t]*)?BAB\s+([IVXLC]{1,7})(?=[\s.]|$)")
BAGIAN_RX = re.compile(r"(?<![\w/])(?:#+[ \t]*)?Bagian\s+(Ke[a-z]+|Pertama)\b", re.I)
PARAGRAF_RX = re.compile(r"(?<![\w/])(?:#+[ \t]*)?Paragraf\s+(\d+|Ke[a-z]+)\b")
REF_PREV = {"dalam", "dan", "atau", "dengan", "oleh", "pada", "menurut", "berdasarkan", "terhadap", "sebagaimana",
            "melanggar", "serta", "di", "ketentuan", "maksud", "dimaksud", "sampai", "jo", "jo.", "lihat", "ke",
            "bahwa", "antara", "melaksanakan", "mengingat", "yaitu", "dari", "para", "tiap"}
REF_NEXT = re.compile(r"\s*(ayat|huruf|angka|,|;|\)|dan\b|atau\b|sampai|s\.d|jo\b|Undang|UU\b|KUHP|Peraturan|"
                      r"Perpres|PP\b|Tahun|tentang|sebagaimana|yang|diubah|dihapus|disisipkan|[a-z])")
CLOSING_RX = re.compile(r"Agar setiap orang mengetahuinya|(?<![\w])(Ditetapkan|Disahkan) di [A-Z]", re.I)
PENJ_RX = re.compile(r"\bPENJELASAN\b(?:\s+ATAS)?(?:[\s\S]{0,600}?)\bI\s*\.\s*UMUM\b")
PENJ_LINE_RX = re.compile(r"(?m)^\s*#*\s*PENJELASAN\s*$")
PDP_RX = re.compile(r"\bII\s*\.\s*PASAL\s+DEMI\s+PASAL\b", re.I)
AYAT_RX = re.compile(r"(?:^|(?<=\n)|(?<=[.;:]) )\s*\((\d{1,2})\)\s")
ANGKA_RX = re.compile(r"(?:^|(?<=\n)|(?<=[:;.]) )\s*(\d{1,3})\.\s")
PENJ_AYAT_RX = re.compile(r"(?:^|(?<=\n)|(?<=[.;:]) )\s*Ayat\s*\((\d{1,2})\)\s")
CUKUP_JELAS = re.compile(r"^(?:(?:Ayat\s*\(\d+\)|Huruf\s+[a-z]|Angka\s+\d+)?\s*Cukup\s+jelas\.?\s*)+$", re.I)
DEFINITIONS = re.compile(r"yang dimaksud dengan\s*:?\s*$", re.I)


@dataclass
class _Head:
    start: int  # where the heading text starts
    end: int  # where the content after it starts
    kind: str  # bab | bagian | paragraf | pasal | container
    label: str
    title: str = ""


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    ls = text.rfind("\n", 0, pos) + 1
    le = text.find("\n", pos)
    return ls, (len(text) if le < 0 else le)


def _uppercase_title(text: str, pos: int) -> tuple[str, int]:
    """An uppercase heading title right after pos (same line or the next non-empty line)."""
    m = re.match(r"[ \t]*\n?[ \t]*\n?[ \t]*#*[ \t]*([A-Z][A-Z0-9 ,/\-]{2,150}?)(?=\s*(?:\n|$|Bagian|Pasal|Paragraf|#))", text[pos:])
    if m and not re.match(r"(PASAL|BAGIAN|PARAGRAF|BAB)\b", m.group(1)):
        return m.group(1).strip(), pos + m.end()
    return "", pos


def find_headings(text: str, penjelasan: bool = False) -> list[_Head]:
    heads: list[_Head] = []
    last_pasal: tuple[int, int] = (0, 0)
    last_container = 0
    last_bab = 0
    candidates: list[tuple[int, str, re.Match]] = []
    for rx, kind in ((PASAL_RX, "pasal"), (BAB_RX, "bab"), (BAGIAN_RX, "bagian"), (PARAGRAF_RX, "paragraf")):
        if penjelasan and kind != "pasal":
            continue
        for m in rx.finditer(text):
            candidates.append((m.start(), kind, m))
    candidates.sort(key=lambda c: c[0])
    for _, kind, m in candidates:
        ls, le = _line_bounds(text, m.start())
        before = text[ls:m.start()].strip().lstrip("#").strip()
        after_line = text[m.end():le].strip()
        standalone = before == "" and after_line == ""
        prev_words = text[max(0, m.start() - 40):m.start()].split()
        prev = prev_words[-1].lower().strip(",") if prev_words else ""
        num = m.group(1)
        if kind == "pasal":
            inline_ok = prev not in REF_PREV and not REF_NEXT.match(text[m.end():m.end() + 30])
            if re.fullmatch(r"[IVX]{1,4}", num):  # "Pasal I": the container of an amending regulation
                val = roman_to_int(num)
                if val == last_container + 1 and (standalone or (inline_ok or prev in ("pasal",))):
                    heads.append(_Head(m.start(), m.end(), "container", f"Pasal {num}"))
                    last_container = val
                    last_pasal = (0, 0)
                continue
            key = _pasal_key(num)
            if key <= last_pasal:
                continue
            gap_ok = key[0] - last_pasal[0] <= MAX_INLINE_GAP
            if standalone or (inline_ok and gap_ok and (before == "" or before[-1:] in ".:;" or _heading_like(before))):
                heads.append(_Head(m.start(), m.end(), "pasal", _pasal_label(num)))
                last_pasal = key
        elif kind == "bab":
            val = roman_to_int(num)
            if val != last_bab + 1 or prev in REF_PREV:
                continue
            title, end = _uppercase_title(text, m.end())
            heads.append(_Head(m.start(), end, "bab", f"BAB {num}", title))
            last_bab = val
        else:
            if prev in REF_PREV or not (before == "" or before[-1:] in ".:;" or _heading_like(before)):
                continue
            rest = re.match(r"[ \t]*\n?[ \t]*#*[ \t]*([A-Z][^\n]{2,120}?)(?=\s*(?:\n|Pasal\s|Paragraf\s|$))", text[m.end():])
            title, end = (rest.group(1).strip(), m.end() + rest.end()) if rest else ("", m.end())
            label = ("Bagian " if kind == "bagian" else "Paragraf ") + num.capitalize()
            heads.append(_Head(m.start(), end, kind, label, title))
    heads.sort(key=lambda h: h.start)
    return heads


def _heading_like(s: str) -> bool:
    """Text before an inline Pasal heading that is itself a heading ('Bagian Ketiga Hak dan Kewajiban')."""
    return bool(re.search(r"(BAB\s+[IVXLC]+|Bagian\s+\w+|Paragraf\s+\w+)[^.;:]*$", s)) or (
        s.isupper() and len(s) < 150
    )


def _markers(text: str, rx: re.Pattern) -> list[tuple[int, int, str]]:
    """Sequentially numbered markers (1), (2), ... or 1., 2., ...: [(start, content_start, n)]."""
    out = []
    expect = 1
    for m in rx.finditer(text):
        if int(m.group(1)) == expect:
            out.append((m.start(), m.end(), m.group(1)))
            expect += 1
    return out if len(out) >= 2 else []


class RegulationChunker:
    def __init__(self, meta: DocMeta, doc_id: str, count: TokenCounter, max_tokens: int, pages: PageMap):
        self.meta, self.doc_id, self.count, self.max, self.pages = meta, doc_id, count, max_tokens, pages
        self.chunks: list[Chunk] = []
        self.label = meta.label
        self.empty: list[str] = []  # Pasal headings with no body (a parsing loss of the source)

    # A chunk's text is the passage; its section is the path; context goes into the embedding header only.
    def _add(self, text: str, offset: int, section: str, kind: str, pasal: str | None = None,
             explains: str | None = None, context: str = "") -> None:
        text = text.strip()
        if not re.search(r"\w", text):
            return
        for piece in split_to_budget(text, self.max, self.count):
            self.chunks.append(Chunk(
                doc_id=self.doc_id, ordinal=len(self.chunks), text=piece, section=section, kind=kind,
                page=self.pages.page_at(offset), pasal=pasal, explains=explains, tokens=self.count(piece),
                context=context,
            ))
            offset += len(piece)

    def run(self, text: str) -> list[Chunk]:
        m = PENJ_RX.search(text)
        if not m:
            lines = list(PENJ_LINE_RX.finditer(text))
            m = lines[-1] if lines else None
        body, penj = (text[: m.start()], text[m.start():]) if m else (text, "")
        self._body(body)
        if penj:
            self._penjelasan(penj, m.start())
        self._link()
        return self.chunks

    def _body(self, body: str) -> None:
        heads = find_headings(body)
        first = heads[0].start if heads else len(body)
        self._preamble(body[:first])
        path: dict[str, str] = {}
        titles: dict[str, str] = {}
        for i, h in enumerate(heads):
            nxt = heads[i + 1].start if i + 1 < len(heads) else len(body)
            if h.kind == "container":
                path = {"container": h.label}
                content = body[h.end:nxt]
                self._add(content, h.end, self._path(path), "pasal", context=h.label)
                continue
            if h.kind in ("bab", "bagian", "paragraf"):
                order = ["container", "bab", "bagian", "paragraf"]
                path = {k: v for k, v in path.items() if order.index(k) < order.index(h.kind)}
                path[h.kind] = h.label
                titles[h.kind] = h.title
                for k in order[order.index(h.kind) + 1:]:
                    titles.pop(k, None)
                leftover = body[h.end:nxt].strip()
                if leftover and len(leftover) > 40:  # text between a heading and the next Pasal
                    self._add(leftover, h.end, self._path(path), "pasal", context=h.title)
                continue
            content = body[h.end:nxt]
            closing = CLOSING_RX.search(content) if i == len(heads) - 1 else None
            context = " ".join(t for t in titles.values() if t)
            self._pasal(content[: closing.start()] if closing else content, h.end, {**path, "pasal": h.label},
                        h.label, context)
            if closing:
                self._add(content[closing.start():], h.end + closing.start(), f"{self.label} > Penutup", "closing")

    def _path(self, path: dict[str, str], *extra: str) -> str:
        parts = [self.label] + [path[k] for k in ("container", "bab", "bagian", "paragraf", "pasal") if k in path]
        return " ".join([" > ".join(parts)] + [e for e in extra if e])

    def _preamble(self, text: str) -> None:
        if not text.strip():
            return
        cuts = [(m.start(), m.group(1).capitalize()) for m in re.finditer(r"(?<![\w])(Menimbang|Mengingat|MEMUTUSKAN|Menetapkan)\b", text)]
        spans = [(0, "Pembukaan")] + cuts
        merged: list[tuple[int, str]] = []
        for s, name in spans:
            if merged and name in ("Memutuskan", "Menetapkan") and merged[-1][1] in ("Memutuskan", "Menetapkan", "Mengingat"):
                if merged[-1][1] != "Mengingat":
                    continue
            merged.append((s, name))
        for j, (s, name) in enumerate(merged):
            e = merged[j + 1][0] if j + 1 < len(merged) else len(text)
            self._add(text[s:e], s, f"{self.label} > {name}", "preamble")

    def _pasal(self, content: str, offset: int, path: dict[str, str], pasal: str, context: str) -> None:
        content = content.strip("\n")
        whole = content.strip()
        if not whole:
            self.empty.append(pasal)
            return
        ayat = _markers(content, AYAT_RX)
        angka = [] if ayat else _markers(content, ANGKA_RX)
        lead_end = (ayat or angka)[0][0] if (ayat or angka) else len(content)
        lead = content[:lead_end].strip()
        if angka and DEFINITIONS.search(lead):  # Pasal 1: one chunk per defined term
            for j, (s, _, n) in enumerate(angka):
                e = angka[j + 1][0] if j + 1 < len(angka) else len(content)
                self._add(content[s:e], offset + s, self._path(path, f"angka {n}"), "pasal", pasal, context=f"{context} {lead}".strip())
            return
        if self.count(whole) <= self.max or not (ayat or angka):
            self._add(whole, offset, self._path(path), "pasal", pasal, context=context)
            return
        units = ayat or angka
        word = "ayat" if ayat else "angka"
        fmt = (lambda n: f"({n})") if ayat else (lambda n: n)
        group: list[tuple[int, int, str]] = []
        gtext = lead

        def flush() -> None:
            if not group:
                return
            a, b = group[0][2], group[-1][2]
            rng = f"{word} {fmt(a)}" if a == b else f"{word} {fmt(a)}–{fmt(b)}"
            self._add(gtext, offset + group[0][0], self._path(path, rng), "pasal", pasal, context=context)

        for j, (s, _, n) in enumerate(units):
            e = units[j + 1][0] if j + 1 < len(units) else len(content)
            unit = content[s:e].strip()
            cand = f"{gtext}\n{unit}".strip()
            if group and self.count(cand) > self.max:
                flush()
                group, gtext = [], unit
            else:
                gtext = cand
            group.append((s, e, n))
        flush()

    def _penjelasan(self, text: str, base: int) -> None:
        pdp = PDP_RX.search(text)
        umum_m = re.search(r"\bI\s*\.\s*UMUM\b", text)
        umum_start = umum_m.end() if umum_m else 0
        umum = text[umum_start: pdp.start() if pdp else len(text)]
        self._add(umum, base + umum_start, f"{self.label} > Penjelasan > Umum", "penjelasan")
        if not pdp:
            return
        rest = text[pdp.end():]
        rbase = base + pdp.end()
        heads = [h for h in find_headings(rest, penjelasan=True) if h.kind in ("pasal", "container")]
        container = ""
        for i, h in enumerate(heads):
            nxt = heads[i + 1].start if i + 1 < len(heads) else len(rest)
            content = rest[h.end:nxt].strip()
            if h.kind == "container":
                container = h.label
                continue
            content = re.sub(r"\s*(?:Angka\s+\d+\s*)$", "", content)  # amendment numbering before the next Pasal
            if not content or CUKUP_JELAS.match(content):
                continue
            section = " > ".join(p for p in (self.label, "Penjelasan", container, h.label) if p)
            ayat = _markers(content, PENJ_AYAT_RX)
            if self.count(content) <= self.max or not ayat:
                self._add(content, rbase + h.end, section, "penjelasan", h.label, explains=h.label)
                continue
            for j, (s, _, n) in enumerate(ayat):
                e = ayat[j + 1][0] if j + 1 < len(ayat) else len(content)
                part = content[s:e].strip()
                if CUKUP_JELAS.match(part):
                    continue
                self._add(part, rbase + h.end + s, f"{section} ayat ({n})", "penjelasan", h.label, explains=h.label)

    def _link(self) -> None:
        """Body chunks of a Pasal point to its Penjelasan and back (ids are final once ordinals are fixed)."""
        by_pasal: dict[str, list[Chunk]] = {}
        for c in self.chunks:
            if c.kind == "penjelasan" and c.explains:
                by_pasal.setdefault(c.explains, []).append(c)
        for c in self.chunks:
            if c.kind == "pasal" and c.pasal in by_pasal:
                c.links = [p.id for p in by_pasal[c.pasal]]
        body_by_pasal: dict[str, list[str]] = {}
        for c in self.chunks:
            if c.kind == "pasal" and c.pasal:
                body_by_pasal.setdefault(c.pasal, []).append(c.id)
        for p in (c for cs in by_pasal.values() for c in cs):
            p.links = body_by_pasal.get(p.explains or "", [])


# --------------------------------------------------------------------------------------------- prose
_LIST_ITEM = re.compile(r"^\s*(?:[-•*·]|\d{1,2}[.)]|[a-z][.)])\s")


def _is_heading(block: str) -> bool:
    s = block.strip()
    if s.startswith("#"):
        return True
    if "\n" in s or len(s) > 90 or _LIST_ITEM.match(s) or not s[:1].isupper():
        return False
    if s[-1:] in ".:;,!?\"”)'’*":
        return False
    return len(s.split()) <= 12


def chunk_prose(text: str, meta: DocMeta, doc_id: str, count: TokenCounter, max_tokens: int, pages: PageMap,
                target: int = TARGET_TOKENS, start_ordinal: int = 0) -> list[Chunk]:
    sep = r"\n\s*\n" if re.search(r"\n\s*\n", text) else r"\n"
    blocks = [(m.start(), m.group(0)) for m in re.finditer(rf"(?:(?!{sep})[\s\S])+", text) if m.group(0).strip()]
    chunks: list[Chunk] = []
    heading: str | None = None
    cur: list[tuple[int, str]] = []

    def flush() -> None:
        nonlocal cur
        if not cur:
            return
        body = "\n\n".join(b.strip() for _, b in cur)
        off = cur[0][0]
        for piece in split_to_budget(body, max_tokens, count):
            chunks.append(Chunk(doc_id=doc_id, ordinal=start_ordinal + len(chunks), text=piece,
                                section=heading, page=pages.page_at(off), kind="prose", tokens=count(piece),
                                context=meta.title if heading is None else f"{meta.title} {heading}"))
        cur = []

    for i, (off, block) in enumerate(blocks):
        if _is_heading(block) and i + 1 < len(blocks):
            flush()
            heading = block.strip().lstrip("#").strip()
            continue
        b = block.strip()
        size = count("\n\n".join([x for _, x in cur] + [b]))
        ends_with_colon = bool(cur) and cur[-1][1].rstrip().endswith(":")
        limit = max_tokens if ends_with_colon or _LIST_ITEM.match(b) and cur else target
        if cur and size > limit:
            flush()
        cur.append((off, b))
    flush()
    return chunks
