"""Readers: a file on disk -> pages of raw text. Every failure is an IngestError with a reason an officer can act on."""
from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from .types import IngestError, Page

log = logging.getLogger(__name__)

SUPPORTED = {".pdf": "pdf", ".docx": "docx", ".md": "md", ".markdown": "md", ".txt": "txt", ".xlsx": "xlsx",
             ".csv": "csv", ".html": "html", ".htm": "html"}
MIN_TEXT_CHARS = 25  # a PDF page with less text than this is treated as scanned and OCR'd
OCR_LANG = "ind"
OCR_DPI = 200


def file_format(path: Path) -> str:
    fmt = SUPPORTED.get(path.suffix.lower())
    if fmt is None:
        raise IngestError(f"unsupported file type '{path.suffix or '(none)'}' (supported: {', '.join(dict.fromkeys(SUPPORTED.values()))})")
    return fmt


def read_pages(path: Path, data: bytes | None = None) -> tuple[str, list[Page]]:
    """Return (format, pages). ``data`` are the file's bytes if the caller already read them."""
    fmt = file_format(path)
    if data is None:
        data = path.read_bytes()
    if not data.strip():
        raise IngestError("empty file")
    check_content_matches(path, fmt, data)
    if fmt == "pdf":
        pages = read_pdf(path, data)
    elif fmt in ("xlsx", "csv", "html"):
        raise IngestError(f"{fmt} is read by ingest/parse.py (tables, HTML), not as pages")
    elif fmt == "docx":
        pages = [Page(None, read_docx(path, data))]
    else:
        pages = [Page(None, decode_text(data))]
    if not any(p.text.strip() for p in pages):
        raise IngestError("no text found in the file")
    return fmt, pages


# What a file's first bytes say it is, for formats that are often misnamed: (what it is, what to do).
SIGNATURES = {
    b"%PDF": ("a PDF document", "rename it to .pdf"),
    b"PK\x03\x04": ("a ZIP archive (DOCX, XLSX or .zip)", "if it is a Word document, rename it to .docx"),
    b"\xd0\xcf\x11\xe0": ("an old Office document (DOC/XLS)", "save it as DOCX or PDF"),
    b"\x89PNG": ("a PNG image", "put the scan in a PDF"),
    b"\xff\xd8\xff": ("a JPEG image", "put the scan in a PDF"),
}
EXPECTED_SIGNATURE = {"pdf": b"%PDF", "docx": b"PK\x03\x04", "xlsx": b"PK\x03\x04", "md": None, "txt": None, "csv": None,
                      "html": None}


def check_content_matches(path: Path, fmt: str, data: bytes) -> None:
    """Refuse a file whose content is another known format than its extension says (a PDF saved as .txt, ...)."""
    head = data.lstrip()[:8] if fmt == "pdf" else data[:8]
    for sig, (what, hint) in SIGNATURES.items():
        if head.startswith(sig) and sig != EXPECTED_SIGNATURE[fmt]:
            raise IngestError(f"wrong file extension: the content is {what}, but the name ends in "
                              f"'{path.suffix}'; {hint}")


def decode_text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise IngestError(
            f"not UTF-8 text (invalid byte 0x{data[e.start]:02x} at offset {e.start}); save the file as UTF-8"
        ) from None
    if "\x00" in text:
        raise IngestError("binary content in a text file (NUL bytes)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_docx(path: Path, data: bytes, tables: bool = True) -> str:
    """The paragraphs (headings as Markdown) and, with ``tables``, the tables as "a | b | c" lines. Without it the
    tables are left to ingest/tables.py (one passage per row)."""
    import io
    import zipfile

    import docx

    if not data.startswith(b"PK"):
        raise IngestError("not a DOCX file (no ZIP signature)")
    try:
        d = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise IngestError(f"corrupt DOCX: {e}") from None
    except Exception as e:  # python-docx raises a variety of lxml/package errors on damaged files
        raise IngestError(f"corrupt DOCX: {type(e).__name__}: {e}") from None
    lines: list[str] = []
    body = d.element.body
    for el in body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            p = docx.text.paragraph.Paragraph(el, d)
            text = p.text.strip()
            if not text:
                lines.append("")
                continue
            style = (p.style.name or "").lower() if p.style is not None else ""
            if style.startswith("heading") or style == "title":
                level = "".join(ch for ch in style if ch.isdigit()) or "1"
                lines.append("#" * min(int(level), 6) + " " + text)
            else:
                lines.append(text)
            lines.append("")
        elif tag == "tbl" and tables:
            table = docx.table.Table(el, d)
            for row in table.rows:
                cells = [c.text.strip() for c in row.cells]
                lines.append(" | ".join(cells))
            lines.append("")
    return "\n".join(lines)


def read_pdf(path: Path, data: bytes) -> list[Page]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.lstrip().startswith(b"%PDF"):
        raise IngestError("not a PDF file (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Many official PDFs are "encrypted" with an empty user password (printing restrictions only).
            try:
                ok = reader.decrypt("")
            except Exception:
                ok = 0
            if not ok:
                raise IngestError("encrypted PDF (password required); ask the sender for an unprotected copy")
        n = len(reader.pages)
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError) as e:
        raise IngestError(f"corrupt PDF: {e}") from None
    except Exception as e:
        raise IngestError(f"corrupt PDF: {type(e).__name__}: {e}") from None
    if n == 0:
        raise IngestError("PDF has no pages")
    pages: list[Page] = []
    need_ocr: list[int] = []
    for i in range(n):
        try:
            text = reader.pages[i].extract_text() or ""
        except Exception as e:  # one broken page content stream: try OCR for it rather than losing the file
            log.warning("%s: page %d text extraction failed (%s); trying OCR", path.name, i + 1, e)
            text = ""
        if len(text.strip()) < MIN_TEXT_CHARS:
            need_ocr.append(i)
        pages.append(Page(i + 1, text))
    if need_ocr:
        for i, text in ocr_pdf_pages(path, data, need_ocr).items():
            pages[i] = Page(i + 1, text, ocr=True)
    return pages


def tesseract_available(lang: str = OCR_LANG) -> bool:
    exe = shutil.which("tesseract")
    if not exe:
        return False
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return lang in out.stdout.split()


def ocr_pdf_pages(path: Path, data: bytes, indices: list[int], lang: str = OCR_LANG) -> dict[int, str]:
    """Render the given 0-based pages with pdfium and OCR them with tesseract."""
    if not tesseract_available(lang):
        raise IngestError(
            f"{len(indices)} page(s) have no text layer (scanned) and OCR is unavailable: "
            f"install tesseract-ocr and tesseract-ocr-{lang} (make install does this)"
        )
    import pypdfium2 as pdfium

    out: dict[int, str] = {}
    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as e:
        raise IngestError(f"cannot render PDF pages for OCR: {e}") from None
    with tempfile.TemporaryDirectory(prefix="gugus-ocr-") as tmp:
        for i in indices:
            img_path = Path(tmp) / f"p{i + 1}.png"
            page = pdf[i]
            page.render(scale=OCR_DPI / 72).to_pil().save(img_path)
            page.close()
            try:
                res = subprocess.run(
                    ["tesseract", str(img_path), "-", "-l", lang, "--psm", "3"],
                    capture_output=True, text=True, timeout=300,
                )
            except subprocess.TimeoutExpired:
                raise IngestError(f"OCR timed out on page {i + 1}") from None
            if res.returncode != 0:
                raise IngestError(f"OCR failed on page {i + 1}: {res.stderr.strip()[:200]}")
            out[i] = res.stdout
    pdf.close()
    return out
