"""Drafting TIP Report sections on the real corpus: cited paragraphs, gaps, numbering, exports (Markdown, DOCX opened
by LibreOffice), the CLI contract, edits and regeneration, the LLM path against a scripted OpenAI-compatible server,
outlines as files."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from gugus.app.cli.main import cli
from gugus.app.drafting.drafter import Drafter, list_drafts, load_draft
from gugus.app.drafting.export import to_docx, to_markdown
from gugus.ingest.catalog import detect_language
from gugus.index.period import parse_period, tip_period
from gugus.ingest.types import REGULATION_TYPES
from gugus.prompts import OutlineError, get_prompt, list_sections, load_outline

from answer_helpers import FakeLLM, markers_in_order, norm_numbers, strip_markers
from helpers import CORPUS

pytestmark = pytest.mark.slow


def check_draft(d) -> None:
    """Invariants of every draft: each paragraph cites, each [n] resolves to a reference, references are numbered
    1..k in order of first citation, every number of a paragraph is in the passages it cites, every reference is
    inside the period (or a regulation in force at its end)."""
    text = "\n".join(p.text for p in d.paragraphs)
    ns = [p.n for p in d.references]
    assert ns == list(range(1, len(ns) + 1))
    assert markers_in_order(text) == ns, (markers_in_order(text), ns)
    for p in d.paragraphs:
        assert p.citations and set(p.citations) <= set(ns), p
        assert set(markers_in_order(p.text)) == set(p.citations)
        for sentence in re.split(r"(?<=\])\s+", p.text):
            cites = markers_in_order(sentence)
            assert cites, f"uncited sentence: {sentence}"
            have = set().union(*(norm_numbers(d.references[n - 1].text) for n in cites))
            assert not norm_numbers(strip_markers(sentence)) - have, sentence
    for r in d.references:
        m = r.hit.meta
        if m["doc_type"] in REGULATION_TYPES:
            assert (m.get("date") or "") <= d.period.end
        else:
            assert d.period.start <= m["date"] <= d.period.end, m


@pytest.fixture(scope="module")
def drafter(corpus_gugus):
    return Drafter(corpus_gugus)


@pytest.fixture(scope="module")
def prevention(drafter):
    return drafter.draft("prevention", tip_period(2026), "en")


def test_outlines_are_files_with_bilingual_queries():
    assert list_sections() == ["prioritized_recommendations", "prosecution", "protection", "prevention",
                               "trafficking_profile"]
    pros = load_outline("prosecution")
    assert [s.id for s in pros.subtopics][:2] == ["legal_framework", "law_enforcement_data"]
    for name in list_sections():
        for sub in load_outline(name).subtopics:
            langs = {detect_language(q) for q in sub.queries}
            assert langs == {"en", "id"}, (name, sub.id, sub.queries)
            assert sub.agencies, (name, sub.id)


def test_outline_errors_name_the_file(tmp_path, monkeypatch):
    import gugus.prompts as prompts

    monkeypatch.setattr(prompts, "SECTIONS_DIR", tmp_path)
    (tmp_path / "broken.yaml").write_text("section: broken\nsubtopics:\n  - id: a\n", encoding="utf-8")
    with pytest.raises(OutlineError, match=r"broken\.yaml: subtopic 1: needs 'id' and a list of 'queries'"):
        load_outline("broken")
    with pytest.raises(OutlineError, match="unknown section 'nope'"):
        load_outline("nope")


def test_prevention_draft_on_the_real_corpus(prevention):
    d = prevention
    check_draft(d)
    assert d.period.to_json() == ["2025-04-01", "2026-03-31"]
    assert d.generator == "extractive" and d.mode_note.startswith("Evidence paragraph")
    assert all(p.mode == "evidence" for p in d.paragraphs)
    by = {p.subtopic: p for p in d.paragraphs}
    # the task force paragraph quotes the 2025/2026 coordination meetings or the Gugus Tugas regulation
    tf = by["task_force"]
    assert "Gugus Tugas" in tf.text
    paths = {d.references[n - 1].hit.meta["path"] for n in tf.citations}
    assert any(p.startswith("news/") or "perpres_49_2023" in p for p in paths), paths
    # nothing from outside the period: TIP Report excerpts of 2018-2024 are all before 2025-04-01
    assert not any(r.hit.meta["doc_type"] == "tip_report" for r in d.references)
    assert d.outline == "prevention.yaml" and len(d.outline_sha256) == 64


def test_gaps_name_the_agencies_to_ask(drafter):
    # TIP 2009 (2008-04-01..2009-03-31): only the laws of 2006-2008 exist, no figures, no meeting, no TIP excerpt
    d = drafter.draft("prosecution", tip_period(2009), "en")
    check_draft(d)
    gaps = {g.subtopic: g for g in d.gaps}
    assert "law_enforcement_data" in gaps  # needs figures; statutes hold none
    assert gaps["law_enforcement_data"].text == ("No source for investigations, prosecutions and convictions in the "
                                                 "TIP 2009 reporting period (2008-04-01 to 2009-03-31) — request from "
                                                 "Polri, Kejaksaan, Mahkamah Agung.")
    assert "legal_framework" not in gaps  # UU 21/2007 is in force
    assert all(r.hit.meta["date"] <= "2009-03-31" for r in d.references)
    # a period before any document: every subtopic is a gap, in Indonesian when asked
    empty = drafter.draft("protection", parse_period("1990-01-01..1990-12-31"), "id")
    assert not empty.paragraphs and not empty.references
    assert len(empty.gaps) == len(load_outline("protection").subtopics)
    assert empty.gaps[0].text.startswith("Tidak ada sumber tentang Identifikasi korban pada 1990-01-01 s.d. "
                                         "1990-12-31 — mintakan kepada Polri")


def test_agency_filter_limits_evidence(drafter):
    d = drafter.draft("protection", tip_period(2026), "en", agencies=["Kemensos"])
    check_draft(d)
    assert d.references
    for r in d.references:
        assert "Kemensos" in (r.hit.meta.get("agencies") or []), r.hit.meta


def test_markdown_and_docx_export(prevention, tmp_path):
    d = prevention
    md = to_markdown(d)
    assert md.startswith("# Prevention\n")
    assert "- **Reporting period:** TIP 2026: 2025-04-01 – 2026-03-31" in md
    assert "## The national task force and its coordination" in md
    assert f"{len(d.references)}. " in md and "## References" in md
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice is installed by `make test-deps`")
    docx = to_docx(d, tmp_path / "prevention.docx")
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
                   check=True, capture_output=True, timeout=180,
                   env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    from pypdf import PdfReader

    pdf = PdfReader(str(tmp_path / "prevention.pdf"))
    text = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in pdf.pages))
    assert len(pdf.pages) >= 2  # title page, then the paragraphs
    first = re.sub(r"\s+", " ", pdf.pages[0].extract_text())
    assert "Prevention" in first and "2025-04-01 – 2026-03-31" in first and "extractive" in first
    assert "The national task force and its coordination" not in first  # headings start after the title page
    for p in d.paragraphs:
        assert p.title in text
    assert "[1]" in text and "References" in text
    assert d.references[0].hit.meta["path"][:20] in text


def test_cli_json_contract_and_saved_draft(corpus_gugus, tmp_path):
    data = str(corpus_gugus.settings.data_dir)
    out = tmp_path / "draft.md"
    r = CliRunner().invoke(cli, ["--data-dir", data, "draft", "protection", "--period", "2025", "--json",
                                 "--out", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    j = json.loads(r.stdout.strip().splitlines()[-1])
    assert j["section"] == "protection" and j["period"] == ["2024-04-01", "2025-03-31"]
    assert j["paragraphs"] and all(set(p) >= {"subtopic", "text", "citations"} for p in j["paragraphs"])
    assert isinstance(j["gaps"], list)
    assert [x["n"] for x in j["references"]] == list(range(1, len(j["references"]) + 1))
    assert set(j["references"][0]["source"]) == {"path", "title", "doc_type", "page", "section"}
    assert out.read_text(encoding="utf-8").startswith("# Protection")
    saved = [p for p in list_drafts(corpus_gugus.settings.data_dir) if p.stem == j["id"]]
    assert saved, "the draft is saved in <data>/drafts"
    again = load_draft(saved[0]).to_json()
    assert again["paragraphs"] == j["paragraphs"] and again["references"] == j["references"]
    bad = CliRunner().invoke(cli, ["--data-dir", data, "draft", "protection", "--period", "2025-13-01..2026-01-01"])
    assert bad.exit_code == 2 and "invalid period" in bad.output and "month must be in 1..12" in bad.output


def test_edit_flags_unsupported_sentences_and_regenerate_renumbers(drafter, prevention):
    import copy

    d = copy.deepcopy(prevention)
    p = d.paragraphs[0]
    first = p.text.split("] ")[0] + "]"
    invented = "Indonesia convicted 9999 traffickers in a single week. [1]"
    d = drafter.edit(d, p.subtopic, f"{first} {invented}")
    p = d.paragraphs[0]
    assert p.edited and p.text.endswith(invented)
    assert [s.text for s in p.unverified] == ["Indonesia convicted 9999 traffickers in a single week."]
    assert "9999" in p.unverified[0].reason
    md = to_markdown(d)
    assert "edited by the officer" in md and "Not supported by the cited sources" in md

    sub = prevention.paragraphs[1].subtopic
    before = {prevention.references[n - 1].hit.id for n in prevention.paragraphs[1].citations}
    d2 = drafter.regenerate(copy.deepcopy(prevention), sub)
    check_draft(d2)
    after = {d2.references[n - 1].hit.id for n in next(x for x in d2.paragraphs if x.subtopic == sub).citations}
    assert after and not after & before  # other evidence
    assert [x.subtopic for x in d2.paragraphs] == [x.subtopic for x in prevention.paragraphs]


# ------------------------------------------------------------------------------------------------ LLM drafting
def blocks(prompt: str) -> dict[int, str]:
    """Passage texts of a draft prompt: "[n] label\\ntext" blocks after the 'Source passages:' line."""
    body = prompt.split("passages:\n", 1)[1].rsplit("\n\nParagraph on", 1)[0]
    out = {}
    for b in re.split(r"\n\n(?=\[\d+\] )", body):
        m = re.match(r"\[(\d+)\] [^\n]*\n(.*)", b, re.S)
        if m:
            out[int(m.group(1))] = m.group(2)
    return out


def first_sentence(text: str) -> str:
    for line in text.split("\n"):
        line = " ".join(line.split())
        if len(line.split()) >= 8 and "." in line:
            return line.split(". ")[0].rstrip(".") + "."
    raise AssertionError(text)


@pytest.fixture(scope="module")
def llm_drafter(corpus_gugus):
    from gugus.app.container import Gugus
    from gugus.app.settings import Settings

    server = FakeLLM()
    g = Gugus(Settings(_env_file=None, data_dir=corpus_gugus.settings.data_dir, corpus_dir=CORPUS,
                       generator="openai", llm_url=server.url, llm_model="test-model", writer_input="passages"))
    yield Drafter(g), server
    server.close()


def test_llm_draft_is_verified_like_answers(llm_drafter):
    d, server = llm_drafter
    outline = load_outline("trafficking_profile")
    good = lambda prompt: f"{first_sentence(blocks(prompt)[1])} [1] {first_sentence(blocks(prompt)[2])} [2]"  # noqa
    bad = lambda prompt: (f"{first_sentence(blocks(prompt)[1])} [1] Traffickers exploited 123456 victims in 2025 [1]. "
                          "Officials say the problem is solved [9].")  # noqa
    server.reply(good, bad, "Not found in the available documents.")
    draft = d.draft("trafficking_profile", tip_period(2024), "en", note="Stress the fishing sector.")
    check_draft(draft)
    assert [r["path"] for r in server.requests] == ["/v1/chat/completions"] * len(outline.subtopics)
    prompt = server.requests[0]["messages"][0]["content"]
    assert 'on the subtopic "Forms of exploitation and sectors"' in prompt
    assert "TIP 2024 reporting period (2023-04-01 to 2024-03-31)" in prompt
    assert "Officer's note (guidance on emphasis only, not a source): Stress the fishing sector." in prompt
    assert draft.prompt == "draft_en.md" and draft.prompt_sha256 == get_prompt("draft", "en").sha256
    assert draft.generator == "openai" and draft.model == "test-model" and not draft.mode_note
    p1, p2 = draft.paragraphs
    assert p1.mode == "prose" and len(markers_in_order(p1.text)) == 2
    assert "123456" not in p2.text and "solved" not in p2.text
    reasons = " | ".join(s.reason for s in p2.removed)
    assert "123456" in reasons and "[9]" in reasons
    assert [g.subtopic for g in draft.gaps] == ["vulnerable_groups"]  # "Not found" -> a gap, not a paragraph


# ------------------------------------------------------------------------------------------------ figures
def test_figures_table_supplies_cited_figures(drafter):
    """Protection, TIP 2026: the services paragraph states Kemensos's 4.320 victims from the figures table."""
    d = drafter.draft("protection", tip_period(2026), "en")
    check_draft(d)
    services = next(p for p in d.paragraphs if p.subtopic == "services_shelters")
    assert "4.320 korban" in services.text
    n = next(n for n in services.citations if "4.320" in d.references[n - 1].text)
    assert d.references[n - 1].hit.meta["path"] == "news/003_c84d30f768671f4c.txt"
    assert "funding" in {g.subtopic for g in d.gaps}  # needs figures; no budget figure in the period


def test_conflicting_figures_are_flagged(tmp_path):
    """Two agency notes of the same period give different victim counts: the draft cites one and flags both."""
    from answer_helpers import open_gugus
    from helpers import copy_corpus

    catalog = (
        "documents:\n"
        "  notulen_a.md: {title: 'Notulen rapat layanan korban (Kemensos)', doc_type: meeting_report,"
        " agency: Kemensos, agencies_mentioned: [Kemensos], date: '2025-08-12', language: id}\n"
        "  laporan_b.md: {title: 'Laporan layanan korban TPPO (Kemensos)', doc_type: agency_submission,"
        " agency: Kemensos, agencies_mentioned: [Kemensos], date: '2025-09-30', language: id}\n")
    a = ("# Rapat koordinasi layanan korban\n\nDalam rapat koordinasi pelayanan korban perdagangan orang, Kemensos "
         "melaporkan telah menangani 1.250 korban TPPO melalui sentra layanan dan rumah perlindungan selama tahun "
         "2025.\n")
    b = ("# Laporan capaian layanan\n\nKemensos menangani 1.400 korban TPPO melalui sentra layanan dan rumah "
         "perlindungan selama tahun 2025, termasuk rehabilitasi sosial dan pendampingan korban.\n")
    root = copy_corpus(tmp_path / "corpus", extra={"notulen_a.md": a, "laporan_b.md": b}, catalog=False)
    (root / "catalog.yaml").write_text(catalog, encoding="utf-8")
    g = open_gugus(tmp_path / "data", root)
    try:
        d = Drafter(g).draft("protection", tip_period(2026), "en")
        check_draft(d)
        assert d.conflicts, d.to_json()
        c = d.conflicts[0]
        assert sorted(v["value"] for v in c["values"]) == [1250, 1400]
        assert {v["path"] for v in c["values"]} == {"notulen_a.md", "laporan_b.md"}
        assert any(v["n"] for v in c["values"])  # at least one side is cited in the draft
        md = to_markdown(d)
        assert "## Conflicting figures: check with the agencies before citing" in md
        assert "1.250 korban" in md and "1.400 korban" in md
        assert load_draft(Drafter(g).save(d)).conflicts == d.conflicts
    finally:
        g.close()
