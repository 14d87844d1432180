"""Clearly synthetic agency submissions for the TIP cycle tests (never real figures, never in corpus/).

Every value here is invented for the tests and marked so in the files themselves ("DATA UJI SINTETIS").
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import yaml

SYNTH = "DATA UJI SINTETIS - bukan data resmi"
POLRI_XLSX = "submissions/polri_tppo_2026.xlsx"
KEMENSOS_DOCX = "submissions/kemensos_layanan_korban_2026.docx"
CONFLICT_CSV = "submissions/polri_revisi_2026.csv"


def polri_xlsx(path: Path, broken_sheet: bool = True) -> Path:
    """A Polri workbook: a data sheet with a merged title and a formula without a cached value, an empty sheet, a
    second data sheet, and (broken_sheet) a sheet whose XML is corrupt."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Penegakan Hukum"
    ws["A1"] = f"Data TPPO Polri periode TIP 2026 ({SYNTH})"
    ws.merge_cells("A1:C1")
    ws.append(["Kegiatan", "Jumlah kasus", "Jumlah tersangka"])
    ws.append(["Penyidikan TPPO", 123, 171])
    ws.append(["Penyidikan TPPO eksploitasi seksual", 41, 58])
    ws.append(["Total", "=SUM(B3:B4)", "=SUM(C3:C4)"])
    wb.create_sheet("Kosong")
    ws3 = wb.create_sheet("Pelatihan")
    ws3.append(["Kegiatan", "Jumlah petugas"])
    ws3.append(["Pelatihan penyidik TPPO", 64])
    ws4 = wb.create_sheet("Rusak")
    ws4.append(["Kegiatan", "Jumlah"])
    ws4.append(["Data rusak", 1])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    if broken_sheet:
        _corrupt_sheet(path, "xl/worksheets/sheet4.xml")
    return path


def _corrupt_sheet(path: Path, member: str) -> None:
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == member:
                data = data[: len(data) // 2]  # cut mid-element: not well-formed XML
            dst.writestr(item, data)
    tmp.replace(path)


def kemensos_docx(path: Path) -> Path:
    """A Kemensos letter with a table of victims served, by sex."""
    import docx

    d = docx.Document()
    d.add_heading("Laporan Kementerian Sosial: layanan korban TPPO", level=1)
    d.add_paragraph(f"{SYNTH}. Kementerian Sosial menyampaikan data layanan rehabilitasi sosial korban "
                    "tindak pidana perdagangan orang untuk periode laporan TIP 2026.")
    t = d.add_table(rows=4, cols=2)
    for r, (a, b) in enumerate([("Kelompok korban", "Jumlah korban ditangani"), ("Perempuan", "212"),
                                ("Laki-laki", "97"), ("Anak", "38")]):
        t.cell(r, 0).text, t.cell(r, 1).text = a, b
    path.parent.mkdir(parents=True, exist_ok=True)
    d.save(path)
    return path


def conflict_csv(path: Path, cases: int = 130) -> Path:
    """A revised Polri CSV that gives another number of TPPO cases investigated for the same period."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"Kegiatan;Jumlah kasus;Keterangan\nPenyidikan TPPO;{cases};{SYNTH}\n", encoding="utf-8")
    return path


def submissions_catalog(root: Path, entries: dict[str, dict]) -> None:
    (root / "catalog.yaml").write_text(yaml.safe_dump({"documents": entries}, allow_unicode=True), encoding="utf-8")


def synthetic_corpus(root: Path, polri_date: str = "2026-01-20", csv_date: str = "2026-03-05") -> Path:
    """The three synthetic submissions with their catalog entries (agency, period, date received)."""
    polri_xlsx(root / POLRI_XLSX)
    kemensos_docx(root / KEMENSOS_DOCX)
    conflict_csv(root / CONFLICT_CSV)
    submissions_catalog(root, {
        POLRI_XLSX: {"title": "Data TPPO Polri TIP 2026 (sintetis)", "doc_type": "agency_submission",
                     "agency": "Polri", "period": 2026, "date": polri_date, "language": "id", "access": "internal"},
        KEMENSOS_DOCX: {"title": "Layanan korban Kemensos TIP 2026 (sintetis)", "doc_type": "agency_submission",
                        "agency": "Kemensos", "period": 2026, "date": "2026-02-10", "language": "id"},
        CONFLICT_CSV: {"title": "Revisi data Polri TIP 2026 (sintetis)", "doc_type": "agency_submission",
                       "agency": "Polri", "period": 2026, "date": csv_date, "language": "id"},
    })
    return root


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text)
