"""Figures read from table cells (ingest/tables.py rows): each numeric cell is a figure, labelled by its row and
column, attributed to the submitting agency, dated by the submission's period tag, and cited by sheet, row and cell.

What a cell counts comes from its labels, with the vocabulary of app/figures/prose.py: column "Jumlah korban ditangani"
and row "Perempuan" -> korban (penanganan), qualifier perempuan; column "Jumlah kasus" and row "Penyidikan TPPO" ->
kasus (penyidikan), qualifier TPPO. A cell whose labels name no known counted noun counts its column label
("jumlah petugas" -> petugas; "Rumah aman" -> rumah perlindungan; otherwise the label itself, lower case).

Not figures: text cells, the row-label cell, formula cells without a cached value (named at ingest), and columns
that hold identifiers, years or dates (SKIP_COLUMNS).
"""
from __future__ import annotations

import json
import re
from typing import Any

from ...index.period import Period, parse_period
from ...ingest.agencies import canonical as canonical_agency
from . import prose as F

SKIP_COLUMNS = re.compile(r"^(?:no\.?|nomor|no urut|kode|code|id|tahun|year|tanggal|tgl|date|bulan|month|"
                          r"keterangan|catatan|notes?)$", re.I)
_PERCENT = re.compile(r"%|\bpersen\b|\bpercent\b|\bproporsi\b", re.I)
_MONEY = re.compile(r"\bRp\b|rupiah|\bIDR\b|anggaran|budget|restitusi|kompensasi|\bdana\b", re.I)
_USD = re.compile(r"US\$|\bUSD\b", re.I)


def record_of(meta: dict[str, Any]) -> dict[str, Any] | None:
    raw = meta.get("table")
    if not raw:
        return None
    try:
        return json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return None


def _number(v: Any, lang: str) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        s = v.strip().replace(" ", "")
        s = re.sub(r"^(?:Rp\.?|IDR|US\$)", "", s, flags=re.I).rstrip("%")
        if re.fullmatch(r"\d+(?:[.,]\d+)*", s):
            return F.parse_number(s, lang)
    return None


def _counted(labels: str) -> str | None:
    """The first counted noun named anywhere in the labels (column label first)."""
    best: tuple[int, str] | None = None
    for name, forms in F.COUNTED.items():
        for form in forms:
            m = re.search(rf"\b{re.escape(form)}\b", labels, re.I)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), name)
    return best[1] if best else None


_YEAR_LABEL = re.compile(r"((?:19|20)\d\d)(?:\s*[-–/]\s*((?:19|20)?\d\d))?")


def _label_period(label: str):
    """A column or row labelled by a year ("2024") or a year range ("2023-2025"): that calendar span."""
    m = _YEAR_LABEL.fullmatch(label.strip())
    if not m:
        return None
    a = m.group(1)
    b = m.group(2) or a
    b = b if len(b) == 4 else a[:2] + b
    if b < a:
        return None
    return Period(f"{a}-01-01", f"{b}-12-31", a if a == b else f"{a}–{b}")


def _period(meta: dict[str, Any], labels: str, column: str = "", row_label: str = ""):
    for lab in (column, row_label):  # a year column or row is the cell's own period, whatever the tag says
        p = _label_period(lab) if lab else None
        if p:
            return p, "stated year"
    if meta.get("period"):
        try:
            return parse_period(str(meta["period"])), "submission period"
        except ValueError:
            pass
    p, basis = F._sentence_period(labels)
    if p:
        return p, basis
    return F._doc_period(meta)


def table_figures(text: str, meta: dict[str, Any], chunk_id: str = "") -> list[F.Figure]:
    """The figures of one table-row passage (``meta`` is its stored chunk metadata, with ``table``)."""
    rec = record_of(meta)
    if rec is None:
        return []
    lang = meta.get("language") or "id"
    label = (rec.get("label") or "").strip()
    title = rec.get("title") or ""
    agency = canonical_agency(meta["agency"]) if meta.get("agency") else None
    out: list[F.Figure] = []
    for cell in rec.get("cells") or []:
        column = str(cell.get("column") or "").strip()
        if cell.get("formula") or SKIP_COLUMNS.match(column):
            continue
        value = _number(cell.get("value"), lang)
        if value is None or (label and str(cell.get("value")) == label):
            continue
        labels = f"{column if not _label_period(column) else ''} {label}".strip()
        if _PERCENT.search(labels) or (isinstance(cell.get("value"), str) and cell["value"].strip().endswith("%")):
            unit, counted = "persen", "persen"
        elif _USD.search(labels) or _MONEY.search(labels):
            unit = "USD" if _USD.search(labels) else "rupiah"
            counted = F._first(F._MONEY_RE, labels) or "uang"
        else:
            unit = "jumlah"
            counted = _counted(column) or _counted(label) or _counted(title) or \
                (column.lower() if not _label_period(column) else label.lower()) or "jumlah"
        action = F._first(F._ACTION_RE, labels)
        if counted in F._NOUN_ACTION:
            counted, action = F._NOUN_ACTION[counted][0], action or F._NOUN_ACTION[counted][1]
        qualifiers = [q for q in F._qualifiers(labels) if q != counted]
        period, basis = _period(meta, f"{labels} {title}", column, label)
        out.append(F.Figure(
            value=value, unit=unit, counted=counted, text=f"{label + ' — ' if label else ''}{column}: {cell.get('value')}",
            sentence=text, chunk_id=chunk_id, path=meta.get("path", ""), title=meta.get("title", ""),
            doc_type=meta.get("doc_type", "other"), qualifiers=qualifiers, action=action, agency=agency,
            agency_basis="document", period=period, period_basis=basis, doc_agency=meta.get("agency"),
            doc_date=meta.get("date"), page=meta.get("page"), section=meta.get("section"),
            short_title=meta.get("short_title"), language=lang, sheet=rec.get("sheet"), row=rec.get("row"),
            cell=cell.get("ref"), row_label=label or None, column=column or None))
    return out
