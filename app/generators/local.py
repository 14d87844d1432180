"""The default writer: the bundled Qwen2.5-Coder-1.5B in-process (local_llm.py) writes the evidence the extractive
selection chose, in the reader's language (app/answering/writer.py)."""
from __future__ import annotations

from typing import Iterator

from .base import GenerationRequest, Generator, GeneratorError, register


class LocalGenerator(Generator):
    """The bundled model in-process (app/generators/local_llm.py). It writes from evidence only (app/answering/writer.py)."""

    name = "local"
    writes_evidence = True

    def __init__(self, model):
        from .local_llm import MODEL_LABEL

        self.llm = model
        self.model = model.path.name
        self.label = MODEL_LABEL

    def chat_events(self, messages: list[dict], max_tokens: int = 160) -> Iterator[tuple[str, object]]:
        from .local_llm import LocalModelError

        try:
            yield from self.llm.chat_events(messages, max_tokens=max_tokens)
        except LocalModelError as e:
            raise GeneratorError(str(e)) from None

    def stream(self, req: GenerationRequest) -> Iterator[str]:
        for kind, v in self.chat_events([{"role": "user", "content": req.render()}], max_tokens=600):
            if kind == "delta":
                yield v  # type: ignore[misc]

    def complete(self, prompt: str) -> str:
        for kind, v in self.chat_events([{"role": "user", "content": prompt}], max_tokens=200):
            if kind == "done":
                return v.text.strip()  # type: ignore[attr-defined]
        return ""


@register("local")
def _make(settings, embedder) -> LocalGenerator:
    """The bundled model; a GeneratorError when it is missing or fails to load (the container then falls back to
    extractive and says so)."""
    from .local_llm import LocalModelError, find_model, load_model

    try:
        path = find_model(settings.models_dir, settings.local_model)
        return LocalGenerator(load_model(path, settings.llm_threads, settings.llm_ctx,
                                         settings.writer_queue_timeout_s))
    except LocalModelError as e:
        raise GeneratorError(str(e)) from None
