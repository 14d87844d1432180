"""The composition root: settings -> embedder, store, manifest, indexer, retriever. CLI and UI both use this."""
from __future__ import annotations

import logging
from dataclasses import replace
from functools import cached_property
from pathlib import Path

from ..index.embedders import GugusEmbedding, make_embedder
from ..index.indexer import Indexer, IngestReport
from ..index.retriever import Filters, Hit, HybridRetriever
from ..index.store import ChromaStore, StoreError
from ..ingest.manifest import FileRecord, Manifest
from .accounts.users import User, UserStore, can_read, local_user, scope_for
from .ops.locking import data_dir_lock
from .settings import Settings

log = logging.getLogger(__name__)

INGEST_LOCK_WAIT_S = 60.0  # how long an ingest waits for a running ingest/backup/restore of the same data dir


def _open_sqlite(what: str, path: Path, opener, remedy: str):
    """opener(path), migrated to this code's schema (ingest/migrations.py). A damaged file, or one of a newer schema
    than this code knows, is a StoreError naming it and what to do (issue 10, item 12; issue 13)."""
    import sqlite3

    from ..ingest.migrations import SchemaError

    try:
        return opener(path)
    except SchemaError as e:
        raise StoreError(str(e)) from None
    except sqlite3.DatabaseError as e:
        raise StoreError(f"the {what} {path} is damaged ({e}). Restore the data directory from a backup (`gugus "
                         f"restore DIR --force`), or move {path.name} away {remedy}.") from None


def open_manifest(path: Path) -> Manifest:
    return _open_sqlite("manifest", path, Manifest,
                        "and run `gugus ingest --reindex` to rebuild it from the documents")


def open_audit(path: Path):
    from .ops.audit import AuditLog

    return _open_sqlite("audit log", path, AuditLog, "(a new, empty audit log is then started)")


class Gugus:
    def __init__(self, settings: Settings | None = None, reset_store: bool = False):
        self.settings = settings or Settings()
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.embedder: GugusEmbedding = make_embedder(self.settings.embedder)
        self.embedder.max_word_chars = self.settings.max_word_chars
        self._configure_llama_index()
        self.manifest = open_manifest(self.settings.manifest_path)
        if not reset_store:
            self.store = self._open_store(reset=False)
            return
        # --reindex, under the data dir's lock (no ingest or backup meanwhile). Rows go 'pending' first: a crash
        # before the old collection is dropped leaves rows that the next run's recovery clears with their chunks.
        try:
            with data_dir_lock(self.settings.data_dir, "reindex", timeout=INGEST_LOCK_WAIT_S):
                for rec in self.manifest.all():
                    self.manifest.mark_pending(rec.key, rec.path, rec.doc_id, rec.sha256, rec.size)
                self.store = self._open_store(reset=True)
                for rec in self.manifest.all():
                    self.manifest.remove(rec.key)
        except BaseException:
            self.manifest.close()
            raise

    def _open_store(self, reset: bool) -> ChromaStore:
        try:
            return ChromaStore(self.embedder.id, self.embedder.dim, self.settings.data_dir, self.settings.chroma_url,
                               reset=reset)
        except StoreError:
            raise
        except Exception as e:  # a damaged chroma.sqlite3 or segment: a message with what to do, not a traceback
            where = self.settings.chroma_url or self.settings.data_dir / "chroma" / "chroma.sqlite3"
            raise StoreError(
                f"the store {where} cannot be opened, it looks damaged ({type(e).__name__}: {str(e)[:160]}). "
                f"Restore the data directory from a backup (`gugus restore DIR --force`), or move "
                f"{self.settings.data_dir / 'chroma'} away and rebuild it with `gugus ingest --reindex`.") from None

    def _configure_llama_index(self) -> None:
        # llama-index defaults to OpenAI for both; Gugus sets them explicitly so nothing reaches for the network.
        from llama_index.core import Settings as LI
        from llama_index.core.llms.mock import MockLLM

        LI.embed_model = self.embedder
        LI.llm = MockLLM()

    @cached_property
    def indexer(self) -> Indexer:
        return Indexer(self.store, self.embedder, self.manifest, self.settings.chunk_max_tokens,
                       max_file_bytes=int(self.settings.max_file_mb * 2**20),
                       max_chunks=self.settings.max_passages_per_file,
                       max_unpacked_bytes=int(self.settings.max_unpacked_mb * 2**20))

    @cached_property
    def retriever(self) -> HybridRetriever:
        s = self.settings
        return HybridRetriever(self.store, self.embedder, s.cache_dir, generation_fn=lambda: self.manifest.generation,
                               candidates=s.candidates, rrf_k=s.rrf_k, weights=(s.dense_weight, s.bm25_weight),
                               default_k=s.top_k, reranker=self.reranker, rerank_candidates=s.rerank_candidates,
                               **s.retrieval.model_dump())

    @cached_property
    def reranker(self):
        """The configured cross-encoder reranker (index/rerank.py), or None."""
        from ..index.rerank import make_scorer

        s = self.settings
        return make_scorer(s.reranker, s.reranker_model, s.reranker_api_key)

    @cached_property
    def audit(self):
        return open_audit(self.settings.audit_path)

    @cached_property
    def generator(self):
        """The configured generator. `local` without its model (or failing to load) falls back to `extractive`;
        `writer_note` then says why (shown at start-up and in the UI)."""
        from .answering.extractive import ExtractiveGenerator
        from .generators import GeneratorError, make_generator

        self.writer_note = ""
        try:
            gen = make_generator(self.settings, self.embedder)
        except GeneratorError as e:
            if self.settings.generator != "local":
                raise
            self.writer_note = f"local writer unavailable, answering extractively: {e}"
            log.warning(self.writer_note)
            gen = ExtractiveGenerator(self.embedder, threshold=self.settings.extractive_threshold,
                                      **self.settings.extractive.model_dump())
        if getattr(gen, "name", "") == "local":
            from llama_index.core import Settings as LI

            from .generators.local_llm import llama_index_llm

            LI.llm = llama_index_llm(gen.llm)
        return gen

    @cached_property
    def writer(self):
        """The writer (app/answering/writer.py) when the generator writes from evidence, else None."""
        from .answering.faithful import FaithfulnessChecker
        from .answering.writer import Writer

        gen = self.generator
        if not getattr(gen, "writes_evidence", False):
            return None
        return Writer(gen, FaithfulnessChecker(self.embedder, self.settings.writer_similarity_min),
                      max_tokens=self.settings.writer_max_tokens, unit_sentences=self.settings.writer_unit_sentences)

    @cached_property
    def answerer(self):
        from .answering.pipeline import AnswerPipeline

        return AnswerPipeline(self, self.generator, self.audit, writer=self.writer)

    def ingest(self, paths: list[Path] | None = None, prune: bool = False, progress=None) -> IngestReport:
        # backup/restore take the same lock: they never see a half-done ingest (raises DataDirBusy when held)
        with data_dir_lock(self.settings.data_dir, "ingest", timeout=INGEST_LOCK_WAIT_S):
            report = self.indexer.sync(paths or [self.settings.corpus_dir], prune=prune, progress=progress)
        self.retriever.invalidate()
        return report

    def search(self, query: str, top_k: int | None = None, filters: Filters | None = None,
               mode: str = "hybrid", plan=None) -> list[Hit]:
        return self.retriever.search(query, top_k or self.settings.top_k, filters, mode, plan=plan)

    def doc_chunks(self, doc_id: str):
        """One document's passages in reading order (the /source page; check access first: document_for)."""
        return self.store.doc_chunks(doc_id)

    def documents(self) -> list[FileRecord]:
        """Every ingested document, whatever its access level: for the operator. Users get visible_documents."""
        return [r for r in self.manifest.all() if r.status == "done"]

    # ---------------------------------------------------------------------------------------- users and access
    @cached_property
    def users(self) -> UserStore:
        return UserStore(self.settings.users_path)

    def local_user(self) -> User:
        """The operator of the single-user mode (no login) and of the CLI without --as: admin-equivalent."""
        return local_user(self.settings.user)

    def filters_for(self, user: User | None, filters: Filters | None = None) -> Filters:
        """A copy of `filters` (default: none) limited to what `user` may read. Every retrieval done for a user
        (answers, search, drafts, figures) goes through this. user None = public documents only."""
        return replace(filters or Filters(), access=scope_for(user))

    def visible_documents(self, user: User | None) -> list[FileRecord]:
        return [r for r in self.documents() if can_read(user, r.meta.access, r.meta.access_agencies)]

    def document_for(self, user: User | None, doc_id: str) -> FileRecord | None:
        """The document if it exists and `user` may read it (else None: callers answer 404, not 403)."""
        return next((r for r in self.visible_documents(user) if r.doc_id == doc_id), None)

    def close(self) -> None:
        self.manifest.close()
