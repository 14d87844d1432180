"""The web UI (Gradio Blocks mounted on FastAPI): Chat with cited answers and a Library of documents.

A thin layer: answers come from app.answering.pipeline.AnswerPipeline, documents from app.container.Gugus. Sources open at
/source/{doc_id} (PDFs inline at their page, text documents as a page with the passage highlighted).
Nothing on the page is fetched from outside: system fonts, Gradio analytics off.
"""
from __future__ import annotations

import html
import logging
import re
import time
from pathlib import Path
from typing import Any

import gradio as gr  # at module level: Gradio and FastAPI find `request` parameters by resolving type hints
from fastapi import Request

from ...index.retriever import Filters
from ...ingest.types import ACCESS_LEVELS, DOC_TYPES, IngestError
from ..accounts.users import User
from ..limits import question_problem
from ..accounts.uploads import came_through_upload, discard_uploads, stage_uploads
from .auth import LoginGate, is_loopback
from .sources import add_source_route, sources_html

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
        "docs": "Dokumen", "status": "Penulis: {gen} · Embedder: {emb} · {n} dokumen, {c} bagian",
        "writer_local": "model lokal {model}", "writer_extractive": "ekstraktif (kutipan kalimat sumber)",
        "writer_other": "{name} {model}", "fallback": "⚠ Model lokal tidak tersedia; Gugus menjawab ekstraktif: {why}",
        "queue": "Menunggu giliran penulis: {n} permintaan di depan Anda…",
        "counts": "{r} kalimat ditulis, {q} dikutip", "evidence": "bukti",
        "lang": "Bahasa antarmuka", "access": "Akses dokumen yang diunggah",
        "access_agencies": "Instansi yang boleh membaca (akses restricted)",
        "user": "Masuk sebagai **{name}** ({role}) · [keluar](/logout)", "local": "Mode satu pengguna (tanpa login)",
        "no_upload": "Hanya editor dan admin yang dapat mengunggah.",
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
        "docs": "Documents", "status": "Writer: {gen} · Embedder: {emb} · {n} documents, {c} passages",
        "writer_local": "local model {model}", "writer_extractive": "extractive (quotes source sentences)",
        "writer_other": "{name} {model}", "fallback": "⚠ The local model is unavailable; Gugus answers extractively: {why}",
        "queue": "Waiting for the writer: {n} request(s) ahead of you…",
        "counts": "{r} sentence(s) written, {q} quoted", "evidence": "evidence",
        "lang": "Interface language", "access": "Access of the uploaded documents",
        "access_agencies": "Agencies that may read them (restricted access)",
        "user": "Logged in as **{name}** ({role}) · [log out](/logout)", "local": "Single-user mode (no login)",
        "no_upload": "Only editors and admins can upload.",
    },
}

CSS = """
.gugus-src {border:1px solid #ddd; border-radius:6px; padding:8px 10px; margin:6px 0; font-size:0.92em}
.gugus-src .n {font-weight:bold; color:#fff; background:#2b6cb0; border-radius:4px; padding:0 6px; margin-right:6px}
.gugus-src .meta {color:#555; font-size:0.9em}
.gugus-src blockquote {margin:6px 0; padding-left:8px; border-left:3px solid #ccc; white-space:pre-wrap}
.gugus-removed {color:#a0522d; font-size:0.88em}
.gugus-pairs {width:100%; border-collapse:collapse; margin:6px 0; font-size:0.95em}
.gugus-pairs td {vertical-align:top; padding:3px 6px; border-top:1px solid #eee; width:50%}
.gugus-pairs td.ev {color:#444; background:#f7f7f7}
"""


def writer_label(g, lang: str) -> str:
    """The writer in plain words: "model lokal Qwen2.5-Coder 1.5B", "ekstraktif (kutipan kalimat sumber)"."""
    gen = g.answerer.generator
    t = TEXT[lang]
    if gen.name == "local":
        return t["writer_local"].format(model=gen.label)
    if gen.name == "extractive":
        return t["writer_extractive"]
    return t["writer_other"].format(name=gen.name, model=gen.model).strip()


def answer_text(result, lang: str) -> str:
    """The chat message: the answer, and (when a writer wrote it) how many sentences were written and quoted."""
    if result.abstained or not result.writer:
        return chat_safe(result.answer)
    c = result.counts
    return f"{chat_safe(result.answer)}\n\n*{TEXT[lang]['counts'].format(r=c['rendered'], q=c['quoted'])}*"


# questions in the chat at once when the local writer queues them (its FIFO serves one at a time): under Gradio's 40
# worker threads, so that the library, drafts and figures keep threads while officers wait for the writer
ASK_WAITERS = 32

CSP = "img-src 'self' data: blob:; media-src 'self' data: blob:; frame-src 'self'; object-src 'none'"
_MD_ACTIVE = re.compile(r"(!)(\[)|(\[)([^\]]*\]\()")


def chat_safe(text: str) -> str:
    """Text for the chat (rendered as Markdown): HTML is shown as text, and Markdown images and links written in a
    document or a question become inert text, so nothing in an answer is fetched or followed."""
    text = html.escape(text, quote=False)
    return _MD_ACTIVE.sub(lambda m: (m.group(1) or "") + "\\[" + (m.group(4) or ""), text)


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


def _access_label(meta) -> str:
    return f"{meta.access}: {', '.join(meta.access_agencies)}" if meta.access_agencies else meta.access


def docs_rows(g, user: User) -> list[list[Any]]:
    """The Library table: only the documents `user` may read."""
    return [[r.meta.path, r.meta.short_title or r.meta.title, r.meta.doc_type, r.meta.agency or "",
             r.meta.date or "", r.meta.language, _access_label(r.meta), r.chunks] for r in g.visible_documents(user)]


def _agency_choices(g, user: User) -> list[str]:
    return sorted({a for r in g.visible_documents(user)
                   for a in ([r.meta.agency] if r.meta.agency else []) + r.meta.agencies})


def build_blocks(g, gate: LoginGate | None = None):
    """The UI. Per-user content (library rows, agencies, counts) is filled on page load for the logged-in user;
    every event resolves its user through `gate` (default: login required as soon as users exist)."""
    import gradio as gr

    gate = gate or LoginGate(g)

    def who(request: gr.Request | None) -> User:
        try:
            return gate.request_user(request)
        except PermissionError:
            raise gr.Error("login required") from None

    def status(lang: str, user: User) -> str:
        docs = g.visible_documents(user)
        emb = g.embedder.id + (f" · Reranker: {g.reranker.id}" if g.reranker is not None else "")
        line = TEXT[lang]["status"].format(emb=emb, gen=writer_label(g, lang), n=len(docs),
                                           c=sum(d.chunks for d in docs))
        who_line = TEXT[lang]["local"] if user.local else TEXT[lang]["user"].format(name=user.name, role=user.role)
        note = getattr(g, "writer_note", "")
        return f"{line} · {who_line}" + (f"\n\n{TEXT[lang]['fallback'].format(why=note)}" if note else "")

    t = TEXT["id"]
    with gr.Blocks(title="Gugus") as demo:
        lang = gr.State("id")
        last = gr.State(None)
        with gr.Row():
            header = gr.Markdown(f"## {t['title']}\n{t['subtitle']}")
            ui_lang = gr.Radio(["id", "en"], value="id", label=t["lang"], scale=0, min_width=160, elem_id="ui-lang")
        status_md = gr.Markdown("", elem_id="gugus-status")
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
                            # choices are the page's agencies (on load); API clients never load the page, so
                            # any name is accepted: the filter only narrows what the user may read anyway
                            f_agencies = gr.Dropdown([], multiselect=True, allow_custom_value=True,
                                                     label=t["agencies"])
                            f_from = gr.Textbox(label=t["date_from"])
                            f_to = gr.Textbox(label=t["date_to"])
                        src_title = gr.Markdown(f"### {t['sources']}")
                        sources = gr.HTML(f"<p>{t['no_sources']}</p>", elem_id="gugus-sources")
            with gr.Tab(t["library"], id="library") as lib_tab:
                docs_df = gr.Dataframe(headers=["path", "title", "type", "agency", "date", "lang", "access", "chunks"],
                                       value=[], interactive=False, wrap=True, elem_id="gugus-docs")
                # no file_types: Gradio would reject the whole batch for one wrong extension with a generic error;
                # stage_uploads checks every file and names the reason (issue 10, item 11)
                upload = gr.File(label=t["upload"], file_count="multiple", elem_id="gugus-upload")
                with gr.Row():
                    up_access = gr.Radio(list(ACCESS_LEVELS), value="internal", label=t["access"],
                                         elem_id="gugus-upload-access")
                    up_agencies = gr.Dropdown([], multiselect=True, allow_custom_value=True,
                                              label=t["access_agencies"], elem_id="gugus-upload-agencies")
                ingest_btn = gr.Button(t["ingest"], variant="primary", elem_id="gugus-ingest")
                ingest_out = gr.Dataframe(headers=["file", "status", "chunks", "reason"], interactive=False,
                                          elem_id="gugus-ingest-result")
            from ...ingest.agencies import short_names
            from .draft import draft_tab

            draft_parts, draft_relabel = draft_tab(g, who, short_names())
            from .figures import figures_tab

            fig_parts, fig_relabel = figures_tab(g, who, short_names())
            from .cycle import cycle_tab

            cycle_parts, cycle_relabel = cycle_tab(g, who)

        def respond(message, messages, lang_v, types, ags, dfrom, dto, request: gr.Request):
            user = who(request)
            message = (message or "").strip()
            messages = list(messages or [])
            if not message:
                yield messages, gr.update(), None, ""
                return
            too_long = question_problem(message, g.settings)  # GUGUS_MAX_QUESTION_CHARS: refused before any work
            if too_long:  # the question stays in the box (the last output), to be shortened
                messages += [{"role": "user", "content": message[:200] + "…"},
                             {"role": "assistant", "content": too_long}]
                yield messages, gr.update(), None, message
                return
            try:
                filters = _filters(types, ags, dfrom, dto)
            except ValueError as e:
                messages += [{"role": "user", "content": chat_safe(message)},
                             {"role": "assistant", "content": chat_safe(str(e))}]
                yield messages, gr.update(), None, ""
                return
            history = _history(messages)
            messages += [{"role": "user", "content": chat_safe(message)}, {"role": "assistant", "content": "…"}]
            yield messages, gr.update(), None, ""
            partial = ""
            result = None
            for kind, value in g.answerer.stream(message, g.filters_for(user, filters), history, user=user.name):
                if kind == "delta":
                    partial += value
                    messages[-1] = {"role": "assistant", "content": chat_safe(partial)}
                    yield messages, gr.update(), None, ""
                elif kind == "queue":
                    messages[-1] = {"role": "assistant", "content": TEXT[lang_v]["queue"].format(n=value)}
                    yield messages, gr.update(), None, ""
                elif kind == "result":
                    result = value
            assert result is not None
            messages[-1] = {"role": "assistant", "content": answer_text(result, lang_v)}
            yield messages, sources_html(result, TEXT[lang_v]), result, ""

        ask_inputs = [question, chatbot, lang, f_types, f_agencies, f_from, f_to]
        ask_outputs = [chatbot, sources, last, question]
        # The button and Enter share one limit. With the local writer a question waits in the writer's FIFO, which
        # shows its position and is bounded by GUGUS_WRITER_QUEUE_TIMEOUT_S; GUGUS_UI_CONCURRENCY in front of it
        # made the others wait in Gradio's queue instead, with no timeout and nothing shown over the API (issue 10,
        # the writer under load). ASK_WAITERS keeps waiting officers from taking all of Gradio's worker threads.
        ask_limit = g.settings.ui_concurrency
        if getattr(g.answerer.generator, "name", "") == "local":
            ask_limit = max(ask_limit, ASK_WAITERS)
        ask_btn.click(respond, ask_inputs, ask_outputs, api_name="ask", concurrency_limit=ask_limit,
                      concurrency_id="ask")
        question.submit(respond, ask_inputs, ask_outputs, api_name=False, concurrency_limit=ask_limit,
                        concurrency_id="ask")
        clear_btn.click(lambda lang_v: ([], f"<p>{TEXT[lang_v]['no_sources']}</p>", None), [lang],
                        [chatbot, sources, last], api_name=False)

        def do_ingest(files, lang_v, access, access_agencies, request: gr.Request, progress=gr.Progress()):
            user = who(request)
            if not user.can_upload:
                raise gr.Error(TEXT[lang_v]["no_upload"])
            if not files:
                return gr.update(), [], status(lang_v, user), gr.update()
            ags = list(access_agencies or [])
            if access == "restricted" and not ags:  # restricted without a choice: the uploader's own agencies
                ags = list(user.agencies)
            # a copy of a document the uploader may read is a duplicate; a copy of one they may not read is ingested
            # like any new file (saying "already in the library" would confirm that it exists)
            visible = {r.doc_id for r in g.visible_documents(user)}
            known = {r.sha256: r.meta.path for r in g.documents() if r.doc_id in visible}
            given = [Path(f if isinstance(f, str) else getattr(f, "name", str(f))) for f in files]
            # only files that Gradio's upload route stored (issue 10, item 1): a FileData naming any other server
            # file reaches this point as Gradio's copy of it, which the upload route never handed out
            handed_out = getattr(demo, "upload_file_set", set())
            paths = [p for p in given if came_through_upload(p, handed_out)]
            refused = [p for p in given if p not in paths]
            try:
                staged = stage_uploads([(p, p.name) for p in paths], g.settings.data_dir / "uploads",
                                       int(g.settings.upload_max_mb * 2**20), known, access or "internal", ags)
            except IngestError as e:
                raise gr.Error(str(e)) from None
            finally:  # Gradio's cached copies would stay downloadable (/gradio_api/file=) for any logged-in user
                for p in paths:
                    p.unlink(missing_ok=True)
                    handed_out.discard(str(p))
            if refused:
                log.warning("ingest by %s: refused %d file(s) that did not come through the upload route: %s",
                            user.name, len(refused), ", ".join(p.name for p in refused))

            def cb(name: str, i: int, n: int) -> None:
                progress((i, n), desc=name)

            upload_dir = g.settings.data_dir / "uploads"
            try:
                report = g.ingest(staged.accepted, progress=cb) if staged.accepted else None
            except Exception as e:  # e.g. the data dir is busy: nothing of this upload stays behind
                discard_uploads(upload_dir, [p.name for p in staged.accepted])
                raise gr.Error(f"The upload was not ingested, nothing was kept: {e}") from None
            # a file that failed to ingest leaves neither its copy nor its catalog entry in uploads/
            discard_uploads(upload_dir, [o.path for o in (report.outcomes if report else []) if o.status == "failed"])
            rows = [[p.name, "rejected", 0, "not uploaded through the upload form (only uploaded files are "
                     "ingested)"] for p in refused]
            rows += [[o.name, o.status, 0, o.reason] for o in staged.outcomes if o.status != "accepted"]
            rows += [[o.path, o.status, o.chunks, o.reason or ""] for o in (report.outcomes if report else [])]
            return docs_rows(g, user), rows, status(lang_v, user), gr.update(choices=_agency_choices(g, user))

        ingest_btn.click(do_ingest, [upload, lang, up_access, up_agencies], [docs_df, ingest_out, status_md, f_agencies],
                         api_name="ingest")

        def on_load(lang_v, request: gr.Request):
            user = who(request)
            return (status(lang_v, user), docs_rows(g, user), gr.update(choices=_agency_choices(g, user)),
                    gr.update(visible=user.can_upload), gr.update(visible=user.can_upload),
                    gr.update(visible=user.can_upload), gr.update(visible=user.can_upload, choices=sorted(
                        set(user.agencies) | {a for r in g.visible_documents(user) for a in r.meta.access_agencies})))

        demo.load(on_load, [lang], [status_md, docs_df, f_agencies, upload, ingest_btn, up_access, up_agencies],
                  api_name=False)

        def switch(lang_v, request: gr.Request):
            tt = TEXT[lang_v]
            return (lang_v, f"## {tt['title']}\n{tt['subtitle']}", status(lang_v, who(request)), gr.update(label=tt["lang"]),
                    gr.update(label=tt["question"], placeholder=tt["placeholder"]), gr.update(value=tt["ask"]),
                    gr.update(value=tt["clear"]), gr.update(label=tt["filters"]), gr.update(label=tt["doc_types"]),
                    gr.update(label=tt["agencies"]), gr.update(label=tt["date_from"]), gr.update(label=tt["date_to"]),
                    f"### {tt['sources']}", gr.update(label=tt["chat"]), gr.update(label=tt["library"]),
                    gr.update(label=tt["upload"]), gr.update(value=tt["ingest"]))

        ui_lang.change(switch, [ui_lang], [lang, header, status_md, ui_lang, question, ask_btn, clear_btn, filt_acc,
                                           f_types, f_agencies, f_from, f_to, src_title, chat_tab, lib_tab, upload,
                                           ingest_btn], api_name=False)
        ui_lang.change(draft_relabel, [ui_lang], draft_parts, api_name=False)
        ui_lang.change(fig_relabel, [ui_lang], fig_parts, api_name=False)
        ui_lang.change(cycle_relabel, [ui_lang], cycle_parts, api_name=False)
    # Gradio answers one event at a time by default: officers' questions would queue behind each other (bench/load.py)
    demo.queue(default_concurrency_limit=g.settings.ui_concurrency)
    return demo


def build_app(g, require_login: bool = False):
    """FastAPI app: login (app/web/auth.py) in front of everything, /source/{doc_id}, the Gradio UI at /.
    require_login: always ask for a login, even without users (a server listening beyond loopback)."""
    import gradio as gr
    from fastapi import FastAPI

    app = FastAPI(title="Gugus", docs_url=None, redoc_url=None, openapi_url=None)
    gate = LoginGate(g, require_login=require_login)
    gate.install(app)

    @app.middleware("http")
    async def no_remote_content(request: Request, call_next):
        # Defence in depth behind chat_safe(): a page of Gugus loads images, media and frames from itself only, so
        # an image written into a document is never fetched from anywhere (README, Security).
        resp = await call_next(request)
        resp.headers.setdefault("Content-Security-Policy", CSP)
        return resp

    add_source_route(app, g, gate)

    theme = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    return gr.mount_gradio_app(app, build_blocks(g, gate), path="/", theme=theme, css=CSS, ssr_mode=False,
                               footer_links=[], auth_dependency=gate.auth_dependency,
                               max_file_size=int(g.settings.upload_max_mb * 2**20))


def serve(g, host: str = "127.0.0.1", port: int = 7860) -> None:
    import uvicorn

    t0 = time.perf_counter()
    local = is_loopback(host)
    from ..accounts.users import UsersFileError

    try:
        users = g.users.list()
    except UsersFileError as e:  # fails closed: never the single-user mode over a damaged users file
        raise SystemExit(f"Refusing to serve: {e}") from None
    if not users and not local:
        raise SystemExit(f"Refusing to serve on {host}: there are no users, and without users Gugus runs without "
                         f"login, which is only allowed on 127.0.0.1. Add users first (gugus users add NAME --role "
                         f"admin|editor|reader; stored in {g.settings.users_path}), or serve on 127.0.0.1.")
    from .auth import allowed_host_names

    if host in ("0.0.0.0", "::", "") and not allowed_host_names(g.settings.allowed_hosts):
        raise SystemExit(f"Refusing to serve on {host}: set GUGUS_ALLOWED_HOSTS to the names and addresses officers "
                         "use to reach this server (e.g. GUGUS_ALLOWED_HOSTS=gugus.example.go.id,10.0.0.5), or '*' "
                         "to accept any Host header. Requests naming any other host are refused (DNS rebinding).")
    if not local and host not in ("0.0.0.0", "::", ""):  # the address it listens on is a name officers may use
        g.settings.allowed_hosts = ",".join(x for x in (g.settings.allowed_hosts, host) if x)
    if users:
        print(f"Login required: {len(users)} users in {g.settings.users_path}.", flush=True)
    elif g.users.exists():
        print(f"Login required: {g.settings.users_path} exists but holds no users, so nobody can log in until "
              "`gugus users add`. (Delete the file and restart for the single-user mode.)", flush=True)
    else:
        print(f"Single-user mode WITHOUT login (no users in {g.settings.users_path}; listening on {host} only). "
              "Everyone who can reach it acts as the local admin-equivalent operator. Add users with "
              "`gugus users add` and restart to require login.", flush=True)
    g.retriever.keyword_index()  # warm the keyword index before the first question
    app = build_app(g, require_login=not local)
    docs = g.documents()
    print(f"Gugus ready in {time.perf_counter() - t0:.1f} s: http://{host}:{port}  "
          f"({len(docs)} documents; embedder {g.embedder.id}; writer {writer_label(g, 'en')}"
          + (f"; reranker {g.reranker.id}" if g.reranker is not None else "") + ")", flush=True)
    if getattr(g, "writer_note", ""):
        print(f"warning: {g.writer_note}", flush=True)
    from .auth import server_options

    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=3,
                **server_options(g.settings))
