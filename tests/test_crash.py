"""Crash safety with a real process: `gugus ingest` killed with SIGKILL in the middle of a run leaves the store and
the manifest in agreement, and the next `gugus ingest` finishes the job without duplicates."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from gugus.app.cli.main import cli
from gugus.app.container import Gugus
from gugus.app.settings import Settings

from helpers import NEWS002, TIP_PROTECTION_2019, copy_corpus
from store_checks import assert_store_matches_manifest

pytestmark = pytest.mark.slow

# sorted order = ingest order: two short news items, then two longer TIP excerpts
FILES = [NEWS002, "news/003_c84d30f768671f4c.txt", TIP_PROTECTION_2019,
         "tip_report/tip2022_state_gov_indonesia_05_trafficking_profile.txt"]
START_TIMEOUT_S = 300


def gugus_cmd() -> list[str]:
    script = Path(sys.executable).parent / "gugus"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from gugus.app.cli.main import main; main()"]


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUGUS_")}
    env.update(GUGUS_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               ANONYMIZED_TELEMETRY="False", TOKENIZERS_PARALLELISM="false")
    return env


def _statuses(manifest: Path) -> list[str]:
    if not manifest.exists():
        return []
    try:
        db = sqlite3.connect(f"file:{manifest}?mode=ro", uri=True, timeout=1)
        try:
            return [r[0] for r in db.execute("SELECT status FROM files")]
        finally:
            db.close()
    except sqlite3.OperationalError:  # schema not created yet, or a writer holds it for a moment
        return []


def _kill_mid_run(corpus: Path, data_dir: Path) -> tuple[list[str], str]:
    """Start `gugus ingest`; SIGKILL it while a later file is being written to the store ('pending' after at least
    one 'done'), or at the latest once all but the last file are done. Returns the statuses seen at the kill."""
    proc = subprocess.Popen(gugus_cmd() + ["ingest", str(corpus), "--json"], env=_env(data_dir), cwd=data_dir.parent,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    manifest = data_dir / "manifest.sqlite"
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while True:
            st = _statuses(manifest)
            done, pending = st.count("done"), st.count("pending")
            if (done >= 1 and pending) or done >= len(FILES) - 1:
                os.kill(proc.pid, signal.SIGKILL)
                break
            if proc.poll() is not None:
                raise AssertionError(f"ingest ended (exit {proc.returncode}) before it could be killed: "
                                     f"{proc.stderr.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"ingest made no progress in {START_TIMEOUT_S} s (statuses {st})")
            time.sleep(0.005)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return st, "pending" if "pending" in st else "between files"


def test_sigkill_during_ingest_then_resume(tmp_path):
    corpus = copy_corpus(tmp_path / "corpus", *FILES)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    seen, state = _kill_mid_run(corpus, data_dir)
    print(f"killed {state}: manifest statuses {seen}")
    assert 1 <= seen.count("done") < len(FILES), seen

    g = Gugus(Settings(_env_file=None, data_dir=data_dir, corpus_dir=corpus))
    try:  # right after the crash: what the manifest calls done is exactly what the store holds
        after_crash = assert_store_matches_manifest(g, allow_pending=True)
        done_before = {r.doc_id for r in g.manifest.all() if r.status == "done"}
        assert 1 <= len(done_before) < len(FILES)
    finally:
        g.close()

    r = subprocess.run(gugus_cmd() + ["ingest", str(corpus), "--json"], env=_env(data_dir), cwd=tmp_path,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout)
    statuses = {f["path"]: f["status"] for f in out["files"]}
    assert set(statuses) == set(FILES)
    assert sum(s == "unchanged" for s in statuses.values()) == len(done_before), (state, statuses)

    # a clean ingest of the same files (same resolved paths, so the same doc ids and chunk ids)
    clean = Gugus(Settings(_env_file=None, data_dir=tmp_path / "clean", corpus_dir=corpus))
    resumed = Gugus(Settings(_env_file=None, data_dir=data_dir, corpus_dir=corpus))
    try:
        assert not clean.ingest().failed
        expected = assert_store_matches_manifest(clean)
        got = assert_store_matches_manifest(resumed)
        assert got == expected, (state, after_crash)
        assert sorted(resumed.store.col.get(include=[])["ids"]) == sorted(clean.store.col.get(include=[])["ids"])
        assert out["chunks"] == resumed.store.count() == sum(expected.values())
        assert len(resumed.documents()) == len(FILES)
    finally:
        clean.close()
        resumed.close()


class Killed(BaseException):
    """Stands for SIGKILL at one exact point (BaseException: nothing in Gugus catches it)."""


def test_crash_while_pruning_leaves_nothing_half_removed(tmp_path, monkeypatch):
    """`ingest --prune` dies after deleting a vanished document's chunks but before its manifest row goes: the
    row must not stay 'done' over an empty store, and the next run must clean it up."""
    corpus = copy_corpus(tmp_path / "corpus", NEWS002, TIP_PROTECTION_2019)
    g = Gugus(Settings(_env_file=None, data_dir=tmp_path / "data", corpus_dir=corpus))
    try:
        assert not g.ingest().failed
        gone = next(r for r in g.documents() if r.path == TIP_PROTECTION_2019)
        (corpus / TIP_PROTECTION_2019).unlink()

        def die(key):
            raise Killed

        monkeypatch.setattr(g.manifest, "remove", die)
        with pytest.raises(Killed):
            g.ingest(prune=True)
        monkeypatch.undo()
        assert g.store.doc_chunk_count(gone.doc_id) == 0
        assert_store_matches_manifest(g, allow_pending=True)  # the row is not 'done' over deleted chunks

        rep = g.ingest()  # without --prune: the half-removed document is finished off, not kept as 'missing'
        assert rep.missing == [] and g.manifest.get(gone.key) is None
        assert [r.path for r in g.documents()] == [NEWS002]
        assert_store_matches_manifest(g)
    finally:
        g.close()


def test_reindex_waits_for_the_data_dir_lock(tmp_path, monkeypatch):
    """`ingest --reindex` drops the whole index: never while a backup (or another ingest) holds the data dir."""
    from gugus.app import container as services
    from gugus.app.ops.locking import DataDirBusy, data_dir_lock

    corpus = copy_corpus(tmp_path / "corpus", NEWS002)
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", corpus_dir=corpus)
    g = Gugus(settings)
    try:
        assert not g.ingest().failed
        before = assert_store_matches_manifest(g)
    finally:
        g.close()
    monkeypatch.setattr(services, "INGEST_LOCK_WAIT_S", 0.0)
    with data_dir_lock(settings.data_dir, "backup"):
        with pytest.raises(DataDirBusy, match="in use by backup"):
            Gugus(settings, reset_store=True)
        r = CliRunner().invoke(cli, ["--data-dir", str(settings.data_dir), "ingest", str(corpus), "--reindex"])
        assert r.exit_code == 2 and "in use by backup" in " ".join(r.stderr.split()), r.output
    g = Gugus(settings)
    try:  # untouched by the refused reindex
        assert assert_store_matches_manifest(g) == before and len(g.documents()) == 1
    finally:
        g.close()
    g = Gugus(settings, reset_store=True)
    try:
        assert g.store.count() == 0 and g.manifest.all() == []
        assert not g.ingest().failed and assert_store_matches_manifest(g) == before
    finally:
        g.close()
