"""Sync files into the store: incremental by content hash, crash-safe, never half-written.

For each changed file: parse and embed first (nothing touched yet); then manifest 'pending' -> delete the
document's old chunks -> write the new ones -> manifest 'done'. A file that fails keeps its previous version in the
index. A crash leaves at most one 'pending' row, redone on the next run; chunk ids are deterministic, so redoing
cannot duplicate.
"""
from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..ingest.catalog import CATALOG_NAME, catalog_access, load_catalog
from ..ingest.manifest import Manifest
from ..ingest.parse import MAX_UNPACKED_BYTES as DEFAULT_MAX_UNPACKED_BYTES, doc_id_for, parse_file
from ..ingest.types import FileOutcome, IngestError
from .embedders import GugusEmbedding
from .store import ChromaStore

log = logging.getLogger(__name__)

IGNORED_NAMES = {CATALOG_NAME, "SOURCES.md", "README.md", ".gitkeep", ".DS_Store", "Thumbs.db"}
EMBED_BATCH = 64
DEFAULT_MAX_FILE_BYTES = 100 * 2**20
DEFAULT_MAX_CHUNKS = 5000  # passages per file (GUGUS_MAX_PASSAGES_PER_FILE)


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in the manifest, gone from disk, not pruned
    seconds: float = 0.0
    embed_seconds: float = 0.0
    chunks_embedded: int = 0
    pages: int = 0

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]


@dataclass
class SourceFile:
    path: Path  # on disk
    rel: str  # as ingested (relative to its root)
    root: Path

    @property
    def key(self) -> str:
        return str(self.path.resolve())


def discover(paths: list[Path]) -> tuple[list[SourceFile], list[FileOutcome]]:
    """Files under the given paths (directories are walked). Missing paths are reported, not fatal."""
    files: list[SourceFile] = []
    problems: list[FileOutcome] = []
    for p in paths:
        if p.is_dir():
            hidden: set[str] = set()
            for f in sorted(p.rglob("*")):
                rel_parts = f.relative_to(p).parts
                if f.name in IGNORED_NAMES:
                    continue
                dot = next((i for i, x in enumerate(rel_parts) if x.startswith(".")), None)
                if dot is not None:  # hidden files and folders are not read, but named (once per hidden entry)
                    top = "/".join(rel_parts[:dot + 1])
                    if top not in hidden:
                        hidden.add(top)
                        kind = "folder" if (p / top).is_dir() else "file"
                        problems.append(FileOutcome(top, "skipped", reason=f"hidden {kind} (its name starts with a "
                                                    "dot); not ingested"))
                    continue
                if f.is_file():
                    files.append(SourceFile(f, f.relative_to(p).as_posix(), p))
        elif p.is_file():
            files.append(SourceFile(p, p.name, p.parent))
        else:
            problems.append(FileOutcome(str(p), "failed", reason="no such file or directory"))
    return files, problems


def _same_access(meta, entry: dict | None) -> bool:
    """Whether the catalog still gives the document the access it was indexed with. A changed access level is
    re-indexed even when the file is unchanged: the level lives in every chunk's metadata."""
    try:
        return catalog_access(entry) == (meta.access, list(meta.access_agencies))
    except IngestError:
        return False  # parse_file reports the bad entry


class Indexer:
    def __init__(self, store: ChromaStore, embedder: GugusEmbedding, manifest: Manifest, max_tokens: int,
                 max_file_bytes: int = DEFAULT_MAX_FILE_BYTES, max_chunks: int = DEFAULT_MAX_CHUNKS,
                 max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES):
        self.store, self.embedder, self.manifest, self.max_tokens = store, embedder, manifest, max_tokens
        self.max_file_bytes = max_file_bytes
        self.max_unpacked_bytes = max_unpacked_bytes
        self.max_chunks = max_chunks

    def sync(self, paths: list[Path], prune: bool = False,
             progress: Callable[[str, int, int], None] | None = None) -> IngestReport:
        t0 = time.perf_counter()
        report = IngestReport()
        self.recover()
        files, problems = discover(paths)
        report.outcomes.extend(problems)
        catalogs: dict[Path, dict] = {}
        for i, sf in enumerate(files):
            if progress:
                progress(sf.rel, i, len(files))
            if sf.root not in catalogs:
                try:
                    catalogs[sf.root] = load_catalog(sf.root)
                except IngestError as e:
                    report.outcomes.append(FileOutcome(str(sf.root / CATALOG_NAME), "failed", reason=str(e)))
                    catalogs[sf.root] = {}
            report.outcomes.append(self._one(sf, catalogs[sf.root], report))
        if progress:
            progress("", len(files), len(files))
        seen = {sf.key for sf in files}
        for rec in self.manifest.all():
            if rec.key in seen or Path(rec.key).exists():
                continue
            if prune:  # 'pending' first: a crash after the delete leaves a row recover() finishes, not a 'done' lie
                self.manifest.mark_pending(rec.key, rec.path, rec.doc_id, rec.sha256, rec.size)
                self.store.delete_doc(rec.doc_id)
                self.manifest.remove(rec.key)
                report.outcomes.append(FileOutcome(rec.path, "removed", chunks=rec.chunks))
            else:
                report.missing.append(rec.path)
        report.seconds = time.perf_counter() - t0
        return report

    def _one(self, sf: SourceFile, catalog: dict, report: IngestReport) -> FileOutcome:
        t = time.perf_counter()
        try:
            size = sf.path.stat().st_size
            if size > self.max_file_bytes:  # refused before reading: a huge file must not be loaded into memory
                return FileOutcome(sf.rel, "failed", reason=f"file too large ({size / 2**20:.0f} MB; the limit is "
                                   f"{self.max_file_bytes / 2**20:.0f} MB, setting GUGUS_MAX_FILE_MB)")
            data = sf.path.read_bytes()
        except OSError as e:
            return FileOutcome(sf.rel, "failed", reason=f"cannot read: {e.strerror}")
        sha = hashlib.sha256(data).hexdigest()
        prev = self.manifest.get(sf.key)
        if prev and prev.status == "done" and prev.sha256 == sha and prev.embedder == self.embedder.id \
                and _same_access(prev.meta, catalog.get(sf.rel)):
            return FileOutcome(sf.rel, "unchanged", chunks=prev.chunks, pages=prev.pages)
        try:
            doc = parse_file(sf.path, sf.rel, catalog, key=sf.key, count=self.embedder.count_tokens,
                             max_tokens=self.max_tokens, data=data, max_unpacked=self.max_unpacked_bytes)
        except IngestError as e:
            return FileOutcome(sf.rel, "failed", reason=str(e), seconds=time.perf_counter() - t)
        except Exception as e:  # a reader bug on one hostile file must not stop the run
            log.exception("unexpected error parsing %s", sf.path)
            return FileOutcome(sf.rel, "failed", reason=f"unexpected {type(e).__name__}: {e}",
                               seconds=time.perf_counter() - t)
        if len(doc.chunks) > self.max_chunks:  # a "text bomb" must not hold the ingest lock embedding for minutes
            return FileOutcome(sf.rel, "failed", reason=f"makes {len(doc.chunks)} passages; the limit is "
                               f"{self.max_chunks} per file (setting GUGUS_MAX_PASSAGES_PER_FILE); nothing was "
                               "embedded", seconds=time.perf_counter() - t)
        te = time.perf_counter()
        texts = [c.index_text(doc.meta) for c in doc.chunks]
        vectors: list[list[float]] = []
        for i in range(0, len(texts), EMBED_BATCH):
            vectors.extend(self.embedder.embed_passages(texts[i:i + EMBED_BATCH]))
        report.embed_seconds += time.perf_counter() - te
        report.chunks_embedded += len(texts)
        report.pages += len(doc.pages)
        doc_id = doc_id_for(sf.key)
        self.manifest.mark_pending(sf.key, sf.rel, doc_id, sha, len(data))
        self.store.delete_doc(doc_id)
        self.store.add(doc.chunks, doc.meta, vectors)
        self.manifest.mark_done(sf.key, len(doc.chunks), len(doc.pages), doc.ocr_pages, doc.fmt, doc.meta,
                                self.embedder.id)
        status = "updated" if prev else "added"
        return FileOutcome(sf.rel, status, chunks=len(doc.chunks), pages=len(doc.pages),
                           seconds=time.perf_counter() - t, warnings=list(doc.warnings))

    def recover(self) -> list[str]:
        """Rows left 'pending' by a crash: their chunks may be partial. Drop them so the next sync redoes them."""
        fixed = []
        for rec in self.manifest.all():
            if rec.status == "pending":
                self.store.delete_doc(rec.doc_id)
                self.manifest.remove(rec.key)
                fixed.append(rec.path)
        return fixed
