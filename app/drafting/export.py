"""Drafts as files officers can edit: Markdown and Word (python-docx).

Both carry a title page (section, period, generation time, generator), a heading per subtopic, paragraphs with
their [n] markers, the gaps, and a numbered reference list (title, Pasal/page, date, file).
"""
from __future__ import annotations

from pathlib import Path

from ..records import Draft, Passage

LABELS = {
    "en": {"period": "Reporting period", "generated": "Generated", "generator": "Generator", "agencies": "Agencies",
           "note": "Officer's note", "gaps": "Gaps: evidence to request", "refs": "References", "by": "Prepared by",
           "edited": "edited by the officer", "unverified": "Not supported by the cited sources",
           "removed": "Removed by citation verification", "all": "all",
           "legend": "Sentences in italics and quotation marks are the sources' own words (quoted); the others were "
                     "written from the cited evidence and checked against it.",
           "conflicts": "Conflicting figures: check with the agencies before citing", "draft": "DRAFT — Indonesia's input to the "
           "Trafficking in Persons Report"},
    "id": {"period": "Periode pelaporan", "generated": "Dibuat", "generator": "Generator", "agencies": "Instansi",
           "note": "Catatan petugas", "gaps": "Kekosongan: bukti yang perlu diminta", "refs": "Daftar rujukan",
           "by": "Disusun oleh", "edited": "disunting petugas", "unverified": "Tidak didukung sumber yang dirujuk",
           "removed": "Dihapus oleh verifikasi rujukan", "all": "semua",
           "legend": "Kalimat bercetak miring dan bertanda kutip adalah kata-kata sumber (kutipan); kalimat lain ditulis "
                     "dari bukti yang dirujuk dan diperiksa terhadapnya.",
           "conflicts": "Angka yang saling bertentangan: periksa dengan instansi sebelum dikutip", "draft": "DRAF — Masukan Indonesia untuk "
           "Laporan Trafficking in Persons"},
}


def reference_text(p: Passage) -> str:
    """"[n] Title — Pasal path, p. 3 — 2007-04-19 — laws/uu_21_2007.md" (one line, no passage text)."""
    m = p.hit.meta
    parts = [str(m.get("title") or m.get("path"))]
    where = m.get("section") if m.get("section") and m.get("section") != m.get("title") else None
    if where:
        parts.append(str(where))
    if m.get("page"):
        parts.append(f"p. {m['page']}")
    parts.append(str(m.get("date") or "n.d."))
    parts.append(str(m.get("path")))
    return " — ".join(parts)


def conflict_lines(d: Draft) -> list[str]:
    """"korban (penanganan), TIP 2026: 4.320 korban [3] (news/003.txt) ≠ 4.500 korban (notulen_kemensos.md)"."""
    out = []
    for c in d.conflicts:
        vals = " ≠ ".join(f"{v['text']}{' [' + str(v['n']) + ']' if v.get('n') else ''} ({v['path']})" for v in c["values"])
        out.append(f"{c['what']}, {c['period_label']}: {vals}")
    return out


def _head(d: Draft) -> list[tuple[str, str]]:
    t = LABELS[d.lang]
    rows = [(t["period"], f"{d.period.label + ': ' if d.period.label else ''}{d.period.start} – {d.period.end}"),
            (t["generated"], d.created), (t["generator"], f"{d.generator} {d.model}".strip()),
            (t["agencies"], ", ".join(d.agencies) or t["all"])]
    if d.user:
        rows.append((t["by"], d.user))
    if d.note:
        rows.append((t["note"], d.note))
    return rows


def _written(p) -> bool:
    """A paragraph whose sentences the writer produced (rendered or quoted), not edited by the officer."""
    return not p.edited and any(s.kind == "rendered" for s in p.sentences)


def _marked(s) -> tuple[str, bool]:
    """(sentence with its markers, quoted?)."""
    return f"{s.text} {''.join(f'[{n}]' for n in s.cites)}", s.kind == "quoted"


def to_markdown(d: Draft) -> str:
    t = LABELS[d.lang]
    out = [f"# {d.title}", "", f"*{t['draft']}*", ""]
    out += [f"- **{k}:** {v}" for k, v in _head(d)]
    if d.mode_note:
        out += ["", f"> {d.mode_note}"]
    if any(_written(p) for p in d.paragraphs):
        out += ["", f"> {t['legend']}"]
    for p in d.paragraphs:
        if _written(p):
            text = " ".join(f"*{x}*" if q else x for x, q in map(_marked, p.sentences))
        else:
            text = p.text
        out += ["", f"## {p.title}" + (f" *({t['edited']})*" if p.edited else ""), "", text]
        if p.unverified:
            out += ["", f"> **{t['unverified']}:** " + " / ".join(s.text for s in p.unverified)]
    if d.gaps:
        out += ["", f"## {t['gaps']}", ""] + [f"- {g.text}" for g in d.gaps]
    if d.conflicts:
        out += ["", f"## {t['conflicts']}", ""] + [f"- {x}" for x in conflict_lines(d)]
    out += ["", f"## {t['refs']}", ""] + [f"{p.n}. {reference_text(p)}" for p in d.references]
    return "\n".join(out) + "\n"


def to_docx(d: Draft, path: Path) -> Path:
    from docx import Document
    from docx.enum.text import WD_BREAK
    from docx.shared import Pt

    t = LABELS[d.lang]
    doc = Document()
    doc.core_properties.title = d.title
    doc.core_properties.subject = t["draft"]
    doc.core_properties.author = d.user or "Gugus"
    doc.add_heading(d.title, level=0)
    doc.add_paragraph(t["draft"]).runs[0].italic = True
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for k, v in _head(d):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = k, v
    if d.mode_note:
        doc.add_paragraph(d.mode_note).runs[0].italic = True
    if any(_written(p) for p in d.paragraphs):
        doc.add_paragraph(t["legend"]).runs[0].italic = True
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)  # the title page ends here
    for p in d.paragraphs:
        doc.add_heading(p.title + (f" ({t['edited']})" if p.edited else ""), level=1)
        if _written(p):
            para = doc.add_paragraph()
            for i, (x, quoted) in enumerate(map(_marked, p.sentences)):
                run = para.add_run(("" if i == 0 else " ") + x)
                run.italic = quoted
        else:
            doc.add_paragraph(p.text)
        if p.unverified:
            r = doc.add_paragraph().add_run(f"{t['unverified']}: " + " / ".join(s.text for s in p.unverified))
            r.italic = True
    if d.gaps:
        doc.add_heading(t["gaps"], level=1)
        for g in d.gaps:
            doc.add_paragraph(g.text, style="List Bullet")
    if d.conflicts:
        doc.add_heading(t["conflicts"], level=1)
        for line in conflict_lines(d):
            doc.add_paragraph(line, style="List Bullet")
    doc.add_heading(t["refs"], level=1)
    for p in d.references:
        para = doc.add_paragraph(f"[{p.n}] {reference_text(p)}")
        para.paragraph_format.space_after = Pt(2)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    doc.save(str(tmp))
    tmp.replace(path)
    return path


def export(d: Draft, path: Path) -> Path:
    """Write the draft as .docx or .md according to the file's extension."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return to_docx(d, path)
    if suffix in (".md", ".markdown"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_markdown(d), encoding="utf-8")
        return path
    raise ValueError(f"cannot export to '{path.name}': use a .docx or .md file name")
