"""`gugus backup DIR` / `gugus restore DIR`: a consistent copy of everything a data directory holds.

What is copied:
- the store: the embedded Chroma directory (`chroma/`), or, with a Chroma server (GUGUS_CHROMA_URL), an export
  of the collection's records with their embeddings (`chroma-export.jsonl`: one header line, then one record per
  line) that restore loads back into the server;
- the manifest and the audit log (SQLite: copied with sqlite3's online backup API, so a reader or a writer of the
  audit log at that moment cannot tear the copy);
- drafts (`drafts/`), the users file (`users.json`) and uploaded sources (`uploads/`) when they exist.
The BM25 cache (`cache/`) is derived from the store and is not copied; restore deletes a stale one.

Consistency: backup and restore hold the data directory's lock (app/ops/locking.py), which every ingest also takes, so
no ingest runs meanwhile. The backup is written to a hidden sibling directory and renamed into place at the end:
an interrupted backup never looks complete. `gugus-backup.json` lists every file with its size and sha256, the
Gugus version and the embedder; restore verifies all of them before it touches the data directory, and refuses a
data directory that is not empty unless forced.

Uploaded documents are keyed in the manifest by their absolute path: restore into the same data directory path
keeps them matched to their files.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .locking import LOCK_NAME, data_dir_lock
from ..settings import Settings

BACKUP_MANIFEST = "gugus-backup.json"
FORMAT = 1
SQLITE_FILES = ("manifest.sqlite", "audit.sqlite")
OPTIONAL = ("drafts", "users.json", "uploads")  # copied when present
STORE_DIR = "chroma"
STORE_EXPORT = "chroma-export.jsonl"
DERIVED = ("cache",)
EXPORT_BATCH = 1000
LOCK_WAIT_S = 10.0


class BackupError(Exception):
    pass


@dataclass
class BackupSummary:
    path: Path
    files: int
    bytes: int
    store: str  # embedded | server-export
    chunks: int
    embedder: str | None


def gugus_version() -> str:
    try:
        return importlib.metadata.version("gugus")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def copy_sqlite(src: Path, dst: Path) -> None:
    """An online, transactionally consistent copy of one SQLite database, as a single self-contained file."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    s = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=30)
    d = sqlite3.connect(str(dst))
    try:
        s.backup(d)
        d.execute("PRAGMA journal_mode=DELETE")  # no -wal file next to the copy
        d.commit()
    finally:
        d.close()
        s.close()


def _copy_tree(src: Path, dst: Path) -> None:
    """Copy a directory; SQLite databases in it (Chroma's chroma.sqlite3) go through the backup API."""
    for f in sorted(src.rglob("*")):
        target = dst / f.relative_to(src)
        if f.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif f.name.endswith(("-wal", "-shm", "-journal")):
            continue  # folded into the database by copy_sqlite
        elif f.suffix in (".sqlite3", ".sqlite", ".db"):
            copy_sqlite(f, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, target)


def _store_info(g) -> dict[str, Any]:
    md = g.store.collection_metadata
    return {"kind": "server-export" if g.settings.chroma_url else "embedded", "collection": g.store.name,
            "embedder": md.get("embedder"), "dim": md.get("dim"), "chunks": g.store.count()}


def backup(g, dest: Path) -> BackupSummary:
    """Back up the data directory of an open Gugus into dest (which must not exist, or be an empty directory)."""
    data_dir: Path = g.settings.data_dir
    dest = dest.resolve()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} exists and is not empty: choose a new directory for the backup")
    if dest == data_dir.resolve() or data_dir.resolve() in dest.parents:
        raise BackupError("the backup directory must be outside the data directory")
    stage = dest.parent / f".{dest.name}.partial-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    try:
        with data_dir_lock(data_dir, "backup", timeout=LOCK_WAIT_S):
            store = _store_info(g)
            for name in SQLITE_FILES:
                if (data_dir / name).is_file():
                    copy_sqlite(data_dir / name, stage / name)
            if store["kind"] == "embedded":
                _copy_tree(data_dir / STORE_DIR, stage / STORE_DIR)
            else:
                with open(stage / STORE_EXPORT, "w", encoding="utf-8") as f:
                    f.write(json.dumps({"collection": store["collection"], "metadata": g.store.collection_metadata,
                                        "count": store["chunks"]}, ensure_ascii=False) + "\n")
                    written = 0
                    for rec in g.store.export_records(EXPORT_BATCH):
                        f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                        written += 1
                if written != store["chunks"]:
                    raise BackupError(f"the Chroma server returned {written} of {store['chunks']} records")
            for name in OPTIONAL:
                src = data_dir / name
                if src.is_dir():
                    _copy_tree(src, stage / name)
                elif src.is_file():
                    shutil.copy2(src, stage / name)
        files = []
        for f in sorted(p for p in stage.rglob("*") if p.is_file()):
            files.append({"path": f.relative_to(stage).as_posix(), "size": f.stat().st_size, "sha256": sha256_file(f)})
        manifest = {"format": FORMAT, "gugus_version": gugus_version(),
                    "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    "source_data_dir": str(data_dir.resolve()), "embedder": store["embedder"], "store": store,
                    "files": files}
        (stage / BACKUP_MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        if dest.exists():
            dest.rmdir()
        stage.rename(dest)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return BackupSummary(dest, len(files), sum(f["size"] for f in files), store["kind"], store["chunks"],
                         store["embedder"])


def verify(src: Path) -> dict[str, Any]:
    """Read a backup's manifest and check every listed file's size and sha256. Returns the manifest."""
    mf = src / BACKUP_MANIFEST
    if not mf.is_file():
        raise BackupError(f"{src} is not a Gugus backup (no {BACKUP_MANIFEST})")
    try:
        manifest = json.loads(mf.read_text(encoding="utf-8"))
    except ValueError as e:
        raise BackupError(f"{mf} is not valid JSON: {e}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r} (this Gugus reads format {FORMAT})")
    bad = []
    for f in manifest["files"]:
        p = src / f["path"]
        if not p.is_file():
            bad.append(f"{f['path']}: missing")
        elif p.stat().st_size != f["size"] or sha256_file(p) != f["sha256"]:
            bad.append(f"{f['path']}: checksum mismatch")
    if bad:
        raise BackupError(f"the backup at {src} is damaged; nothing was restored: " + "; ".join(bad[:10]))
    return manifest


def _data_dir_contents(data_dir: Path) -> list[str]:
    if not data_dir.exists():
        return []
    return sorted(p.name for p in data_dir.iterdir() if p.name != LOCK_NAME)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def restore(settings: Settings, src: Path, force: bool = False) -> dict[str, Any]:
    """Verify the backup at src, then copy it into settings.data_dir (and the Chroma server, if one is configured).

    Refuses a non-empty data directory (or a non-empty server collection) unless force, in which case the data
    Gugus manages there is replaced. Returns the backup's manifest."""
    manifest = verify(src)
    _check_schemas(src, manifest)
    store = manifest["store"]
    data_dir = settings.data_dir
    if store["kind"] == "server-export" and not settings.chroma_url:
        raise BackupError("this backup holds an export of a Chroma server's collection: set GUGUS_CHROMA_URL to "
                          "the server to restore it into")
    if store["kind"] == "embedded" and settings.chroma_url:
        raise BackupError("this backup holds an embedded store: unset GUGUS_CHROMA_URL to restore it")
    with data_dir_lock(data_dir, "restore", timeout=LOCK_WAIT_S):
        present = _data_dir_contents(data_dir)
        if present and not force:
            raise BackupError(f"the data directory {data_dir} is not empty ({', '.join(present[:8])}): restore "
                              f"into an empty directory, or pass --force to replace its contents")
        server_col = None
        if store["kind"] == "server-export":
            server_col = _server_collection(settings, store["collection"])
            if server_col is not None and server_col.count() and not force:
                raise BackupError(f"the collection '{store['collection']}' on {settings.chroma_url} holds "
                                  f"{server_col.count()} records: pass --force to replace them")
        for name in (*SQLITE_FILES, *(f"{n}{x}" for n in SQLITE_FILES for x in ("-wal", "-shm", "-journal")),
                     STORE_DIR, *OPTIONAL, *DERIVED):
            _remove(data_dir / name)
        for f in manifest["files"]:
            if f["path"] == STORE_EXPORT:
                continue
            target = data_dir / f["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".restoring")
            shutil.copy2(src / f["path"], tmp)
            tmp.replace(target)
        if store["kind"] == "server-export":
            _import_export(settings, src / STORE_EXPORT)
    return manifest


def _check_schemas(src: Path, manifest: dict[str, Any]) -> None:
    """Refuse, before the data directory is touched, a backup whose manifest or audit log has a newer schema than
    this code knows (ingest/migrations.py): this Gugus would refuse to open them after the restore. Older ones are
    fine: they are migrated when first opened."""
    from ...ingest import manifest as manifest_mod
    from ...ingest.migrations import file_version, latest
    from . import audit as audit_mod

    known = {"manifest.sqlite": latest(manifest_mod.MIGRATIONS), "audit.sqlite": latest(audit_mod.MIGRATIONS)}
    for name, code in known.items():
        v = file_version(src / name)
        if v is not None and v > code:
            raise BackupError(f"the backup's {name} has schema version {v}, newer than this Gugus knows (up to "
                              f"{code}): the backup was made by Gugus {manifest.get('gugus_version', '?')}. Restore it "
                              f"with that version (or a newer one); nothing was restored")


def _server_client(settings: Settings):
    """A client of the configured Chroma server (as ChromaStore connects, without opening a collection)."""
    from urllib.parse import urlparse

    import chromadb
    from chromadb.config import Settings as ChromaSettings

    url = settings.chroma_url or ""
    u = urlparse(url if "://" in url else f"http://{url}")
    try:
        client = chromadb.HttpClient(host=u.hostname or "127.0.0.1", port=u.port or 8000, ssl=u.scheme == "https",
                                     settings=ChromaSettings(anonymized_telemetry=False))
        client.heartbeat()
    except Exception as e:
        raise BackupError(f"cannot reach the Chroma server at {url}: {e}") from None
    return client


def _server_collection(settings: Settings, name: str):
    client = _server_client(settings)
    try:
        return client.get_collection(name, embedding_function=None)
    except Exception:
        return None


def _import_export(settings: Settings, path: Path) -> None:
    client = _server_client(settings)
    with open(path, encoding="utf-8") as f:
        header = json.loads(f.readline())
        name = header["collection"]
        try:
            client.delete_collection(name)
        except Exception:
            pass
        col = client.create_collection(name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}},
                                       metadata=header["metadata"])
        batch: list[dict[str, Any]] = []

        def flush() -> None:
            if batch:
                col.add(ids=[r["id"] for r in batch], documents=[r["document"] for r in batch],
                        metadatas=[r["metadata"] for r in batch], embeddings=[r["embedding"] for r in batch])
                batch.clear()

        for line in f:
            batch.append(json.loads(line))
            if len(batch) >= EXPORT_BATCH:
                flush()
        flush()
    if col.count() != header["count"]:
        raise BackupError(f"the Chroma server holds {col.count()} records after restore, expected {header['count']}")
