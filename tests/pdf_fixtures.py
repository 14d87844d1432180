"""A minimal PDF writer for synthetic agency submissions with ruled tables (no PDF library needed).

Pages hold Helvetica text and tables drawn with lines, as a word processor's "save as PDF" draws a bordered table.
Every figure in them is synthetic test data, never corpus material.
"""
from __future__ import annotations

from pathlib import Path

W, H = 595, 842  # A4 points


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


class PdfPage:
    def __init__(self) -> None:
        self.ops: list[str] = []

    def text(self, x: float, y: float, s: str, size: int = 10) -> "PdfPage":
        self.ops.append(f"BT /F1 {size} Tf {x:.1f} {y:.1f} Td ({_esc(s)}) Tj ET")
        return self

    def paragraph(self, x: float, y: float, lines: list[str], size: int = 10, lead: float = 14) -> float:
        for line in lines:
            self.text(x, y, line, size)
            y -= lead
        return y

    def table(self, x: float, y_top: float, widths: list[float], rows: list[list[str]], row_h: float = 18,
              ruled: bool = True) -> float:
        """A table with its top-left corner at (x, y_top); returns the y under it."""
        total = sum(widths)
        y_bottom = y_top - row_h * len(rows)
        if ruled:
            for r in range(len(rows) + 1):
                y = y_top - r * row_h
                self.ops.append(f"0.5 w {x:.1f} {y:.1f} m {x + total:.1f} {y:.1f} l S")
            cx = x
            for w in widths + [0]:
                self.ops.append(f"0.5 w {cx:.1f} {y_top:.1f} m {cx:.1f} {y_bottom:.1f} l S")
                cx += w
        for r, row in enumerate(rows):
            cx = x
            for w, cell in zip(widths, row):
                if cell:
                    self.text(cx + 4, y_top - (r + 1) * row_h + 5, cell, 9)
                cx += w
        return y_bottom


def write_pdf(path: Path, pages: list[PdfPage]) -> Path:
    objs: list[bytes] = []

    def add(b: str | bytes) -> int:
        objs.append(b.encode("latin-1") if isinstance(b, str) else b)
        return len(objs)

    catalog = add("<< /Type /Catalog /Pages 2 0 R >>")
    pages_obj = add("")  # filled below
    font = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for p in pages:
        stream = "\n".join(p.ops).encode("latin-1")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(add(f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 {W} {H}] "
                        f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>"))
    objs[pages_obj - 1] = (f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
                           ).encode()
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root {catalog} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


HEADER = ["Kelompok korban", "Jumlah korban ditangani", "Rujukan ke RPTC"]
ROWS = [["Perempuan", "212", "41"], ["Laki-laki", "97", "12"], ["Anak", "38", "9"]]
MORE_ROWS = [["Penyandang disabilitas", "7", "2"], ["Lansia", "5", "1"]]


def kemensos_submission_pdf(path: Path) -> Path:
    """A synthetic Kemensos submission: a letter page with a ruled table that runs on to page 2 without repeating
    its header, a prose-only page 3, and an unruled (whitespace) table on page 3 that stays prose."""
    p1 = PdfPage()
    y = p1.paragraph(60, 780, ["DATA UJI SINTETIS - bukan data resmi",
                               "Kementerian Sosial Republik Indonesia",
                               "Penyampaian data dukung penyusunan laporan TIP periode 2026.",
                               "Bersama ini kami sampaikan data korban TPPO yang ditangani sentra layanan."])
    p1.paragraph(60, y - 10, ["Rincian per kelompok korban disajikan pada tabel berikut."])
    # the table fills the foot of page 1 and runs on to page 2
    p1.table(60, 200, [200, 150, 120], [HEADER] + ROWS + [["Pekerja migran", "64", "20"],
                                                          ["Korban eksploitasi daring", "23", "6"]])
    p2 = PdfPage()
    p2.table(60, 800, [200, 150, 120], MORE_ROWS)
    p2.paragraph(60, 740, ["Rehabilitasi sosial diberikan di sentra layanan dan rumah perlindungan.",
                           "Data di atas adalah data uji sintetis untuk pengujian perangkat lunak."])
    p3 = PdfPage()
    p3.paragraph(60, 780, ["Lampiran keterangan: pendampingan psikososial dan reintegrasi korban",
                           "dilaksanakan bersama dinas sosial provinsi."])
    p3.paragraph(60, 700, ["Provinsi        Korban", "Jawa Barat        15", "NTT        11"])
    return write_pdf(path, [p1, p2, p3])
