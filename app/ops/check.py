"""`gugus check`: verify the data directory (manifest and store) and say what to do about each problem.

Checks, in order:
- the schema versions (`PRAGMA user_version`) of the manifest and the audit log: reported, and an audit log newer
  than this code knows is a problem (a newer manifest never gets here: opening the data directory refuses it);
- the manifest passes SQLite's integrity check, and no file is left `pending` by an interrupted ingest;
- the store holds exactly the chunks the manifest lists, per document;
- the vector index finds stored vectors: a sample of stored embeddings is searched for, and each must come back
  as (a copy of) itself. A damaged HNSW file still answers searches, only with wrong results; this catches it.
"""
from __future__ import annotations

from dataclasses import dataclass

REINDEX = "run `gugus ingest --reindex` (re-embeds every document), or restore a backup (`gugus restore DIR --force`)"


@dataclass
class Problem:
    what: str
    fix: str


def check(g, sample: int = 64) -> tuple[list[Problem], dict]:
    """(problems, facts) for the data directory of `g` (a Gugus)."""
    problems: list[Problem] = []
    facts: dict = {}
    problems += _schemas(g, facts)
    try:
        res = g.manifest.db.execute("PRAGMA integrity_check").fetchall()
        ok = [r[0] for r in res] == ["ok"]
    except Exception as e:  # noqa: BLE001  (any failure here is the finding)
        ok, res = False, [(f"{type(e).__name__}: {e}",)]
    if not ok:
        problems.append(Problem(f"the manifest {g.settings.manifest_path} fails SQLite's integrity check "
                                f"({'; '.join(str(r[0]) for r in res[:3])})", REINDEX))
    records = g.manifest.all()
    pending = [r for r in records if r.status != "done"]
    if pending:
        problems.append(Problem(f"{len(pending)} file(s) left pending by an interrupted ingest: "
                                + ", ".join(r.path for r in pending[:5]), "run `gugus ingest` (it redoes them)"))
    done = [r for r in records if r.status == "done"]
    expected = sum(r.chunks for r in done)
    try:
        stored = g.store.count()
    except Exception as e:  # noqa: BLE001
        problems.append(Problem(f"the store cannot be read ({type(e).__name__}: {str(e)[:160]})", REINDEX))
        return problems, facts
    facts.update(documents=len(done), chunks_expected=expected, chunks_stored=stored)
    if stored != expected:
        problems.append(Problem(f"the store holds {stored} chunks, the manifest lists {expected}", REINDEX))
    wrong = []
    for r in done:
        try:
            n = g.store.doc_chunk_count(r.doc_id)
        except Exception as e:  # noqa: BLE001
            problems.append(Problem(f"the store cannot list the chunks of {r.path} ({type(e).__name__})", REINDEX))
            break
        if n != r.chunks:
            wrong.append(f"{r.path} ({n} of {r.chunks})")
    if wrong:
        problems.append(Problem(f"{len(wrong)} document(s) with missing or extra chunks: " + ", ".join(wrong[:5]),
                                "run `gugus ingest --reindex`, or re-ingest those files"))
    problems += _vector_index(g, stored, sample, facts)
    return problems, facts


def _schemas(g, facts: dict) -> list[Problem]:
    """The schema version of each SQLite file next to the one this code migrates it to (ingest/migrations.py)."""
    from ...ingest import manifest as manifest_mod
    from ...ingest.migrations import file_version, latest, too_new_message
    from . import audit as audit_mod

    path = g.settings.audit_path
    try:
        audit_v = file_version(path)  # read-only: check does not create or migrate the audit log
    except Exception as e:  # noqa: BLE001
        return [Problem(f"the audit log {path} cannot be read ({type(e).__name__}: {e})",
                        "restore a backup (`gugus restore DIR --force`), or move it away (a new one is started)")]
    facts["schema"] = {"manifest": g.manifest.schema_version, "manifest_code": latest(manifest_mod.MIGRATIONS),
                       "audit": audit_v, "audit_code": latest(audit_mod.MIGRATIONS)}
    if audit_v is not None and audit_v > latest(audit_mod.MIGRATIONS):
        msg = too_new_message("audit log", path, audit_v, latest(audit_mod.MIGRATIONS))
        what, _, fix = msg.partition(" Nothing was changed; ")
        return [Problem(what, fix.rstrip("."))]
    return []


def _vector_index(g, stored: int, sample: int, facts: dict) -> list[Problem]:
    if stored == 0:
        return []
    step = max(1, stored // sample)
    try:
        own_ids, vectors = g.store.embeddings(g.store.ids()[::step][:sample])
        found_ids, distances = g.store.nearest_ids(vectors, 3)
    except Exception as e:  # noqa: BLE001
        return [Problem(f"the vector index cannot be searched ({type(e).__name__}: {str(e)[:160]})", REINDEX)]
    lost = 0
    for own, found, dist in zip(own_ids, found_ids, distances):
        # itself, or an identical vector (a duplicate passage) at distance ~0
        if own not in found and not (dist and dist[0] < 1e-4):
            lost += 1
    facts.update(vectors_sampled=len(own_ids), vectors_not_found=lost)
    if lost:
        return [Problem(f"the vector index is damaged: {lost} of {len(own_ids)} sampled stored vectors are not "
                        f"found by a search for themselves (searches return wrong passages)", REINDEX)]
    return []
