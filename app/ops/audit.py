"""Audit log: every question and answer, in SQLite in the data directory (`gugus log` shows it)."""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from ...ingest.migrations import Migration, migrate
from ..records import AnswerResult

# Migration 1 is the schema as it was before numbered migrations (CREATE TABLE IF NOT EXISTS), so that audit logs
# made then (user_version 0) are adopted with their rows. Schema changes are new entries below, never edits of
# shipped ones (ingest/migrations.py).
SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts REAL NOT NULL,
  user TEXT,
  question TEXT NOT NULL,
  standalone_question TEXT,
  filters TEXT,
  answer TEXT,
  abstained INTEGER,
  cited TEXT,          -- JSON [{n, chunk_id, doc_id, path}]
  removed TEXT,        -- JSON sentences verification removed
  generator TEXT,
  model TEXT,
  prompt TEXT,
  prompt_sha256 TEXT,
  latency_ms REAL,
  timings TEXT
);
"""

MIGRATIONS = [
    Migration(1, "answers table (the schema before numbered migrations)", SCHEMA),
]


class AuditLog:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        try:  # a newer audit log than this code knows is refused here (SchemaTooNew), before anything is written
            self.schema_version = migrate(self.db, MIGRATIONS, path=path, what="audit log")
        except BaseException:
            self.db.close()
            raise
        self.db.execute("PRAGMA journal_mode=WAL")
        for f in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            try:  # questions and answers of every user: readable by the server's account only
                os.chmod(f, 0o600)
            except FileNotFoundError:
                pass
        self._lock = threading.Lock()

    def record(self, r: AnswerResult, user: str) -> int:
        cited = [{"n": p.n, "chunk_id": p.hit.id, "doc_id": p.hit.meta.get("doc_id"), "path": p.hit.meta.get("path")}
                 for p in r.citations]
        with self._lock, self.db:
            cur = self.db.execute(
                "INSERT INTO answers(ts,user,question,standalone_question,filters,answer,abstained,cited,removed,"
                "generator,model,prompt,prompt_sha256,latency_ms,timings) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (time.time(), user, r.question, r.standalone_question, json.dumps(r.filters, ensure_ascii=False),
                 r.answer, int(r.abstained), json.dumps(cited), json.dumps([{"text": s.text, "reason": s.reason} for s in r.removed],
                                                                           ensure_ascii=False),
                 r.generator, r.model, r.prompt, r.prompt_sha256, 1000 * r.timings.get("total_s", 0.0),
                 json.dumps(r.timings)),
            )
            return int(cur.lastrowid)

    def recent(self, n: int = 20) -> list[dict[str, Any]]:
        cur = self.db.execute("SELECT * FROM answers ORDER BY id DESC LIMIT ?", (n,))
        cols = [c[0] for c in cur.description]
        rows = []
        for r in cur.fetchall():
            d = dict(zip(cols, r))
            for k in ("filters", "cited", "removed", "timings"):
                d[k] = json.loads(d[k]) if d[k] else None
            rows.append(d)
        return rows
