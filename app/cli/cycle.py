"""The TIP cycle's commands: `gugus cycle`, `gugus requests`, `gugus recommendations` (registered by app/cli/main.py).
`--json` output is a stable contract (README, "The TIP cycle")."""
from __future__ import annotations

import json
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from . import common as base


def _deadline(ctx, period, deadline_text):
    from ..cycle.board import deadline_for

    try:
        return deadline_for(period, deadline_text if deadline_text is not None else
                            base._settings(ctx).cycle_deadline)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--deadline") from None


@click.command(name="cycle")
@click.option("--period", "period_text", help="TIP Report year (2026 = 2025-04-01..2026-03-31) or "
              "YYYY-MM-DD..YYYY-MM-DD. Default: the latest complete reporting period.")
@click.option("--deadline", "deadline_text", help="Submission deadline (YYYY-MM-DD or MM-DD of the period's end "
              "year; '' for none). Default: GUGUS_CYCLE_DEADLINE (01-31).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object (the stable contract).")
@click.option("--xlsx", "xlsx_file", type=click.Path(path_type=Path), help="Also write the board to FILE.xlsx.")
@click.pass_context
def cycle_cmd(ctx, period_text, deadline_text, as_json, xlsx_file) -> None:
    """Status board of the reporting cycle: agencies x questionnaire items, each submitted, late, conflicting or
    missing, with the values and their sources. Items claimed by two agencies are named."""
    from ..cycle.board import STATUSES, board, to_xlsx

    period = base._period(period_text)
    deadline = _deadline(ctx, period, deadline_text)
    g = base._open(ctx)
    b = board(g, period, deadline, g.filters_for(base._user(ctx), None))
    if xlsx_file:
        to_xlsx(b, xlsx_file)
    if as_json:
        click.echo(json.dumps(b.to_json(), ensure_ascii=False))
        return
    colour = {"submitted": "green", "late": "yellow", "conflict": "red", "missing": "dim"}
    t = Table(title=f"TIP cycle {period} ({period.start}..{period.end}), deadline {deadline or '-'}")
    for col in ("agency", "item", "status", "values", "source"):
        t.add_column(col, overflow="fold")
    for e in b.entries:
        j = e.to_json(deadline)
        vals = "; ".join(f"{v['value']:,.10g}" for v in j["values"])
        srcs = "; ".join(escape(f"{s['path']}" + (f" {s['sheet']}!{s['cell']}" if s.get("sheet") else ""))
                         for s in j["sources"])
        c = colour[e.status]
        t.add_row(e.agency, escape(f"{e.item.id}: {e.item.label('id')}"), f"[{c}]{e.status}[/{c}]", vals, srcs)
    base.out.print(t)
    base.out.print(", ".join(f"{s} {b.count(s)}" for s in STATUSES))
    for item, who in b.overlaps():
        base.out.print(f"[yellow]claimed by {len(who)} agencies[/yellow] {item}: {', '.join(who)}")
    if xlsx_file:
        base.out.print(f"written {xlsx_file}")


@click.command(name="requests")
@click.option("--period", "period_text", help="TIP Report year (2026 = 2025-04-01..2026-03-31) or "
              "YYYY-MM-DD..YYYY-MM-DD. Default: the latest complete reporting period.")
@click.option("--deadline", "deadline_text", help="Deadline written in the letters (default GUGUS_CYCLE_DEADLINE).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the letters (DIR/<agency>.docx).")
@click.option("--agency", multiple=True, help="Only this agency. Repeatable.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: {files: [{agency, path, missing, covered}]}.")
@click.pass_context
def requests_cmd(ctx, period_text, deadline_text, out_dir, agency, as_json) -> None:
    """One Indonesian data request letter per agency (DOCX): the items asked for, those the documents already cover
    (with their sources, to confirm), those still missing, and the deadline."""
    from ..cycle.requests import write_requests

    period = base._period(period_text)
    deadline = _deadline(ctx, period, deadline_text)
    g = base._open(ctx)
    try:
        files = write_requests(g, period, deadline, out_dir, g.filters_for(base._user(ctx), None),
                               agencies=list(agency) or None)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--agency") from None
    if as_json:
        click.echo(json.dumps({"files": files}, ensure_ascii=False))
        return
    for f in files:
        base.out.print(f"{f['path']}  {f['agency']}: {f['covered']} covered, {f['missing']} missing")


@click.command(name="recommendations")
@click.option("--report", "report", help="The TIP Report document (path as ingested, or its short title). "
              "Default: the latest report in the corpus with a recommendations section.")
@click.option("--period", "period_text", help="Period whose evidence is checked (default: the latest complete).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object (the stable contract).")
@click.pass_context
def recommendations_cmd(ctx, report, period_text, as_json) -> None:
    """Last reports' recommendations to Indonesia, one by one: addressed, partly addressed or no evidence in the
    period, with citations and the agencies responsible."""
    from ..cycle.recommendations import RecommendationError, track

    period = base._period(period_text)
    g = base._open(ctx)
    try:
        r = track(g, report, period, g.filters_for(base._user(ctx), None))
    except RecommendationError as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        click.echo(json.dumps(r.to_json(), ensure_ascii=False))
        return
    base.out.print(f"[bold]{escape(r.report['title'] or r.report['path'])}[/bold] — evidence {period} "
                   f"({period.start}..{period.end})")
    colour = {"addressed": "green", "partial": "yellow", "no_evidence": "red"}
    for rec in r.recommendations:
        c = colour[rec.status]
        base.out.print(f"{rec.n}. [{c}]{rec.status}[/{c}] ({', '.join(rec.agencies) or '-'}) {escape(rec.text)}")
        for c in rec.citations[:3]:
            s = c.hit.source()
            base.out.print(f"     [dim]{c.share:.0%} of the terms: {escape(s['path'])} "
                           f"{escape(s.get('section') or '')}[/dim]")


def register(cli: click.Group) -> None:
    for cmd in (cycle_cmd, requests_cmd, recommendations_cmd):
        cli.add_command(cmd)
