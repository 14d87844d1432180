"""The Draft tab of the web UI: draft a TIP Report section, see each [n]'s passage, edit or regenerate a paragraph,
download DOCX and Markdown. A thin layer over app.drafting.Drafter (the same code as `gugus draft`).

Every retrieval runs with the requesting user's rights (`user_of(request)` -> Gugus.filters_for).
"""
from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any, Callable

import gradio as gr  # module level: gradio resolves the `request: gr.Request` hints of the handlers from here

from ...index.period import latest_complete, parse_period
from ...prompts import list_sections, load_outline

log = logging.getLogger(__name__)

TEXT = {
    "id": {"tab": "Draf laporan", "section": "Bagian laporan TIP", "period": "Periode (tahun laporan TIP, mis. 2025 = "
           "1 Apr 2024–31 Mar 2025, atau YYYY-MM-DD..YYYY-MM-DD)", "lang": "Bahasa draf", "agencies": "Instansi "
           "(kosong = semua)", "note": "Catatan untuk penyusun (opsional)", "generate": "Buat draf",
           "refs": "Rujukan", "subtopic": "Paragraf", "para_text": "Teks paragraf (sunting, lalu simpan)",
           "save_edit": "Simpan suntingan", "regen": "Buat ulang paragraf", "docx": "Unduh DOCX", "md": "Unduh Markdown",
           "empty": "Belum ada draf.", "open": "Buka dokumen", "gaps": "Kekosongan", "removed": "Dihapus verifikasi",
           "unverified": "Tidak didukung sumber", "conflicts": "Angka yang bertentangan"},
    "en": {"tab": "Report draft", "section": "TIP Report section", "period": "Period (TIP Report year, e.g. 2025 = "
           "1 Apr 2024–31 Mar 2025, or YYYY-MM-DD..YYYY-MM-DD)", "lang": "Draft language", "agencies": "Agencies "
           "(empty = all)", "note": "Note to the drafter (optional)", "generate": "Draft section",
           "refs": "References", "subtopic": "Paragraph", "para_text": "Paragraph text (edit, then save)",
           "save_edit": "Save edit", "regen": "Regenerate paragraph", "docx": "Download DOCX", "md": "Download Markdown",
           "empty": "No draft yet.", "open": "Open document", "gaps": "Gaps", "removed": "Removed by verification",
           "unverified": "Not supported by the sources", "conflicts": "Conflicting figures"},
}


def _sentences_html(p, link) -> str:
    """A written paragraph sentence by sentence: quotations (a rendering that did not pass) in italics."""
    if p.edited or not any(s.kind == "rendered" for s in p.sentences):
        return link(p.text)
    out = []
    for s in p.sentences:
        x = link(f"{s.text} {''.join(f'[{n}]' for n in s.cites)}")
        out.append(f"<em class='gugus-quoted'>{x}</em>" if s.kind == "quoted" else x)
    return " ".join(out)


def draft_html(d, lang: str) -> str:
    """The draft as HTML: paragraphs with [n] linked to their references, gaps, removed sentences."""
    t = TEXT[lang]
    if d is None:
        return f"<p>{t['empty']}</p>"
    import re

    def link(text: str) -> str:
        return re.sub(r"\[(\d{1,3})\]", r"<a href='#ref-\1' class='gugus-cite'>[\1]</a>", html.escape(text))

    head = html.escape(f"{d.title} · {d.period.label + ': ' if d.period.label else ''}{d.period.start} – "
                       f"{d.period.end} · {d.generator} {d.model}".strip())
    parts = [f"<h3>{head}</h3>"]
    if d.mode_note:
        parts.append(f"<p><em>{html.escape(d.mode_note)}</em></p>")
    for p in d.paragraphs:
        parts.append(f"<div class='gugus-para' data-subtopic='{html.escape(p.subtopic)}'><h4>{html.escape(p.title)}"
                     f"</h4><p>{_sentences_html(p, link)}</p>")
        if p.unverified:
            parts.append("<p class='gugus-removed'><b>" + html.escape(t["unverified"]) + ":</b> "
                         + html.escape(" / ".join(s.text for s in p.unverified)) + "</p>")
        if p.removed:
            parts.append("<details class='gugus-removed'><summary>" + html.escape(t["removed"]) + f" ({len(p.removed)})"
                         "</summary><ul>" + "".join(f"<li>{html.escape(s.text[:200])} <em>({html.escape(s.reason or '')}"
                                                    ")</em></li>" for s in p.removed) + "</ul></details>")
        parts.append("</div>")
    if d.gaps:
        parts.append(f"<h4>{html.escape(t['gaps'])}</h4><ul class='gugus-gaps'>"
                     + "".join(f"<li>{html.escape(g.text)}</li>" for g in d.gaps) + "</ul>")
    if d.conflicts:
        from ..drafting.export import conflict_lines

        parts.append(f"<h4>{html.escape(t['conflicts'])}</h4><ul class='gugus-conflicts'>"
                     + "".join(f"<li>{html.escape(x)}</li>" for x in conflict_lines(d)) + "</ul>")
    return "\n".join(parts)


def refs_html(d, lang: str) -> str:
    from ..drafting.export import reference_text
    from .sources import source_url

    t = TEXT[lang]
    if d is None or not d.references:
        return ""
    items = []
    for p in d.references:
        items.append(f"<div class='gugus-src' id='ref-{p.n}'><span class='n'>{p.n}</span>"
                     f"{html.escape(reference_text(p))}<blockquote>{html.escape(p.text)}</blockquote>"
                     f"<a class='gugus-open' href='{source_url(p)}' target='_blank'>{html.escape(t['open'])}</a></div>")
    return f"<h4>{html.escape(t['refs'])}</h4>" + "\n".join(items)


def _exports(d, user=None, ttl_s: float | None = None) -> tuple[str, str]:
    """DOCX and Markdown files of the draft: private downloads of `user` (app/web/downloads.py; no other user can fetch
    them, mode 0600, deleted after GUGUS_DOWNLOAD_TTL_MIN)."""
    from .downloads import DOWNLOADS
    from ..drafting.export import to_docx, to_markdown

    out = DOWNLOADS.private_dir("gugus-draft-")
    docx = to_docx(d, out / f"{d.id}.docx")
    md = out / f"{d.id}.md"
    md.write_text(to_markdown(d), encoding="utf-8")
    return DOWNLOADS.register(user, docx, ttl_s), DOWNLOADS.register(user, md, ttl_s)


class OwnedDraft:
    """The draft kept in Gradio's session state, with the user it belongs to. Gradio finds session state by the
    session hash the client sends, so a hash alone must never open a draft: every event checks the owner."""

    def __init__(self, owner: str, draft):
        self.owner, self.draft = owner, draft


from .downloads import owner_key  # noqa: E402  (who owns state: the account id, else the name)


def draft_tab(g, user_of: Callable[[Any], Any], agencies: list[str]):
    """Build the tab inside an open gr.Tabs; returns (components to relabel, relabel(lang) -> updates)."""
    from ..drafting.drafter import DraftError, Drafter
    from ..generators import GeneratorError

    t = TEXT["id"]
    drafter: list[Drafter] = []

    def get_drafter() -> Drafter:
        if not drafter:
            drafter.append(Drafter(g))
        return drafter[0]

    sections = [(load_outline(s).label("id"), s) for s in list_sections()]
    with gr.Tab(t["tab"], id="draft") as tab:
        state = gr.State(None)
        with gr.Row():
            with gr.Column(scale=1):
                section = gr.Dropdown(sections, value=sections[0][1] if sections else None, label=t["section"],
                                      elem_id="gugus-draft-section")
                period = gr.Textbox(value=latest_complete().label.replace("TIP ", ""), label=t["period"],
                                    elem_id="gugus-draft-period")
                d_lang = gr.Radio(["en", "id"], value="en", label=t["lang"])
                d_agencies = gr.Dropdown(agencies, multiselect=True, label=t["agencies"])
                note = gr.Textbox(label=t["note"], lines=2)
                go = gr.Button(t["generate"], variant="primary", elem_id="gugus-draft-go")
                docx = gr.File(label=t["docx"], interactive=False, elem_id="gugus-draft-docx")
                md = gr.File(label=t["md"], interactive=False, elem_id="gugus-draft-md")
            with gr.Column(scale=3):
                view = gr.HTML(f"<p>{t['empty']}</p>", elem_id="gugus-draft-view")
                with gr.Row():
                    sub = gr.Dropdown([], label=t["subtopic"], elem_id="gugus-draft-subtopic")
                para = gr.Textbox(label=t["para_text"], lines=5, elem_id="gugus-draft-text")
                with gr.Row():
                    save_edit = gr.Button(t["save_edit"], elem_id="gugus-draft-save")
                    regen = gr.Button(t["regen"], elem_id="gugus-draft-regen")
                refs = gr.HTML("", elem_id="gugus-draft-refs")

        def mine(state_v, request) -> Any:
            """The draft in this session's state if it belongs to the requesting user (else gr.Error, nothing
            shown or changed); None when there is no draft."""
            user = user_of(request)
            if state_v is None:
                return None
            if not isinstance(state_v, OwnedDraft) or state_v.owner != owner_key(user):
                log.warning("draft state of another user refused for %s", getattr(user, "name", "?"))
                raise gr.Error("This draft belongs to another user's session.")
            return state_v.draft

        def show(d, request, ui_lang="id"):
            files = _exports(d, user_of(request), 60 * g.settings.download_ttl_min)
            g_save(d)
            choices = [(p.title, p.subtopic) for p in d.paragraphs]
            first = d.paragraphs[0] if d.paragraphs else None
            return (OwnedDraft(owner_key(user_of(request)), d), draft_html(d, ui_lang), refs_html(d, ui_lang),
                    files[0], files[1],
                    gr.update(choices=choices, value=first.subtopic if first else None),
                    first.text if first else "")

        def g_save(d) -> None:
            try:
                get_drafter().save(d)
            except OSError as e:  # the draft is still shown and downloadable
                log.error("cannot save draft %s: %s", d.id, e)

        outputs = [state, view, refs, docx, md, sub, para]

        def generate(section_v, period_v, lang_v, ags, note_v, request: gr.Request, progress=gr.Progress()):
            try:
                p = parse_period(period_v)
            except ValueError as e:
                raise gr.Error(str(e))
            user = user_of(request)
            filters = g.filters_for(user)

            def cb(i: int, n: int, name: str) -> None:
                progress((i, n), desc=name)

            try:
                d = get_drafter().draft(section_v, p, lang_v, list(ags or []), note_v or "", filters, progress=cb,
                                        user=getattr(user, "name", None))
            except (DraftError, GeneratorError, KeyError) as e:
                raise gr.Error(str(e))
            return show(d, request)

        go.click(generate, [section, period, d_lang, d_agencies, note], outputs, api_name="draft")

        def text_of(d, sid) -> str:
            p = next((x for x in (d.paragraphs if d else []) if x.subtopic == sid), None)
            return p.text if p else ""

        def pick(state_v, sid, request: gr.Request):
            return text_of(mine(state_v, request), sid)

        sub.change(pick, [state, sub], [para], api_name=False)

        def do_edit(state_v, sid, text, request: gr.Request):
            d = mine(state_v, request)
            if d is None or not sid:
                raise gr.Error(TEXT["en"]["empty"])
            d = get_drafter().edit(d, sid, text)
            out = show(d, request)
            return out[:5] + (gr.update(value=sid), text)

        def do_regen(state_v, sid, request: gr.Request):
            d = mine(state_v, request)
            if d is None or not sid:
                raise gr.Error(TEXT["en"]["empty"])
            d = get_drafter().regenerate(d, sid, g.filters_for(user_of(request)))
            out = show(d, request)
            return out[:5] + (gr.update(value=sid), text_of(d, sid))

        save_edit.click(do_edit, [state, sub, para], outputs, api_name=False)
        regen.click(do_regen, [state, sub], outputs, api_name=False)

    components = [tab, section, period, d_lang, d_agencies, note, go, docx, md, sub, para, save_edit, regen]

    def relabel(lang_v: str) -> list:
        tt = TEXT[lang_v]
        return [gr.update(label=tt["tab"]),
                gr.update(label=tt["section"], choices=[(load_outline(s).label(lang_v), s) for s in list_sections()]),
                gr.update(label=tt["period"]), gr.update(label=tt["lang"]), gr.update(label=tt["agencies"]),
                gr.update(label=tt["note"]), gr.update(value=tt["generate"]), gr.update(label=tt["docx"]),
                gr.update(label=tt["md"]), gr.update(label=tt["subtopic"]), gr.update(label=tt["para_text"]),
                gr.update(value=tt["save_edit"]), gr.update(value=tt["regen"])]

    return components, relabel
