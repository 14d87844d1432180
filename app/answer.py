"""The answer pipeline used by the UI, the CLI and the API:
retrieve (hybrid, with the user's filters) -> pick evidence -> generate -> verify citations -> AnswerResult."""
from __future__ import annotations

import logging
import re
import time
from dataclasses import asdict
from typing import Iterator

from ..index.retriever import Filters
from ..ingest.catalog import detect_language
from ..prompts import NOT_FOUND, get_prompt
from .audit import AuditLog
from .generators import ExtractiveGenerator, GenerationRequest, Generator, GeneratorError
from .types import AnswerResult, Passage
from .verify import Verifier, render

log = logging.getLogger(__name__)

# Words that make a question lean on the conversation before it.
FOLLOW_UP = re.compile(r"\b(itu|tersebut|ini|mereka|dia|beliau|it|its|they|them|their|that|those|this|these|"
                       r"he|she|his|her)\b|\w+nya\b", re.I)


def is_not_found(text: str) -> bool:
    t = text.strip().lower()
    return any(t.startswith(v.lower().rstrip(".")) for v in NOT_FOUND.values())


class AnswerPipeline:
    def __init__(self, gugus, generator: Generator, audit: AuditLog | None = None, verifier: Verifier | None = None):
        self.g = gugus
        self.generator = generator
        self.audit = audit
        self.verifier = verifier or Verifier(gugus.embedder)
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
        question = question.strip()
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        lang = detect_language(question)
        standalone = self.standalone(question, history, lang)
        timings["condense_s"] = time.perf_counter() - t0
        t = time.perf_counter()
        hits = self.g.search(standalone, top_k=self.g.settings.answer_passages, filters=filters)
        timings["retrieve_s"] = time.perf_counter() - t
        passages = [Passage(i + 1, h) for i, h in enumerate(hits)]
        prompt = get_prompt("answer", lang)
        text = ""
        t = time.perf_counter()
        if passages:
            req = GenerationRequest(standalone, lang, passages, prompt, history or [])
            for delta in self.generator.stream(req):
                text += delta
                yield "delta", delta
        timings["generate_s"] = time.perf_counter() - t
        t = time.perf_counter()
        if not passages or is_not_found(text):
            kept, removed, cited = [], [], []
        else:
            kept, removed, cited = self.verifier.verify(text, passages)
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
        )
        if self.audit is not None:
            self.audit.record(result, user or self.g.settings.user)
        yield "result", result

    def ask(self, question: str, filters: Filters | None = None, history: list[tuple[str, str]] | None = None,
            user: str | None = None) -> AnswerResult:
        for kind, value in self.stream(question, filters, history, user):
            if kind == "result":
                return value  # type: ignore[return-value]
        raise RuntimeError("answer pipeline ended without a result")
