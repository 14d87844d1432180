"""Ruled tables in PDF agency submissions (ingest/pdf_tables.py): each row is a passage with its header labels,
page, table and cell references, in the XLSX/CSV/DOCX record shape, and the figures table reads its cells. All
submissions are synthetic (tests/pdf_fixtures.py writes the PDFs; no figure goes into corpus/)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pdf_fixtures import PdfPage, kemensos_submission_pdf, write_pdf

from gugus.app.figures.rows import table_figures
from gugus.index.store import chunk_metadata
from gugus.ingest.parse import parse_file
from gugus.ingest.pdf_tables import ruled_pages

ROOT = Path(__file__).resolve().parent.parent
CATALOG = {"kemensos.pdf": {"title": "Data layanan korban TPPO (sintetis)", "agency": "Kemensos", "period": "2026",
                            "doc_type": "agency_submission"}}


def test_ruled_table_rows_are_passages_with_labels_page_and_cells(tmp_path):
    p = kemensos_submission_pdf(tmp_path / "kemensos.pdf")
    doc = parse_file(p, "kemensos.pdf", CATALOG)
    rows = [c for c in doc.chunks if c.kind == "table_row"]
    assert [(c.page, c.table["sheet"], c.table["row"]) for c in rows] == [
        (1, "Tabel 1", 2), (1, "Tabel 1", 3), (1, "Tabel 1", 4), (1, "Tabel 1", 5), (1, "Tabel 1", 6),
        (2, "Tabel 1", 7), (2, "Tabel 1", 8)]  # the rows on page 2 go on under the header of page 1
    assert rows[0].text == "Kelompok korban: Perempuan | Jumlah korban ditangani: 212 | Rujukan ke RPTC: 41"
    assert rows[-1].text == "Kelompok korban: Lansia | Jumlah korban ditangani: 5 | Rujukan ke RPTC: 1"
    assert set(rows[0].table) >= {"sheet", "row", "header_row", "label", "title", "cells"}  # the XLSX/CSV shape
    assert rows[0].table["page"] == 1 and rows[0].table["header_row"] == 1 and rows[0].table["label"] == "Perempuan"
    assert [(c["ref"], c["column"], c["value"]) for c in rows[-1].table["cells"]] == [
        ("A8", "Kelompok korban", "Lansia"), ("B8", "Jumlah korban ditangani", "5"), ("C8", "Rujukan ke RPTC", "1")]
    prose = "\n".join(c.text for c in doc.chunks if c.kind != "table_row")
    assert "Rehabilitasi sosial diberikan" in prose and "pendampingan psikososial" in prose
    assert "212" not in prose and "Penyandang disabilitas" not in prose  # the table is not also flattened into prose
    assert "Jawa Barat 15" in prose  # a table without rules stays prose
    assert [c.ordinal for c in doc.chunks] == list(range(len(doc.chunks)))


def test_figures_table_reads_the_pdf_cells(tmp_path):
    p = kemensos_submission_pdf(tmp_path / "kemensos.pdf")
    doc = parse_file(p, "kemensos.pdf", CATALOG)
    figs = [f for c in doc.chunks if c.kind == "table_row"
            for f in table_figures(c.text, chunk_metadata(c, doc.meta), c.id)]
    women = next(f for f in figs if f.row_label == "Perempuan" and f.column == "Jumlah korban ditangani")
    assert women.value == 212 and women.counted == "korban" and women.agency == "Kemensos"
    assert (women.sheet, women.row, women.cell, women.page) == ("Tabel 1", 2, "B2", 1)
    assert women.period is not None and women.period_basis == "submission period"
    elderly = next(f for f in figs if f.row_label == "Lansia" and f.column == "Rujukan ke RPTC")
    assert (elderly.value, elderly.cell, elderly.page) == (1, "C8", 2)
    assert len(figs) == 14  # two figures in each of the seven rows, none from the labels


def test_pages_without_a_ruled_grid_are_not_analysed(tmp_path, monkeypatch):
    import pdfplumber

    def refuse(*a, **k):
        raise AssertionError("pdfplumber opened a PDF without ruled tables")

    monkeypatch.setattr(pdfplumber, "open", refuse)
    page = PdfPage()
    page.paragraph(60, 780, ["Surat pengantar data dukung TIP 2026 (sintetis).", "Provinsi   Korban",
                             "Jawa Barat   15"])
    page.ops.append("0.5 w 60 700 m 535 700 l S")  # one rule under the letterhead is not a table
    p = write_pdf(tmp_path / "surat.pdf", [page])
    doc = parse_file(p, "surat.pdf", {})
    assert not any(c.kind == "table_row" for c in doc.chunks)
    assert "Jawa Barat 15" in "\n".join(c.text for c in doc.chunks)
    # the corpus Perda draws a frame (two and two rules) on each page: no page is analysed
    perda = ROOT / "corpus/laws/perda_diy_6_2025_pencegahan_penanganan_korban_perdagangan_orang.pdf"
    assert ruled_pages(perda.read_bytes()) == []


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) not installed")
def test_word_table_with_borders_saved_as_pdf_by_libreoffice(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("DATA UJI SINTETIS - bukan data resmi. Kemensos menyampaikan data layanan korban TPPO.")
    t = d.add_table(rows=4, cols=3)
    t.style = "Table Grid"  # Word's bordered table
    for r, row in enumerate([("Kelompok korban", "Jumlah korban ditangani", "Rujukan ke RPTC"),
                             ("Perempuan", "212", "41"), ("Laki-laki", "97", "12"), ("Anak", "38", "9")]):
        for j, v in enumerate(row):
            t.cell(r, j).text = v
    d.add_paragraph("Rehabilitasi sosial diberikan di sentra layanan.")
    d.save(tmp_path / "kemensos.docx")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(tmp_path / "kemensos.docx")], capture_output=True, timeout=180,
                   check=True)
    doc = parse_file(tmp_path / "kemensos.pdf", "kemensos.pdf", CATALOG)
    rows = [c for c in doc.chunks if c.kind == "table_row"]
    assert [c.text for c in rows] == ["Kelompok korban: Perempuan | Jumlah korban ditangani: 212 | Rujukan ke RPTC: 41",
                                      "Kelompok korban: Laki-laki | Jumlah korban ditangani: 97 | Rujukan ke RPTC: 12",
                                      "Kelompok korban: Anak | Jumlah korban ditangani: 38 | Rujukan ke RPTC: 9"]
    assert rows[2].table["cells"][1]["ref"] == "B4" and rows[2].page == 1
