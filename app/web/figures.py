"""The Figures & coverage tab of the web UI: the figures table (filterable, conflicts flagged, CSV download) and the
agencies x TIP sections coverage matrix for a period. A thin layer over app.figures and app.coverage (the same code
as `gugus figures` and `gugus coverage`), always with the requesting user's rights.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Callable

import gradio as gr  # module level: gradio resolves the `request: gr.Request` hints of the handlers from here

from ...index.period import latest_complete, parse_period
from ...index.retriever import Filters
from ...ingest.types import DOC_TYPES

TEXT = {
    "id": {"tab": "Angka & cakupan", "period": "Periode (tahun laporan TIP, YYYY-MM-DD..YYYY-MM-DD, atau 'all')",
           "agencies": "Instansi", "types": "Jenis dokumen", "show": "Tampilkan", "figures": "Tabel angka",
           "conflicts": "Angka yang bertentangan", "none": "Tidak ada angka yang bertentangan.", "csv": "Unduh CSV",
           "coverage": "Cakupan: instansi × bagian laporan (bagian dipasok / disebut)",
           "gaps": "Kekosongan (instansi yang diminta, belum memasok)",
           "statutory": "Ketentuan pidana dalam peraturan (kerangka hukum, bukan statistik periode)",
           "measure": "Satu ukuran lintas periode"},
    "en": {"tab": "Figures & coverage", "period": "Period (TIP Report year, YYYY-MM-DD..YYYY-MM-DD, or 'all')",
           "agencies": "Agencies", "types": "Document types", "show": "Show", "figures": "Figures table",
           "conflicts": "Conflicting figures", "none": "No conflicting figures.", "csv": "Download CSV",
           "coverage": "Coverage: agencies × report sections (passages supplied / mentioning)",
           "gaps": "Gaps (agencies asked for evidence that supplied none)",
           "statutory": "Statutory penalties written in laws (legal framework, not statistics of the period)",
           "measure": "One measure across periods"},
}
FIG_HEADERS = ["!", "value", "unit", "what", "agency", "period", "source", "text"]


def figure_rows(rows, conflicted: set[int]) -> list[list[Any]]:
    return [["!" if id(x) in conflicted else "", x.value_text, x.unit, x.what, x.agency or "", x.period_label,
             x.source_label, x.text] for x in rows]


def conflicts_html(found, lang: str) -> str:
    t = TEXT[lang]
    if not found:
        return f"<p>{html.escape(t['none'])}</p>"
    items = []
    for c in found:
        vals = "; ".join(f"<b>{html.escape(x.text)}</b> — {html.escape(x.short_title or x.path)}" for x in c.figures)
        items.append(f"<li>{html.escape(c.what)} ({html.escape(str(c.period))}): {vals}</li>")
    return f"<h4>{html.escape(t['conflicts'])}</h4><ul class='gugus-conflicts'>" + "".join(items) + "</ul>"


def coverage_table(c) -> tuple[list[str], list[list[Any]]]:
    headers = ["agency"] + c.sections
    rows = []
    for a in c.agencies:
        row: list[Any] = [a]
        for s in c.sections:
            x = c.cell(a, s)
            gap = a in c.expected.get(s, []) and x.is_gap
            row.append(("GAP " if gap else "") + f"{len(x.supplied)} / {len(x.mentioned)}")
        rows.append(row)
    return headers, rows


def figures_tab(g, user_of: Callable[[Any], Any], agencies: list[str]):
    """Build the tab inside an open gr.Tabs; returns (components to relabel, relabel(lang) -> updates)."""
    from .. import figures as fig
    from ..coverage import coverage

    t = TEXT["id"]
    with gr.Tab(t["tab"], id="figures") as tab:
        with gr.Row():
            period = gr.Textbox(value=latest_complete().label.replace("TIP ", ""), label=t["period"],
                                elem_id="gugus-fig-period")
            f_agencies = gr.Dropdown(agencies, multiselect=True, label=t["agencies"])
            f_types = gr.Dropdown(list(DOC_TYPES), multiselect=True, label=t["types"])
            show = gr.Button(t["show"], variant="primary", elem_id="gugus-fig-show", scale=0)
        fig_title = gr.Markdown(f"### {t['figures']}")
        table = gr.Dataframe(headers=FIG_HEADERS, value=[], interactive=False, wrap=True, elem_id="gugus-figures")
        conflicts = gr.HTML("", elem_id="gugus-conflicts")
        stat_title = gr.Markdown(f"### {t['statutory']}")  # penalties in laws: their own view, not statistics
        statutory = gr.Dataframe(headers=FIG_HEADERS, value=[], interactive=False, wrap=True,
                                 elem_id="gugus-statutory")
        csv_file = gr.File(label=t["csv"], interactive=False, elem_id="gugus-fig-csv")
        cov_title = gr.Markdown(f"### {t['coverage']}")
        matrix = gr.Dataframe(value=[], interactive=False, wrap=True, elem_id="gugus-coverage")
        gaps = gr.Markdown("", elem_id="gugus-gaps")
        heat = gr.HTML("", elem_id="gugus-heatmap")  # the coverage matrix as a heat map (app/web/charts.py)
        measure = gr.Dropdown([], label=t["measure"], elem_id="gugus-measure")
        chart = gr.BarPlot(value=None, x="period", y="value", color="source", elem_id="gugus-chart")

        def run(period_v, ags, types, request: gr.Request):
            text = (period_v or "").strip()
            try:
                p = None if text.lower() == "all" else parse_period(text)
            except ValueError as e:
                raise gr.Error(str(e))
            user = user_of(request)
            f = g.filters_for(user, Filters(doc_types=list(types or []), agencies=list(ags or []), period=p))
            rows = [x for x in fig.figures(g, f) if x.kind == "statistic"]
            found = fig.conflicts(rows)
            conflicted = {id(x) for c in found for x in c.figures}
            from .downloads import DOWNLOADS  # the CSV is a private download of this user (app/web/downloads.py)

            out = DOWNLOADS.private_dir("gugus-figures-") / f"figures-{(p.label or 'custom') if p else 'all'}.csv"
            with out.open("w", encoding="utf-8", newline="") as fh:
                fig.to_csv(rows, fh)
            out = Path(DOWNLOADS.register(user, out, 60 * g.settings.download_ttl_min))
            cov_p = p or latest_complete()
            c = coverage(g, cov_p, filters=g.filters_for(user, Filters(doc_types=list(types or []))))
            headers, cov_rows = coverage_table(c)
            gap_lines = "\n".join(f"- {a}: {s}" for a, s in c.gaps()) or "-"
            return ({"headers": FIG_HEADERS, "data": figure_rows(rows, conflicted)}, conflicts_html(found, "id"),
                    str(out), {"headers": headers, "data": cov_rows},
                    f"**{TEXT['id']['gaps']} — {cov_p}**\n\n{gap_lines}")

        def run_statutory(period_v, ags, types, request: gr.Request):
            text = (period_v or "").strip()
            try:
                p = None if text.lower() == "all" else parse_period(text)
            except ValueError as e:
                raise gr.Error(str(e))
            f = g.filters_for(user_of(request), Filters(doc_types=list(types or []), agencies=list(ags or []), period=p))
            return {"headers": FIG_HEADERS, "data": figure_rows([x for x in fig.figures(g, f) if x.kind == "statutory"],
                                                                set())}

        show.click(run, [period, f_agencies, f_types], [table, conflicts, csv_file, matrix, gaps], api_name="figures")
        show.click(run_statutory, [period, f_agencies, f_types], [statutory], api_name="statutory")

        def charts(period_v, ags, types, request: gr.Request):
            from .charts import heatmap_html, measures

            text = (period_v or "").strip()
            try:
                p = latest_complete() if text.lower() == "all" else parse_period(text)
            except ValueError as e:
                raise gr.Error(str(e))
            user = user_of(request)
            ms = measures(fig.figures(g, g.filters_for(user, Filters(doc_types=list(types or []),
                                                                   agencies=list(ags or [])))))
            c = coverage(g, p, filters=g.filters_for(user, Filters(doc_types=list(types or []))))
            return gr.update(choices=ms, value=ms[0] if ms else None), heatmap_html(c)

        def one_measure(what, ags, types, request: gr.Request):
            from .charts import plot_value, series

            f = g.filters_for(user_of(request), Filters(doc_types=list(types or []), agencies=list(ags or [])))
            return plot_value(series(fig.figures(g, f), what or ""))

        show.click(charts, [period, f_agencies, f_types], [measure, heat], api_name="charts")
        measure.change(one_measure, [measure, f_agencies, f_types], [chart], api_name="chart")

    components = [tab, period, f_agencies, f_types, show, fig_title, csv_file, cov_title, stat_title, measure]

    def relabel(lang_v: str) -> list:
        tt = TEXT[lang_v]
        return [gr.update(label=tt["tab"]), gr.update(label=tt["period"]), gr.update(label=tt["agencies"]),
                gr.update(label=tt["types"]), gr.update(value=tt["show"]), f"### {tt['figures']}",
                gr.update(label=tt["csv"]), f"### {tt['coverage']}", f"### {tt['statutory']}",
                gr.update(label=tt["measure"])]

    return components, relabel
