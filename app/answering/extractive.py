"""The extractive selection: the evidence sentences that answer the question, each cited, in their own language.
It is the `extractive` generator, and the selector behind every writer (app/answering/writer.py renders what it
chose)."""
from __future__ import annotations

from typing import Iterator

import numpy as np

from ...index.keyword import analyze, defined_terms, term_key
from ...index.query import QueryPlan, plan_query
from ...index.rules import rules
from ...prompts import NOT_FOUND
from ..generators.base import GenerationRequest, Generator, GeneratorError, register
from ..records import Passage
from ..text import is_list_unit, sentence_units

# Questions that ask for an enumeration ("Apa saja ...", "What are the three stages ...", "Which partners ..."): a
# sentence that introduces a list and carries it is the answer more often than a sentence about one item (rule
# list_question of index/question_rules.yaml).
R = rules()


def _same_sentence(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def evict_oldest(cache: dict) -> None:
    """Drop the oldest entry of an insertion-ordered cache; safe when web requests evict from it concurrently."""
    try:
        cache.pop(next(iter(cache)), None)
    except (StopIteration, RuntimeError):  # emptied, or resized by another thread meanwhile
        pass


class ExtractiveGenerator(Generator):
    """Answers with the evidence sentences that best answer the question (e5 similarity + stem overlap), from one
    passage; for "what is X" questions, preferably the passage that defines X."""

    name = "extractive"

    def __init__(self, embedder, threshold: float = 0.84, margin: float = 0.03, max_sentences: int = 2,
                 lexical_weight: float = 0.25, definition_bonus: float = 0.1, list_bonus: float = 0.06,
                 cross_lingual_margin: float = 0.02, reference_bonus: float = 0.05):
        self.embedder = embedder
        self._cache: dict[str, np.ndarray] = {}
        self.model = getattr(embedder, "id", "")
        self.threshold, self.margin, self.max_sentences, self.lexical_weight = threshold, margin, max_sentences, lexical_weight
        # Bonuses added to a sentence's score (the threshold applies to the score with them), measured on
        # eval/dev_qa.jsonl and eval/heldout_qa.jsonl (bench/RESULTS.md, 2026-11-25):
        self.definition_bonus = definition_bonus  # the passage defining the term a definition question asks about
        self.list_bonus = list_bonus  # a sentence carrying a list, for a list question
        self.reference_bonus = reference_bonus  # a passage of a document the question names; a regulation for
        # "which article"
        # e5 scores a sentence lower across languages than the same sentence in the question's language (and the
        # stem overlap only counts glossary terms): the threshold is this much lower for a passage in the other one.
        self.cross_lingual_margin = cross_lingual_margin

    MAX_UNITS = 24  # sentences embedded per question; the rest are ranked out by word overlap first

    def _vectors(self, key: str, units: list[str]) -> np.ndarray:
        """Sentence vectors of one passage, cached by chunk id (passages recur across an officer's questions)."""
        hit = self._cache.get(key)
        if hit is None:
            hit = np.asarray(self.embedder.embed_passages(units), dtype=np.float32)
            if len(self._cache) > 2048:
                evict_oldest(self._cache)
            self._cache[key] = hit
        return hit

    def score(self, question: str, passages: list[Passage],
              plan: QueryPlan | None = None) -> list[tuple[float, int, int, str, float]]:
        """(score, passage n, position, sentence, word overlap) for every evidence sentence, best first."""
        plan = plan or plan_query(question)
        q_terms = set(analyze(plan.keyword_text))
        units = [(p, i, s, len(q_terms & set(analyze(s))) / max(len(q_terms), 1))
                 for p in passages for i, s in enumerate(sentence_units(p.text))]
        if not units:
            return []
        if len(units) > self.MAX_UNITS:
            units = sorted(units, key=lambda u: -u[3])[: self.MAX_UNITS]
        q = np.asarray(self.embedder.embed_query(question), dtype=np.float32)
        out = []
        by_passage: dict[int, list] = {}
        for u in units:
            by_passage.setdefault(u[0].n, []).append(u)
        for us in by_passage.values():
            p = us[0][0]
            vecs = self._vectors(f"{p.hit.id}:{','.join(str(u[1]) for u in us)}", [u[2] for u in us])
            for (p, i, s, lex), sim in zip(us, vecs @ q):
                out.append((float(sim) + self.lexical_weight * lex, p.n, i, s, lex))
        out.sort(key=lambda x: -x[0])
        return out

    def _prior(self, question: str, plan: QueryPlan, passages: list[Passage]) -> dict[int, float]:
        """Per passage n: bonuses for being of a document the question names ("UU 21/2007", "the TIP Report 2021"),
        for being a regulation when the question asks which article says something, and for defining the term a
        definition question asks about."""
        from ...index.fusion import where_matches
        from ...ingest.types import REGULATION_TYPES

        focus = set(analyze(" ".join(plan.focus)))
        which_article = bool(R.search("which_pasal", question))
        prior: dict[int, float] = {}
        for p in passages:
            m = p.hit.meta
            bonus = self.reference_bonus if any(where_matches(r, m) for r in plan.refs) else 0.0
            if which_article and m.get("doc_type") in REGULATION_TYPES:
                bonus += self.reference_bonus
            if focus and any(key and set(key) <= focus for key in map(term_key, defined_terms(p.text))):
                bonus += self.definition_bonus
            if bonus:
                prior[p.n] = bonus
        return prior

    def _bonus(self, prior: dict[int, float], wants_list: bool, x: tuple) -> float:
        return prior.get(x[1], 0.0) + (self.list_bonus if wants_list and is_list_unit(x[3]) else 0.0)

    def select(self, question: str, passages: list[Passage], plan: QueryPlan | None = None
               ) -> list[tuple[float, int, int, str]]:
        from .constraints import constraints, hits_ok, sentence_ok

        c = constraints(question)
        if plan is None or plan.text != question:
            plan = plan_query(question)
        ok = {p.n for p, good in zip(passages, hits_ok(c, [p.hit for p in passages])) if good}
        meta = {p.n: p.hit.meta for p in passages}
        scored = [x for x in self.score(question, passages, plan)
                  if x[1] in ok and x[4] > 0 and sentence_ok(c, x[3], meta[x[1]])]
        prior, wants_list = self._prior(question, plan, passages), bool(R.search("list_question", question))
        total = {id(x): x[0] + self._bonus(prior, wants_list, x) for x in scored}
        lang = plan.lang
        floor = {p.n: self.threshold - (self.cross_lingual_margin if p.hit.meta.get("language", lang) != lang else 0.0)
                 for p in passages}
        ranked = sorted((x for x in scored if total[id(x)] >= floor[x[1]]), key=lambda x: -total[id(x)])
        if not ranked:
            return []
        first = ranked[0]
        best = total[id(first)]
        # The answer quotes one passage: a second sentence of another passage is as often a neighbouring provision
        # as a second source (dev set: half the second citations missed the evidence); the other passages are
        # listed as related.
        chosen = [first] + [x for x in ranked[1:] if x[1] == first[1] and not _same_sentence(x[3], first[3])
                            and total[id(x)] >= best - self.margin][: self.max_sentences - 1]
        chosen.sort(key=lambda x: (x[1], x[2]))  # in passage order, then reading order
        return chosen

    def stream(self, req: GenerationRequest) -> Iterator[str]:
        chosen = self.select(req.question, req.passages, req.plan)
        if not chosen:
            yield NOT_FOUND[req.lang]
            return
        from ..text import split_sentences

        for k, (_, n, _, s, _) in enumerate(chosen):  # one evidence unit a line; every sentence of it cited
            line = " ".join(f"{x} [{n}]" for x in split_sentences(" ".join(s.split())))
            yield ("" if k == 0 else "\n") + line

    def complete(self, prompt: str) -> str:
        raise GeneratorError("the extractive generator does not write free text")


@register("extractive")
def _make(settings, embedder) -> ExtractiveGenerator:
    return ExtractiveGenerator(embedder, threshold=settings.extractive_threshold, **settings.extractive.model_dump())
