"""Document access levels end to end: a restricted document's passages reach only admins and members of its
agencies, through search and answers (Gugus.filters_for), the CLI (--as), /source/{doc_id}, the library, and the
Gradio HTTP API of a running server with login; uploads are checked and only editors/admins may upload."""
from __future__ import annotations

import json
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import yaml

from answer_helpers import open_gugus
from helpers import NEWS002, copy_corpus, serve_in_thread

SECRET = "Cendrawasih Tujuh"
RESTRICTED_MD = "restricted/notulen_rumah_aman.md"
INTERNAL_MD = "internal/memo_evaluasi.md"
RESTRICTED_TEXT = f"""# Notulen Rapat Terbatas Subsatgas Rehabilitasi Sosial

Rapat terbatas Kemensos dan LPSK pada tanggal 3 Maret 2025 membahas perlindungan korban TPPO di rumah aman.

Kode sandi rumah aman korban perdagangan orang adalah {SECRET}. Rumah aman tersebut menampung 37 korban
perdagangan orang yang dipulangkan dari luar negeri, dan lokasinya tidak boleh diumumkan.
"""
INTERNAL_TEXT = """# Memo Internal Gugus Tugas TPPO

Rapat evaluasi internal Gugus Tugas TPPO dijadwalkan pada tanggal 10 April 2025. Kata kunci memo ini adalah
Anggrek Biru, dan memo ini hanya untuk anggota Gugus Tugas yang telah masuk.
"""
QUESTION = "Apa kode sandi rumah aman korban perdagangan orang?"
PASSWORDS = {"admin1": "admin-pass-1", "sosial": "sosial-pass-1", "naker": "naker-pass-1",
             "editor1": "editor-pass-1"}


def restricted_corpus(root: Path) -> Path:
    corpus = copy_corpus(root, NEWS002, extra={RESTRICTED_MD: RESTRICTED_TEXT, INTERNAL_MD: INTERNAL_TEXT})
    cat = yaml.safe_load((corpus / "catalog.yaml").read_text(encoding="utf-8"))
    cat["documents"][RESTRICTED_MD] = {"title": "Notulen rapat terbatas rumah aman", "doc_type": "meeting_report",
                                       "date": "2025-03-03", "access": "restricted: Kemensos, LPSK"}
    cat["documents"][INTERNAL_MD] = {"title": "Memo evaluasi internal", "doc_type": "other", "access": "internal"}
    (corpus / "catalog.yaml").write_text(yaml.safe_dump(cat, allow_unicode=True), encoding="utf-8")
    return corpus


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A Gugus over news/002 (public), a memo (internal) and notes restricted to Kemensos and LPSK, with users."""
    root = tmp_path_factory.mktemp("access")
    g = open_gugus(root / "data", restricted_corpus(root / "corpus"))
    g.users.add("admin1", "admin", PASSWORDS["admin1"])
    g.users.add("sosial", "reader", PASSWORDS["sosial"], ["Kemensos"])
    g.users.add("naker", "reader", PASSWORDS["naker"], ["Kemnaker"])
    g.users.add("editor1", "editor", PASSWORDS["editor1"], ["Kemnaker"])
    docs = {r.meta.path: r for r in g.documents()}
    yield g, docs
    g.close()


def texts(hits) -> str:
    return "\n".join(h.text for h in hits)


# ------------------------------------------------------------------------------------------------ index level
def test_access_metadata_is_stored_per_chunk(world):
    g, docs = world
    rec = docs[RESTRICTED_MD]
    assert (rec.meta.access, rec.meta.access_agencies) == ("restricted", ["Kemensos", "LPSK"])
    metas = [c.meta for c in g.store.doc_chunks(rec.doc_id)]
    assert metas and all(m["access"] == "restricted" and m["access_agencies"] == ["Kemensos", "LPSK"] for m in metas)
    pub = g.store.doc_chunks(docs[NEWS002].doc_id)[0].meta
    assert pub["access"] == "public" and "access_agencies" not in pub


def test_where_matches_and_mask_agree(world):
    """The Chroma clause, the per-chunk rule and the BM25 mask select the same chunks for every user."""
    from gugus.index.retriever import MetaColumns

    g, _ = world
    _, metas = g.retriever.keyword_index()
    cols = MetaColumns(metas)
    ids = [c.id for batch in g.store.iter_all() for c in batch]
    by_id = {c.id: c.meta for batch in g.store.iter_all() for c in batch}
    for user in [None, *g.users.list()]:
        f = g.filters_for(user)
        chroma = set(g.store.col.get(where=f.where(), include=[])["ids"]) if f.where() else set(ids)
        rule = {i for i in ids if f.matches(by_id[i])}
        kw, _ = g.retriever.keyword_index()
        mask = {i for i, ok in zip(kw.ids, f.mask(cols)) if ok}
        assert chroma == rule == mask, getattr(user, "name", None)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_search_respects_rights(world, mode):
    g, _ = world
    u = g.users.get
    naker_hits = g.search(f"kode sandi rumah aman {SECRET}", top_k=20, filters=g.filters_for(u("naker")), mode=mode)
    assert SECRET not in texts(naker_hits)
    assert all(h.meta["access"] != "restricted" for h in naker_hits)
    for who in ("sosial", "admin1"):
        hits = g.search(f"kode sandi rumah aman {SECRET}", top_k=20, filters=g.filters_for(u(who)), mode=mode)
        assert SECRET in texts(hits), (who, mode)
    # internal: any logged-in user; nobody identified (None) sees public documents only
    assert "Anggrek Biru" in texts(g.search("Anggrek Biru memo internal", top_k=20, filters=g.filters_for(u("naker")),
                                            mode=mode))
    anon = g.search("Anggrek Biru memo internal", top_k=20, filters=g.filters_for(None), mode=mode)
    assert all(h.meta["access"] == "public" for h in anon)


def test_answers_respect_rights(world):
    g, _ = world
    u = g.users.get
    r = g.answerer.ask(QUESTION, g.filters_for(u("naker")), user="naker")
    everything = r.answer + " ".join(p.text for p in r.citations + r.related)
    assert SECRET not in everything
    r = g.answerer.ask(QUESTION, g.filters_for(u("sosial")), user="sosial")
    assert SECRET in r.answer + " ".join(p.text for p in r.citations)
    assert g.audit.recent(1)[0]["user"] == "sosial"
    r = g.answerer.ask(QUESTION, g.filters_for(u("admin1")), user="admin1")
    assert SECRET in r.answer + " ".join(p.text for p in r.citations)


def test_filters_keep_the_officers_filters_and_rebuild_from_dicts(world):
    from dataclasses import asdict

    from gugus.index.retriever import Filters

    g, _ = world
    f = g.filters_for(g.users.get("naker"), Filters(doc_types=["meeting_report"]))
    assert f.doc_types == ["meeting_report"] and f.access.agencies == ("Kemnaker",)
    again = Filters(**asdict(f))
    assert again.access == f.access and again.where() == f.where()
    assert g.filters_for(g.users.get("admin1")).access is None  # admins: no clause at all


def test_visible_documents(world):
    g, docs = world
    paths = lambda user: {r.meta.path for r in g.visible_documents(user)}  # noqa: E731
    assert paths(g.users.get("naker")) == {NEWS002, INTERNAL_MD}
    assert paths(g.users.get("sosial")) == set(docs)
    assert paths(g.users.get("admin1")) == set(docs)
    assert paths(g.local_user()) == set(docs)
    assert paths(None) == {NEWS002}
    assert g.document_for(g.users.get("naker"), docs[RESTRICTED_MD].doc_id) is None


def test_catalog_access_change_reindexes(tmp_path):
    """Changing a document's access in the catalog re-indexes it even though the file did not change."""
    corpus = copy_corpus(tmp_path / "c", extra={"memo.md": INTERNAL_TEXT})
    (corpus / "catalog.yaml").write_text(yaml.safe_dump({"documents": {"memo.md": {"access": "public"}}}))
    g = open_gugus(tmp_path / "d", corpus)
    try:
        (corpus / "catalog.yaml").write_text(yaml.safe_dump({"documents": {"memo.md": {
            "access": "restricted", "access_agencies": ["LPSK"]}}}))
        report = g.ingest()
        assert [o.status for o in report.outcomes] == ["updated"]
        rec = g.documents()[0]
        assert rec.meta.access == "restricted" and rec.meta.title.startswith("Memo Internal")
        assert all(c.meta["access"] == "restricted" for c in g.store.doc_chunks(rec.doc_id))
        assert g.search("Anggrek Biru", filters=g.filters_for(None)) == []
    finally:
        g.close()


# ------------------------------------------------------------------------------------------------ CLI
def test_cli_as_user(world):
    from click.testing import CliRunner

    from gugus.app.cli.main import cli

    g, _ = world
    run = lambda *a: CliRunner().invoke(cli, ["--data-dir", str(g.settings.data_dir), *a])  # noqa: E731
    r = run("--as", "naker", "search", f"kode sandi rumah aman {SECRET}", "--top-k", "20", "--json")
    assert r.exit_code == 0, r.output
    results = json.loads(r.output)["results"]
    assert results and not any(SECRET in x["text"] for x in results)
    r = run("--as", "naker", "ask", QUESTION, "--json")
    assert r.exit_code == 0, r.output
    assert SECRET not in r.output
    r = run("--as", "naker", "docs", "--json")
    assert RESTRICTED_MD not in r.output and NEWS002 in r.output
    r = run("--as", "sosial", "search", f"kode sandi rumah aman {SECRET}", "--json")
    assert any(SECRET in x["text"] for x in json.loads(r.output)["results"])
    r = run("search", f"kode sandi rumah aman {SECRET}", "--json")  # the local operator sees everything
    assert any(SECRET in x["text"] for x in json.loads(r.output)["results"])
    r = run("--as", "nobody", "search", "x")
    assert r.exit_code == 2 and "no user 'nobody'" in r.output


# ------------------------------------------------------------------------------------------------ web
@pytest.fixture(scope="module")
def server(world):
    """The web app with login (users exist), served by uvicorn in a thread on a free loopback port."""
    from gugus.app.web.app import build_app

    g, _ = world
    with serve_in_thread(build_app(g)) as (base, started):
        assert started, "server did not start"
        yield base


@contextmanager
def login(base: str, name: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=60) as c:
        r = c.post("/login", data={"username": name, "password": PASSWORDS[name]})
        assert r.status_code == 200 and "gugus_session" in c.cookies, r.text
        yield c


def test_login_required_everywhere(server, world):
    g, docs = world
    doc = docs[NEWS002].doc_id
    for path in ["/", "/config", "/gradio_api/info", "/gradio_api/queue/join", f"/source/{doc}",
                 "/gradio_api/file=/etc/hostname", "/gradio_api/upload", "/theme.css"]:
        r = httpx.get(server + path, timeout=10)
        assert r.status_code == 401, (path, r.status_code)
    r = httpx.post(server + "/gradio_api/call/ask", json={"data": [QUESTION, [], [], [], "", ""]}, timeout=10)
    assert r.status_code == 401
    r = httpx.get(server + "/", headers={"accept": "text/html"}, timeout=10)  # a browser is sent to the login page
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert "password" in httpx.get(server + "/login", timeout=10).text


def test_wrong_password_refused(server):
    r = httpx.post(server + "/login", data={"username": "naker", "password": "wrong-password"}, timeout=10)
    assert r.status_code == 401 and "gugus_session" not in r.cookies
    r = httpx.post(server + "/login", data={"username": "ghost", "password": "whatever-123"}, timeout=10)
    assert r.status_code == 401
    r = httpx.get(server + "/config", cookies={"gugus_session": "forged-token"}, timeout=10)
    assert r.status_code == 401


def test_browser_login_redirects_back(server):
    r = httpx.post(server + "/login", data={"username": "naker", "password": PASSWORDS["naker"],
                                            "next": "//evil.example/x"}, headers={"accept": "text/html"}, timeout=10)
    assert r.status_code == 303 and r.headers["location"] == "/"  # no open redirect


def test_source_page_respects_rights(server, world):
    g, docs = world
    secret_doc = docs[RESTRICTED_MD].doc_id
    with login(server, "naker") as c:
        assert c.get(f"/source/{secret_doc}").status_code == 404
        assert c.get(f"/source/{docs[INTERNAL_MD].doc_id}").status_code == 200
        assert c.get(f"/source/{docs[NEWS002].doc_id}").status_code == 200
        r = c.get(f"/gradio_api/file={docs[RESTRICTED_MD].key}")  # Gradio never serves ingested files
        assert r.status_code in (403, 404) and SECRET not in r.text
    with login(server, "sosial") as c:
        r = c.get(f"/source/{secret_doc}")
        assert r.status_code == 200 and SECRET in r.text
    with login(server, "admin1") as c:
        assert SECRET in c.get(f"/source/{secret_doc}").text


def _ask(client) -> tuple[str, str]:
    chat, sources, _ = client.predict(QUESTION, [], [], [], "", "", api_name="/ask")
    last = chat[-1]["content"]
    last = " ".join(x.get("text", "") for x in last) if isinstance(last, list) else str(last)
    return last, sources or ""


def test_gradio_api_respects_rights(server, world):
    from gradio_client import Client

    g, _ = world
    c = Client(server + "/", auth=("naker", PASSWORDS["naker"]), verbose=False)
    try:
        answer, sources = _ask(c)
    finally:
        c.close()
    assert SECRET not in answer and SECRET not in sources and RESTRICTED_MD not in sources
    assert g.audit.recent(1)[0]["user"] == "naker"
    c = Client(server + "/", auth=("sosial", PASSWORDS["sosial"]), verbose=False)
    try:
        answer, sources = _ask(c)
    finally:
        c.close()
    assert SECRET in sources and RESTRICTED_MD in sources
    assert g.audit.recent(1)[0]["user"] == "sosial"


def test_removed_user_is_logged_out(server, world):
    g, _ = world
    g.users.add("temp1", "reader", "temp-pass-1")
    PASSWORDS["temp1"] = "temp-pass-1"
    with login(server, "temp1") as c:
        assert c.get("/config").status_code == 200
        g.users.remove("temp1")
        assert c.get("/config").status_code == 401


# ------------------------------------------------------------------------------------------------ uploads
def _docx(path: Path, text: str) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", f"<w:document><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body>"
                                        "</w:document>")
    return path


def test_upload_checks(tmp_path):
    from gugus.app.accounts.uploads import content_problem, safe_name, stage_uploads

    src = tmp_path / "in"
    src.mkdir()
    good = src / "good.md"
    good.write_text(INTERNAL_TEXT, encoding="utf-8")
    fake_pdf = src / "fake.pdf"
    fake_pdf.write_text("just text, not a PDF", encoding="utf-8")
    big = src / "big.txt"
    big.write_bytes(b"a" * 3000)
    latin1 = src / "latin.txt"
    latin1.write_bytes("Rapat di Gedung Sat\xe9".encode("latin-1"))
    no_doc = src / "nodoc.docx"
    with zipfile.ZipFile(no_doc, "w") as z:
        z.writestr("hello.txt", "hi")
    up = tmp_path / "uploads"
    staged = stage_uploads(
        [(good, "../../../etc/cron.d/.evil.md"), (fake_pdf, "fake.pdf"), (big, "big.txt"), (latin1, "latin.txt"),
         (no_doc, "nodoc.docx"), (good, "again.md"), (good, "x.exe")],
        up, max_bytes=2000, known={}, access="restricted", access_agencies=["LPSK"])
    by = {o.name: o for o in staged.outcomes}
    ok = by[".evil.md"]
    assert ok.status == "accepted" and ok.stored == up / "evil.md" and ok.stored.parent == up
    assert [p.name for p in staged.accepted] == ["evil.md"]
    assert by["fake.pdf"].status == "rejected" and "PDF" in by["fake.pdf"].reason
    assert by["big.txt"].status == "rejected" and "too large" in by["big.txt"].reason
    assert by["latin.txt"].status == "rejected" and "UTF-8" in by["latin.txt"].reason
    assert by["nodoc.docx"].status == "rejected" and "word/document.xml" in by["nodoc.docx"].reason
    assert by["again.md"].status == "duplicate"
    assert by["x.exe"].status == "rejected"
    assert sorted(p.name for p in up.iterdir()) == ["catalog.yaml", "evil.md"]
    cat = yaml.safe_load((up / "catalog.yaml").read_text())["documents"]
    assert cat == {"evil.md": {"access": "restricted", "access_agencies": ["LPSK"]}}
    # a duplicate of an ingested document is reported, and a name clash never overwrites another file
    other = src / "other.md"
    other.write_text(RESTRICTED_TEXT, encoding="utf-8")
    staged = stage_uploads([(good, "evil.md"), (other, "evil.md")], up, 2000, known={ok.sha256: "evil.md"})
    assert [o.status for o in staged.outcomes] == ["duplicate", "accepted"]
    assert "evil.md" in staged.outcomes[0].reason and staged.accepted[0].name.startswith("evil-")
    assert safe_name("..") is None and safe_name("....md") is None and safe_name("a/b\\c.PDF") == "c.pdf"
    assert content_problem(b"%PDF-1.7\n...", ".pdf") is None
    assert content_problem(_docx(tmp_path / "d.docx", "hai").read_bytes(), ".docx") is None


def test_upload_through_the_api(server, world, tmp_path):
    """Readers cannot upload; an editor's restricted upload is ingested once and seen only by its agencies."""
    from gradio_client import Client, handle_file

    g, _ = world
    doc = tmp_path / "laporan_naker.md"
    doc.write_text("# Laporan Kemnaker\n\nPengawasan ketenagakerjaan menemukan agen penyalur bernama Rajawali "
                   "Emas yang memberangkatkan 12 pekerja migran tanpa dokumen pada Januari 2025.\n", encoding="utf-8")
    c = Client(server + "/", auth=("naker", PASSWORDS["naker"]), verbose=False)
    try:
        with pytest.raises(Exception, match="editor"):
            c.predict([handle_file(str(doc))], "public", [], api_name="/ingest")
    finally:
        c.close()
    assert not any(r.meta.path == doc.name for r in g.documents())
    c = Client(server + "/", auth=("editor1", PASSWORDS["editor1"]), verbose=False)
    try:
        _, rows, _, _ = c.predict([handle_file(str(doc))], "restricted", [], api_name="/ingest")
        status = {r[0]: r[1] for r in rows["data"]}
        assert status == {doc.name: "added"}, rows
        _, rows, _, _ = c.predict([handle_file(str(doc))], "public", [], api_name="/ingest")
        assert [r[1] for r in rows["data"]] == ["duplicate"], rows
    finally:
        c.close()
    rec = next(r for r in g.documents() if r.meta.path == doc.name)
    assert (rec.meta.access, rec.meta.access_agencies) == ("restricted", ["Kemnaker"])  # the editor's agency
    q = "agen penyalur Rajawali Emas"
    assert "Rajawali" in texts(g.search(q, filters=g.filters_for(g.users.get("naker"))))
    assert "Rajawali" not in texts(g.search(q, filters=g.filters_for(g.users.get("sosial"))))
