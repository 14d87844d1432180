"""The answer pipeline used by the UI, the CLI and the API:
retrieve (hybrid, with the user's filters) -> pick evidence -> generate -> verify citations -> AnswerResult."""
from __future__ import annotations

import logging
import re
import time
from dataclasses import asdict
from typing import Iterator

from ...index.query import plan_query
from ...index.retriever import Filters
from ...prompts import NOT_FOUND, get_prompt
from ..ops.audit import AuditLog
from ..generators import GenerationRequest, Generator, GeneratorError
from .extractive import ExtractiveGenerator
from ..limits import check_question
from ..records import AnswerResult, Passage
from .verify import Verifier, VerifyPolicy, render, renumber
from .writer import Writer, WriterStats

log = logging.getLogger(__name__)

# Words that make a question lean on the conversation before it.
FOLLOW_UP = re.compile(r"\b(itu|tersebut|ini|mereka|dia|beliau|it|its|they|them|their|that|those|this|these|"
                       r"he|she|his|her)\b|\w+nya\b", re.I)


def is_not_found(text: str) -> bool:
    t = text.strip().lower()
    return any(t.startswith(v.lower().rstrip(".")) for v in NOT_FOUND.values())


class AnswerPipeline:
    def __init__(self, gugus, generator: Generator, audit: AuditLog | None = None, verifier: Verifier | None = None,
                 writer: Writer | None = None):
        self.g = gugus
        self.generator = generator
        self.audit = audit
        self.verifier = verifier or Verifier(gugus.embedder, VerifyPolicy(**gugus.settings.verification.model_dump()))
        self.writer = writer
        # the evidence is chosen the extractive way for every generator that writes from evidence
        self.selector = generator if isinstance(generator, ExtractiveGenerator) else ExtractiveGenerator(
            gugus.embedder, threshold=gugus.settings.extractive_threshold, **gugus.settings.extractive.model_dump())
        self.uses_prompt = not isinstance(generator, ExtractiveGenerator)  # the extractive one quotes, no prompt

    # ------------------------------------------------------------------------------------------------ follow-ups
    def standalone(self, question: str, history: list[tuple[str, str]] | None, lang: str) -> str:
        if not history:
            return question
        if self.uses_prompt:
            convo = "\n".join(f"Q: {q}\nA: {a}" for q, a in history[-3:])
            try:
                out = self.generator.complete(get_prompt("condense", lang).render(history=convo, question=question))
                if out and len(out) < 500:
                    return out.strip().strip('"')
            except GeneratorError as e:
                log.warning("condense failed, using the heuristic: %s", e)
        if len(question.split()) <= 6 or FOLLOW_UP.search(question):
            return f"{history[-1][0]} {question}"
        return question

    # ------------------------------------------------------------------------------------------------ answering
    def stream(self, question: str, filters: Filters | None = None, history: list[tuple[str, str]] | None = None,
               user: str | None = None) -> Iterator[tuple[str, object]]:
        """Yields ("delta", text) while generating, then ("result", AnswerResult)."""
        question = check_question(question, self.g.settings)  # stripped; LimitError over GUGUS_MAX_QUESTION_CHARS
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        plan = plan_query(question)  # once: the language, retrieval and the evidence selection all use it
        lang = plan.lang
        standalone = self.standalone(question, history, lang)
        if standalone != question:
            plan = plan_query(standalone)
        timings["condense_s"] = time.perf_counter() - t0
        t = time.perf_counter()
        hits = self.g.search(standalone, top_k=self.g.settings.answer_passages, filters=filters, plan=plan)
        timings["retrieve_s"] = time.perf_counter() - t
        passages = [Passage(i + 1, h) for i, h in enumerate(hits)]
        prompt = self.writer.prompt_file("answer", lang) if self.writer else get_prompt("answer", lang)
        text = ""
        stats = WriterStats()
        t = time.perf_counter()
        if self.writer is not None:
            kept, removed = [], []
            if passages:
                for kind, value in self._write(standalone, lang, passages, plan):
                    if kind == "written":
                        kept, removed, stats = value
                    else:
                        yield kind, value
            timings["generate_s"] = time.perf_counter() - t
            t = time.perf_counter()
            cited = renumber(kept, {p.n: p for p in passages})
        else:
            if passages:
                req = GenerationRequest(standalone, lang, passages, prompt, history or [], plan=plan)
                for delta in self.generator.stream(req):
                    text += delta
                    yield "delta", delta
            timings["generate_s"] = time.perf_counter() - t
            t = time.perf_counter()
            if not passages or is_not_found(text):
                kept, removed, cited = [], [], []
            else:
                kept, removed, cited = self.verifier.verify(text, passages)
                for x in kept:  # an LLM's own sentences (verified), not the sources' words
                    x.kind = "rendered" if self.uses_prompt else "quoted"
        timings["verify_s"] = time.perf_counter() - t
        abstained = not kept
        cited_ids = {p.hit.id for p in cited}
        related = [Passage(len(cited) + i + 1, p.hit) for i, p in enumerate(x for x in passages
                                                                             if x.hit.id not in cited_ids)]
        timings["total_s"] = time.perf_counter() - t0
        result = AnswerResult(
            question=question, standalone_question=standalone, lang=lang,
            answer=render(kept) if kept else NOT_FOUND[lang], abstained=abstained, citations=cited,
            related=related, removed=removed, generator=self.generator.name, model=self.generator.model,
            prompt=prompt.file if self.uses_prompt else None,
            prompt_sha256=prompt.sha256 if self.uses_prompt else None,
            timings=timings, filters={k: v for k, v in asdict(filters or Filters()).items() if v},
            sentences=kept, writer=stats.to_json() if self.writer else {},
        )
        if self.audit is not None:
            self.audit.record(result, user or self.g.settings.user)
        yield "result", result

    def _write(self, question: str, lang: str, passages: list[Passage], plan=None) -> Iterator[tuple[str, object]]:
        """The extractive selection's evidence (one passage, a sentence or two), rendered by the writer in the
        question's language; ("queue"|"delta", ...) events, then ("written", (sentences, removed, stats))."""
        chosen = self.selector.select(question, passages, plan)  # none: nothing is written, the answer abstains
        by_n = {p.n: p for p in passages}
        groups: dict[int, list[str]] = {}
        for x in chosen:  # (score, passage n, position, sentence, overlap), in passage and reading order
            groups.setdefault(x[1], []).append(x[3])
        yield from self.writer.write_events("answer", lang, [(by_n[n], ss) for n, ss in groups.items()],
                                            question=question)

    def ask(self, question: str, filters: Filters | None = None, history: list[tuple[str, str]] | None = None,
            user: str | None = None) -> AnswerResult:
        for kind, value in self.stream(question, filters, history, user):
            if kind == "result":
                return value  # type: ignore[return-value]
        raise RuntimeError("answer pipeline ended without a result")
