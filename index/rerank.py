"""Optional second-stage reranking of the fused candidates by a cross-encoder, which reads question and passage
together and tells neighbouring provisions apart better than e5-small and BM25 (bench/RESULTS.md: the embedded
retrievers put the right Pasal second behind its neighbour on a third of the dev questions).

No reranker ships its weights on PyPI, so none is on by default. A deployment configures one (GUGUS_RERANKER):

  st:<dir>            a local sentence-transformers CrossEncoder directory (e.g. a copy of BAAI/bge-reranker-v2-m3
                      or jinaai/jina-reranker-v2-base-multilingual); never downloads (HF_HUB_OFFLINE is forced)
  http(s)://host/v1   a rerank endpoint: llama.cpp server (--reranking), vLLM, Infinity, TEI or a hosted service.
                      POST {url}/rerank {"model", "query", "documents"}; answers {"results": [{"index",
                      "relevance_score"}]} (Jina/Cohere) or [{"index", "score"}] (TEI) are both read.
                      GUGUS_RERANKER_MODEL names the model, GUGUS_RERANKER_API_KEY is sent as a bearer token.

A reranker that fails at query time (server down, timeout) leaves the fused order in place and logs a warning: search
never fails because of it.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Protocol

log = logging.getLogger(__name__)


class RerankerError(Exception):
    pass


class Scorer(Protocol):
    id: str

    def scores(self, query: str, passages: list[str]) -> list[float]: ...


class CrossEncoderScorer:
    """A local sentence-transformers CrossEncoder."""

    def __init__(self, path: str, max_length: int = 512):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        if not os.path.isdir(path):
            raise RerankerError(f"reranker model directory not found: {path} (GUGUS_RERANKER=st:<dir> takes a local "
                                "sentence-transformers CrossEncoder; nothing is downloaded)")
        from sentence_transformers import CrossEncoder

        try:
            self.model = CrossEncoder(path, max_length=max_length, device="cpu", local_files_only=True)
        except Exception as e:  # a directory that is not a cross-encoder
            raise RerankerError(f"cannot load a cross-encoder from {path}: {e}") from e
        self.id = f"st:{os.path.basename(os.path.normpath(path))}"

    def scores(self, query: str, passages: list[str]) -> list[float]:
        out = self.model.predict([(query, p) for p in passages], batch_size=16, show_progress_bar=False)
        return [float(x) for x in out]


class HttpScorer:
    """A rerank endpoint (Jina/Cohere request and response; TEI's response also read)."""

    def __init__(self, url: str, model: str | None = None, api_key: str | None = None, timeout: float = 30.0):
        self.url = url.rstrip("/")
        self.model = model or "default"
        self.api_key, self.timeout = api_key, timeout
        self.id = f"{self.url} ({self.model})"

    def scores(self, query: str, passages: list[str]) -> list[float]:
        import httpx

        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        body = {"model": self.model, "query": query, "documents": passages, "top_n": len(passages)}
        try:
            r = httpx.post(f"{self.url}/rerank", json=body, headers=headers, timeout=self.timeout)
            r.raise_for_status()
            data: Any = r.json()
        except (httpx.HTTPError, ValueError) as e:
            raise RerankerError(f"rerank request to {self.url} failed: {e}") from e
        rows = data.get("results", data.get("data")) if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise RerankerError(f"rerank answer from {self.url} has no results list")
        got: dict[int, float] = {}
        for row in rows:
            try:
                got[int(row["index"])] = float(row.get("relevance_score", row.get("score")))
            except (KeyError, TypeError, ValueError) as e:
                raise RerankerError(f"rerank answer from {self.url}: unreadable row {row!r}") from e
        if set(got) != set(range(len(passages))):
            raise RerankerError(f"rerank answer from {self.url} scored {len(got)} of {len(passages)} passages")
        return [got[i] for i in range(len(passages))]


def make_scorer(spec: str | None, model: str | None = None, api_key: str | None = None) -> Scorer | None:
    spec = (spec or "").strip()
    if not spec or spec.lower() in ("none", "off"):
        return None
    if spec.startswith("st:"):
        return CrossEncoderScorer(spec[3:])
    if spec.startswith(("http://", "https://")):
        return HttpScorer(spec, model, api_key)
    raise RerankerError(f"unknown reranker {spec!r}: use st:<local CrossEncoder dir> or an http(s):// rerank URL")


def rerank(scorer: Scorer, query: str, items: list[Any]) -> tuple[list[Any], list[float]] | None:
    """The items (anything with .text) in the scorer's order with their scores, or None (and a warning) when the
    scorer fails."""
    if not items:
        return items, []
    try:
        s = scorer.scores(query, [x.text for x in items])
    except RerankerError as e:
        log.warning("%s; keeping the fused order", e)
        return None
    order = sorted(range(len(items)), key=lambda i: -s[i])  # stable: ties keep the fused order
    return [items[i] for i in order], [s[i] for i in order]
