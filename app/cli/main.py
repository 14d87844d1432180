"""The `gugus` command line. A thin layer over app.container.Gugus; `--json` output is a stable contract."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.table import Table

from ..ops.locking import DataDirBusy
from ..settings import GENERATORS, Settings
from .common import _audit, _open, _period, _settings, _user, _writer, err, out


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="GUGUS_DATA_DIR",
              help="Where the index, manifest and logs live (default ./data, env GUGUS_DATA_DIR).")
@click.option("--as", "as_user", metavar="USER",
              help="Apply this user's document rights (search, ask, docs, draft). Default: the local operator, "
                   "who sees every document.")
@click.version_option(package_name="gugus")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, as_user: str | None) -> None:
    """Gugus: cited answers from Indonesia's anti-trafficking (TPPO) documents.

    Typical use: `gugus ingest` (reads corpus/), then `gugus search "restitusi korban"`.
    Configuration comes from GUGUS_* environment variables (see README).
    """
    from ..accounts.users import UserStore, local_user

    s = Settings(**({"data_dir": data_dir} if data_dir is not None else {}))  # built once, never mutated
    user = local_user(s.user)
    if as_user:
        from ..accounts.users import AuthError

        try:
            user = UserStore(s.users_path).get(as_user)
        except AuthError as e:  # a damaged users file: named, never a traceback
            raise click.BadParameter(str(e), param_hint="--as") from None
        if user is None:
            raise click.BadParameter(f"no user '{as_user}' (see `gugus users list`)", param_hint="--as")
    ctx.obj = {"settings": s, "user": user}


# ------------------------------------------------------------------------------------------------- ingest
@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--prune", is_flag=True, help="Remove documents whose files no longer exist.")
@click.option("--reindex", is_flag=True, help="Drop the index and re-embed everything (e.g. after changing embedder).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...], prune: bool, reindex: bool, as_json: bool) -> None:
    """Ingest files or folders (default: corpus/). Unchanged files are skipped; broken files are named and skipped.

    Exit code 0 when every file ingested, 1 when any failed (the rest are still ingested).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    g = _open(ctx, reset=reindex)
    with Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err, transient=True, disable=as_json) as bar:
        task = bar.add_task("", total=None)

        def progress(name: str, i: int, n: int) -> None:
            bar.update(task, total=n, completed=i, description=name[-60:])

        try:
            report = g.ingest(list(paths) or None, prune=prune, progress=progress)
        except DataDirBusy as e:
            err.print(f"[red]error:[/red] {e}")
            sys.exit(2)
    if as_json:
        click.echo(json.dumps({
            "files": [o.__dict__ for o in report.outcomes], "missing": report.missing,
            "seconds": round(report.seconds, 3), "embed_seconds": round(report.embed_seconds, 3),
            "chunks_embedded": report.chunks_embedded, "documents": len(g.documents()), "chunks": g.store.count(),
        }, ensure_ascii=False))
    else:
        t = Table(title="Ingest summary", show_lines=False)
        for col in ("file", "status", "chunks", "pages", "reason"):
            t.add_column(col, overflow="fold")
        colours = {"failed": "red", "added": "green", "updated": "yellow", "removed": "magenta"}
        for o in report.outcomes:
            if o.status == "unchanged" and len(report.outcomes) > 30:
                continue
            c = colours.get(o.status, "dim")
            t.add_row(o.path, f"[{c}]{o.status}[/{c}]", str(o.chunks), str(o.pages or ""),
                      o.reason or "; ".join(f"[yellow]{w}[/yellow]" for w in o.warnings))
        out.print(t)
        counts = ", ".join(f"{s} {report.count(s)}" for s in ("added", "updated", "unchanged", "removed", "failed")
                           if report.count(s))
        out.print(f"{counts or 'nothing to do'} | {len(g.documents())} documents, {g.store.count()} passages "
                  f"in {g.store.location} | {report.seconds:.1f} s")
        for m in report.missing:
            out.print(f"[yellow]missing on disk (kept; use --prune to remove):[/yellow] {m}")
    sys.exit(1 if report.failed else 0)


# ------------------------------------------------------------------------------------------------- search
def _filters(doc_type, agency, date_from, date_to, lang):
    from ...index.retriever import Filters

    return Filters(doc_types=list(doc_type), agencies=list(agency), date_from=date_from, date_to=date_to,
                   languages=list(lang))


def _search_json(query: str, hits) -> dict:
    return {"query": query, "results": [
        {"rank": h.rank, "score": round(float(h.score), 6), "text": h.text, "source": h.source()} for h in hits]}


@cli.command()
@click.argument("query", required=False)
@click.option("--top-k", "-k", type=int, default=None, help="Number of passages (default 5).")
@click.option("--type", "doc_type", multiple=True, help="Only this document type (uu, pp, perpres, perda, "
              "tip_report, meeting_report, agency_submission ...). Repeatable.")
@click.option("--agency", multiple=True, help="Only documents of/mentioning this agency (e.g. Kemensos). Repeatable.")
@click.option("--from", "date_from", help="Documents dated on/after YYYY-MM-DD.")
@click.option("--to", "date_to", help="Documents dated on/before YYYY-MM-DD.")
@click.option("--lang", multiple=True, type=click.Choice(["id", "en"]), help="Only documents in this language.")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "bm25"]), default="hybrid", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object (the stable contract).")
@click.option("--queries", type=click.File("r", encoding="utf-8"),
              help="Read one query per line; write one JSON object per line.")
@click.pass_context
def search(ctx, query, top_k, doc_type, agency, date_from, date_to, lang, mode, as_json, queries) -> None:
    """Search the ingested documents (hybrid keyword + semantic, Indonesian and English)."""
    if not query and not queries:
        raise click.UsageError("give a QUERY or --queries FILE")
    g = _open(ctx)
    f = g.filters_for(_user(ctx), _filters(doc_type, agency, date_from, date_to, lang))
    if queries:
        for line in queries:
            q = line.strip()
            if q:
                click.echo(json.dumps(_search_json(q, g.search(q, top_k, f, mode)), ensure_ascii=False))
        return
    hits = g.search(query, top_k, f, mode)
    if as_json:
        click.echo(json.dumps(_search_json(query, hits), ensure_ascii=False))
        return
    if not hits:
        out.print("No passages found.")
    for h in hits:
        s = h.source()
        where = " | ".join(str(x) for x in (s["section"], f"p. {s['page']}" if s["page"] else None) if x)
        out.print(f"[bold]{h.rank}.[/bold] [cyan]{s['title']}[/cyan] [dim]({s['doc_type']}, {s['path']})[/dim]")
        if where:
            out.print(f"   [green]{where}[/green]")
        text = h.text if len(h.text) < 600 else h.text[:600] + " ..."
        out.print("   " + text.replace("\n", "\n   "), highlight=False)


# ------------------------------------------------------------------------------------------------- docs
@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def docs(ctx, as_json: bool) -> None:
    """List ingested documents with their metadata and passage counts."""
    g = _open(ctx)
    recs = g.visible_documents(_user(ctx))
    if as_json:
        click.echo(json.dumps([{**r.meta.to_dict(), "chunks": r.chunks, "pages": r.pages, "format": r.fmt,
                                "sha256": r.sha256, "ocr_pages": r.ocr_pages} for r in recs], ensure_ascii=False))
        return
    t = Table(title=f"{len(recs)} documents, {sum(r.chunks for r in recs)} passages")
    for col in ("path", "title", "type", "agency", "date", "lang", "chunks"):
        t.add_column(col, overflow="fold")
    for r in recs:
        m = r.meta
        t.add_row(m.path, m.short_title or m.title[:60], m.doc_type, m.agency or "", m.date or "", m.language,
                  str(r.chunks))
    out.print(t)


# ------------------------------------------------------------------------------------------------- eval
@cli.group(name="eval")
def eval_group() -> None:
    """Measure retrieval (and later answers) on a question set such as eval/dev_qa.jsonl."""


def _disable_option(f):
    return click.option("--disable", multiple=True, metavar="RULE",
                        help="Switch this question rule off (an id of index/question_rules.yaml), to measure what it "
                             "is worth. Repeatable.")(f)


def _rules_off(ids: tuple[str, ...]):
    """A context with the question rules `ids` off; an unknown id is a usage error (exit 2) naming the known ones."""
    from ...index.rules import RuleError, disabled, rules

    unknown = [i for i in ids if i not in rules().ids]
    if unknown:
        raise click.BadParameter(str(RuleError(f"unknown question rule(s): {', '.join(unknown)} "
                                               f"(rules: {', '.join(sorted(rules().ids))})")), param_hint="--disable")
    return disabled(ids)


@eval_group.command(name="search")
@click.argument("qa_file", type=click.Path(exists=True, path_type=Path))
@click.option("--k", "k", type=int, default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--failures", is_flag=True, help="List the questions hybrid search misses at k.")
@_disable_option
@click.pass_context
def eval_search(ctx, qa_file: Path, k: int, as_json: bool, failures: bool, disable: tuple[str, ...]) -> None:
    """hit@1, hit@k and MRR for hybrid, BM25-only and dense-only retrieval, side by side."""
    from ..evaluation import evaluate_search, load_qa

    items = load_qa(qa_file)
    with _rules_off(disable):
        g = _open(ctx)
        res = evaluate_search(g, items, k=k)
    if as_json:
        click.echo(json.dumps(res, ensure_ascii=False))
        return
    rr = f", hybrid reranked by {g.reranker.id}" if g.reranker is not None else ""
    t = Table(title=f"Retrieval on {qa_file} ({res['answerable']} answerable questions{rr})")
    for col in ("mode", "hit@1", f"hit@{k}", "MRR", "p50 ms"):
        t.add_column(col, justify="right")
    for mode, m in res["modes"].items():
        t.add_row(mode, f"{m['hit@1']:.3f}", f"{m[f'hit@{k}']:.3f}", f"{m['mrr']:.3f}", f"{m['p50_ms']:.0f}")
    out.print(t)
    if failures:
        for f in res["modes"]["hybrid"]["misses"]:
            out.print(f"[red]miss[/red] {f['id']} {f['question']}  [dim]-> {f['source']}[/dim]")


# ------------------------------------------------------------------------------------------------- ask / log
def _print_answer(r) -> None:
    colour = "yellow" if r.abstained else "green"
    out.print(f"[{colour}]{r.answer}[/{colour}]", highlight=False)
    if r.citations:
        out.print("[bold]Sources[/bold]")
    for p in r.citations:
        s = p.hit.source()
        where = " | ".join(str(x) for x in (s["section"], f"p. {s['page']}" if s["page"] else None) if x)
        out.print(f"  [{p.n}] [cyan]{s['title']}[/cyan] [dim]({s['path']})[/dim] {where}", highlight=False)
    if r.abstained and r.related:
        out.print("[bold]Closest passages[/bold]")
        for p in r.related[:3]:
            s = p.hit.source()
            out.print(f"  - [cyan]{s['title']}[/cyan] [dim]{s['section'] or ''}[/dim]: {p.text[:200]}", highlight=False)
    for x in r.removed:
        out.print(f"  [dim]removed by verification ({x.reason}): {x.text[:120]}[/dim]", highlight=False)
    counts = (f" | {r.counts['rendered']} sentence(s) written, {r.counts['quoted']} quoted"
              if r.writer and not r.abstained else "")
    out.print(f"[dim]{r.generator} {r.model} | {1000 * r.timings.get('total_s', 0):.0f} ms{counts}[/dim]")


@cli.command()
@click.argument("question", required=False)
@click.option("--type", "doc_type", multiple=True, help="Only this document type. Repeatable.")
@click.option("--agency", multiple=True, help="Only documents of/mentioning this agency. Repeatable.")
@click.option("--from", "date_from", help="Documents dated on/after YYYY-MM-DD.")
@click.option("--to", "date_to", help="Documents dated on/before YYYY-MM-DD.")
@click.option("--lang", multiple=True, type=click.Choice(["id", "en"]), help="Only documents in this language.")
@click.option("--generator", type=click.Choice(GENERATORS),
              help="Override GUGUS_GENERATOR for this call.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object (the stable contract).")
@click.option("--questions", type=click.File("r", encoding="utf-8"),
              help="Read one question per line; write one JSON object per line.")
@click.pass_context
def ask(ctx, question, doc_type, agency, date_from, date_to, lang, generator, as_json, questions) -> None:
    """Answer a question from the documents, every sentence cited [n]; says so when the documents don't answer."""
    from ..generators import GeneratorError
    from ..limits import LimitError

    if not question and not questions:
        raise click.UsageError("give a QUESTION or --questions FILE")
    if generator:
        _settings(ctx).generator = generator
    g = _open(ctx)
    _writer(g)
    f = g.filters_for(_user(ctx), _filters(doc_type, agency, date_from, date_to, lang))
    who = _user(ctx).name
    try:
        if questions:
            for line in questions:
                q = line.strip()
                if q:
                    click.echo(json.dumps(g.answerer.ask(q, f, user=who).to_json(), ensure_ascii=False))
            return
        r = g.answerer.ask(question, f, user=who)
    except (GeneratorError, LimitError) as e:
        err.print(f"[red]error:[/red] {e}")
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(r.to_json(), ensure_ascii=False))
    else:
        _print_answer(r)


@cli.command(name="log")
@click.option("-n", "limit", type=int, default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def log_cmd(ctx, limit: int, as_json: bool) -> None:
    """Recent questions and answers from the audit log."""
    rows = _audit(_settings(ctx)).recent(limit)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    import datetime as dt

    t = Table(title=f"last {len(rows)} answers")
    for col in ("time", "user", "question", "answer", "cited", "generator", "ms"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(dt.datetime.fromtimestamp(r["ts"]).strftime("%Y-%m-%d %H:%M:%S"), r["user"] or "",
                  r["question"][:80], ("(abstained) " if r["abstained"] else "") + (r["answer"] or "")[:100],
                  ", ".join(c["path"] for c in r["cited"] or []), f"{r['generator']} {r['model'] or ''}",
                  f"{r['latency_ms']:.0f}")
    out.print(t)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=7860, show_default=True, type=int)
@click.pass_context
def serve(ctx, host: str, port: int) -> None:
    """Serve the web UI (chat with cited answers, document library)."""
    from ..web.app import serve as run

    g = _open(ctx)
    _audit(g.settings, g)  # a damaged or newer-schema audit log stops the start, not the first question
    run(g, host=host, port=port)


@cli.command()
@click.option("--sample", default=64, show_default=True, type=int, help="Stored vectors searched for themselves.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def check(ctx, sample: int, as_json: bool) -> None:
    """Verify the data directory: manifest integrity, the store against the manifest, the vector index.

    Exit code 0 when all is well, 1 when a problem was found (each is named with what to do), 2 when the data
    directory cannot be opened at all."""
    from ..ops.check import check as run_check

    g = _open(ctx)
    problems, facts = run_check(g, sample=sample)
    if as_json:
        click.echo(json.dumps({"ok": not problems, "facts": facts,
                               "problems": [{"what": p.what, "fix": p.fix} for p in problems]}, ensure_ascii=False))
    elif problems:
        for p in problems:
            err.print(f"[red]problem:[/red] {p.what}\n  what to do: {p.fix}")
    else:
        sv = facts.get("schema", {})
        audit_v = "none yet" if sv.get("audit") is None else f"v{sv['audit']}"
        out.print(f"ok: {facts.get('documents', 0)} documents, {facts.get('chunks_stored', 0)} chunks, "
                  f"{facts.get('vectors_sampled', 0)} sampled vectors found; schema: manifest v{sv.get('manifest')}, "
                  f"audit log {audit_v}")
    sys.exit(1 if problems else 0)


@eval_group.command(name="answers")
@click.argument("qa_file", type=click.Path(exists=True, path_type=Path))
@click.option("--generator", type=click.Choice(GENERATORS), help="Override GUGUS_GENERATOR for this run.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--failures", is_flag=True, help="List wrongly refused and wrongly answered questions.")
@_disable_option
@click.pass_context
def eval_answers(ctx, qa_file: Path, as_json: bool, failures: bool, generator: str | None,
                 disable: tuple[str, ...]) -> None:
    """Citation precision, refusals, answer language, number faithfulness, rendered/quoted sentences, latency."""
    from ..evaluation import evaluate_answers, load_qa

    if generator:
        _settings(ctx).generator = generator
    items = load_qa(qa_file)
    with _rules_off(disable):
        g = _open(ctx)
        _writer(g)
        res = evaluate_answers(g, items)
    if as_json:
        click.echo(json.dumps(res, ensure_ascii=False))
        return
    t = Table(title=f"Answers on {qa_file} ({res['answerable']} answerable, {res['unanswerable']} unanswerable), "
                    f"generator {g.answerer.generator.name}")
    t.add_column("measure")
    t.add_column("value", justify="right")
    for k in ("citation_precision", "answers_citing_evidence", "answered_share", "refused_answerable_share",
              "refused_unanswerable_share", "answers_in_question_language", "numbers_faithful", "quoted_share"):
        t.add_row(k, f"{res[k]:.3f}")
    t.add_row("sentences rendered / quoted", f"{res['rendered_sentences']} / {res['quoted_sentences']}")
    t.add_row("latency p50 / p95 (ms)", f"{res['p50_ms']:.0f} / {res['p95_ms']:.0f}")
    t.add_row("prompt tokens p50", f"{res['prompt_tokens_p50']:.0f}")
    out.print(t)
    if failures:
        for r in res["rows"]:
            if r["answerable"] == r["abstained"]:
                out.print(f"[red]{'refused' if r['abstained'] else 'answered'}[/red] {r['id']} {r['question']}")


# ------------------------------------------------------------------------------------------------- drafting
@cli.command()
@click.argument("section", required=False)
@click.option("--period", "period_text", help="TIP Report year (2025 = 2024-04-01..2025-03-31) or "
              "YYYY-MM-DD..YYYY-MM-DD. Default: the latest complete reporting period.")
@click.option("--lang", type=click.Choice(["en", "id"]), default="en", show_default=True,
              help="Language of the draft (LLM generators; the extractive one quotes the sources' language).")
@click.option("--agency", multiple=True, help="Only evidence of/mentioning this agency. Repeatable.")
@click.option("--type", "doc_type", multiple=True, help="Only this document type. Repeatable.")
@click.option("--note", default="", help="Officer's note to the drafter (emphasis; never a source).")
@click.option("--generator", type=click.Choice(GENERATORS),
              help="Override GUGUS_GENERATOR for this call.")
@click.option("--out", "out_file", type=click.Path(path_type=Path), help="Write FILE.docx or FILE.md.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object (the stable contract).")
@click.option("--list", "list_sections_", is_flag=True, help="List the sections and their subtopics.")
@click.pass_context
def draft(ctx, section, period_text, lang, agency, doc_type, note, generator, out_file, as_json,
          list_sections_) -> None:
    """Draft a TIP Report section (prosecution, protection, prevention, trafficking_profile,
    prioritized_recommendations) as cited paragraphs; subtopics without evidence are listed as gaps.

    Outlines are files in prompts/sections/. Every draft is saved in <data>/drafts/ (see `gugus drafts`).
    """
    from ...prompts import OutlineError, list_sections, load_outline
    from ..drafting.drafter import DraftError, Drafter
    from ..drafting.export import export
    from ..generators import GeneratorError

    if list_sections_ or not section:
        for name in list_sections():
            o = load_outline(name)
            out.print(f"[bold]{name}[/bold]: {o.label('en')}  [dim]({o.path.name})[/dim]")
            for sub in o.subtopics:
                out.print(f"   {sub.id}: {sub.label('en')}" + ("  [dim](needs figures)[/dim]" if sub.needs_figures else ""))
        if not section and not list_sections_:
            raise click.UsageError("give a SECTION (listed above)")
        return
    period = _period(period_text)
    if generator:
        _settings(ctx).generator = generator
    g = _open(ctx)
    _writer(g)
    f = g.filters_for(_user(ctx), _filters(doc_type, (), None, None, ()))
    try:
        d = Drafter(g)
        with err.status(f"drafting {section} for {period} ...") as status:
            def progress(i: int, n: int, name: str) -> None:
                if name:
                    status.update(f"drafting {section} for {period}: {i + 1}/{n} {name}")

            result = d.draft(section, period, lang, list(agency), note, f, progress=progress, user=_user(ctx).name)
        saved = d.save(result)
    except (OutlineError, DraftError, GeneratorError) as e:
        err.print(f"[red]error:[/red] {e}")
        sys.exit(2)
    if out_file:
        try:
            export(result, out_file)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--out") from None
        err.print(f"written {out_file}")
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        return
    if not out_file:
        from ..drafting.export import to_markdown

        click.echo(to_markdown(result))
    err.print(f"[dim]saved {saved} | {len(result.paragraphs)} paragraphs, {len(result.gaps)} gaps, "
              f"{len(result.references)} references | {result.timings.get('total_s', 0):.1f} s[/dim]")


@cli.command()
@click.argument("draft_id", required=False)
@click.option("--out", "out_file", type=click.Path(path_type=Path), help="Export that draft to FILE.docx or FILE.md.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def drafts(ctx, draft_id, out_file, as_json) -> None:
    """List saved drafts, or show / export one (DRAFT_ID as listed). With --as USER: that user's drafts only."""
    from ..drafting.drafter import list_drafts, load_draft
    from ..drafting.export import export, to_markdown

    paths = list_drafts(_settings(ctx).data_dir)
    user = _user(ctx)
    if not user.local and user.role != "admin":  # a draft quotes passages: only its author (and admins) see it
        paths = [p for p in paths if load_draft(p).user == user.name]
    if draft_id:
        path = next((p for p in paths if p.stem == draft_id or p.stem.startswith(draft_id)), None)
        if path is None:
            err.print(f"[red]error:[/red] no draft '{draft_id}' in {_settings(ctx).data_dir / 'drafts'}")
            sys.exit(2)
        d = load_draft(path)
        if out_file:
            export(d, out_file)
            err.print(f"written {out_file}")
        elif as_json:
            click.echo(json.dumps(d.to_json(), ensure_ascii=False))
        else:
            click.echo(to_markdown(d))
        return
    rows = [load_draft(p) for p in paths]
    if as_json:
        click.echo(json.dumps([{"id": d.id, "section": d.section, "period": d.period.to_json(), "lang": d.lang,
                                "generator": d.generator, "created": d.created, "user": d.user,
                                "paragraphs": len(d.paragraphs), "gaps": len(d.gaps)} for d in rows],
                              ensure_ascii=False))
        return
    t = Table(title=f"{len(rows)} drafts")
    for col in ("id", "section", "period", "lang", "generator", "paragraphs", "gaps", "user"):
        t.add_column(col, overflow="fold")
    for d in rows:
        t.add_row(d.id, d.section, str(d.period), d.lang, d.generator, str(len(d.paragraphs)), str(len(d.gaps)),
                  d.user)
    out.print(t)


# ------------------------------------------------------------------------------------------------- backup / restore
@cli.command()
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def backup(ctx, dest: Path, as_json: bool) -> None:
    """Back up the data directory into DEST (a new or empty directory): store, manifest, audit log, drafts, users.

    No ingest runs meanwhile (both take the data directory's lock). With a Chroma server, its collection is
    exported with the embeddings. DEST/gugus-backup.json lists every file with its sha256.
    """
    from ..ops.backup import BackupError, backup as run

    g = _open(ctx)
    try:
        s = run(g, dest)
    except (BackupError, DataDirBusy) as e:
        err.print(f"[red]error:[/red] {e}")
        sys.exit(2)
    finally:
        g.close()
    if as_json:
        click.echo(json.dumps({**s.__dict__, "path": str(s.path)}, ensure_ascii=False))
    else:
        out.print(f"backup written to {s.path}: {s.files} files, {s.bytes / 2**20:.1f} MB, "
                  f"{s.chunks} passages ({s.store} store, embedder {s.embedder})")


@cli.command()
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the contents of a data directory that is not empty.")
@click.pass_context
def restore(ctx, src: Path, force: bool) -> None:
    """Restore a backup made by `gugus backup` into the data directory, after checking every file's sha256.

    Refuses a data directory that is not empty unless --force.
    """
    from ..ops.backup import BackupError, restore as run

    try:
        m = run(_settings(ctx), src, force=force)
    except (BackupError, DataDirBusy) as e:
        err.print(f"[red]error:[/red] {e}")
        sys.exit(2)
    out.print(f"restored {len(m['files'])} files from {src} (made {m['created']} by Gugus {m['gugus_version']}, "
              f"{m['store']['chunks']} passages, embedder {m['embedder']}) into {_settings(ctx).data_dir}")


# ------------------------------------------------------------------------------------------------- users
@cli.group(name="users")
def users_group() -> None:
    """Accounts for the web UI: roles admin | editor | reader, agency membership (see README, Accounts)."""


def _users(ctx: click.Context):
    from ..accounts.users import UserStore

    return UserStore(_settings(ctx).users_path)


@users_group.command(name="add")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "editor", "reader"]), required=True)
@click.option("--agency", "agencies", multiple=True, help="Agency the user belongs to (reads its restricted "
              "documents). Repeatable.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--replace", is_flag=True, help="Replace an existing user of that name (new password, role, agencies).")
@click.pass_context
def users_add(ctx, name: str, role: str, agencies: tuple[str, ...], password_stdin: bool, replace: bool) -> None:
    """Add a user; the password is prompted for (twice) unless --password-stdin."""
    from ..accounts.users import AuthError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        u = _users(ctx).add(name, role, password, list(agencies), replace=replace)
    except AuthError as e:
        err.print(f"[red]error:[/red] {e}")
        sys.exit(2)
    out.print(f"user {u.name} ({u.role}{'; ' + ', '.join(u.agencies) if u.agencies else ''}) saved in "
              f"{_settings(ctx).users_path}")


@users_group.command(name="remove")
@click.argument("name")
@click.pass_context
def users_remove(ctx, name: str) -> None:
    """Remove a user (their web sessions end at once)."""
    from ..accounts.users import AuthError

    try:
        _users(ctx).remove(name)
    except AuthError as e:
        err.print(f"[red]error:[/red] {e}")
        sys.exit(2)
    out.print(f"user {name} removed")


@users_group.command(name="list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def users_list(ctx, as_json: bool) -> None:
    """List users with their role and agencies (never their password hashes)."""
    from ..accounts.users import AuthError

    try:
        users = _users(ctx).list()
    except AuthError as e:
        err.print(f"[red]error:[/red] {e}")
        sys.exit(2)
    if as_json:
        click.echo(json.dumps([{"name": u.name, "role": u.role, "agencies": list(u.agencies)} for u in users],
                              ensure_ascii=False))
        return
    t = Table(title=f"{len(users)} users in {_settings(ctx).users_path}")
    for col in ("name", "role", "agencies"):
        t.add_column(col)
    for u in users:
        t.add_row(u.name, u.role, ", ".join(u.agencies))
    out.print(t)


# ------------------------------------------------------------------------------------------------- figures / coverage
@cli.command()
@click.option("--period", "period_text", help="TIP Report year (2025 = 2024-04-01..2025-03-31), "
              "YYYY-MM-DD..YYYY-MM-DD, or 'all'. Default: the latest complete reporting period.")
@click.option("--agency", multiple=True, help="Only figures attributed to this agency (e.g. Kemensos). Repeatable.")
@click.option("--type", "doc_type", multiple=True, help="Only figures from this document type. Repeatable.")
@click.option("--conflicts", "only_conflicts", is_flag=True,
              help="Only measures reported with different values for the same period by different documents.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: {period, figures, conflicts}.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV, one row per figure.")
@click.option("--kind", type=click.Choice(["statistic", "statutory"]),
              help="Only reported statistics, or only statutory penalties written in laws (the legal framework).")
@click.pass_context
def figures(ctx, period_text, agency, doc_type, only_conflicts, as_json, as_csv, kind) -> None:
    """The figures table: numbers (victims, cases, suspects, PMI, percentages, rupiah, prison terms) found in the
    documents, with the period they belong to and their source passage. Conflicting figures are flagged."""
    from rich.markup import escape

    from .. import figures as fig

    if as_json and as_csv:
        raise click.UsageError("--json and --csv are exclusive")
    period = None if (period_text or "").strip().lower() == "all" else _period(period_text)
    g = _open(ctx)
    f = g.filters_for(_user(ctx), _filters(doc_type, agency, None, None, ()))
    f.period = period
    rows = [x for x in fig.figures(g, f) if kind is None or x.kind == kind]
    found = fig.conflicts(rows)
    if only_conflicts:
        keep = {id(x) for c in found for x in c.figures}
        rows = [x for x in rows if id(x) in keep]
    if as_csv:
        fig.to_csv(rows, sys.stdout)
        return
    if as_json:
        click.echo(json.dumps({"period": period.to_json() if period else None,
                               "period_label": str(period) if period else "all",
                               "figures": [x.to_json() for x in rows], "conflicts": [c.to_json() for c in found]},
                              ensure_ascii=False))
        return
    conflicted = {id(x) for c in found for x in c.figures}
    t = Table(title=f"{len(rows)} figures, period {period or 'all'}, {len(found)} conflicts")
    t.add_column("value", no_wrap=True)
    for col in ("unit", "what", "agency", "period", "source", "text"):
        t.add_column(col, overflow="fold")
    for x in rows:
        mark = "[red]![/red] " if id(x) in conflicted else ""
        t.add_row(mark + x.value_text, *map(escape, (x.unit, x.what, x.agency or "", x.period_label, x.source_label,
                                                      x.text)))
    out.print(t)
    for c in found:
        out.print(f"[red]conflict[/red] {escape(c.what)} ({c.period}): " +
                  "; ".join(f"{x.value:,.10g} in {escape(x.short_title or x.path)}" for x in c.figures))


@cli.command(name="coverage")
@click.option("--period", "period_text", help="TIP Report year (2025 = 2024-04-01..2025-03-31) or "
              "YYYY-MM-DD..YYYY-MM-DD. Default: the latest complete reporting period.")
@click.option("--in-force", is_flag=True, help="Also count regulations enacted before the period.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: matrix, passage ids per cell, gaps.")
@click.pass_context
def coverage_cmd(ctx, period_text, in_force: bool, as_json: bool) -> None:
    """Agencies x TIP sections for a period: passages each agency supplied (and passages mentioning it);
    an empty cell for an agency the section outline asks for is a gap."""
    from ..coverage import coverage

    period = _period(period_text)
    g = _open(ctx)
    c = coverage(g, period, filters=g.filters_for(_user(ctx), None), in_force=in_force)
    if as_json:
        click.echo(json.dumps(c.to_json(), ensure_ascii=False))
        return
    t = Table(title=f"Coverage {period}: passages supplied / mentioning ({c.passages} passages in the period)")
    t.add_column("agency")
    for s in c.sections:
        t.add_column(s, justify="center")
    for a in c.agencies:
        cells = []
        for s in c.sections:
            x = c.cell(a, s)
            gap = a in c.expected.get(s, []) and x.is_gap
            text = f"{len(x.supplied)} / {len(x.mentioned)}"
            cells.append(f"[red]{text}[/red]" if gap else text if x.supplied or x.mentioned else f"[dim]{text}[/dim]")
        t.add_row(a, *cells)
    out.print(t)
    out.print(f"{len(c.gaps())} gaps (red: the outline asks this agency for evidence, none supplied)")


from .cycle import register as _register_cycle  # noqa: E402  (gugus cycle / requests / recommendations)

_register_cycle(cli)


def main() -> None:
    cli(prog_name="gugus")


if __name__ == "__main__":
    main()
