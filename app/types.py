"""Typed records of the answer pipeline (the CLI JSON and the UI are views of these)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..index.retriever import Hit


@dataclass
class Passage:
    """A retrieved passage offered to the generator as evidence number n."""

    n: int
    hit: Hit

    @property
    def text(self) -> str:
        return self.hit.text

    @property
    def label(self) -> str:
        m = self.hit.meta
        where = m.get("section") or m.get("short_title") or m.get("title")
        page = f", p. {m['page']}" if m.get("page") else ""
        return f"{m.get('short_title') or m.get('title')} ({m.get('date') or 'n.d.'}) - {where}{page}"

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "text": self.hit.text, "source": self.hit.source()}


@dataclass
class Sentence:
    text: str  # without its markers
    cites: list[int]  # passage numbers after renumbering
    supported: bool = True
    reason: str | None = None  # why a sentence was removed


@dataclass
class AnswerResult:
    question: str
    standalone_question: str
    lang: str
    answer: str  # sentences with [n] markers, numbered in order of first citation
    abstained: bool
    citations: list[Passage]
    related: list[Passage]
    removed: list[Sentence] = field(default_factory=list)  # sentences verification removed, with reasons
    generator: str = ""
    model: str = ""
    prompt: str | None = None  # prompt file name
    prompt_sha256: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    filters: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question, "standalone_question": self.standalone_question, "lang": self.lang,
            "answer": self.answer, "abstained": self.abstained,
            "citations": [p.to_json() for p in self.citations], "related": [p.to_json() for p in self.related],
            "removed": [{"text": s.text, "reason": s.reason} for s in self.removed],
            "generator": self.generator, "model": self.model, "prompt": self.prompt,
            "prompt_sha256": self.prompt_sha256, "filters": self.filters, "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }
