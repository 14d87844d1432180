"""The web UI (Gradio Blocks mounted on FastAPI): Chat with cited answers and a Library of documents.

A thin layer: answers come from app.answer.AnswerPipeline, documents from app.services.Gugus. Sources open at
/source/{doc_id} (PDFs inline at their page, text documents as a page with the passage highlighted).
Nothing on the page is fetched from outside: system fonts, Gradio analytics off.
"""
from __future__ import annotations

import html
import logging
import re
import shutil
import time
from pathlib import Path
from typing import Any

from ..index.retriever import Filters
from ..ingest.readers import SUPPORTED
from ..ingest.types import DOC_TYPES

log = logging.getLogger(__name__)

TEXT = {
    "id": {
        "title": "Gugus: tanya jawab dokumen TPPO",
        "subtitle": "Jawaban dengan rujukan [n] ke dokumen sumber. Setiap kalimat dapat diperiksa.",
        "chat": "Tanya jawab", "library": "Pustaka", "ask": "Tanya", "question": "Pertanyaan",
        "placeholder": "Misalnya: Apa saja enam Subsatgas Gugus Tugas TPPO?",
        "filters": "Saring sumber", "doc_types": "Jenis dokumen", "agencies": "Instansi",
        "date_from": "Dari tanggal (YYYY-MM-DD)", "date_to": "Sampai tanggal (YYYY-MM-DD)",
        "sources": "Sumber", "no_sources": "Belum ada sumber.", "open": "Buka dokumen",
        "related": "Bagian terdekat (tidak menjawab langsung)", "removed": "Dihapus oleh verifikasi",
        "upload": "Unggah dokumen (PDF, DOCX, MD, TXT)", "ingest": "Unggah & proses", "clear": "Percakapan baru",
        "docs": "Dokumen", "status": "Embedder: {emb} · Generator: {gen} · {n} dokumen, {c} bagian",
        "lang": "Bahasa antarmuka",
    },
    "en": {
        "title": "Gugus: questions on TPPO documents",
        "subtitle": "Answers cite the source documents with [n]. Every sentence can be checked.",
        "chat": "Chat", "library": "Library", "ask": "Ask", "question": "Question",
        "placeholder": "E.g.: Which ministries took part in the coordination meeting on the 2025 TIP Report?",
        "filters": "Filter sources", "doc_types": "Document type", "agencies": "Agency",
        "date_from": "From date (YYYY-MM-DD)", "date_to": "To date (YYYY-MM-DD)",
        "sources": "Sources", "no_sources": "No sources yet.", "open": "Open document",
        "related": "Closest passages (not a direct answer)", "removed": "Removed by verification",
        "upload": "Upload documents (PDF, DOCX, MD, TXT)", "ingest": "Upload & ingest", "clear": "New conversation",
        "docs": "Documents", "status": "Embedder: {emb} · Generator: {gen} · {n} documents, {c} passages",
        "lang": "Interface language",
    },
}

CSS = """
.gugus-src {border:1px solid #ddd; border-radius:6px; padding:8px 10px; margin:6px 0; font-size:0.92em}
.gugus-src .n {font-weight:bold; color:#fff; background:#2b6cb0; border-radius:4px; padding:0 6px; margin-right:6px}
.gugus-src .meta {color:#555; font-size:0.9em}
.gugus-src blockquote {margin:6px 0; padding-left:8px; border-left:3px solid #ccc; white-space:pre-wrap}
.gugus-removed {color:#a0522d; font-size:0.88em}
"""


def _source_url(p) -> str:
    m = p.hit.meta
    url = f"/source/{m.get('doc_id')}?chunk={p.hit.id}"
    if m.get("page"):
        url += f"#page={m['page']}"
    return url


def sources_html(result, lang: str = "id") -> str:
    t = TEXT[lang]
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
        parts.append(
            f"<div class='gugus-src' id='src-{label}'><span class='n'>{label}</span>"
            f"<b>{html.escape(str(m.get('title')))}</b><div class='meta'>{meta} · "
            f"<code>{html.escape(str(m.get('path')))}</code></div>"
            f"<blockquote>{html.escape(p.text)}</blockquote>"
            f"<a class='gugus-open' href='{_source_url(p)}' target='_blank'>{html.escape(t['open'])}</a></div>"
        )
    if result.removed:
        parts.append(f"<div class='gugus-removed'><b>{html.escape(t['removed'])}:</b><ul>" + "".join(
            f"<li>{html.escape(s.text[:200])} <em>({html.escape(s.reason or '')})</em></li>" for s in result.removed)
            + "</ul></div>")
    return "\n".join(parts) or f"<p>{t['no_sources']}</p>"


def _history(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    q = None
    for m in messages or []:
        content = m.get("content") if isinstance(m, dict) else getattr(m, "content", "")
        role = m.get("role") if isinstance(m, dict) else getattr(m, "role", "")
        if isinstance(content, list):
            content = " ".join(str(c.get("text", "")) if isinstance(c, dict) else str(c) for c in content)
        if role == "user":
            q = str(content)
        elif role == "assistant" and q is not None:
            pairs.append((q, str(content)))
            q = None
    return pairs


def _filters(doc_types, agencies, date_from, date_to) -> Filters:
    def valid(d: str | None) -> str | None:
        d = (d or "").strip()
        if d and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", d):
            raise ValueError(f"invalid date '{d}' (use YYYY-MM-DD)")
        return d or None

    return Filters(doc_types=list(doc_types or []), agencies=list(agencies or []),
                   date_from=valid(date_from), date_to=valid(date_to))


def docs_rows(g) -> list[list[Any]]:
    return [[r.meta.path, r.meta.short_title or r.meta.title, r.meta.doc_type, r.meta.agency or "",
             r.meta.date or "", r.meta.language, r.chunks] for r in g.documents()]


def build_blocks(g):
    import gradio as gr

    def status(lang: str) -> str:
        docs = g.documents()
        return TEXT[lang]["status"].format(emb=g.embedder.id, gen=f"{g.answerer.generator.name} "
                                           f"{g.answerer.generator.model}".strip(), n=len(docs),
                                           c=sum(d.chunks for d in docs))

    agencies = sorted({a for r in g.documents() for a in ([r.meta.agency] if r.meta.agency else []) + r.meta.agencies})
    t = TEXT["id"]
    with gr.Blocks(title="Gugus") as demo:
        lang = gr.State("id")
        last = gr.State(None)
        with gr.Row():
            header = gr.Markdown(f"## {t['title']}\n{t['subtitle']}")
            ui_lang = gr.Radio(["id", "en"], value="id", label=t["lang"], scale=0, min_width=160, elem_id="ui-lang")
        status_md = gr.Markdown(status("id"), elem_id="gugus-status")
        with gr.Tabs():
            with gr.Tab(t["chat"], id="chat") as chat_tab:
                with gr.Row():
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(height=460, elem_id="gugus-chat", buttons=["copy"], label="Gugus")
                        question = gr.Textbox(label=t["question"], placeholder=t["placeholder"], lines=2,
                                              elem_id="gugus-question")
                        with gr.Row():
                            ask_btn = gr.Button(t["ask"], variant="primary", elem_id="gugus-ask")
                            clear_btn = gr.Button(t["clear"], elem_id="gugus-clear")
                    with gr.Column(scale=2):
                        with gr.Accordion(t["filters"], open=False) as filt_acc:
                            f_types = gr.Dropdown(list(DOC_TYPES), multiselect=True, label=t["doc_types"])
                            f_agencies = gr.Dropdown(agencies, multiselect=True, label=t["agencies"])
                            f_from = gr.Textbox(label=t["date_from"])
                            f_to = gr.Textbox(label=t["date_to"])
                        src_title = gr.Markdown(f"### {t['sources']}")
                        sources = gr.HTML(f"<p>{t['no_sources']}</p>", elem_id="gugus-sources")
            with gr.Tab(t["library"], id="library") as lib_tab:
                docs_df = gr.Dataframe(headers=["path", "title", "type", "agency", "date", "lang", "chunks"],
                                       value=docs_rows(g), interactive=False, wrap=True, elem_id="gugus-docs")
                upload = gr.File(label=t["upload"], file_count="multiple",
                                 file_types=sorted(SUPPORTED), elem_id="gugus-upload")
                ingest_btn = gr.Button(t["ingest"], variant="primary", elem_id="gugus-ingest")
                ingest_out = gr.Dataframe(headers=["file", "status", "chunks", "reason"], interactive=False,
                                          elem_id="gugus-ingest-result")

        def respond(message, messages, lang_v, types, ags, dfrom, dto):
            message = (message or "").strip()
            messages = list(messages or [])
            if not message:
                yield messages, gr.update(), None, ""
                return
            try:
                filters = _filters(types, ags, dfrom, dto)
            except ValueError as e:
                messages += [{"role": "user", "content": message}, {"role": "assistant", "content": str(e)}]
                yield messages, gr.update(), None, ""
                return
            history = _history(messages)
            messages += [{"role": "user", "content": message}, {"role": "assistant", "content": "…"}]
            yield messages, gr.update(), None, ""
            partial = ""
            result = None
            for kind, value in g.answerer.stream(message, filters, history):
                if kind == "delta":
                    partial += value
                    messages[-1] = {"role": "assistant", "content": partial}
                    yield messages, gr.update(), None, ""
                else:
                    result = value
            assert result is not None
            messages[-1] = {"role": "assistant", "content": result.answer}
            yield messages, sources_html(result, lang_v), result, ""

        ask_inputs = [question, chatbot, lang, f_types, f_agencies, f_from, f_to]
        ask_outputs = [chatbot, sources, last, question]
        ask_btn.click(respond, ask_inputs, ask_outputs, api_name="ask")
        question.submit(respond, ask_inputs, ask_outputs, api_name=False)
        clear_btn.click(lambda lang_v: ([], f"<p>{TEXT[lang_v]['no_sources']}</p>", None), [lang],
                        [chatbot, sources, last], api_name=False)

        def do_ingest(files, lang_v, progress=gr.Progress()):
            if not files:
                return gr.update(), [], status(lang_v), gr.update()
            up = g.settings.data_dir / "uploads"
            up.mkdir(parents=True, exist_ok=True)
            targets = []
            for f in files:
                src = Path(f if isinstance(f, str) else getattr(f, "name", str(f)))
                name = re.sub(r"[^\w.\-]+", "_", src.name).lstrip(".") or f"upload-{int(time.time())}"
                dst = up / name
                shutil.copyfile(src, dst)
                targets.append(dst)

            def cb(name: str, i: int, n: int) -> None:
                progress((i, n), desc=name)

            report = g.ingest(targets, progress=cb)
            rows = [[o.path, o.status, o.chunks, o.reason or ""] for o in report.outcomes]
            ags = sorted({a for r in g.documents() for a in ([r.meta.agency] if r.meta.agency else []) + r.meta.agencies})
            return docs_rows(g), rows, status(lang_v), gr.update(choices=ags)

        ingest_btn.click(do_ingest, [upload, lang], [docs_df, ingest_out, status_md, f_agencies], api_name="ingest")

        def switch(lang_v):
            tt = TEXT[lang_v]
            return (lang_v, f"## {tt['title']}\n{tt['subtitle']}", status(lang_v), gr.update(label=tt["lang"]),
                    gr.update(label=tt["question"], placeholder=tt["placeholder"]), gr.update(value=tt["ask"]),
                    gr.update(value=tt["clear"]), gr.update(label=tt["filters"]), gr.update(label=tt["doc_types"]),
                    gr.update(label=tt["agencies"]), gr.update(label=tt["date_from"]), gr.update(label=tt["date_to"]),
                    f"### {tt['sources']}", gr.update(label=tt["chat"]), gr.update(label=tt["library"]),
                    gr.update(label=tt["upload"]), gr.update(value=tt["ingest"]))

        ui_lang.change(switch, [ui_lang], [lang, header, status_md, ui_lang, question, ask_btn, clear_btn, filt_acc,
                                           f_types, f_agencies, f_from, f_to, src_title, chat_tab, lib_tab, upload,
                                           ingest_btn], api_name=False)
    return demo


def build_app(g):
    import gradio as gr
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import FileResponse, HTMLResponse

    app = FastAPI(title="Gugus")

    @app.get("/source/{doc_id}")
    def source(doc_id: str, chunk: str | None = None):
        rec = next((r for r in g.documents() if r.doc_id == doc_id), None)
        if rec is None:
            raise HTTPException(404, "unknown document")
        path = Path(rec.key)
        if rec.fmt == "pdf" and path.is_file():
            return FileResponse(path, media_type="application/pdf", filename=path.name,
                                content_disposition_type="inline")
        chunks = g.store.doc_chunks(doc_id)
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

    theme = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    return gr.mount_gradio_app(app, build_blocks(g), path="/", theme=theme, css=CSS, ssr_mode=False,
                               footer_links=[])


def serve(g, host: str = "127.0.0.1", port: int = 7860) -> None:
    import uvicorn

    t0 = time.perf_counter()
    g.retriever.keyword_index()  # warm the keyword index before the first question
    app = build_app(g)
    docs = g.documents()
    print(f"Gugus ready in {time.perf_counter() - t0:.1f} s: http://{host}:{port}  "
          f"({len(docs)} documents; embedder {g.embedder.id}; generator {g.answerer.generator.name} "
          f"{g.answerer.generator.model})", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=3)
