"""The generator protocol and the registry of backends, chosen by GUGUS_GENERATOR (app/settings.GENERATORS).

A backend module registers a factory ``(settings, embedder) -> Generator`` under its name with ``@register``:
generators/local.py, openai.py and llamacpp.py here, and the extractive selection in app/answering/extractive.py
(it needs the question rules, so it lives with answering; app/container.py imports it before building one).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from ...prompts import Prompt
from ..records import Passage
from ..settings import GENERATORS


class GeneratorError(Exception):
    pass


@dataclass
class GenerationRequest:
    question: str
    lang: str
    passages: list[Passage]
    prompt: Prompt
    history: list[tuple[str, str]] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)  # further template fields (a draft's section, period ...)
    plan: Any = None  # the question's index.query.QueryPlan when the caller has it (planned once per answer)

    def render(self) -> str:
        blocks = [f"[{p.n}] {p.label}\n{p.text}" for p in self.passages]
        return self.prompt.render(passages="\n\n".join(blocks), question=self.question, **self.extra)


class Generator:
    name = "base"
    model = ""
    label = ""  # the writer in plain words, for the status line
    writes_evidence = False  # renders the extractive selection's evidence through app/answering/writer.py

    def chat_events(self, messages: list[dict], max_tokens: int = 160) -> Iterator[tuple[str, object]]:
        """("queue", position) / ("delta", text) events, then ("done", app.local_llm.ChatResult)."""
        raise GeneratorError(f"the {self.name} generator does not write from evidence")

    def stream(self, req: GenerationRequest) -> Iterator[str]:
        raise NotImplementedError

    def complete(self, prompt: str) -> str:
        """A plain completion (used to rewrite follow-up questions)."""
        raise NotImplementedError


Factory = Callable[..., Generator]
REGISTRY: dict[str, Factory] = {}


def register(name: str) -> Callable[[Factory], Factory]:
    """Register ``factory(settings, embedder) -> Generator`` as the generator called ``name``."""
    if name not in GENERATORS:
        raise ValueError(f"generator '{name}' is not listed in app/settings.GENERATORS")

    def deco(factory: Factory) -> Factory:
        REGISTRY[name] = factory
        return factory
    return deco


def make_generator(settings, embedder) -> Generator:
    """The generator GUGUS_GENERATOR names, or a GeneratorError saying why it cannot be built."""
    factory = REGISTRY.get(settings.generator)
    if factory is None:
        raise GeneratorError(f"unknown generator '{settings.generator}' ({' | '.join(sorted(REGISTRY))})")
    return factory(settings, embedder)
