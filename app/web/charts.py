"""Charts of the Figures tab: one measure across reporting periods (Gradio's own BarPlot) and the coverage matrix as
a heat map (an HTML table shaded by the passages each agency supplied). Pure functions, so they are tested without a
browser; app/web/figures.py wires them in."""
from __future__ import annotations

import html
from typing import Any

import pandas as pd

SERIES_COLUMNS = ["period", "value", "source"]


def measures(figs) -> list[str]:
    """The measures ("korban TPPO (penanganan)") that have statistics, most reported first."""
    counts: dict[str, int] = {}
    for f in figs:
        if f.kind == "statistic" and f.period is not None:
            counts[f.what] = counts.get(f.what, 0) + 1
    return sorted(counts, key=lambda w: (-counts[w], w))


def series(figs, what: str) -> pd.DataFrame:
    """One row per figure of the measure: its period (x), value (y) and source (colour), in period order."""
    rows = [(f.period.start, str(f.period), f.value, f.short_title or f.path) for f in figs
            if f.kind == "statistic" and f.period is not None and f.what == what]
    rows.sort()
    return pd.DataFrame([r[1:] for r in rows], columns=SERIES_COLUMNS)


def _shade(n: int, top: int) -> str:
    if n <= 0 or top <= 0:
        return "#ffffff"
    a = 0.15 + 0.85 * n / top
    return f"rgba(31, 119, 180, {a:.2f})"


def heatmap_html(c) -> str:
    """The coverage matrix: one cell per agency and section, shaded by the passages supplied; a gap (the outline asks
    the agency, nothing supplied) is outlined in red."""
    top = max((len(c.cell(a, s).supplied) for a in c.agencies for s in c.sections), default=0)
    head = "".join(f"<th>{html.escape(s)}</th>" for s in c.sections)
    body = []
    for a in c.agencies:
        cells = []
        for s in c.sections:
            x = c.cell(a, s)
            n = len(x.supplied)
            gap = a in c.expected.get(s, []) and x.is_gap
            style = f"background:{_shade(n, top)};" + ("outline:2px solid #d62728;" if gap else "")
            colour = "color:#fff;" if top and n / top > 0.6 else ""
            cells.append(f"<td class='{'gugus-gap' if gap else ''}' style='{style}{colour}text-align:center' "
                         f"title='{len(x.supplied)} supplied / {len(x.mentioned)} mentioning'>{n}</td>")
        body.append(f"<tr><th style='text-align:left'>{html.escape(a)}</th>{''.join(cells)}</tr>")
    return (f"<table class='gugus-heatmap'><tr><th></th>{head}</tr>{''.join(body)}</table>"
            "<p><small>passages supplied; red outline: a gap</small></p>")


def plot_value(df: pd.DataFrame) -> Any:
    return df if not df.empty else pd.DataFrame(columns=SERIES_COLUMNS)
