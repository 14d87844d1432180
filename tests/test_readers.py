"""Readers: hostile inputs fail with a reason an officer can act on; DOCX and scanned PDFs read."""
from __future__ import annotations

import io
import os

import pytest

from gugus.ingest import readers
from gugus.ingest.parse import parse_file
from gugus.ingest.readers import read_pages
from gugus.ingest.types import IngestError

from helpers import CORPUS, PERDA_PDF, make_scanned_pdf


def _write(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _fails(path, *needles):
    """Both entry points refuse the file with an IngestError naming the reason."""
    with pytest.raises(IngestError) as e1:
        read_pages(path)
    with pytest.raises(IngestError) as e2:
        parse_file(path, path.name, {})
    for e in (e1, e2):
        msg = str(e.value).lower()
        assert any(n.lower() in msg for n in needles), msg
    return str(e1.value)


def _small_pdf(text: str) -> bytes:
    """A real one-page PDF with a text layer (PIL can't write text layers; build the content stream by hand)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    w = PdfWriter()
    page = w.add_blank_page(width=595, height=842)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): w._add_object(font)})})
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 72 760 Td ({text}) Tj ET".encode("latin-1"))
    page[NameObject("/Contents")] = w._add_object(stream)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


TEXT = "Pasal 1 Korban berhak memperoleh restitusi dari pelaku tindak pidana perdagangan orang."


def test_small_pdf_helper_reads(tmp_path):
    fmt, pages = read_pages(_write(tmp_path, "ok.pdf", _small_pdf(TEXT)))
    assert fmt == "pdf" and len(pages) == 1
    assert "restitusi" in pages[0].text and not pages[0].ocr


def test_corrupt_pdf_random_bytes(tmp_path):
    p = _write(tmp_path, "bad.pdf", b"%PDF-1.7\n" + os.urandom(4000))
    _fails(p, "corrupt pdf", "no pages", "cannot render")


def test_truncated_real_pdf(tmp_path):
    data = (CORPUS / PERDA_PDF).read_bytes()
    p = _write(tmp_path, "truncated.pdf", data[: len(data) // 50])
    _fails(p, "corrupt pdf", "no pages", "no text layer", "cannot render")


def test_pdf_without_header(tmp_path):
    p = _write(tmp_path, "fake.pdf", b"this is not a pdf at all, only text with a .pdf name")
    assert "%PDF" in _fails(p, "not a pdf")


def test_encrypted_pdf(tmp_path):
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter()
    for pg in PdfReader(io.BytesIO(_small_pdf(TEXT))).pages:
        w.add_page(pg)
    w.encrypt("secret")
    buf = io.BytesIO()
    w.write(buf)
    p = _write(tmp_path, "locked.pdf", buf.getvalue())
    msg = _fails(p, "encrypted")
    assert "password" in msg


def test_pdf_with_empty_user_password_is_read(tmp_path):
    """Printing-restricted official PDFs open with an empty user password: they must still ingest."""
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter()
    for pg in PdfReader(io.BytesIO(_small_pdf(TEXT))).pages:
        w.add_page(pg)
    w.encrypt(user_password="", owner_password="owner-only")
    buf = io.BytesIO()
    w.write(buf)
    _, pages = read_pages(_write(tmp_path, "restricted.pdf", buf.getvalue()))
    assert "restitusi" in pages[0].text


@pytest.mark.parametrize("name,data", [("empty.txt", b""), ("blank.md", b"  \n\n\t \n"), ("empty.pdf", b""),
                                       ("empty.docx", b"")])
def test_empty_file(tmp_path, name, data):
    _fails(_write(tmp_path, name, data), "empty file")


@pytest.mark.parametrize("name", ["data.xls", "scan.jpg", "README"])  # .xlsx is read: tests/test_tables.py
def test_unsupported_extension(tmp_path, name):
    msg = _fails(_write(tmp_path, name, b"PK\x03\x04 some bytes"), "unsupported file type")
    assert "pdf, docx, md, txt" in msg


def test_non_utf8_text(tmp_path):
    p = _write(tmp_path, "latin1.txt", "Korban é perdagangan orang".encode("latin-1"))
    msg = _fails(p, "not utf-8")
    assert "0xe9" in msg and "save the file as UTF-8" in msg


def test_utf8_bom_and_crlf_are_fine(tmp_path):
    p = _write(tmp_path, "bom.txt", "\ufeffKorban berhak\r\natas restitusi.\r\n".encode("utf-8"))
    _, pages = read_pages(p)
    assert pages[0].text.startswith("Korban berhak\natas")
    assert "\r" not in pages[0].text


def test_binary_text_file(tmp_path):
    _fails(_write(tmp_path, "nul.txt", b"Korban\x00\x00\x00adalah"), "binary", "nul")


def test_docx_that_is_not_a_zip(tmp_path):
    _fails(_write(tmp_path, "fake.docx", b"Korban adalah seseorang, tetapi ini bukan DOCX."), "not a docx")


def test_docx_with_zip_signature_but_corrupt(tmp_path):
    _fails(_write(tmp_path, "broken.docx", b"PK\x03\x04" + os.urandom(500)), "corrupt docx")


def test_docx_reads_heading_paragraphs_table(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("Notulen Rapat Koordinasi Gugus Tugas TPPO", level=1)
    d.add_paragraph("Rapat dipimpin oleh Kemenko Polkam dan dihadiri Kemensos serta LPSK.")
    d.add_heading("Tindak Lanjut", level=2)
    d.add_paragraph("Kemensos menyiapkan rumah perlindungan bagi korban.")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "Instansi", "Jumlah Korban"
    t.cell(1, 0).text, t.cell(1, 1).text = "Kemensos", "42"
    p = tmp_path / "notulen_rakor.docx"
    d.save(p)
    fmt, pages = read_pages(p)
    assert fmt == "docx" and len(pages) == 1 and pages[0].number is None
    lines = pages[0].text.split("\n")
    assert "# Notulen Rapat Koordinasi Gugus Tugas TPPO" in lines
    assert "## Tindak Lanjut" in lines
    assert "Rapat dipimpin oleh Kemenko Polkam dan dihadiri Kemensos serta LPSK." in lines
    assert "Instansi | Jumlah Korban" in lines and "Kemensos | 42" in lines
    doc = parse_file(p, "notulen_rakor.docx", {})
    assert doc.meta.doc_type == "meeting_report"  # inferred from the file name
    assert doc.meta.title == "Notulen Rapat Koordinasi Gugus Tugas TPPO"
    assert "Kemensos" in doc.meta.agencies
    assert any("rumah perlindungan" in c.text for c in doc.chunks)


# ------------------------------------------------------------------------------------------- scanned PDF / OCR
SCAN_LINES = ["Pemberantasan tindak pidana", "perdagangan orang di Indonesia", "memerlukan kerja sama",
              "pemerintah dan masyarakat."]


@pytest.fixture(scope="module")
def scanned_pdf(tmp_path_factory):
    return make_scanned_pdf(tmp_path_factory.mktemp("scan") / "scan.pdf", SCAN_LINES)


def test_scanned_pdf_has_no_text_layer(scanned_pdf):
    from pypdf import PdfReader

    assert (PdfReader(str(scanned_pdf)).pages[0].extract_text() or "").strip() == ""


def test_scanned_pdf_is_ocrd(scanned_pdf):
    if not readers.tesseract_available():
        pytest.fail("tesseract with the 'ind' language must be installed for this test")
    fmt, pages = read_pages(scanned_pdf)
    assert fmt == "pdf" and len(pages) == 1
    assert pages[0].ocr is True and pages[0].number == 1
    words = pages[0].text.lower()
    for w in ("perdagangan", "pemberantasan", "indonesia", "masyarakat"):
        assert w in words, (w, pages[0].text)
    doc = parse_file(scanned_pdf, "scan.pdf", {})
    assert doc.ocr_pages == [1]
    # (the short first OCR line looks like a heading to the prose chunker, so look at what search indexes)
    assert any("perdagangan orang" in c.index_text(doc.meta).lower() for c in doc.chunks)


def test_scanned_pdf_without_ocr_is_refused(scanned_pdf, monkeypatch):
    monkeypatch.setattr(readers, "tesseract_available", lambda lang=readers.OCR_LANG: False)
    msg = _fails(scanned_pdf, "tesseract")
    assert "scanned" in msg and "OCR is unavailable" in msg
