"""Data request letters of the TIP cycle: one Indonesian DOCX per agency ("Permintaan data dukung penyusunan laporan
TIP ..."), written with python-docx like app/drafting/export.py.

Each letter lists:
- the items asked of the agency (its questionnaire items, prompts/questionnaires/*.yaml);
- the items the documents already cover, with the values and their sources, so that the agency confirms them
  instead of sending them again. Covered = a figure of the item, attributed to the agency, in any document of the
  period that is not a regulation (agency submissions, meeting reports, news, TIP Reports);
- the items still missing;
- the deadline.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...index.period import Period
from ...index.retriever import Filters
from ...ingest.agencies import addressee
from ...ingest.dates import MONTH_NAMES
from ...prompts.questionnaire import Item, load_all, load_subsatgas
from .. import figures as F
from .board import figure_source, item_matches

MONTHS_ID = [idn for idn, _, _ in MONTH_NAMES]  # the one month table (ingest/dates.py)
SECTION_ID = {"prosecution": "Penegakan Hukum", "protection": "Pelindungan", "prevention": "Pencegahan",
              "trafficking_profile": "Profil Perdagangan Orang",
              "prioritized_recommendations": "Rekomendasi Prioritas"}


def tanggal(iso: str | None) -> str:
    """2026-01-31 -> "31 Januari 2026"."""
    if not iso:
        return "-"
    d = dt.date.fromisoformat(iso[:10])
    return f"{d.day} {MONTHS_ID[d.month - 1]} {d.year}"


def angka(v: float) -> str:
    """4320 -> "4.320", 2.5 -> "2,5" (Indonesian separators)."""
    return f"{v:,.10g}".replace(",", "_").replace(".", ",").replace("_", ".")


def file_name(agency: str) -> str:
    return re.sub(r"[^\w.-]+", "_", agency).strip("_") + ".docx"


@dataclass
class Covered:
    item: Item
    figures: list[F.Figure]


@dataclass
class Letter:
    agency: str
    period: Period
    deadline: str | None
    asked: list[Item]
    covered: list[Covered] = field(default_factory=list)
    missing: list[Item] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"Permintaan data dukung penyusunan laporan TIP {self.period.label.replace('TIP ', '') or self.period}"


def letters(g, period: Period, deadline: str | None, filters: Filters | None = None,
            agencies: list[str] | None = None) -> list[Letter]:
    f = Filters(period=period, access=filters.access if filters else None)
    figs = [x for x in F.figures(g, f) if x.kind == "statistic"]
    items = [it for q in load_all() for it in q.items]
    names = list(dict.fromkeys(a for it in items for a in it.agencies))
    if agencies:
        unknown = [a for a in agencies if a not in names]
        if unknown:
            raise ValueError(f"no questionnaire item is asked of {', '.join(unknown)} (agencies: {', '.join(names)})")
        names = [a for a in names if a in agencies]
    out = []
    for a in names:
        asked = [it for it in items if a in it.agencies]
        lt = Letter(a, period, deadline, asked)
        for it in asked:
            found = [x for x in figs if x.agency == a and item_matches(it, x)]
            if found:
                lt.covered.append(Covered(it, found))
            else:
                lt.missing.append(it)
        out.append(lt)
    return out


def _source_line(f: F.Figure) -> str:
    s = figure_source(f)
    where = f", lembar {s['sheet']} sel {s['cell']}" if s.get("sheet") else (f", hlm. {s['page']}" if s.get("page") else "")
    date = f", {tanggal(f.doc_date)}" if f.doc_date else ""
    return f"{f.title or f.path}{where}{date} ({f.path})"


def to_docx(lt: Letter, path: Path, today: dt.date | None = None) -> Path:
    from docx import Document
    from docx.shared import Pt

    groups = load_subsatgas()
    today = today or dt.date.today()
    doc = Document()
    doc.core_properties.title = lt.title
    doc.core_properties.author = "Sekretariat Gugus Tugas PP TPPO"
    head = doc.add_paragraph()
    head.add_run("GUGUS TUGAS PENCEGAHAN DAN PENANGANAN TINDAK PIDANA PERDAGANGAN ORANG\nSEKRETARIAT").bold = True
    meta = doc.add_table(rows=0, cols=2)
    for k, v in (("Nomor", ""), ("Sifat", "Segera"), ("Lampiran", "1 (satu) daftar isian"), ("Hal", lt.title),
                 ("Tanggal", tanggal(today.isoformat()))):
        cells = meta.add_row().cells
        cells[0].text, cells[1].text = k, f": {v}"
    doc.add_paragraph(f"Yth. {addressee(lt.agency) or lt.agency}\nu.p. Pejabat penghubung Gugus Tugas PP TPPO "
                      f"({lt.agency})\ndi tempat")
    p = lt.period
    doc.add_paragraph(
        f"Dalam rangka penyusunan bahan masukan Pemerintah Indonesia untuk Laporan Trafficking in Persons (TIP) "
        f"{str(p.label).replace('TIP ', '')}, dengan periode pelaporan {tanggal(p.start)} sampai dengan {tanggal(p.end)}, "
        f"bersama ini kami mohon {lt.agency} menyampaikan data dukung sesuai tugas dan fungsi dalam Subsatgas Gugus "
        f"Tugas PP TPPO (Peraturan Presiden Nomor 49 Tahun 2023). Kontribusi yang aktif, tepat waktu, dan berbasis "
        f"data faktual dari setiap instansi menjadi kunci laporan yang terpadu.")
    doc.add_paragraph(f"Batas waktu penyampaian: {tanggal(lt.deadline) if lt.deadline else 'akan diberitahukan'}.")
    doc.add_heading(f"A. Data yang diminta ({len(lt.asked)} butir)", level=2)
    t = doc.add_table(rows=1, cols=4)
    t.style = "Table Grid"
    for c, h in zip(t.rows[0].cells, ("No.", "Butir data", "Bagian laporan TIP", "Subsatgas")):
        c.text = h
    for i, it in enumerate(lt.asked, 1):
        cells = t.add_row().cells
        cells[0].text, cells[1].text = str(i), it.label("id")
        cells[2].text = SECTION_ID.get(it.section, it.section)
        cells[3].text = groups[it.subsatgas].label("id") if it.subsatgas in groups else it.subsatgas
    doc.add_heading(f"B. Data yang sudah tersedia dalam dokumen: mohon dikonfirmasi ({len(lt.covered)} butir)", level=2)
    if not lt.covered:
        doc.add_paragraph("Belum ada butir yang tercakup dalam dokumen yang tersedia.")
    for cv in lt.covered:
        doc.add_paragraph(cv.item.label("id"), style="List Bullet").runs[0].bold = True
        for f in cv.figures:
            para = doc.add_paragraph(f"{angka(f.value)} — {f.text} — sumber: {_source_line(f)}", style="List Bullet 2")
            para.paragraph_format.space_after = Pt(2)
    doc.add_heading(f"C. Data yang belum tersedia ({len(lt.missing)} butir)", level=2)
    if not lt.missing:
        doc.add_paragraph("Seluruh butir telah tercakup; mohon konfirmasi atau pembaruan bila ada.")
    for it in lt.missing:
        doc.add_paragraph(it.label("id"), style="List Bullet")
    doc.add_paragraph(
        "Data dapat disampaikan dalam bentuk DOCX, PDF, XLSX atau CSV, dengan mencantumkan nama instansi dan periode "
        "pelaporan. Untuk tabel, mohon setiap kolom diberi judul dan setiap baris diberi keterangan. Atas perhatian "
        "dan kerja sama Bapak/Ibu, kami ucapkan terima kasih.")
    doc.add_paragraph("\nKepala Sekretariat\nGugus Tugas Pencegahan dan Penanganan TPPO")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    doc.save(str(tmp))
    tmp.replace(path)
    return path


def write_requests(g, period: Period, deadline: str | None, out_dir: Path, filters: Filters | None = None,
                   agencies: list[str] | None = None) -> list[dict[str, Any]]:
    """Write DIR/<agency>.docx for each agency; the CLI's JSON rows."""
    files = []
    for lt in letters(g, period, deadline, filters, agencies):
        path = to_docx(lt, out_dir / file_name(lt.agency))
        files.append({"agency": lt.agency, "path": str(path), "missing": len(lt.missing), "covered": len(lt.covered)})
    return files
