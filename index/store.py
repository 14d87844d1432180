"""The vector store: Chroma, embedded (PersistentClient in the data directory) or a server (HttpClient).

The collection records the embedder's id and dimension; opening it with another embedder is refused with a
message that says how to re-index. Embeddings are always passed in: Chroma's default embedding function would
download a model.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlparse

from ..ingest.types import Chunk, DocMeta

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

COLLECTION = "gugus_chunks"
SCHEMA_VERSION = 1


class StoreError(Exception):
    pass


class EmbedderMismatch(StoreError):
    pass


@dataclass
class StoredChunk:
    id: str
    text: str
    meta: dict[str, Any]
    score: float = 0.0

    @property
    def index_text(self) -> str:
        return f"{self.meta.get('header', '')}\n{self.text}"


def chunk_metadata(chunk: Chunk, meta: DocMeta) -> dict[str, Any]:
    """Flat metadata Chroma can filter on. None values are omitted (Chroma rejects them)."""
    date_int = int(meta.date.replace("-", "")[:8]) if meta.date else 0
    md: dict[str, Any] = {
        "doc_id": chunk.doc_id, "path": meta.path, "title": meta.title, "short_title": meta.short_title,
        "doc_type": meta.doc_type, "agency": meta.agency, "date": meta.date, "date_int": date_int,
        "year": meta.year, "number": meta.number, "language": meta.language, "access": meta.access, "page": chunk.page,
        "section": chunk.section, "kind": chunk.kind, "pasal": chunk.pasal, "explains": chunk.explains,
        "links": ",".join(chunk.links) or None, "ordinal": chunk.ordinal,
        "header": " ".join(x for x in (chunk.section or meta.title, chunk.context) if x),
        "agencies": list(dict.fromkeys(([meta.agency] if meta.agency else []) + list(meta.agencies))) or None,
        # access control (index/access.py): an empty list is omitted, so a restricted document without agencies
        # matches no agency clause and is seen by admins only
        "access_agencies": list(meta.access_agencies) or None,
        "period": meta.period,  # agency submissions: the TIP period reported on
        # table rows (ingest/tables.py): citable by sheet and row; the cells as JSON (app/figures/rows.py)
        "sheet": chunk.table.get("sheet") if chunk.table else None,
        "row": chunk.table.get("row") if chunk.table else None,
        "table": json.dumps(chunk.table, ensure_ascii=False, sort_keys=True) if chunk.table else None,
    }
    return {k: v for k, v in md.items() if v is not None and v != ""}


class ChromaStore:
    def __init__(self, embedder_id: str, dim: int, data_dir: Path | None = None, url: str | None = None,
                 collection: str = COLLECTION, reset: bool = False):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if url:
            u = urlparse(url if "://" in url else f"http://{url}")
            try:
                self.client = chromadb.HttpClient(host=u.hostname or "127.0.0.1", port=u.port or 8000,
                                                  ssl=u.scheme == "https", settings=settings)
                self.client.heartbeat()
            except Exception as e:
                raise StoreError(f"cannot reach the Chroma server at {url}: {e}") from None
            self.location = url
        else:
            if data_dir is None:
                raise StoreError("no data directory and no Chroma server URL")
            path = data_dir / "chroma"
            path.mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(path), settings=settings)
            self.location = str(path)
        self.name = collection
        self.embedder_id, self.dim = embedder_id, dim
        if reset:
            try:
                self.client.delete_collection(self.name)
            except Exception:
                pass
        self.col = self._open()

    def _open(self):
        from chromadb.errors import NotFoundError

        try:
            col = self.client.get_collection(self.name, embedding_function=None)
        except (NotFoundError, ValueError):
            return self.client.create_collection(
                self.name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedder": self.embedder_id, "dim": self.dim, "schema": SCHEMA_VERSION},
            )
        md = col.metadata or {}
        if md.get("embedder") != self.embedder_id or int(md.get("dim", -1)) != self.dim:
            raise EmbedderMismatch(
                f"the index at {self.location} was built with embedder '{md.get('embedder')}' (dim {md.get('dim')}), "
                f"but Gugus is configured with '{self.embedder_id}' (dim {self.dim}). Either set "
                f"GUGUS_EMBEDDER back to '{md.get('embedder')}', or re-index with the new embedder: "
                f"`gugus ingest --reindex` (re-embeds every document; the old vectors are dropped)."
            )
        return col

    def count(self) -> int:
        return self.col.count()

    def add(self, chunks: list[Chunk], meta: DocMeta, embeddings: list[list[float]], batch: int = 1000) -> None:
        for i in range(0, len(chunks), batch):
            part = chunks[i:i + batch]
            self.col.upsert(
                ids=[c.id for c in part], documents=[c.text for c in part],
                embeddings=embeddings[i:i + batch], metadatas=[chunk_metadata(c, meta) for c in part],
            )

    def add_raw(self, ids: list[str], texts: list[str], embeddings: Any, metadatas: list[dict[str, Any]]) -> None:
        self.col.upsert(ids=ids, documents=texts, embeddings=embeddings, metadatas=metadatas)

    def delete_doc(self, doc_id: str) -> None:
        self.col.delete(where={"doc_id": doc_id})

    def doc_chunk_count(self, doc_id: str) -> int:
        return len(self.col.get(where={"doc_id": doc_id}, include=[])["ids"])

    def doc_chunks(self, doc_id: str) -> list[StoredChunk]:
        """One document's chunks in reading order."""
        res = self.col.get(where={"doc_id": doc_id}, include=["documents", "metadatas"])
        chunks = [StoredChunk(i, d, m or {}) for i, d, m in zip(res["ids"], res["documents"], res["metadatas"])]
        return sorted(chunks, key=lambda c: c.meta.get("ordinal", 0))

    # Post-filtering (see query): used when the filter keeps at least this share and needs at most this many neighbours
    POSTFILTER_MIN_SHARE = 0.05
    POSTFILTER_MAX_FETCH = 2000

    def query(self, embedding: list[float], k: int, where: dict | None = None,
              matches: Callable[[dict[str, Any]], bool] | None = None, share: float | None = None,
              stats: dict[str, float] | None = None) -> list[StoredChunk]:
        """The k nearest chunks that pass `where`.

        Chroma's filtered search slows down as the matching set grows (a filter matching 15 % of 380k chunks:
        p50 955 ms against 38 ms unfiltered, bench/RESULTS.md). Given `matches` (the same predicate as `where`, on
        one chunk's metadata) and the `share` of chunks it keeps, an unfiltered query for k / share x 2 neighbours,
        filtered here, holds the same top k whenever it yields k matches (or every match); otherwise, or when the
        share is small, the filter goes to Chroma."""
        n = self.count()
        if n == 0:
            return []
        if where and matches is not None and share and share >= self.POSTFILTER_MIN_SHARE:
            fetch = min(n, int(k / share * 2) + 10)
            if fetch <= self.POSTFILTER_MAX_FETCH:
                # metadata only for the many neighbours; the texts of the k kept ones are fetched after
                got = [c for c in self._query(embedding, fetch, None, texts=False) if matches(c.meta)][:k]
                if len(got) >= min(k, round(share * n)):
                    if stats is not None:
                        stats["postfiltered"] = 1.0
                    texts = {c.id: c.text for c in self.get([c.id for c in got])}
                    return [StoredChunk(c.id, texts.get(c.id, ""), c.meta, c.score) for c in got]
        return self._query(embedding, min(k, n), where)

    def _query(self, embedding: list[float], k: int, where: dict | None, texts: bool = True) -> list[StoredChunk]:
        res = self.col.query(query_embeddings=[embedding], n_results=k, where=where or None,
                             include=(["documents"] if texts else []) + ["metadatas", "distances"])
        docs = res["documents"][0] if texts else [""] * len(res["ids"][0])
        out = []
        for i, d, m, dist in zip(res["ids"][0], docs, res["metadatas"][0], res["distances"][0]):
            out.append(StoredChunk(i, d, m or {}, 1.0 - float(dist)))
        return out

    def get(self, ids: list[str]) -> list[StoredChunk]:
        if not ids:
            return []
        res = self.col.get(ids=ids, include=["documents", "metadatas"])
        found = {i: StoredChunk(i, d, m or {}) for i, d, m in zip(res["ids"], res["documents"], res["metadatas"])}
        return [found[i] for i in ids if i in found]

    # What the ops tools (app/ops: check, backup) and coverage need, so that nothing outside the store reaches into
    # the Chroma collection.
    @property
    def collection_metadata(self) -> dict[str, Any]:
        return dict(self.col.metadata or {})

    def ids(self) -> list[str]:
        return list(self.col.get(include=[], limit=max(1, self.count()))["ids"])

    def embeddings(self, ids: list[str]) -> tuple[list[str], list[list[float]]]:
        """(ids found, their stored vectors)."""
        res = self.col.get(ids=ids, include=["embeddings"])
        return list(res["ids"]), [[float(x) for x in e] for e in res["embeddings"]]

    def nearest_ids(self, vectors: list[list[float]], k: int) -> tuple[list[list[str]], list[list[float]]]:
        """For each vector, the ids and distances of its k nearest stored chunks (unfiltered)."""
        res = self.col.query(query_embeddings=vectors, n_results=k, include=["distances"])
        return res["ids"], res["distances"]

    def with_vectors(self, where: dict | None) -> tuple[list[str], list, list[dict[str, Any]], list[str]]:
        """(ids, embeddings, metadatas, texts) of every chunk that passes ``where``."""
        res = self.col.get(where=where or None, include=["embeddings", "metadatas", "documents"])
        return list(res["ids"]), list(res["embeddings"]), [m or {} for m in res["metadatas"]], list(res["documents"])

    def export_records(self, batch: int = 1000) -> Iterator[dict[str, Any]]:
        """Every chunk as {id, document, metadata, embedding} (backups of a Chroma server)."""
        n = self.count()
        for off in range(0, n, batch):
            res = self.col.get(limit=batch, offset=off, include=["documents", "metadatas", "embeddings"])
            for i, d, m, e in zip(res["ids"], res["documents"], res["metadatas"], res["embeddings"]):
                yield {"id": i, "document": d, "metadata": m, "embedding": [float(x) for x in e]}

    def iter_all(self, batch: int = 5000) -> Iterator[list[StoredChunk]]:
        n = self.count()
        for off in range(0, n, batch):
            res = self.col.get(limit=batch, offset=off, include=["documents", "metadatas"])
            yield [StoredChunk(i, d, m or {}) for i, d, m in zip(res["ids"], res["documents"], res["metadatas"])]
