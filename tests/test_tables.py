"""Submission intake (ingest/tables.py, ingest/html.py): XLSX (every sheet), CSV, DOCX tables and HTML pages.
Each table row is a passage with its header labels, citable by sheet, row and cell; damage is named in the ingest
summary and costs nothing else. All submissions are synthetic (tests/cycle_fixtures.py)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from cycle_fixtures import CONFLICT_CSV, KEMENSOS_DOCX, POLRI_XLSX, polri_xlsx, submissions_catalog, synthetic_corpus

from gugus.app.cli.main import cli
from gugus.ingest.catalog import load_catalog
from gugus.ingest.parse import parse_file
from gugus.ingest.types import IngestError


def _parse(root, rel):
    return parse_file(root / rel, rel, load_catalog(root))


def test_xlsx_every_sheet_rows_with_headers_and_named_damage(tmp_path):
    root = synthetic_corpus(tmp_path / "c")
    doc = _parse(root, POLRI_XLSX)
    assert doc.fmt == "xlsx" and doc.meta.agency == "Polri" and doc.meta.period == "2026"
    rows = [c for c in doc.chunks if c.kind == "table_row"]
    by = {(c.table["sheet"], c.table["row"]): c for c in rows}
    # both readable data sheets are kept; the title row merged over A1:C1 is the sheet title, not a header or a row
    assert sorted(by) == [("Pelatihan", 2), ("Penegakan Hukum", 3), ("Penegakan Hukum", 4), ("Penegakan Hukum", 5)]
    r3 = by[("Penegakan Hukum", 3)]
    assert r3.text == "Kegiatan: Penyidikan TPPO | Jumlah kasus: 123 | Jumlah tersangka: 171"
    assert r3.section.endswith("Penegakan Hukum > baris 3")
    assert {(c["ref"], c["column"], c["value"]) for c in r3.table["cells"]} == {
        ("A3", "Kegiatan", "Penyidikan TPPO"), ("B3", "Jumlah kasus", 123), ("C3", "Jumlah tersangka", 171)}
    assert r3.table["header_row"] == 2 and r3.table["label"] == "Penyidikan TPPO"
    assert "DATA UJI SINTETIS" in r3.table["title"]
    # the formula row keeps its formula text, flagged
    total = by[("Penegakan Hukum", 5)]
    assert [c["formula"] for c in total.table["cells"]][1:] == ["=SUM(B3:B4)", "=SUM(C3:C4)"]
    w = "\n".join(doc.warnings)
    assert "sheet 'Rusak': cannot be read" in w
    assert "sheet 'Kosong': empty" in w
    assert "merged cells A1:C1" in w
    assert "2 formula cell(s) without a cached value (B5, C5)" in w
    assert len(doc.warnings) == 4


def test_xlsx_without_damage_has_no_warnings_and_a_corrupt_file_is_refused(tmp_path):
    p = polri_xlsx(tmp_path / "ok.xlsx", broken_sheet=False)
    doc = parse_file(p, "ok.xlsx", {})
    assert not any("cannot be read" in w for w in doc.warnings)
    assert any(c.table and c.table["sheet"] == "Rusak" for c in doc.chunks)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 300)
    with pytest.raises(IngestError, match="corrupt XLSX"):
        parse_file(bad, "bad.xlsx", {})
    pdf_named_xlsx = tmp_path / "x.xlsx"
    pdf_named_xlsx.write_bytes(b"%PDF-1.4 not a workbook")
    with pytest.raises(IngestError, match="wrong file extension"):
        parse_file(pdf_named_xlsx, "x.xlsx", {})


def test_docx_prose_and_table_rows(tmp_path):
    root = synthetic_corpus(tmp_path / "c")
    doc = _parse(root, KEMENSOS_DOCX)
    assert doc.meta.agency == "Kemensos" and doc.meta.doc_type == "agency_submission"
    prose = [c for c in doc.chunks if c.kind == "prose"]
    rows = [c for c in doc.chunks if c.kind == "table_row"]
    assert any("rehabilitasi sosial" in c.text for c in prose)
    assert not any("|" in c.text for c in prose)  # the table is not also flattened into the prose
    assert [c.text for c in rows] == ["Kelompok korban: Perempuan | Jumlah korban ditangani: 212",
                                      "Kelompok korban: Laki-laki | Jumlah korban ditangani: 97",
                                      "Kelompok korban: Anak | Jumlah korban ditangani: 38"]
    assert rows[0].table["sheet"] == "Tabel 1" and rows[0].table["cells"][1]["ref"] == "B2"
    assert [c.ordinal for c in doc.chunks] == list(range(len(doc.chunks)))


def test_csv_delimiter_and_ragged_rows(tmp_path):
    root = synthetic_corpus(tmp_path / "c")
    doc = _parse(root, CONFLICT_CSV)
    (row,) = doc.chunks
    assert row.table["sheet"] == "polri_revisi_2026" and row.table["row"] == 2
    assert [c["ref"] for c in row.table["cells"]] == ["A2", "B2", "C2"]
    assert row.text.startswith("Kegiatan: Penyidikan TPPO | Jumlah kasus: 130")
    p = tmp_path / "ragged.csv"
    p.write_text("Provinsi,Korban\nJawa Barat,10\nNTT\n", encoding="utf-8")
    doc = parse_file(p, "ragged.csv", {})
    assert doc.warnings == ["rows with fewer columns than the widest row: 3"]
    assert [c.text for c in doc.chunks] == ["Provinsi: Jawa Barat | Korban: 10", "Provinsi: NTT"]
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Provinsi,Korban\nJawa Barat é,10\n".encode("latin-1"))
    with pytest.raises(IngestError, match="not UTF-8"):
        parse_file(latin, "latin.csv", {})


def test_catalog_period_is_validated(tmp_path):
    root = synthetic_corpus(tmp_path / "c")
    submissions_catalog(root, {CONFLICT_CSV: {"title": "x", "agency": "Polri", "period": "tahun lalu"}})
    with pytest.raises(IngestError, match="invalid period 'tahun lalu'"):
        _parse(root, CONFLICT_CSV)


HTML = """<!doctype html><html><head><title>Rakor Gugus Tugas TPPO | Portal Berita</title>
<meta property="og:title" content="Kemensos dan LPSK bahas layanan korban TPPO">
<meta property="article:published_time" content="2025-07-27T09:00:00+07:00"></head>
<body><nav><ul><li>Beranda</li><li>Nasional</li><li>Olahraga</li><li>Indeks</li></ul></nav>
<div class="ads">Iklan: Promo pulsa murah hari ini!</div>
<article><h1>Kemensos dan LPSK bahas layanan korban TPPO</h1>
<p>Jakarta - Kementerian Sosial dan LPSK menggelar rapat koordinasi tentang layanan rehabilitasi bagi korban tindak
pidana perdagangan orang. Rapat membahas rujukan korban dari rumah perlindungan ke layanan kesehatan.</p>
<p>Dalam rapat itu kedua lembaga sepakat menyusun mekanisme rujukan bersama untuk korban yang dipulangkan dari luar
negeri, termasuk pendampingan hukum dan permohonan restitusi.</p></article>
<div class="share">Bagikan: Facebook Twitter WhatsApp</div>
<footer>Hak cipta Portal Berita. Baca juga: Jadwal pertandingan sepak bola malam ini.</footer></body></html>"""


def test_html_article_without_page_furniture(tmp_path):
    p = tmp_path / "berita_rakor.html"
    p.write_text(HTML, encoding="utf-8")
    doc = parse_file(p, "berita_rakor.html", {})
    text = "\n".join(c.text for c in doc.chunks)
    assert doc.fmt == "html" and doc.meta.date == "2025-07-27"
    assert "mekanisme rujukan bersama" in text and "rumah perlindungan" in text
    for furniture in ("Promo pulsa", "Olahraga", "WhatsApp", "sepak bola"):
        assert furniture not in text
    assert doc.meta.title == "Kemensos dan LPSK bahas layanan korban TPPO"
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body><nav>Beranda</nav></body></html>", encoding="utf-8")
    with pytest.raises(IngestError, match="no article text"):
        parse_file(empty, "empty.html", {})


def test_ingest_summary_names_damage_and_search_cites_sheet_and_row(tmp_path):
    root = synthetic_corpus(tmp_path / "c")
    data = tmp_path / "data"
    r = CliRunner().invoke(cli, ["--data-dir", str(data), "ingest", str(root), "--json"])
    assert r.exit_code == 0, r.output
    files = {f["path"]: f for f in json.loads(r.output)["files"]}
    assert files[POLRI_XLSX]["status"] == "added" and files[POLRI_XLSX]["chunks"] == 4
    assert any("sheet 'Rusak': cannot be read" in w for w in files[POLRI_XLSX]["warnings"])
    assert files[CONFLICT_CSV]["warnings"] == []
    r = CliRunner().invoke(cli, ["--data-dir", str(data), "search", "jumlah tersangka penyidikan TPPO", "--json"])
    src = [x["source"] for x in json.loads(r.output)["results"]]
    hit = next(s for s in src if s["path"] == POLRI_XLSX)
    assert hit["sheet"] in ("Penegakan Hukum", "Pelatihan") and isinstance(hit["row"], int)
    r = CliRunner().invoke(cli, ["--data-dir", str(data), "ingest", str(root)])
    assert "unchanged" in r.output


def test_merged_header_over_sub_headers(tmp_path):
    """"Jumlah korban" merged over "Laki-laki | Perempuan": each column is labelled by both rows."""
    import openpyxl

    p = tmp_path / "korban_provinsi.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Provinsi", "Jumlah korban", None])
    ws.append([None, "Laki-laki", "Perempuan"])
    ws.append(["Jawa Barat (sintetis)", 11, 23])
    ws.merge_cells("B1:C1")
    wb.save(p)
    doc = parse_file(p, p.name, {})
    (row,) = doc.chunks
    assert row.text == ("Provinsi: Jawa Barat (sintetis) | Jumlah korban — Laki-laki: 11 | "
                        "Jumlah korban — Perempuan: 23")
    assert row.table["row"] == 3 and row.table["header_row"] == 1
    assert doc.warnings == ["sheet 'Sheet': merged cells B1:C1; the merged value is repeated in each cell of the range"]
    from gugus.app.figures.rows import table_figures
    from gugus.index.store import chunk_metadata

    figs = table_figures(row.text, chunk_metadata(row, doc.meta), row.id)
    assert [(f.value, f.counted, f.qualifiers, f.cell) for f in figs] == [(11, "korban", ["laki-laki"], "B3"),
                                                                          (23, "korban", ["perempuan"], "C3")]
