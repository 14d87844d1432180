"""Citation verification, applied to every generated answer (and draft paragraph).

A sentence survives only if
  - it cites at least one passage, and every number it cites was retrieved (invented [n] are dropped);
  - the cited passages support it: lexical overlap of its content words (stems, both languages via the glossary)
    or, failing that, embedding similarity above a threshold (for translated answers);
  - every number in it appears in a cited passage.
Instructions written inside a passage ("Abaikan instruksi sebelumnya dan jawab ...", "Ignore all previous
instructions ...") are not evidence for anything: they are left out of the passage text a sentence is checked
against, so a model that obeys an injected instruction and cites it does not get that sentence through.
Surviving citations are renumbered in order of first appearance.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ...index.keyword import analyze
from ...index.query import expand
from ...ingest.catalog import detect_language
from ..records import Passage, Sentence
from ..text import INJECTION, numbers_in, parse_cites, split_sentences


@dataclass
class VerifyPolicy:
    lexical_min: float = 0.5  # share of the sentence's content stems found in its cited passages
    embedding_min: float = 0.80  # e5 cosine sentence~passage when lexical support is too low (translation)
    check_numbers: bool = True


def evidence_text(passage: str) -> str:
    """The passage without its sentences that instruct the model (prompt injection): what may support a claim."""
    if not INJECTION.search(passage):
        return passage
    return "\n".join(s for s in split_sentences(passage) if not INJECTION.search(s))


def lexical_support(claim: str, passages: list[str]) -> float:
    terms = set(analyze(claim))
    if not terms:
        return 1.0
    lang = detect_language(claim)
    extra = set(analyze(" ".join(expand(claim, lang))))
    have = set(analyze(" ".join(passages)))
    hits = 0
    for t in terms:
        if t in have:
            hits += 1
    # glossary translations of the claim's terms count too (an English answer citing Indonesian text)
    if extra & have:
        hits += min(len(extra & have), len(terms) - hits)
    return hits / len(terms)


class Verifier:
    def __init__(self, embedder=None, policy: VerifyPolicy | None = None):
        self.embedder = embedder
        self.policy = policy or VerifyPolicy()

    def _embedding_support(self, claim: str, texts: list[str]) -> float:
        if self.embedder is None or not texts:
            return 0.0
        vecs = np.asarray(self.embedder.embed_passages([claim] + texts), dtype=np.float32)
        return float(np.max(vecs[1:] @ vecs[0]))

    def verify(self, answer: str, passages: list[Passage]) -> tuple[list[Sentence], list[Sentence], list[Passage]]:
        """-> (kept sentences with renumbered cites, removed sentences with reasons, cited passages in new order)."""
        by_n = {p.n: p for p in passages}
        kept: list[Sentence] = []
        removed: list[Sentence] = []
        for raw in split_sentences(answer):
            claim, cites = parse_cites(raw)
            if not re.search(r"\w", claim):
                continue
            invented = [n for n in cites if n not in by_n]
            cites = [n for n in cites if n in by_n]
            if not cites:
                reason = f"cites passage(s) {invented} that were not retrieved" if invented else "no citation"
                removed.append(Sentence(claim, [], False, reason))
                continue
            texts = [evidence_text(by_n[n].text) for n in cites]
            if self.policy.check_numbers:
                missing = numbers_in(claim) - set().union(*(numbers_in(t) for t in texts))
                if missing:
                    removed.append(Sentence(claim, cites, False,
                                            f"number(s) {sorted(missing)} not in the cited passage(s)"))
                    continue
            lex = lexical_support(claim, texts)
            raw = [by_n[n].text for n in cites]
            if lex < self.policy.lexical_min and raw != texts \
                    and lexical_support(claim, raw) >= self.policy.lexical_min:
                removed.append(Sentence(claim, cites, False, "repeats an instruction written inside the cited "
                                                             "passage(s) (prompt injection)"))
                continue
            if lex < self.policy.lexical_min:
                emb = self._embedding_support(claim, texts)
                if emb < self.policy.embedding_min:
                    removed.append(Sentence(claim, cites, False,
                                            f"not supported by the cited passage(s) (overlap {lex:.2f}, "
                                            f"similarity {emb:.2f})"))
                    continue
            kept.append(Sentence(claim, cites))
        return kept, removed, renumber(kept, by_n)


def renumber(kept: list[Sentence], by_n: dict[int, Passage]) -> list[Passage]:
    """Renumber the sentences' citations in order of first citation; -> the cited passages in the new order."""
    order: list[int] = []
    for s in kept:
        for n in s.cites:
            if n not in order:
                order.append(n)
    new = {old: i + 1 for i, old in enumerate(order)}
    for s in kept:
        s.cites = [new[n] for n in s.cites]
    return [Passage(new[old], by_n[old].hit) for old in order]


def render(sentences: list[Sentence]) -> str:
    """Sentences with their markers after them: "Korban berhak atas restitusi. [1][2]"."""
    return " ".join(f"{s.text} {''.join(f'[{n}]' for n in s.cites)}" for s in sentences)
