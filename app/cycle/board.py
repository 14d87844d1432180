"""The TIP reporting cycle's status board: agencies x questionnaire items for one period.

For each item of the questionnaires (prompts/questionnaires/*.yaml) and each agency that answers it (the item's
agencies, plus any agency whose submission gives the item's figures: a *claim*), the board gives a status:

- ``submitted``: an agency submission (doc_type agency_submission) of that agency, for the period, states a figure
  of the item; the values and their sources (sheet, row, cell for tables) are listed;
- ``late``: the same, but every such submission was received after the deadline. Received = the document's date
  (catalog or upload form), else the time it was ingested;
- ``conflict``: two documents give different values for the same measure (counted noun, action, qualifiers, unit)
  and period: two submissions of the agency, or submissions of two agencies that claim the item. Both are shown;
- ``missing``: no submission of that agency states it.

Where two agencies claim the same item (the questionnaire names both, or another agency's submission answers it),
``claimed_by`` lists them: overlapping mandates to settle (tumpang tindih kewenangan).

The deadline: ``--deadline`` (an ISO date), else the setting GUGUS_CYCLE_DEADLINE: "MM-DD" in the year the period
ends (default 01-31), a full ISO date, or "" for none.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...index.period import Period
from ...index.retriever import Filters
from ...ingest.agencies import canonical as canonical_agency
from ...prompts.questionnaire import Item, load_all
from .. import figures as F

STATUSES = ("submitted", "missing", "late", "conflict")
SUBMISSION = "agency_submission"


def deadline_for(period: Period, setting: str | None) -> str | None:
    """The submission deadline of a period from the setting ("MM-DD" in the period's end year, or an ISO date)."""
    s = (setting or "").strip()
    if not s:
        return None
    if re.fullmatch(r"\d{2}-\d{2}", s):
        s = f"{period.end[:4]}-{s}"
    try:
        return dt.date.fromisoformat(s).isoformat()
    except ValueError:
        raise ValueError(f"invalid deadline '{setting}' (MM-DD, YYYY-MM-DD or empty)") from None


def item_agencies() -> list[str]:
    """The agencies the questionnaires ask, in questionnaire order."""
    return list(dict.fromkeys(a for q in load_all() for it in q.items for a in it.agencies))


def item_matches(item: Item, f: F.Figure) -> bool:
    if f.kind != "statistic":
        return False
    if item.qualifiers and not set(item.qualifiers) <= set(f.qualifiers):
        return False
    for spec in item.figures:
        if spec.counted == "uang":
            ok = f.unit in ("rupiah", "USD")
        else:
            ok = f.counted == spec.counted
        if ok and (spec.action is None or f.action == spec.action):
            return True
    return False


def figure_source(f: F.Figure) -> dict[str, Any]:
    """The search contract's source object for a figure (index.retriever.Hit.source), with the cell."""
    src = {"path": f.path, "title": f.title, "doc_type": f.doc_type, "page": f.page, "section": f.section}
    if f.sheet:
        src.update(sheet=f.sheet, row=f.row, cell=f.cell)
    return src


def _measure_key(f: F.Figure) -> tuple:
    return (f.unit, f.counted, tuple(sorted(f.qualifiers)), f.action or "")


@dataclass
class Received:
    date: str | None  # ISO date
    basis: str  # "document date" | "ingest time" | ""


@dataclass
class Entry:
    agency: str
    item: Item
    status: str
    figures: list[F.Figure] = field(default_factory=list)
    others: list[F.Figure] = field(default_factory=list)  # another claimant's conflicting figures, shown too
    claimed_by: list[str] = field(default_factory=list)
    received: dict[str, Received] = field(default_factory=dict)  # path -> when
    conflicts: list[str] = field(default_factory=list)  # what disagrees, in words

    def values(self, deadline: str | None) -> list[dict[str, Any]]:
        out = []
        for f in self.figures + self.others:
            r = self.received.get(f.path) or Received(None, "")
            out.append({"value": f.value, "value_max": f.value_max, "unit": f.unit, "what": f.what,
                        "agency": f.agency, "text": f.text, "period": f.period.to_json() if f.period else None,
                        "received": r.date, "received_basis": r.basis,
                        "late": bool(deadline and r.date and r.date > deadline), "source": figure_source(f)})
        return out

    def to_json(self, deadline: str | None) -> dict[str, Any]:
        sources = []
        for f in self.figures + self.others:
            s = figure_source(f)
            if s not in sources:
                sources.append(s)
        return {"id": self.item.id, "item": self.item.label("id"), "section": self.item.section,
                "status": self.status, "values": self.values(deadline), "sources": sources,
                "subtopic": self.item.subtopic, "subsatgas": self.item.subsatgas, "claimed_by": self.claimed_by,
                "conflicts": self.conflicts}


@dataclass
class Board:
    period: Period
    deadline: str | None
    entries: list[Entry]

    @property
    def agencies(self) -> list[str]:
        return list(dict.fromkeys(e.agency for e in self.entries))

    def by_agency(self, agency: str) -> list[Entry]:
        return [e for e in self.entries if e.agency == agency]

    def count(self, status: str) -> int:
        return sum(e.status == status for e in self.entries)

    def overlaps(self) -> list[tuple[str, list[str]]]:
        """Items claimed by two or more agencies."""
        seen: dict[str, list[str]] = {}
        for e in self.entries:
            if len(e.claimed_by) > 1:
                seen.setdefault(e.item.id, e.claimed_by)
        return list(seen.items())

    def to_json(self) -> dict[str, Any]:
        return {"period": self.period.to_json(), "deadline": self.deadline,
                "agencies": [{"agency": a, "items": [e.to_json(self.deadline) for e in self.by_agency(a)]}
                             for a in self.agencies]}


def received_dates(g) -> dict[str, Received]:
    """When each document was received: its date, else when it was ingested (manifest). Keyed by path."""
    out: dict[str, Received] = {}
    for r in g.documents():
        if r.meta.date:
            out[r.path] = Received(r.meta.date[:10], "document date")
        else:
            out[r.path] = Received(dt.datetime.fromtimestamp(r.updated).date().isoformat(), "ingest time")
    return out


def _conflicting(figs: list[F.Figure]) -> list[str]:
    """Measures for which two documents give different values (one document listing several values is not)."""
    out = []
    groups: dict[tuple, dict[str, set]] = {}
    for f in figs:
        groups.setdefault(_measure_key(f), {}).setdefault(f.path, set()).add((f.value, f.value_max))
    for key, by_doc in groups.items():
        if len(by_doc) > 1 and len({frozenset(v) for v in by_doc.values()}) > 1:
            what = next(f.what for f in figs if _measure_key(f) == key)
            vals = "; ".join(f"{', '.join(f'{v:,.10g}' for v, _ in sorted(vs))} ({p})" for p, vs in by_doc.items())
            out.append(f"{what}: {vals}")
    return out


def board(g, period: Period, deadline: str | None, filters: Filters | None = None,
          items: list[Item] | None = None) -> Board:
    """The status board for a period. ``filters`` carries the reader's access scope (Gugus.filters_for)."""
    f = Filters(period=period, access=filters.access if filters else None)
    subs = [x for x in F.figures(g, f) if x.doc_type == SUBMISSION and x.kind == "statistic"]
    received = received_dates(g)
    items = items if items is not None else [it for q in load_all() for it in q.items]
    entries: list[Entry] = []
    for item in items:
        matching = [x for x in subs if item_matches(item, x)]
        by_agency: dict[str, list[F.Figure]] = {}
        for x in matching:
            # who sent it: the submitting agency (a submission's sentence about another agency is still its data)
            by_agency.setdefault(canonical_agency(x.doc_agency) if x.doc_agency else (x.agency or "?"), []).append(x)
        claimants = list(dict.fromkeys(list(item.agencies) + list(by_agency)))
        answered = [a for a in claimants if by_agency.get(a)]
        for a in claimants:
            figs = by_agency.get(a, [])
            e = Entry(a, item, "missing", figs, claimed_by=claimants if len(claimants) > 1 else [],
                      received={x.path: received.get(x.path, Received(None, "")) for x in matching})
            if figs:
                e.conflicts = _conflicting(figs)
                for other in (o for o in answered if o != a):
                    cross = _conflicting(figs + by_agency[other])
                    if len(cross) > len(e.conflicts):
                        e.conflicts = cross
                        e.others += [x for x in by_agency[other] if _measure_key(x) in {_measure_key(y) for y in figs}]
                dates = [e.received[x.path].date for x in figs]
                if e.conflicts:
                    e.status = "conflict"
                elif deadline and all(d and d > deadline for d in dates):
                    e.status = "late"
                else:
                    e.status = "submitted"
            entries.append(e)
    order = list(dict.fromkeys(a for it in items for a in it.agencies))
    entries.sort(key=lambda e: (order.index(e.agency) if e.agency in order else len(order), e.agency))
    return Board(period, deadline, entries)


# ------------------------------------------------------------------------------------------------ XLSX export
STATUS_FILL = {"submitted": "C6EFCE", "late": "FFEB9C", "conflict": "FFC7CE", "missing": "D9D9D9"}
STATUS_ID = {"submitted": "diterima", "late": "terlambat", "conflict": "berbeda (konflik)", "missing": "belum ada"}


def to_xlsx(b: Board, path: Path) -> Path:
    """The board as a workbook: "Papan status" (one row per agency and item, coloured by status) and "Konflik"
    (every value of every conflicting item with its source). The meeting's agenda: who to chase, what to reconcile."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Papan status"
    ws.append([f"Siklus TIP {b.period} ({b.period.start} – {b.period.end}); batas waktu {b.deadline or '-'}"])
    ws["A1"].font = Font(bold=True)
    head = ["Instansi", "Butir", "Data yang diminta", "Bagian", "Status", "Nilai", "Sumber", "Diklaim juga oleh"]
    ws.append(head)
    for c in ws[2]:
        c.font = Font(bold=True)
    for e in b.entries:
        vals = "; ".join(f"{v['value']:,.10g} ({v['what']})" for v in e.values(b.deadline))
        srcs = "; ".join(_source_text(s) for s in e.to_json(b.deadline)["sources"])
        ws.append([e.agency, e.item.id, e.item.label("id"), e.item.section, STATUS_ID[e.status], vals, srcs,
                   ", ".join(a for a in e.claimed_by if a != e.agency)])
        ws.cell(ws.max_row, 5).fill = PatternFill("solid", fgColor=STATUS_FILL[e.status])
    for col, width in zip("ABCDEFGH", (16, 30, 48, 12, 18, 40, 60, 22)):
        ws.column_dimensions[col].width = width
    wc = wb.create_sheet("Konflik")
    wc.append(["Instansi", "Butir", "Nilai", "Ukuran", "Instansi sumber", "Diterima", "Sumber"])
    for c in wc[1]:
        c.font = Font(bold=True)
    for e in b.entries:
        if e.status != "conflict":
            continue
        for v in e.values(b.deadline):
            wc.append([e.agency, e.item.id, v["value"], v["what"], v["agency"], v["received"],
                       _source_text(v["source"])])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _source_text(s: dict[str, Any]) -> str:
    where = f" > {s['sheet']} > {s['cell']}" if s.get("sheet") else (f" hlm. {s['page']}" if s.get("page") else "")
    return f"{s.get('title') or s.get('path')}{where} ({s.get('path')})"
