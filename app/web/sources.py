"""Where a citation leads: the source card shown beside an answer or a draft, and the /source/{doc_id} page (the
PDF itself, or the document's passages with the cited one marked). The chat and draft tabs both use these; the
module imports neither Gradio nor the store (the container hands out a readable document's passages)."""
from __future__ import annotations

import html
from pathlib import Path

from fastapi import HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse


def source_url(p) -> str:
    m = p.hit.meta
    url = f"/source/{m.get('doc_id')}?chunk={p.hit.id}"
    if m.get("page"):
        url += f"#page={m['page']}"
    return url


def _rendered_pairs(result, n: int, t: dict[str, str]) -> str:
    """Each written sentence citing [n] beside the evidence it renders."""
    rows = [s for s in getattr(result, "sentences", []) or [] if s.kind == "rendered" and n in s.cites]
    if not rows:
        return ""
    return "<table class='gugus-pairs'>" + "".join(
        f"<tr><td>{html.escape(s.text)}</td><td class='ev'><em>{html.escape(t['evidence'])}:</em> "
        f"{html.escape(s.evidence)}</td></tr>" for s in rows) + "</table>"


def sources_html(result, t: dict[str, str]) -> str:
    """The sources panel of an answer: a card per cited passage (written sentences beside their evidence), the
    closest passages of a refusal, and what verification removed. ``t``: the chat tab's strings in one language."""
    if result is None:
        return f"<p>{t['no_sources']}</p>"
    parts = []
    items = [(p, False) for p in result.citations] + ([(p, True) for p in result.related[:3]] if result.abstained else [])
    if result.abstained and result.related:
        parts.append(f"<p><em>{html.escape(t['related'])}</em></p>")
    for p, is_related in items:
        m = p.hit.meta
        meta = " · ".join(html.escape(str(x)) for x in (
            m.get("doc_type"), m.get("date"), f"p. {m['page']}" if m.get("page") else None, m.get("section"),
        ) if x)
        label = "–" if is_related else str(p.n)
        pairs = "" if is_related else _rendered_pairs(result, p.n, t)
        parts.append(
            f"<div class='gugus-src' id='src-{label}'><span class='n'>{label}</span>"
            f"<b>{html.escape(str(m.get('title')))}</b><div class='meta'>{meta} · "
            f"<code>{html.escape(str(m.get('path')))}</code></div>{pairs}"
            f"<blockquote>{html.escape(p.text)}</blockquote>"
            f"<a class='gugus-open' href='{source_url(p)}' target='_blank'>{html.escape(t['open'])}</a></div>"
        )
    if result.removed:
        parts.append(f"<div class='gugus-removed'><b>{html.escape(t['removed'])}:</b><ul>" + "".join(
            f"<li>{html.escape(s.text[:200])} <em>({html.escape(s.reason or '')})</em></li>" for s in result.removed)
            + "</ul></div>")
    return "\n".join(parts) or f"<p>{t['no_sources']}</p>"


def add_source_route(app, g, gate) -> None:
    """GET /source/{doc_id}?chunk=ID: a document the logged-in user may read (else 404, whether it exists or not)."""

    @app.get("/source/{doc_id}")
    def source(doc_id: str, request: Request, chunk: str | None = None):
        try:
            user = gate.request_user(request)
        except PermissionError:
            raise HTTPException(401, "login required") from None
        rec = g.document_for(user, doc_id)
        if rec is None:  # unknown, or not readable by this user: the same answer
            raise HTTPException(404, "unknown document")
        path = Path(rec.key)
        if rec.fmt == "pdf" and path.is_file():
            return FileResponse(path, media_type="application/pdf", filename=path.name,
                                content_disposition_type="inline")
        chunks = g.doc_chunks(doc_id)
        body = []
        for c in chunks:
            mark = " class='hit' id='hit'" if c.id == chunk else ""
            sec = html.escape(c.meta.get("section") or "")
            body.append(f"<section{mark}><h4>{sec}</h4><p>{html.escape(c.text)}</p></section>")
        m = rec.meta
        return HTMLResponse(
            "<!doctype html><html><head><meta charset='utf-8'><title>" + html.escape(m.title) + "</title><style>"
            "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;line-height:1.5}"
            "section{border-bottom:1px solid #eee;padding:4px 0} h4{color:#555;margin:4px 0}"
            "p{white-space:pre-wrap;margin:2px 0}.hit{background:#fff7cc;border-left:4px solid #e0a800;padding-left:8px}"
            "</style></head><body><h2>" + html.escape(m.title) + "</h2><p><code>" + html.escape(m.path) + "</code> · "
            + html.escape(" · ".join(x for x in (m.doc_type, m.date or "", m.agency or "", m.origin or "") if x))
            + "</p>" + "".join(body)
            + "<script>var h=document.getElementById('hit');if(h)h.scrollIntoView();</script></body></html>")
