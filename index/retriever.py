"""Hybrid retrieval: dense (Chroma) + keyword (BM25 over Sastrawi stems), fused by weighted reciprocal rank.

Filters (doc type, agency, date range, language) apply inside the Chroma query (``where``) and as a mask over the
keyword scores, so a filtered-out passage never enters the candidate lists.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from ..ingest.types import REGULATION_TYPES
from .access import AccessScope
from .embedders import GugusEmbedding
from .fusion import near_duplicate, ref_mask, rrf, shingles
from .keyword import KeywordIndex, analyze
from .period import Period
from .query import QueryPlan, plan_query
from .rerank import Scorer, rerank
from .store import ChromaStore, StoredChunk

MODES = ("hybrid", "dense", "bm25")


@dataclass
class Filters:
    doc_types: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    date_from: str | None = None  # ISO date, inclusive
    date_to: str | None = None
    languages: list[str] = field(default_factory=list)
    # A reporting period (drafting, figures, coverage): documents dated inside it, plus the regulations enacted
    # on or before its end (the law in force). Undated documents other than regulations are left out.
    period: Period | None = None
    # What the reader may see (index/access.py); None = no access clause (admins, the local single-user mode).
    # Set it with app.container.Gugus.filters_for(user, filters), never by hand.
    access: AccessScope | None = None

    def __post_init__(self) -> None:
        if isinstance(self.access, dict):  # Filters rebuilt from a saved dict (audit, drafts)
            self.access = AccessScope.from_dict(self.access)

    @staticmethod
    def _dint(s: str) -> int:
        return int(s.replace("-", "")[:8].ljust(8, "0"))

    def where(self) -> dict | None:
        conds: list[dict] = []
        if self.doc_types:
            conds.append({"doc_type": {"$in": list(self.doc_types)}})
        if self.languages:
            conds.append({"language": {"$in": list(self.languages)}})
        if self.agencies:
            ors = [{"agencies": {"$contains": a}} for a in self.agencies]
            conds.append(ors[0] if len(ors) == 1 else {"$or": ors})
        if self.date_from:
            conds.append({"date_int": {"$gte": self._dint(self.date_from)}})
        if self.date_to:
            conds.append({"date_int": {"$lte": self._dint(self.date_to)}})
        if self.period:
            start, end = self._dint(self.period.start), self._dint(self.period.end)
            conds.append({"$or": [
                {"$and": [{"date_int": {"$gte": start}}, {"date_int": {"$lte": end}}]},
                {"$and": [{"doc_type": {"$in": list(REGULATION_TYPES)}}, {"date_int": {"$lte": end}}]}]})
        if self.access and self.access.where():
            conds.append(self.access.where())
        if not conds:
            return None
        return conds[0] if len(conds) == 1 else {"$and": conds}

    def matches(self, m: dict[str, Any]) -> bool:
        if self.doc_types and m.get("doc_type") not in self.doc_types:
            return False
        if self.languages and m.get("language") not in self.languages:
            return False
        if self.agencies and not set(self.agencies) & set(m.get("agencies") or []):
            return False
        d = int(m.get("date_int") or 0)
        if self.date_from and d < self._dint(self.date_from):
            return False
        if self.date_to and d > self._dint(self.date_to):
            return False
        if self.period:
            start, end = self._dint(self.period.start), self._dint(self.period.end)
            if d > end or (d < start and m.get("doc_type") not in REGULATION_TYPES):
                return False
        if self.access and not self.access.matches(m):
            return False
        return True

    def is_empty(self) -> bool:
        return self.where() is None

    def mask(self, cols: "MetaColumns") -> np.ndarray:
        """Vectorised `matches` over all chunks of the keyword index."""
        m = np.ones(cols.n, dtype=bool)
        if self.doc_types:
            m &= np.isin(cols.doc_type, self.doc_types)
        if self.languages:
            m &= np.isin(cols.language, self.languages)
        if self.agencies:
            m &= np.logical_or.reduce([cols.agency(a) for a in self.agencies])
        if self.date_from:
            m &= cols.date_int >= self._dint(self.date_from)
        if self.date_to:
            m &= cols.date_int <= self._dint(self.date_to)
        if self.period:
            start, end = self._dint(self.period.start), self._dint(self.period.end)
            m &= (cols.date_int <= end) & ((cols.date_int >= start) | np.isin(cols.doc_type, REGULATION_TYPES))
        if self.access:
            m &= self.access.mask(cols)
        return m


class MetaColumns:
    """Metadata of the keyword index's chunks as arrays, for filter masks without a Python loop per query."""

    def __init__(self, metas: list[dict[str, Any]]):
        self.n = len(metas)
        self.doc_type = np.array([m.get("doc_type", "") for m in metas], dtype=object)
        self.language = np.array([m.get("language", "") for m in metas], dtype=object)
        self.date_int = np.array([int(m.get("date_int") or 0) for m in metas], dtype=np.int64)
        self._agencies = [m.get("agencies") or [] for m in metas]
        self._by_agency: dict[str, np.ndarray] = {}
        self.access = np.array([m.get("access", "") for m in metas], dtype=object)
        self._access_agencies = [m.get("access_agencies") or [] for m in metas]
        self._by_access_agency: dict[str, np.ndarray] = {}

    def agency(self, a: str) -> np.ndarray:
        if a not in self._by_agency:
            self._by_agency[a] = np.array([a in x for x in self._agencies], dtype=bool)
        return self._by_agency[a]

    def access_agency(self, a: str) -> np.ndarray:
        if a not in self._by_access_agency:
            self._by_access_agency[a] = np.array([a in x for x in self._access_agencies], dtype=bool)
        return self._by_access_agency[a]


@dataclass
class Hit:
    id: str
    text: str
    meta: dict[str, Any]
    score: float
    rank: int = 0
    dense_rank: int | None = None
    bm25_rank: int | None = None

    def source(self) -> dict[str, Any]:
        """The stable `source` object of the CLI/JSON contract."""
        m = self.meta
        src = {"path": m.get("path"), "title": m.get("title"), "doc_type": m.get("doc_type"),
               "page": m.get("page"), "section": m.get("section")}
        if m.get("sheet"):  # a table row (ingest/tables.py): sheet and row number
            src["sheet"], src["row"] = m["sheet"], m.get("row")
        return src


class HybridRetriever(BaseRetriever):
    """Also a llama-index retriever (``retrieve(str)`` -> NodeWithScore) for the answer pipeline."""

    def __init__(self, store: ChromaStore, embedder: GugusEmbedding, cache_dir: Path | None,
                 generation_fn=lambda: 0, candidates: int = 50, rrf_k: int = 60,
                 weights: tuple[float, float] = (1.0, 1.0), default_k: int = 5, reranker: Scorer | None = None,
                 rerank_candidates: int = 20, ref_weight: float = 1.0, def_weight: float = 3.0,
                 collapse_duplicates: bool = True, background_weight: float = 0.6, answer_type_boost: float = 0.2,
                 language_boost: float = 0.5, pool: int = 20):
        super().__init__()
        # index/rerank.py: an optional cross-encoder over the first rerank_candidates fused passages (hybrid mode)
        self.reranker, self.rerank_candidates = reranker, rerank_candidates
        self.store, self.embedder, self.cache_dir = store, embedder, cache_dir
        self.generation_fn = generation_fn
        self.candidates, self.rrf_k, self.weights, self.default_k = candidates, rrf_k, weights, default_k
        # Fusion settings measured on eval/dev_qa.jsonl and eval/heldout_qa.jsonl (bench/RESULTS.md, 2026-11-25):
        # (app/settings.RetrievalTuning names and documents each; the container passes them)
        self.ref_weight = ref_weight  # the in-document dense list, relative to the dense weight
        self.def_weight = def_weight  # the defined-term list of definition questions
        self.collapse_duplicates = collapse_duplicates
        self.background_weight = background_weight  # score factor of preamble and Penjelasan > Umum passages
        self.answer_type_boost = answer_type_boost  # score factor 1+x for candidates holding the answer type
        self.language_boost = language_boost  # score factor for passages in the document language asked for
        self.pool = pool  # fused candidates the answer-type and language boosts choose from
        self._pos: dict[str, int] = {}
        self._pos_gen = -1
        self._kw: KeywordIndex | None = None
        self._metas: list[dict[str, Any]] = []
        self._cols: MetaColumns | None = None
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- keyword index lifecycle
    def keyword_index(self) -> tuple[KeywordIndex, list[dict[str, Any]]]:
        gen = self.generation_fn()
        with self._lock:
            if self._kw is not None and self._kw.generation == gen:
                return self._kw, self._metas
            kw_dir = self.cache_dir / "bm25" if self.cache_dir else None
            if kw_dir is not None:
                kw = KeywordIndex.load(kw_dir)
                metas_f = kw_dir / "metas.json"
                if kw is not None and kw.generation == gen and metas_f.is_file() and len(kw.ids) == self.store.count():
                    self._kw, self._metas = kw, json.loads(metas_f.read_text())
                    self._cols = MetaColumns(self._metas)
                    return self._kw, self._metas
            ids, texts, passages, metas = [], [], [], []
            for batch in self.store.iter_all():
                for c in batch:
                    ids.append(c.id)
                    texts.append(c.index_text)
                    passages.append(c.text)
                    metas.append(c.meta)
            kw = KeywordIndex()
            kw.build(ids, texts, gen, passages)
            if kw_dir is not None:
                kw.save(kw_dir)
                tmp = kw_dir / "metas.json.tmp"
                tmp.write_text(json.dumps(metas, ensure_ascii=False))
                tmp.replace(kw_dir / "metas.json")
            self._kw, self._metas, self._cols = kw, metas, MetaColumns(metas)
            return kw, metas

    def invalidate(self) -> None:
        with self._lock:
            self._kw = None

    # ---------------------------------------------------------------- search
    def search(self, query: str, top_k: int | None = None, filters: Filters | None = None,
               mode: str = "hybrid", timings: dict[str, float] | None = None, plan: QueryPlan | None = None
               ) -> list[Hit]:
        """The top_k passages for ``query`` under ``filters``. ``plan``: the query already planned (index/query.py)
        by a caller that needs the plan too (the answer pipeline plans a question once)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        k = top_k or self.default_k
        filters = filters or Filters()
        timings = timings if timings is not None else {}
        dense: list[StoredChunk] = []
        kw_hits: list[tuple[str, float]] = []
        in_refs: list[StoredChunk] = []
        n_cand = max(self.candidates, k)
        if plan is None or plan.text != query:  # the caller's plan of this very query, else planned here
            plan = plan_query(query)
        where = filters.where()
        if mode in ("hybrid", "dense"):
            t = time.perf_counter()
            # The glossary terms of the other language help e5-small across languages (dev set: dense hit@5
            # 0.60 -> 0.72); see bench/RESULTS.md.
            qv = self.embedder.embed_query(plan.keyword_text)
            timings["embed_s"] = time.perf_counter() - t
            t = time.perf_counter()
            dense = self._dense(qv, n_cand, filters, where, timings)
            if mode == "hybrid" and plan.refs:  # the question names a document: also rank inside it
                ref = plan.refs[0] if len(plan.refs) == 1 else {"$or": plan.refs}
                in_refs = self.store.query(qv, self.candidates // 2, {"$and": [where, ref]} if where else ref)
            timings["dense_s"] = time.perf_counter() - t
        defs: list[str] = []
        if mode in ("hybrid", "bm25"):
            t = time.perf_counter()
            kw, metas = self.keyword_index()
            allowed = None if filters.is_empty() or self._cols is None else filters.mask(self._cols)
            kw_hits = kw.search(plan.keyword_text, n_cand, allowed)
            if mode == "hybrid" and plan.focus and self.def_weight:  # "what is X": the passages defining X
                defs = kw.definitions(set(analyze(" ".join(plan.focus))), allowed, ref_mask(plan.refs, metas),
                                      kw.scores(plan.keyword_text))
            timings["bm25_s"] = time.perf_counter() - t
        if mode == "dense":
            return [Hit(c.id, c.text, c.meta, c.score, r + 1, dense_rank=r + 1) for r, c in enumerate(dense[:k])]
        if mode == "bm25":
            got = {c.id: c for c in self.store.get([i for i, _ in kw_hits[:k]])}
            return [Hit(i, got[i].text, got[i].meta, s, r + 1, bm25_rank=r + 1)
                    for r, (i, s) in enumerate(kw_hits[:k]) if i in got]
        # More fused candidates than k when a later step may promote some of them: the answer-type boost (dev set
        # MRR 0.784 -> 0.816, answers unchanged), the reranker.
        n = k
        if plan.answer_type or plan.doc_language:
            n = max(n, self.pool)
        if self.reranker is not None:
            n = max(n, self.rerank_candidates)
        hits = self._fuse(dense, kw_hits, in_refs, n, defs, plan)
        if self.reranker is not None:
            t = time.perf_counter()
            got = rerank(self.reranker, query, hits)
            timings["rerank_s"] = time.perf_counter() - t
            if got is not None:  # else the reranker failed (logged): the fused order stands
                hits = [Hit(h.id, h.text, h.meta, sc, 0, h.dense_rank, h.bm25_rank) for h, sc in zip(*got)]
        for r, h in enumerate(hits[:k], 1):
            h.rank = r
        return hits[:k]

    def _dense(self, qv: list[float], n: int, filters: Filters, where: dict | None,
               timings: dict[str, float]) -> list[StoredChunk]:
        """The n nearest passages that pass the filters. The keyword index's metadata columns tell how many passages
        the filters keep, so the store can post-filter an unfiltered query when that is faster (ChromaStore.query)."""
        if where is None:
            return self.store.query(qv, n, None)
        if self._cols is None:
            self.keyword_index()
        share = None
        if self._cols is not None and self._cols.n and self._cols.n == self.store.count():
            share = float(filters.mask(self._cols).mean())
        return self.store.query(qv, n, where, matches=filters.matches, share=share, stats=timings)

    def _fuse(self, dense: list[StoredChunk], kw_hits: list[tuple[str, float]], in_refs: list[StoredChunk],
              k: int, defs: list[str] | None = None, plan: QueryPlan | None = None) -> list[Hit]:
        wd, wk = self.weights
        d_ids, k_ids = [c.id for c in dense], [i for i, _ in kw_hits]
        score = rrf([(d_ids, wd), (k_ids, wk), ([c.id for c in in_refs], wd * self.ref_weight),
                     (defs or [], self.def_weight)], self.rrf_k)
        d_rank = {i: r + 1 for r, i in enumerate(d_ids)}
        k_rank = {i: r + 1 for r, i in enumerate(k_ids)}
        have = {c.id: c for c in dense + in_refs}
        if self.background_weight != 1.0:
            # Preambles (Menimbang, Mengingat) and general elucidations (Penjelasan > Umum) restate a law's themes
            # in long passages that match many questions but rarely hold the provision asked for.
            for i in score:
                m = self._meta_of(i, have)
                if m.get("kind") == "preamble" or (m.get("kind") == "penjelasan" and not m.get("explains")):
                    score[i] *= self.background_weight
        ranked = sorted(score, key=lambda i: -score[i])
        # Near-duplicate passages (a document stored as PDF and as Markdown) would take two of the k places:
        # keep the better-ranked copy. Texts are fetched for a few more candidates than k to fill the gaps.
        pool = ranked[:k * 3] if self.collapse_duplicates else ranked[:k]
        missing = [i for i in pool if i not in have]
        have.update({c.id: c for c in self.store.get(missing)})
        if plan is not None and (plan.answer_type or plan.doc_language):
            # "Berapa hari ...": among the candidates, passages stating a number of days come first; "the Indonesian
            # translation of the TIP report": passages in Indonesian
            for i in pool:
                if i in have and plan.answers_type(have[i].text):
                    score[i] *= 1 + self.answer_type_boost
                if i in have and plan.doc_language and have[i].meta.get("language") == plan.doc_language:
                    score[i] *= 1 + self.language_boost
            pool.sort(key=lambda i: -score[i])
        order: list[str] = []
        seen: list[tuple[Any, set]] = []
        for i in pool:
            if i not in have:
                continue
            if self.collapse_duplicates:  # same document (title), same text: two definitions alike in wording stay
                doc, sh = have[i].meta.get("title"), shingles(have[i].text)
                if any(doc == d and near_duplicate(sh, o) for d, o in seen):
                    continue
                seen.append((doc, sh))
            order.append(i)
            if len(order) == k:
                break
        return [Hit(i, have[i].text, have[i].meta, score[i], r + 1, d_rank.get(i), k_rank.get(i))
                for r, i in enumerate(order)]

    def _meta_of(self, i: str, have: dict[str, StoredChunk]) -> dict[str, Any]:
        if i in have:
            return have[i].meta
        if self._kw is None or not self._metas:
            return {}
        if self._pos_gen != self._kw.generation:  # chunk id -> position in the keyword index's metadata
            self._pos, self._pos_gen = {x: n for n, x in enumerate(self._kw.ids)}, self._kw.generation
        n = self._pos.get(i)
        return self._metas[n] if n is not None else {}

    # ---------------------------------------------------------------- llama-index interface
    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [NodeWithScore(node=TextNode(id_=h.id, text=h.text, metadata=h.meta), score=h.score)
                for h in self.search(query_bundle.query_str)]
