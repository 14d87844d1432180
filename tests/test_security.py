"""Hardening, round two (issue 10): each test reproduces a finding of the break-in test through the served app
(the harness and accounts of tests/test_access.py) and failed before its fix."""
from __future__ import annotations

import json
import secrets
from pathlib import Path

import httpx
import pytest

from test_access import PASSWORDS, QUESTION, SECRET, login, server, world  # noqa: F401  (module-scoped fixtures)


def _client(base: str, name: str):
    from gradio_client import Client

    return Client(base + "/", auth=(name, PASSWORDS[name]), verbose=False)


def _file_data(path) -> dict:
    """A FileData as a hostile client writes it: a server path that never went through the upload route."""
    return {"path": str(path), "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}


def fn_index(c: httpx.Client, elem_id: str | None = None, event: str = "click", api_name: str | None = None) -> int:
    """The Gradio event id of `event` on the component with `elem_id` (or of the event named `api_name`)."""
    cfg = c.get("/config").json()
    if api_name:
        return next(d["id"] for d in cfg["dependencies"] if d.get("api_name") == api_name)
    comp = next(x["id"] for x in cfg["components"] if (x.get("props") or {}).get("elem_id") == elem_id)
    return next(d["id"] for d in cfg["dependencies"] if [comp, event] in [list(t) for t in d["targets"]])


def raw_call(c: httpx.Client, fn: int, data: list, session_hash: str | None = None) -> dict:
    """One event through Gradio's queue API exactly as a hostile client sends it: /gradio_api/queue/join with any
    data and any session hash, then the event's messages. Returns the final message (output or error)."""
    session_hash = session_hash or secrets.token_hex(6)
    r = c.post("/gradio_api/queue/join", json={"data": data, "fn_index": fn, "session_hash": session_hash,
                                               "event_data": None, "trigger_id": None})
    if r.status_code != 200:
        return {"success": False, "status": r.status_code, "output": {"error": r.text}}
    with c.stream("GET", "/gradio_api/queue/data", params={"session_hash": session_hash}) as s:
        for line in s.iter_lines():
            if not line.startswith("data:"):
                continue
            msg = json.loads(line[5:])
            if msg.get("msg") == "process_completed" and msg.get("event_id") == r.json().get("event_id"):
                return msg
    raise AssertionError("no process_completed message")


# ------------------------------------------------------------------------------------------------ item 1
def test_ingest_refuses_files_that_were_not_uploaded(server, world, tmp_path):
    """An editor who names a server file in a direct /ingest call gets it refused, and nothing is ingested."""
    g, _ = world
    target = tmp_path / "server_secret_notes.md"
    target.write_text("# Catatan server\n\nBerkas ini ada di server dan tidak pernah diunggah: Merpati Sembilan.\n",
                      encoding="utf-8")
    with login(server, "editor1") as c:
        msg = raw_call(c, fn_index(c, api_name="ingest"), [[_file_data(target)], "id", "public", []])
    if msg.get("success"):
        rows = msg["output"]["data"][1]["value"]["data"] if "value" in msg["output"]["data"][1] \
            else msg["output"]["data"][1]["data"]
        assert [r[1] for r in rows] == ["rejected"], rows
        assert "upload" in rows[0][3]
    assert not any(r.meta.path == target.name for r in g.documents())
    assert "Merpati" not in " ".join(h.text for h in g.search("Merpati Sembilan berkas server", top_k=20))


# ------------------------------------------------------------------------------------------------ item 2
@pytest.fixture()
def lone(tmp_path, fake_embedder):
    """A Gugus over one public document and one internal memo, with one user, not yet served. The tests on it check
    logins, sessions, hosts and start-up, not retrieval: it runs on the fake embedder (conftest.fake_embedder)."""
    from answer_helpers import open_gugus
    from test_access import restricted_corpus

    g = open_gugus(tmp_path / "data", restricted_corpus(tmp_path / "corpus"))
    g.users.add("solo", "reader", "solo-pass-1", ["Kemnaker"])
    yield g
    g.close()


@pytest.mark.parametrize("damage", ["remove_last_user", "delete_file", "empty_file", "corrupt_file"])
def test_login_stays_required_while_serving(lone, damage):
    """Whether a login is required is decided at start-up: removing the last user, or deleting, emptying or
    corrupting users.json while the server runs never opens it to anonymous requests."""
    from gugus.app.web.app import build_app
    from helpers import serve_in_thread

    g = lone
    with serve_in_thread(build_app(g)) as (base, started):
        assert started
        assert httpx.get(base + "/config", timeout=10).status_code == 401
        if damage == "remove_last_user":
            g.users.remove("solo")
        elif damage == "delete_file":
            g.settings.users_path.unlink()
        elif damage == "empty_file":
            g.settings.users_path.write_text("", encoding="utf-8")
        else:
            g.settings.users_path.write_text('{"users": [{"name": "solo", "ro', encoding="utf-8")
        for path in ("/config", "/gradio_api/info", "/"):
            assert httpx.get(base + path, timeout=10).status_code == 401, (damage, path)
        r = httpx.post(base + "/login", data={"username": "solo", "password": "solo-pass-1"}, timeout=10)
        assert r.status_code in (401, 503) and "gugus_session" not in r.cookies, (damage, r.status_code)


@pytest.mark.parametrize("content", ["", "not json {", '{"users": "nobody"}'])
def test_empty_or_corrupt_users_file_fails_closed_at_start(lone, content):
    """A users file that exists but is empty or damaged never starts the single-user mode: every request needs a
    login; a damaged file is reported with its name, and `gugus users add` refuses to overwrite it."""
    from click.testing import CliRunner

    from gugus.app.accounts.users import AuthError
    from gugus.app.cli.main import cli
    from gugus.app.web.app import build_app
    from helpers import serve_in_thread

    g = lone
    g.settings.users_path.write_text(content, encoding="utf-8")
    with serve_in_thread(build_app(g)) as (base, started):
        assert started
        for path in ("/config", "/gradio_api/info"):
            assert httpx.get(base + path, timeout=10).status_code == 401, (content, path)
    if content:
        with pytest.raises(AuthError, match="users.json"):
            g.users.list()
        r = CliRunner().invoke(cli, ["--data-dir", str(g.settings.data_dir), "users", "add", "x1", "--role",
                                     "reader", "--password-stdin"], input="long-password-1\n")
        assert r.exit_code == 2 and "users.json" in r.output, r.output
        for args in (["users", "list"], ["--as", "solo", "docs"]):
            r = _gugus(g.settings.data_dir, *args)
            assert r.exit_code == 2 and "users.json" in "".join(r.output.splitlines()), (args, r.output)
        assert g.settings.users_path.read_text(encoding="utf-8") == content  # nothing lost


# ------------------------------------------------------------------------------------------------ item 3
def test_draft_state_is_bound_to_its_user(server, world):
    """Gradio keeps the draft by the session hash the browser sends. Another logged-in user who sends that hash to
    the paragraph picker, the edit or the regenerate event is refused, and the draft is unchanged."""
    session = secrets.token_hex(6)
    with login(server, "sosial") as owner:
        msg = raw_call(owner, fn_index(owner, api_name="draft"), ["protection", "2025", "id", [], ""], session)
        assert msg.get("success"), msg
        out = msg["output"]["data"]
        subtopic, text = out[5]["value"], out[6]
        assert subtopic and text, out[5:]
        pick = fn_index(owner, "gugus-draft-subtopic", "change")
        mine = raw_call(owner, pick, [None, subtopic], session)  # the state input is the session's, not ours
        assert mine.get("success") and mine["output"]["data"][0] == text, mine
    with login(server, "naker") as other:
        stolen = raw_call(other, pick, [None, subtopic], session)
        assert not stolen.get("success") or stolen["output"]["data"][0] != text, stolen
        assert text not in json.dumps(stolen)
        save = fn_index(other, "gugus-draft-save")
        edit = raw_call(other, save, [None, subtopic, "Disunting oleh akun lain [1]."], session)
        assert not edit.get("success"), edit
        assert "Disunting oleh akun lain" not in json.dumps(edit)
        regen = raw_call(other, fn_index(other, "gugus-draft-regen"), [None, subtopic], session)
        assert not regen.get("success") and text not in json.dumps(regen), regen
    with login(server, "sosial") as owner:
        again = raw_call(owner, pick, [None, subtopic], session)
        assert again.get("success") and again["output"]["data"][0] == text, again  # unchanged, still the owner's


# ------------------------------------------------------------------------------------------------ item 8
def test_session_ends_for_good_when_the_user_is_removed(server, world):
    """A removed user's session token does not work again when the name is added again (with another role)."""
    g, _ = world
    g.users.add("temp8", "reader", "temp8-pass-1", ["Kemnaker"])
    with httpx.Client(base_url=server, timeout=30) as c:
        assert c.post("/login", data={"username": "temp8", "password": "temp8-pass-1"}).status_code == 200
        token = c.cookies["gugus_session"]
        assert c.get("/config").status_code == 200
        g.users.remove("temp8")
        assert c.get("/config").status_code == 401
        g.users.add("temp8", "admin", "another-pass-8")
        r = httpx.get(server + "/config", cookies={"gugus_session": token}, timeout=30)
        assert r.status_code == 401
        r = httpx.get(server + f"/source/{world[1]['restricted/notulen_rumah_aman.md'].doc_id}",
                      cookies={"gugus_session": token}, timeout=30)
        assert r.status_code == 401 and SECRET not in r.text
    g.users.remove("temp8")


def test_sessions_survive_a_restart(lone):
    """Sessions are kept in the data directory (token hashes only): a restarted server keeps its logins."""
    from gugus.app.web.app import build_app
    from helpers import serve_in_thread

    g = lone
    with serve_in_thread(build_app(g)) as (base, started):
        assert started
        r = httpx.post(base + "/login", data={"username": "solo", "password": "solo-pass-1"}, timeout=30)
        token = r.cookies["gugus_session"]
    stored = (g.settings.data_dir / "sessions.json")
    assert stored.exists() and token not in stored.read_text() and stored.stat().st_mode & 0o077 == 0
    with serve_in_thread(build_app(g)) as (base, started):
        assert started
        assert httpx.get(base + "/config", cookies={"gugus_session": token}, timeout=30).status_code == 200
        httpx.get(base + "/logout", cookies={"gugus_session": token}, timeout=30)
    with serve_in_thread(build_app(g)) as (base, started):
        assert httpx.get(base + "/config", cookies={"gugus_session": token}, timeout=30).status_code == 401


# ------------------------------------------------------------------------------------------------ item 7
def test_host_header_checked(lone):
    """DNS rebinding: a page on another name that resolves to 127.0.0.1 must not read the single-user server.
    Without login only loopback names are accepted; with login, loopback and GUGUS_ALLOWED_HOSTS."""
    from gugus.app.web.app import build_app
    from helpers import serve_in_thread

    g = lone
    g.settings.users_path.unlink()  # the single-user mode
    with serve_in_thread(build_app(g)) as (base, started):
        port = base.rsplit(":", 1)[1]
        assert httpx.get(base + "/config", timeout=30).status_code == 200
        for host in (f"localhost:{port}", f"127.0.0.1:{port}", "localhost"):
            assert httpx.get(base + "/config", headers={"host": host}, timeout=30).status_code == 200, host
        for host in (f"evil.example:{port}", "rebind.attacker.test", f"127.0.0.1.evil.example:{port}"):
            r = httpx.get(base + "/config", headers={"host": host}, timeout=30)
            assert r.status_code == 400 and "host" in r.text.lower(), (host, r.status_code)
            r = httpx.get(base + "/gradio_api/info", headers={"host": host}, timeout=30)
            assert r.status_code == 400, host
    g.users.add("solo", "reader", "solo-pass-1")
    g.settings.allowed_hosts = "gugus.example, 10.1.2.3"
    with serve_in_thread(build_app(g)) as (base, started):
        port = base.rsplit(":", 1)[1]
        with httpx.Client(base_url=base, timeout=30) as c:
            assert c.post("/login", data={"username": "solo", "password": "solo-pass-1"}).status_code == 200
            assert c.get("/config", headers={"host": f"gugus.example:{port}"}).status_code == 200
            assert c.get("/config", headers={"host": "10.1.2.3"}).status_code == 200
            assert c.get("/config", headers={"host": "evil.example"}).status_code == 400
            assert c.post("/login", headers={"host": "evil.example"},
                          data={"username": "solo", "password": "solo-pass-1"}).status_code == 400


def test_wildcard_bind_needs_allowed_hosts(lone, monkeypatch):
    """Serving on 0.0.0.0 without GUGUS_ALLOWED_HOSTS refuses to start, with a message that names the setting."""
    import uvicorn

    from gugus.app.web.app import serve

    def never(*a, **k):
        raise AssertionError("started serving")

    monkeypatch.setattr(uvicorn, "run", never)
    with pytest.raises(SystemExit, match="GUGUS_ALLOWED_HOSTS"):
        serve(lone, host="0.0.0.0", port=1)


# ------------------------------------------------------------------------------------------------ item 10
def _serve_like_gugus_serve(g):
    """serve_in_thread with the uvicorn options `gugus serve` uses (proxy headers trusted only when configured)."""
    from gugus.app.web.app import build_app
    from gugus.app.web.auth import server_options
    from helpers import serve_in_thread

    return serve_in_thread(build_app(g), **server_options(g.settings))


def test_forwarded_for_from_loopback_is_not_trusted(lone):
    """X-Forwarded-For does not give a client a fresh address for the login throttle (uvicorn trusts it from
    127.0.0.1 by default): wrong passwords for ever new names from one address are throttled all the same."""
    g = lone
    g.settings.login_addr_max_failures = 8
    statuses = []
    with _serve_like_gugus_serve(g) as (base, started):
        assert started
        for i in range(10):
            r = httpx.post(base + "/login", data={"username": f"ghost{i}", "password": "wrong-password"},
                           headers={"x-forwarded-for": f"10.9.8.{i}", "x-real-ip": f"10.9.8.{i}"}, timeout=30)
            statuses.append(r.status_code)
    assert statuses[:8] == [401] * 8 and statuses[8:] == [429, 429], statuses


def test_wrong_passwords_for_one_name_do_not_lock_out_the_address(lone):
    """Five wrong passwords for one name slow down that name from that address, not every user behind it."""
    g = lone
    g.users.add("duo", "reader", "duo-pass-12")
    with _serve_like_gugus_serve(g) as (base, started):
        assert started
        for _ in range(5):
            r = httpx.post(base + "/login", data={"username": "solo", "password": "wrong-password"}, timeout=30)
            assert r.status_code == 401
        r = httpx.post(base + "/login", data={"username": "solo", "password": "solo-pass-1"}, timeout=30)
        assert r.status_code == 429  # that name, from that address: throttled
        r = httpx.post(base + "/login", data={"username": "duo", "password": "duo-pass-12"}, timeout=30)
        assert r.status_code == 200, r.text  # another officer behind the same address logs in


# ------------------------------------------------------------------------------------------------ item 9
def _file_url(out) -> str:
    url = out.get("url") or ""
    return url[url.index("/gradio_api/"):] if "/gradio_api/" in url else "/gradio_api/file=" + out["path"]


def test_downloads_belong_to_their_user(server, world):
    """The figures CSV and the draft DOCX/Markdown of one user are not downloadable by another logged-in user who
    has the URL, the files are private to the server's account (0600), and so is the audit log."""
    import os
    import stat

    g, _ = world
    with login(server, "sosial") as owner:
        fig = raw_call(owner, fn_index(owner, api_name="figures"), ["2025", [], []])
        assert fig.get("success"), fig
        csv_out = fig["output"]["data"][2]
        drf = raw_call(owner, fn_index(owner, api_name="draft"), ["protection", "2025", "id", [], ""])
        assert drf.get("success"), drf
        outs = [csv_out, drf["output"]["data"][3], drf["output"]["data"][4]]
        urls = [_file_url(o) for o in outs]
        for u in urls:
            assert owner.get(u).status_code == 200, u
    for o in outs:
        mode = stat.S_IMODE(os.stat(o["path"]).st_mode)
        assert mode & 0o077 == 0, (o["path"], oct(mode))
    with login(server, "naker") as other:
        for u in urls:
            r = other.get(u)
            assert r.status_code in (403, 404), (u, r.status_code)
            assert SECRET not in r.text
    r = httpx.get(server + urls[0], timeout=30)
    assert r.status_code == 401
    g.audit  # noqa: B018  (opens the audit log)
    assert stat.S_IMODE(os.stat(g.settings.audit_path).st_mode) & 0o077 == 0


# ------------------------------------------------------------------------------------------------ item 13
def test_agency_filter_works_over_the_api(server):
    """The chat's agency filter is accepted over the API (its choices were filled only when the page loaded)."""
    c = _client(server, "sosial")
    try:
        chat, sources, _ = c.predict(QUESTION, [], [], ["Kemensos"], "", "", api_name="/ask")
    finally:
        c.close()
    assert chat and chat[-1]["role"] == "assistant"


# ------------------------------------------------------------------------------------------------ item 11
def test_upload_batch_is_checked_file_by_file(server, world, tmp_path):
    """One bad file does not sink the batch: each file gets its own status and reason. Files that fail to ingest
    leave nothing in uploads/ (file or catalog entry). A copy of a document the uploader cannot see is not
    reported as 'already in the library' (that would confirm it exists)."""
    import yaml
    from gradio_client import handle_file

    from test_access import RESTRICTED_TEXT

    g, _ = world
    good = tmp_path / "laporan_baik.md"
    good.write_text("# Laporan\n\nPengawasan Kemnaker menemukan 5 agen penyalur ilegal di Batam pada Mei 2025.\n",
                    encoding="utf-8")
    bad_ext = tmp_path / "catatan.exe"
    bad_ext.write_text("bukan dokumen", encoding="utf-8")
    broken = tmp_path / "rusak.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 200)
    copy = tmp_path / "salinan.md"
    copy.write_text(RESTRICTED_TEXT, encoding="utf-8")
    c = _client(server, "editor1")
    try:
        _, rows, _, _ = c.predict([handle_file(str(p)) for p in (good, bad_ext, broken, copy)], "restricted", [],
                                  api_name="/ingest")
    finally:
        c.close()
    status = {r[0]: (r[1], r[3]) for r in rows["data"]}
    assert status["laporan_baik.md"][0] == "added", status
    assert status["catatan.exe"][0] == "rejected" and "supported" in status["catatan.exe"][1], status
    assert status["rusak.pdf"][0] == "failed" and status["rusak.pdf"][1], status
    assert status["salinan.md"][0] != "duplicate" and "library" not in status["salinan.md"][1], status
    up = g.settings.data_dir / "uploads"
    assert not (up / "rusak.pdf").exists()
    cat = yaml.safe_load((up / "catalog.yaml").read_text(encoding="utf-8"))["documents"]
    assert "rusak.pdf" not in cat and "laporan_baik.md" in cat


# ------------------------------------------------------------------------------------------------ item 12
def _gugus(data_dir, *args, input=None):
    from click.testing import CliRunner

    from gugus.app.cli.main import cli

    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], input=input)


@pytest.mark.parametrize("damaged", ["manifest.sqlite", "chroma/chroma.sqlite3"])
def test_damaged_data_gives_a_message_not_a_traceback(tmp_path, damaged):
    """A corrupt manifest or store is named with what to do, in a few lines, instead of a traceback."""
    from answer_helpers import open_gugus
    from helpers import NEWS002, copy_corpus

    data = tmp_path / "data"
    open_gugus(data, copy_corpus(tmp_path / "corpus", NEWS002)).close()
    target = data / damaged
    target.write_bytes(b"this is not an SQLite database, it was damaged\n" * 200)
    for f in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        f.unlink(missing_ok=True)
    for args in (["docs"], ["search", "restitusi"], ["check"]):
        r = _gugus(data, *args)
        assert r.exit_code == 2, (args, r.exit_code, r.output)
        assert "Traceback" not in r.output and len(r.output.strip().splitlines()) <= 10, r.output
        flat = "".join(r.output.splitlines())  # the console wraps long paths
        assert target.name in flat and "restore" in flat and "reindex" in flat, r.output


def test_check_passes_on_a_healthy_store_and_names_a_damaged_vector_index(tmp_path):
    """`gugus check` verifies the store against the manifest, and that the vector index finds stored vectors
    (a damaged HNSW file still answers searches, with wrong results)."""
    import subprocess
    import sys

    from answer_helpers import open_gugus
    from helpers import NEWS002, copy_corpus

    data = tmp_path / "data"
    open_gugus(data, copy_corpus(tmp_path / "corpus", NEWS002)).close()
    r = _gugus(data, "check")
    assert r.exit_code == 0 and "ok" in r.output.lower(), r.output
    # a store big enough that Chroma keeps its HNSW index on disk (made in another process, like a server would)
    big = tmp_path / "big"
    make = (
        "import numpy as np; from pathlib import Path; from gugus.app.container import Gugus; "
        "from gugus.app.settings import Settings; "
        f"g = Gugus(Settings(data_dir=Path({str(big)!r}))); "
        "e = np.random.default_rng(0).standard_normal((1500, g.embedder.dim)).astype('float32'); "
        "[g.store.col.add(ids=[f'x:{j}' for j in range(i, i + 500)], embeddings=e[i:i + 500].tolist(), "
        "documents=['x'] * 500, metadatas=[{'doc_id': 'x'}] * 500) for i in range(0, 1500, 500)]"
    )
    subprocess.run([sys.executable, "-c", make], check=True, capture_output=True, timeout=300)
    hnsw = next(big.glob("chroma/*/data_level0.bin"))
    hnsw.write_bytes(b"\0" * hnsw.stat().st_size)
    gugus = [str(Path(sys.executable).parent / "gugus")]
    r = subprocess.run(gugus + ["--data-dir", str(big), "check"], capture_output=True, text=True, timeout=300)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "vector index" in out and "--reindex" in out and "Traceback" not in out, out


def test_ingest_names_the_hidden_files_it_skips(tmp_path):
    """`gugus ingest DIR` says which dotfiles (and hidden folders) it did not read, instead of skipping silently."""
    from helpers import NEWS002, copy_corpus

    corpus = copy_corpus(tmp_path / "corpus", NEWS002)
    (corpus / ".catatan_rahasia.md").write_text("# Catatan\n\nIni berkas tersembunyi.\n", encoding="utf-8")
    (corpus / ".arsip").mkdir()
    (corpus / ".arsip" / "lama.md").write_text("# Lama\n\nArsip lama.\n", encoding="utf-8")
    r = _gugus(tmp_path / "data", "ingest", str(corpus), "--json")
    assert r.exit_code == 0, r.output
    files = {f["path"]: f for f in json.loads(r.output)["files"]}
    assert files[".catatan_rahasia.md"]["status"] == "skipped" and "hidden" in files[".catatan_rahasia.md"]["reason"]
    assert files[".arsip"]["status"] == "skipped" and "hidden" in files[".arsip"]["reason"]
    assert files[NEWS002]["status"] == "added"


# ------------------------------------------------------------------------------------------------ item 5 (part)
def test_over_long_question_is_refused_at_once(server, world):
    """A question over GUGUS_MAX_QUESTION_CHARS gets a clear message at once (a 1,000,000-character question kept
    both cores busy for minutes); the chat keeps the question in the box so nothing is lost."""
    import time

    g, _ = world
    long_q = ("Apa kode sandi rumah aman korban perdagangan orang " * 2000)[:100_000]
    c = _client(server, "sosial")
    t0 = time.perf_counter()
    try:
        chat, sources, kept = c.predict(long_q, [], [], [], "", "", api_name="/ask")
    finally:
        c.close()
    took = time.perf_counter() - t0
    last = chat[-1]["content"]
    last = " ".join(x.get("text", "") for x in last) if isinstance(last, list) else str(last)
    assert "GUGUS_MAX_QUESTION_CHARS" in last and f"{g.settings.max_question_chars:,}" in last, last[:300]
    assert kept == long_q  # the question stays in the box
    assert took < 30, took
    r = _gugus(g.settings.data_dir, "ask", long_q)
    assert r.exit_code == 2 and "GUGUS_MAX_QUESTION_CHARS" in r.output, r.output[:300]


def test_a_file_with_too_many_passages_is_refused(tmp_path):
    """A file that would make more than GUGUS_MAX_PASSAGES_PER_FILE passages is named and skipped before
    anything is embedded; the other files are ingested."""
    from answer_helpers import open_gugus
    from helpers import NEWS002, copy_corpus

    many = "\n\n".join(f"## Bagian {i}\n\nParagraf nomor {i} tentang rapat koordinasi gugus tugas." for i in range(40))
    corpus = copy_corpus(tmp_path / "corpus", NEWS002, extra={"bom.md": "# Bom teks\n\n" + many})
    g = open_gugus(tmp_path / "data", corpus, ingest=False, max_passages_per_file=10)
    try:
        report = g.ingest()
        by = {o.path: o for o in report.outcomes}
        assert by["bom.md"].status == "failed", by["bom.md"]
        assert "GUGUS_MAX_PASSAGES_PER_FILE" in by["bom.md"].reason and "10" in by["bom.md"].reason
        assert by[NEWS002].status == "added" and report.chunks_embedded == by[NEWS002].chunks
    finally:
        g.close()


def test_downloads_are_deleted_when_they_expire():
    """Item 9, 'left behind': a private download is removed (file and its 0700 directory) once it expires."""
    import stat

    from gugus.app.accounts.users import User
    from gugus.app.web.downloads import Downloads

    d = Downloads(ttl_s=3600)
    ani, budi = User("ani", "reader", id="a1"), User("budi", "reader", id="b2")
    folder = d.private_dir("gugus-test-")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    f = folder / "x.csv"
    f.write_text("a,b\n", encoding="utf-8")
    path = d.register(ani, f, ttl_s=0.2)
    assert d.allowed(ani, path) and not d.allowed(budi, path)
    assert not d.allowed(User("ani", "reader", id="new-account"), path)  # same name, new account
    import time

    time.sleep(0.3)
    assert not d.allowed(ani, path)
    assert d.sweep() == 1 and not f.exists() and not folder.exists()
