"""The web UI in a real browser (Debian's chromium driven by Playwright) and the Gradio HTTP API (gradio_client),
against `gugus serve` started as a subprocess over a small ingested corpus."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from answer_helpers import free_port, gugus_server, open_gugus, small_corpus
from helpers import NEWS002, REPO

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "tests" / "artifacts"
QUESTION = "Apa saja enam Subsatgas Gugus Tugas TPPO?"
NEWS003 = "news/003_c84d30f768671f4c.txt"
READY_TIMEOUT = 90


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`gugus serve` on a free port over an ingested copy of news/002 + news/003, with the extractive generator (the
    API tests draft whole sections; the local writer in the browser: test_chat_with_the_local_writer). Yields the
    base URL."""
    root = tmp_path_factory.mktemp("ui")
    corpus = small_corpus(root / "corpus", NEWS002, NEWS003)
    with gugus_server(root, corpus, GUGUS_GENERATOR="extractive") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (make test-deps: apt-get install chromium). "
                    "Never `playwright install`.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        yield b
        b.close()


def test_chat_answers_with_citations_and_opens_the_source(server, browser):
    from playwright.sync_api import expect

    port = server.rsplit(":", 1)[1]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    requested: list[str] = []
    context.on("request", lambda req: requested.append(req.url))
    page = context.new_page()
    try:
        page.goto(server + "/", wait_until="domcontentloaded")
        box = page.locator("#gugus-question textarea")
        box.wait_for(state="visible", timeout=60_000)
        expect(page.locator("#gugus-status")).to_contain_text("2", timeout=30_000)
        expect(page.locator("#gugus-status")).to_contain_text("Penulis: ekstraktif")
        box.fill(QUESTION)
        page.locator("#gugus-ask").click()
        page.wait_for_selector("#gugus-sources .gugus-src", timeout=60_000)
        chat = page.locator("#gugus-chat")
        expect(chat).to_contain_text("[1]", timeout=30_000)
        expect(chat).to_contain_text("Penegakan Hukum")
        assert "Subsatgas" in chat.inner_text()
        first_src = page.locator("#gugus-sources .gugus-src").first
        expect(first_src).to_contain_text(NEWS002)
        expect(first_src).to_contain_text("Penegakan Hukum")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "ui_chat.png"), full_page=True)
        assert (ARTIFACTS / "ui_chat.png").stat().st_size > 0

        link = page.locator("#gugus-sources a.gugus-open").first
        href = link.get_attribute("href")
        assert href.startswith("/source/") and "?chunk=" in href, href
        with page.expect_popup() as info:
            link.click()
        popup = info.value
        popup.wait_for_load_state("domcontentloaded")
        assert popup.url.startswith(f"http://127.0.0.1:{port}/source/"), popup.url
        assert "Subsatgas" in popup.locator("body").inner_text()
        # the cited passage is highlighted on the source page
        hit = popup.locator("section.hit")
        expect(hit).to_have_count(1)
        assert "Subsatgas" in hit.inner_text()
        popup.close()
    finally:
        context.close()
    assert requested
    outside = [u for u in requested
               if not (u.startswith(f"http://127.0.0.1:{port}/") or u.startswith(("data:", "blob:")))]
    assert not outside, f"the page fetched from outside 127.0.0.1: {outside}"


def test_source_page_unknown_document_is_404(server):
    r = httpx.get(server + "/source/does-not-exist", timeout=10)
    assert r.status_code == 404


def test_gradio_api_ask(server):
    from gradio_client import Client

    client = Client(server + "/", verbose=False)
    try:
        _check_ask_api(client)
    finally:
        client.close()


def _check_ask_api(client):
    api = client.view_api(print_info=False, return_format="dict")
    ask = api["named_endpoints"]["/ask"]
    params = [p["parameter_name"] for p in ask["parameters"]]
    assert params[0] == "message", params
    # only the chat, ingest, draft, figures and TIP-cycle endpoints are exposed; clear/submit/lang switches/edits
    # are not
    assert set(api["named_endpoints"]) <= {"/ask", "/ingest", "/draft", "/figures", "/chart", "/charts", "/cycle",
                                           "/requests", "/recommendations", "/statutory", "/submit"}, set(api["named_endpoints"])
    args = {"message": QUESTION, "messages": [], "types": [], "ags": [], "dfrom": "", "dto": ""}
    assert set(params) == set(args), params
    chat, sources, question_box = client.predict(*[args[p] for p in params], api_name="/ask")
    assert "gugus-src" in sources and NEWS002 in sources and "a class='gugus-open'" in sources
    assert question_box == ""  # the question box is cleared after answering
    assert chat[-2]["role"] == "user" and chat[-1]["role"] == "assistant"

    def text(m):
        c = m["content"]
        return " ".join(x.get("text", "") for x in c) if isinstance(c, list) else str(c)

    assert text(chat[-2]) == QUESTION
    answer = text(chat[-1])
    assert "[1]" in answer and "Penegakan Hukum" in answer, answer
    # a follow-up sent with the conversation so far is answered in its context (the meeting of news/002)
    chat2, sources2, _ = client.predict("Siapa yang memimpin rapat itu?", chat, [], [], "", "", api_name="/ask")
    assert len(chat2) == 4 and text(chat2[-2]) == "Siapa yang memimpin rapat itu?"
    assert "gugus-src" in sources2 and NEWS002 in sources2


def test_gradio_api_rejects_bad_dates_politely(server):
    from gradio_client import Client

    client = Client(server + "/", verbose=False)
    try:
        chat, sources, _ = client.predict(QUESTION, [], [], [], "kemarin", "", api_name="/ask")
    finally:
        client.close()
    last = chat[-1]["content"]
    last = " ".join(x.get("text", "") for x in last) if isinstance(last, list) else str(last)
    assert "invalid date" in last and "gugus-src" not in (sources or "")


# ------------------------------------------------------------------------------------------------ Draft tab
def test_draft_tab_in_the_browser(server, browser):
    """Draft the Prevention section for TIP 2026 (the two 2025 meeting reports), see [n] and its passage, download
    the DOCX."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(server + "/", wait_until="domcontentloaded")
        page.get_by_role("tab", name="Draf laporan").click()
        section = page.locator("#gugus-draft-section input")
        section.wait_for(state="visible", timeout=60_000)
        section.click()
        page.get_by_role("option", name="Pencegahan (Prevention)").click()
        period = page.locator("#gugus-draft-period textarea, #gugus-draft-period input").first
        period.fill("2026")
        page.locator("#gugus-draft-go").click()
        page.wait_for_selector("#gugus-draft-view .gugus-para", timeout=120_000)
        view = page.locator("#gugus-draft-view")
        expect(view).to_contain_text("[1]")
        expect(view).to_contain_text("TIP 2026: 2025-04-01 – 2026-03-31")
        first_ref = page.locator("#gugus-draft-refs #ref-1")
        expect(first_ref).to_contain_text("news/")
        expect(page.locator("#gugus-draft-text textarea")).not_to_have_value("")
        link = page.locator("#gugus-draft-docx a").first
        link.wait_for(timeout=30_000)
        with page.expect_download() as info:
            link.click()
        path = info.value.path()
        assert Path(path).read_bytes()[:2] == b"PK"  # a real .docx (a zip)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "ui_draft.png"), full_page=True)
    finally:
        context.close()


def test_gradio_api_draft(server):
    from gradio_client import Client

    client = Client(server + "/", verbose=False)
    try:
        view, refs, docx, md, subtopics, text = client.predict("prevention", "2026", "en", [], "",
                                                               api_name="/draft")
    finally:
        client.close()
    assert "gugus-para" in view and "[1]" in view
    assert "id='ref-1'" in refs and NEWS002 in refs or NEWS003 in refs
    assert Path(docx).read_bytes()[:2] == b"PK" and Path(md).read_text(encoding="utf-8").startswith("# Prevention")
    assert text and "[1]" in text


def test_gradio_api_figures_and_coverage(server):
    """The Figures & coverage tab's endpoint: Kemensos's 4.320 victims (news/003, period 2023-2025) in TIP 2026's
    table, a CSV with the same rows, and the coverage matrix with Kemensos supplying Protection evidence."""
    import csv

    from gradio_client import Client

    client = Client(server + "/", verbose=False)
    try:
        table, conflicts, csv_path, matrix, gaps = client.predict("2026", [], [], api_name="/figures")
    finally:
        client.close()
    rows = table["data"]
    hit = [r for r in rows if r[7] == "4.320 korban"]
    assert hit and hit[0][2] == "jumlah" and hit[0][4] == "Kemensos", rows
    with open(csv_path, encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == len(rows)
    assert "No conflicting" in conflicts or "Tidak ada" in conflicts
    head = matrix["headers"]
    assert head[0] == "agency" and "protection" in head
    kemensos = next(r for r in matrix["data"] if r[0] == "Kemensos")
    assert not kemensos[head.index("protection")].startswith("GAP"), kemensos
    assert "TIP 2026" in gaps


def test_nothing_written_in_a_document_is_fetched(tmp_path_factory, browser):
    """Issue 10 item 6: a document with a Markdown image and an <img> tag; its passage is quoted in the chat and
    shown in the sources panel, and the browser fetches nothing from the image host."""
    root = tmp_path_factory.mktemp("remote")
    corpus = root / "corpus"
    (corpus / "news").mkdir(parents=True)
    (corpus / "news" / "laporan_uji.md").write_text(
        "# Laporan uji Polres Sukamaju\n\nPolres Sukamaju menangani 999 korban perdagangan orang pada tahun 2024 "
        "![peta](http://198.51.100.7/a.png) <img src=\"http://198.51.100.7/b.png\">.\n", encoding="utf-8")
    with gugus_server(root, corpus, GUGUS_GENERATOR="extractive") as base:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        requested: list[str] = []
        context.on("request", lambda req: requested.append(req.url))
        page = context.new_page()
        try:
            page.goto(base + "/", wait_until="domcontentloaded")
            box = page.locator("#gugus-question textarea")
            box.wait_for(state="visible", timeout=60_000)
            box.fill("Berapa korban yang ditangani Polres Sukamaju pada tahun 2024?")
            page.locator("#gugus-ask").click()
            page.wait_for_selector("#gugus-sources .gugus-src", timeout=90_000)
            page.wait_for_timeout(1500)
            chat = page.locator("#gugus-chat")
            assert "999" in chat.inner_text()
            assert page.locator("img[src*='198.51.100.7']").count() == 0
            page.screenshot(path=str(ARTIFACTS / "remote_content.png"))
        finally:
            context.close()
        assert not [u for u in requested if "198.51.100.7" in u], requested
        r = httpx.get(base + "/")
        assert "img-src 'self'" in r.headers.get("content-security-policy", "")


@pytest.mark.llm
def test_chat_with_the_local_writer(tmp_path_factory, browser):
    """As an officer would, with the default writer: the bundled model answers an English question over Indonesian
    sources in English (or quotes, and says so), the status line names the writer, the chat counts written and quoted
    sentences, and the sources panel shows each written sentence beside its evidence."""
    from playwright.sync_api import expect

    root = tmp_path_factory.mktemp("ui_local")
    corpus = small_corpus(root / "corpus", "laws/uu_21_2007_pemberantasan_tppo.md")
    with gugus_server(root, corpus) as base:  # no GUGUS_GENERATOR: the default, local
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        requested: list[str] = []
        context.on("request", lambda req: requested.append(req.url))
        page = context.new_page()
        try:
            page.goto(base + "/", wait_until="domcontentloaded")
            box = page.locator("#gugus-question textarea")
            box.wait_for(state="visible", timeout=60_000)
            expect(page.locator("#gugus-status")).to_contain_text("Penulis: model lokal Qwen2.5-Coder 1.5B",
                                                                  timeout=30_000)
            box.fill("How does the 2007 anti-trafficking law define exploitation?")
            page.locator("#gugus-ask").click()
            page.wait_for_selector("#gugus-sources .gugus-src", timeout=180_000)
            chat = page.locator("#gugus-chat").inner_text()
            assert "[1]" in chat and re.search(r"\d+ kalimat ditulis, \d+ dikutip", chat), chat
            if not re.search(r"\b0 kalimat ditulis", chat):  # a written sentence sits beside its evidence
                assert page.locator("#gugus-sources .gugus-pairs td.ev").count() >= 1
            assert "Eksploitasi adalah" in page.locator("#gugus-sources").inner_text()
            page.screenshot(path=str(ARTIFACTS / "chat_local_writer.png"))
        finally:
            context.close()
        assert all(u.startswith(base) or u.startswith("data:") or u.startswith("blob:") for u in requested), \
            [u for u in requested if not u.startswith(base)][:5]
