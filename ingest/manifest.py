"""The ingest manifest: one row per ingested file, keyed by its resolved path, with its content hash.

Protocol that keeps the manifest and the store in agreement across crashes (see index/indexer.py):
  1. mark(path, sha, status='pending')      -- committed before the store is touched
  2. delete the document's chunks, write the new ones (ids are deterministic, so a redo cannot duplicate)
  3. mark(path, sha, status='done', ...)     -- committed after the store write returned
A row left 'pending' by a crash is redone on the next run.
"""
from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from .migrations import Migration, migrate
from .types import DocMeta

# Migration 1 is the schema as it was before numbered migrations (CREATE TABLE IF NOT EXISTS), so that manifests made
# then (user_version 0) are adopted as they are. Schema changes are new entries below, never edits of shipped ones
# (ingest/migrations.py).
SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
  key TEXT PRIMARY KEY,          -- resolved absolute path
  path TEXT NOT NULL,            -- path as ingested (relative to its root)
  doc_id TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  status TEXT NOT NULL,          -- pending | done
  chunks INTEGER NOT NULL DEFAULT 0,
  pages INTEGER NOT NULL DEFAULT 0,
  ocr_pages TEXT NOT NULL DEFAULT '[]',
  fmt TEXT,
  meta TEXT NOT NULL DEFAULT '{}',
  embedder TEXT,
  updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS state (k TEXT PRIMARY KEY, v TEXT NOT NULL);
"""

MIGRATIONS = [
    Migration(1, "files and state tables (the schema before numbered migrations)", SCHEMA),
]


@dataclass
class FileRecord:
    key: str
    path: str
    doc_id: str
    sha256: str
    size: int
    status: str
    chunks: int
    pages: int
    ocr_pages: list[int]
    fmt: str | None
    meta: DocMeta
    embedder: str | None
    updated: float


class Manifest:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        self.db.execute("PRAGMA synchronous=FULL")
        try:  # a newer manifest than this code knows is refused here (SchemaTooNew), before anything is written
            self.schema_version = migrate(self.db, MIGRATIONS, path=path, what="manifest")
        except BaseException:
            self.db.close()
            raise
        self.db.execute("PRAGMA journal_mode=WAL")

    def close(self) -> None:
        self.db.close()

    def _row(self, r: tuple) -> FileRecord:
        md = json.loads(r[10]) or {}
        md.setdefault("path", r[1])  # a 'pending' row of a first ingest has no metadata yet
        md.setdefault("title", Path(r[1]).stem)
        return FileRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], json.loads(r[8]), r[9],
                          DocMeta.from_dict(md), r[11], r[12])

    def get(self, key: str) -> FileRecord | None:
        r = self.db.execute("SELECT * FROM files WHERE key=?", (key,)).fetchone()
        return self._row(r) if r else None

    def all(self) -> list[FileRecord]:
        return [self._row(r) for r in self.db.execute("SELECT * FROM files ORDER BY path")]

    def mark_pending(self, key: str, path: str, doc_id: str, sha: str, size: int) -> None:
        with self.db:
            self.db.execute(
                "INSERT INTO files(key,path,doc_id,sha256,size,status,updated) VALUES(?,?,?,?,?,'pending',?) "
                "ON CONFLICT(key) DO UPDATE SET sha256=excluded.sha256,size=excluded.size,status='pending',"
                "path=excluded.path,updated=excluded.updated",
                (key, path, doc_id, sha, size, time.time()),
            )

    def mark_done(self, key: str, chunks: int, pages: int, ocr_pages: list[int], fmt: str, meta: DocMeta,
                  embedder: str) -> None:
        with self.db:
            self.db.execute(
                "UPDATE files SET status='done',chunks=?,pages=?,ocr_pages=?,fmt=?,meta=?,embedder=?,updated=? "
                "WHERE key=?",
                (chunks, pages, json.dumps(ocr_pages), fmt, json.dumps(meta.to_dict(), ensure_ascii=False),
                 embedder, time.time(), key),
            )
            self._bump()

    def remove(self, key: str) -> None:
        with self.db:
            self.db.execute("DELETE FROM files WHERE key=?", (key,))
            self._bump()

    def _bump(self) -> None:
        self.db.execute("INSERT INTO state(k,v) VALUES('generation','1') "
                        "ON CONFLICT(k) DO UPDATE SET v=CAST(v AS INTEGER)+1")

    @property
    def generation(self) -> int:
        """Increases with every change to the indexed content; derived caches (BM25) key on it."""
        r = self.db.execute("SELECT v FROM state WHERE k='generation'").fetchone()
        return int(r[0]) if r else 0
