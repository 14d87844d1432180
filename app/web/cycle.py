"""The "Siklus TIP" tab of the web UI: the reporting cycle's status board (with XLSX export), the data request
letters, the recommendations tracker, and the upload of agency submissions tagged with agency, period and date
received. A thin layer over app.cycle, app.requests_docx, app.recommendations and app.submissions (the same code as
`gugus cycle`, `gugus requests` and `gugus recommendations`), always with the requesting user's rights.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

import gradio as gr  # module level: gradio resolves the `request: gr.Request` hints of the handlers from here
from gradio.context import get_blocks_context

from ...index.period import latest_complete, parse_period
from ...ingest.types import IngestError

log = logging.getLogger(__name__)

TEXT = {
    "id": {"tab": "Siklus TIP", "period": "Periode (tahun laporan TIP atau YYYY-MM-DD..YYYY-MM-DD)",
           "deadline": "Batas waktu (YYYY-MM-DD, kosong = pengaturan)", "show": "Tampilkan papan status",
           "board": "Papan status: instansi × butir data", "xlsx": "Unduh papan (XLSX)",
           "letters": "Buat surat permintaan data", "letter_files": "Surat permintaan (DOCX)",
           "recs": "Periksa rekomendasi TIP", "report": "Laporan TIP (kosong = terbaru dengan rekomendasi)",
           "upload": "Data dukung instansi", "files": "Berkas (PDF, DOCX, XLSX, CSV)", "agency": "Instansi pengirim",
           "sub_period": "Periode laporan", "received": "Tanggal diterima (YYYY-MM-DD, kosong = hari ini)",
           "ingest": "Unggah dan proses", "no_upload": "Hanya editor dan admin yang dapat mengunggah."},
    "en": {"tab": "TIP cycle", "period": "Period (TIP Report year or YYYY-MM-DD..YYYY-MM-DD)",
           "deadline": "Deadline (YYYY-MM-DD, empty = setting)", "show": "Show status board",
           "board": "Status board: agencies × data items", "xlsx": "Download board (XLSX)",
           "letters": "Write data request letters", "letter_files": "Request letters (DOCX)",
           "recs": "Check TIP recommendations", "report": "TIP Report (empty = latest with recommendations)",
           "upload": "Agency submissions", "files": "Files (PDF, DOCX, XLSX, CSV)", "agency": "Submitting agency",
           "sub_period": "Reporting period", "received": "Date received (YYYY-MM-DD, empty = today)",
           "ingest": "Upload and ingest", "no_upload": "Only editors and admins can upload."},
}
BOARD_HEADERS = ["agency", "item", "status", "values", "sources", "claimed by"]
REC_HEADERS = ["n", "status", "agencies", "recommendation", "citations"]


def _download_dir(prefix: str) -> Path:
    """A private directory for one user's download (app/web/downloads.py: only its owner may fetch it)."""
    from .downloads import DOWNLOADS

    return DOWNLOADS.private_dir(prefix)


def _offer(user, path: Path, g) -> str:
    from .downloads import DOWNLOADS

    return DOWNLOADS.register(user, path, 60 * g.settings.download_ttl_min)


def board_rows(b) -> list[list[Any]]:
    rows = []
    for e in b.entries:
        j = e.to_json(b.deadline)
        vals = "; ".join(f"{v['value']:,.10g} ({v['what']})" for v in j["values"])
        srcs = "; ".join(s["path"] + (f" {s['sheet']}!{s['cell']}" if s.get("sheet") else "") for s in j["sources"])
        rows.append([e.agency, f"{e.item.id}: {e.item.label('id')}", e.status, vals, srcs,
                     ", ".join(a for a in e.claimed_by if a != e.agency)])
    return rows


def rec_rows(t) -> list[list[Any]]:
    return [[r.n, r.status, ", ".join(r.agencies), r.text,
             "; ".join(f"{c.hit.meta.get('path')} ({c.share:.0%})" for c in r.citations[:3])]
            for r in t.recommendations]


def cycle_tab(g, user_of: Callable[[Any], Any]):
    """Build the tab inside an open gr.Tabs; returns (components to relabel, relabel(lang) -> updates)."""
    from ..cycle.board import STATUSES, board, deadline_for, item_agencies, to_xlsx
    from ..cycle.recommendations import RecommendationError, track
    from ..cycle.requests import write_requests
    from ..cycle.submissions import stage_submissions

    blocks = get_blocks_context().root_block
    t = TEXT["id"]
    with gr.Tab(t["tab"], id="cycle") as tab:
        with gr.Row():
            period = gr.Textbox(value=latest_complete().label.replace("TIP ", ""), label=t["period"],
                                elem_id="gugus-cycle-period")
            deadline = gr.Textbox(value="", label=t["deadline"], elem_id="gugus-cycle-deadline")
            show = gr.Button(t["show"], variant="primary", elem_id="gugus-cycle-show", scale=0)
        board_title = gr.Markdown(f"### {t['board']}")
        summary = gr.Markdown("", elem_id="gugus-cycle-summary")
        table = gr.Dataframe(headers=BOARD_HEADERS, value=[], interactive=False, wrap=True, elem_id="gugus-cycle-board")
        xlsx = gr.File(label=t["xlsx"], interactive=False, elem_id="gugus-cycle-xlsx")
        letters_btn = gr.Button(t["letters"], elem_id="gugus-cycle-letters")
        letter_files = gr.File(label=t["letter_files"], file_count="multiple", interactive=False,
                               elem_id="gugus-cycle-letter-files")
        with gr.Row():
            report = gr.Textbox(value="", label=t["report"], elem_id="gugus-cycle-report")
            recs_btn = gr.Button(t["recs"], elem_id="gugus-cycle-recs", scale=0)
        recs = gr.Dataframe(headers=REC_HEADERS, value=[], interactive=False, wrap=True, elem_id="gugus-cycle-recs-table")
        with gr.Accordion(t["upload"], open=False) as up_box:
            up_files = gr.File(label=t["files"], file_count="multiple", elem_id="gugus-cycle-upload")
            with gr.Row():
                up_agency = gr.Dropdown(item_agencies(), label=t["agency"], allow_custom_value=True,
                                        elem_id="gugus-cycle-agency")
                up_period = gr.Textbox(value=latest_complete().label.replace("TIP ", ""), label=t["sub_period"])
                up_received = gr.Textbox(value="", label=t["received"])
            up_btn = gr.Button(t["ingest"], variant="primary", elem_id="gugus-cycle-ingest")
            up_out = gr.Dataframe(headers=["file", "status", "chunks", "reason"], interactive=False,
                                  elem_id="gugus-cycle-ingest-result")

        def _period_deadline(period_v, deadline_v):
            try:
                p = parse_period(period_v)
                d = deadline_for(p, deadline_v if (deadline_v or "").strip() else g.settings.cycle_deadline)
            except ValueError as e:
                raise gr.Error(str(e))
            return p, d

        def run(period_v, deadline_v, request: gr.Request):
            p, d = _period_deadline(period_v, deadline_v)
            user = user_of(request)
            b = board(g, p, d, g.filters_for(user, None))
            folder = _download_dir("gugus-cycle-")
            out = folder / f"siklus-{(p.label or 'custom').replace(' ', '-')}.xlsx"
            to_xlsx(b, out)
            counts = ", ".join(f"{s} {b.count(s)}" for s in STATUSES)
            claims = "\n".join(f"- {i}: {', '.join(w)}" for i, w in b.overlaps())
            text = f"**{p}** ({p.start} – {p.end}), batas waktu {d or '-'}: {counts}" + \
                (f"\n\nDiklaim lebih dari satu instansi:\n{claims}" if claims else "")
            return text, {"headers": BOARD_HEADERS, "data": board_rows(b)}, _offer(user, out, g)

        def letters(period_v, deadline_v, request: gr.Request):
            p, d = _period_deadline(period_v, deadline_v)
            user = user_of(request)
            out = _download_dir("gugus-letters-")
            files = write_requests(g, p, d, out, g.filters_for(user, None))
            return [_offer(user, Path(f["path"]), g) for f in files]

        def check_recs(period_v, report_v, request: gr.Request):
            try:
                p = parse_period(period_v)
                tr = track(g, (report_v or "").strip() or None, p, g.filters_for(user_of(request), None))
            except (ValueError, RecommendationError) as e:
                raise gr.Error(str(e))
            return {"headers": REC_HEADERS, "data": rec_rows(tr)}

        def upload(files, agency_v, period_v, received_v, request: gr.Request, progress=gr.Progress()):
            from ..accounts.uploads import came_through_upload

            user = user_of(request)
            if not user.can_upload:
                raise gr.Error(TEXT["id"]["no_upload"])
            if not files:
                return []
            given = [Path(f if isinstance(f, str) else getattr(f, "name", str(f))) for f in files]
            handed_out = getattr(blocks, "upload_file_set", set())
            paths = [p for p in given if came_through_upload(p, handed_out)]  # only what the upload route stored
            refused = [p for p in given if p not in paths]
            visible = {r.doc_id for r in g.visible_documents(user)}
            known = {r.sha256: (r.meta.path if r.doc_id in visible else None) for r in g.documents()}
            try:
                staged = stage_submissions([(p, p.name) for p in paths], g.settings.data_dir / "uploads",
                                           int(g.settings.upload_max_mb * 2**20), known, agency_v, period_v,
                                           received_v, "internal")
            except IngestError as e:
                raise gr.Error(str(e)) from None
            finally:
                for p in paths:
                    p.unlink(missing_ok=True)
                    handed_out.discard(str(p))
            report_ = g.ingest(staged.accepted, progress=lambda n, i, k: progress((i, k), desc=n)) \
                if staged.accepted else None
            rows = [[p.name, "rejected", 0, "not uploaded through the upload form"] for p in refused]
            rows += [[o.name, o.status, 0, o.reason] for o in staged.outcomes if o.status != "accepted"]
            rows += [[o.path, o.status, o.chunks, o.reason or "; ".join(o.warnings)]
                     for o in (report_.outcomes if report_ else [])]
            return rows

        show.click(run, [period, deadline], [summary, table, xlsx], api_name="cycle")
        letters_btn.click(letters, [period, deadline], [letter_files], api_name="requests")
        recs_btn.click(check_recs, [period, report], [recs], api_name="recommendations")
        up_btn.click(upload, [up_files, up_agency, up_period, up_received], [up_out], api_name="submit")

    components = [tab, period, deadline, show, board_title, xlsx, letters_btn, letter_files, report, recs_btn, up_box,
                  up_files, up_agency, up_period, up_received, up_btn]

    def relabel(lang_v: str) -> list:
        tt = TEXT[lang_v]
        return [gr.update(label=tt["tab"]), gr.update(label=tt["period"]), gr.update(label=tt["deadline"]),
                gr.update(value=tt["show"]), f"### {tt['board']}", gr.update(label=tt["xlsx"]),
                gr.update(value=tt["letters"]), gr.update(label=tt["letter_files"]), gr.update(label=tt["report"]),
                gr.update(value=tt["recs"]), gr.update(label=tt["upload"]), gr.update(label=tt["files"]),
                gr.update(label=tt["agency"]), gr.update(label=tt["sub_period"]), gr.update(label=tt["received"]),
                gr.update(value=tt["ingest"])]

    return components, relabel
