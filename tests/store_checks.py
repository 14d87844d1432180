"""Checks shared by the hardening tests (importable as `store_checks`): does the store agree with the manifest?"""
from __future__ import annotations

from collections import Counter


def stored_chunks_per_doc(g) -> Counter:
    """doc_id -> number of chunks in the store (read from the store itself, not from the manifest)."""
    metas = g.store.col.get(include=["metadatas"])["metadatas"]
    return Counter(m["doc_id"] for m in metas)


def assert_store_matches_manifest(g, allow_pending: bool = False) -> Counter:
    """Every 'done' row's chunk count equals the chunks stored for its doc_id, and the store holds no chunks of a
    document that is not 'done', except (when allowed: right after a crash) the one 'pending' row's.
    Returns the per-document chunk counts."""
    recs = g.manifest.all()
    stored = stored_chunks_per_doc(g)
    done = {r.doc_id: r for r in recs if r.status == "done"}
    pending = {r.doc_id for r in recs if r.status == "pending"}
    assert {r.status for r in recs} <= {"done", "pending"}, recs
    assert len(pending) <= (1 if allow_pending else 0), f"pending rows: {pending}"
    wrong = {r.path: (r.chunks, stored[d]) for d, r in done.items() if stored[d] != r.chunks}
    assert not wrong, f"manifest chunks != stored chunks (path: (manifest, store)): {wrong}"
    orphans = set(stored) - set(done) - pending
    assert not orphans, f"chunks of documents the manifest does not list as done: {orphans}"
    assert sum(stored.values()) == g.store.count()
    return stored
