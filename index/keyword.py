"""Keyword index: bm25s over Sastrawi-stemmed tokens. Built from the store's chunks, cached on disk per generation."""
from __future__ import annotations

import json
import re
import shutil
from functools import lru_cache
from pathlib import Path

import numpy as np

# Stop words that carry no meaning for retrieval. Negations (tidak, bukan, belum, tanpa, jangan, not, no, without)
# are deliberately kept: "tidak dipidana" and "dipidana" must not look alike.
STOPWORDS = set("""
yang dan di ke dari untuk dengan pada dalam ini itu atau adalah oleh sebagai juga akan telah dapat para
tersebut secara serta bagi karena maka agar yaitu bahwa apa siapa mana berapa bagaimana apakah saja
the of and to in a an is are was were for on by with as at from that this which what who how does do
be been has have had its it their or
""".split())
_TOKEN = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[a-z]+(?:-[a-z]+)*")


@lru_cache(maxsize=1)
def _stemmer():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    if word.isdigit() or len(word) <= 3:
        return word
    return _stemmer().stem(word) or word


def analyze(text: str) -> list[str]:
    out: list[str] = []
    for tok in _TOKEN.findall(text.lower()):
        if tok in STOPWORDS:
            continue
        if tok[0].isdigit():
            out.append(tok.replace(".", "").replace(",", "."))  # "4.320" and "4320" are the same figure
            continue
        if "-" in tok:  # "undang-undang", "hak-hak": index the whole and the stem of the base
            base = tok.split("-")[0]
            out.append(stem(base))
            continue
        out.append(stem(tok))
    return out


class KeywordIndex:
    def __init__(self) -> None:
        import bm25s

        self.bm25 = bm25s.BM25(k1=1.2, b=0.75)
        self.ids: list[str] = []
        self.generation = -1
        self.defs: dict[int, list[list[str]]] = {}  # chunk position -> stems of each term it defines

    def build(self, ids: list[str], texts: list[str], generation: int, passages: list[str] | None = None) -> None:
        self.ids = list(ids)
        self.generation = generation
        if ids:
            self.bm25.index([analyze(t) or ["_"] for t in texts], show_progress=False)
        self.defs = {}
        for i, p in enumerate(passages or []):
            keys = [list(k) for k in map(term_key, defined_terms(p)) if k]
            if keys:
                self.defs[i] = keys

    def definitions(self, focus: set[str], allowed: np.ndarray | None = None, prefer: np.ndarray | None = None,
                    scores: np.ndarray | None = None, k: int = 5) -> list[str]:
        """Passages defining a term whose stems all occur in `focus` (the stems of the term a question asks
        about, with its glossary translations). Most specific term first (more stems), then passages in `prefer`
        (documents the question names), then keyword score."""
        ranked = []
        for i, keys in self.defs.items():
            if allowed is not None and not allowed[i]:
                continue
            best = max((len(key) for key in keys if set(key) <= focus), default=0)
            if best:
                ranked.append((-best, not (prefer is not None and prefer[i]),
                               -(float(scores[i]) if scores is not None else 0.0), i))
        ranked.sort()
        return [self.ids[r[-1]] for r in ranked[:k]]

    def scores(self, query: str) -> np.ndarray:
        # each term once: glossary expansion repeats common terms ("gugus tugas") that would drown rare ones
        q = list(dict.fromkeys(t for t in analyze(query) if t in self.bm25.vocab_dict)) if self.ids else []
        if not q:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(q), dtype=np.float32)

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[str, float]]:
        s = self.scores(query)
        if allowed is not None:
            s = np.where(allowed, s, 0.0)
        if not len(s):
            return []
        k = min(k, len(s))
        top = np.argpartition(-s, k - 1)[:k]
        top = top[np.argsort(-s[top])]
        return [(self.ids[i], float(s[i])) for i in top if s[i] > 0]

    def save(self, d: Path) -> None:
        tmp = d.with_name(d.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.ids:
            self.bm25.save(str(tmp), show_progress=False)
        (tmp / "ids.json").write_text(json.dumps({"generation": self.generation, "ids": self.ids,
                                                  "defs": {str(i): v for i, v in self.defs.items()}}))
        shutil.rmtree(d, ignore_errors=True)
        tmp.rename(d)  # readers never see a half-written index

    @classmethod
    def load(cls, d: Path) -> "KeywordIndex | None":
        import bm25s

        f = d / "ids.json"
        if not f.is_file():
            return None
        try:
            data = json.loads(f.read_text())
            ki = cls()
            ki.ids, ki.generation = data["ids"], int(data["generation"])
            if "defs" not in data:  # written before defined terms were indexed: rebuild
                return None
            ki.defs = {int(i): v for i, v in data["defs"].items()}
            if ki.ids:
                ki.bm25 = bm25s.BM25.load(str(d), show_progress=False)
            return ki
        except Exception:
            return None


# ------------------------------------------------------------------------------------------ defined terms
# Regulations define their terms in Pasal 1 ("7. Eksploitasi adalah ...", "... yang selanjutnya disingkat PPT
# adalah ...") and in the Penjelasan ('Yang dimaksud dengan "rumah aman" adalah ...'). A question that asks what a
# term means is best answered by that passage, which neither retriever reliably ranks first: the term is one word
# among many, and every other passage that uses it competes.
_DEF_ANGKA = re.compile(r"^\s*(?:\d{1,3}\s*[.,]\s*)+([A-Z](?:(?!\badalah\b)[^.;:]){0,200}?)\s+adalah\b")
_DEF_PENJ = re.compile(r"[Yy]ang dimaksud (?:dengan\s+)?[“\"]([^”\"]{2,160})[”\"]")
_ALIAS = re.compile(r",?\s*yang\s+selanjutnya\s+(?:disingkat|disebut)(?:\s+dengan)?\s+", re.I)


def defined_terms(passage: str) -> list[str]:
    """Terms the passage defines, with their abbreviations as separate entries."""
    out: list[str] = []
    m = _DEF_ANGKA.match(passage)
    found = [m.group(1)] if m else []
    found += _DEF_PENJ.findall(passage)
    for term in found:
        for part in _ALIAS.split(term):
            part = " ".join(part.strip(" ,").split())
            if part and part not in out:
                out.append(part)
    return out


def term_key(term: str) -> tuple[str, ...]:
    return tuple(sorted(set(analyze(term))))
