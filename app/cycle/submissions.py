"""Agency submissions uploaded in the "Siklus TIP" tab: checked like the library's uploads (app/accounts/uploads.py: size,
safe name, content matching the extension, duplicates), in the formats agencies send (PDF, DOCX, XLSX, CSV, and
Markdown/text), and tagged in ``uploads/catalog.yaml`` as ``doc_type: agency_submission`` with the agency, the
reporting period and the date received (today unless the form gives the letter's date). The board
(app/cycle/board.py) reads exactly these tags.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ...ingest.catalog import PERIOD_TAG, parse_access
from ...ingest.types import IngestError
from ..accounts.uploads import StagedUpload, stage_files

FORMATS = (".pdf", ".docx", ".xlsx", ".csv", ".md", ".txt")


def stage_submissions(files: list[tuple[Path, str]], upload_dir: Path, max_bytes: int, known: dict[str, str | None],
                      agency: str, period: str, received: str | None = None, access: str = "internal",
                      access_agencies: list[str] | None = None) -> StagedUpload:
    """Check ``files`` ([(path on disk, name as uploaded)]), copy the good ones into ``upload_dir`` and tag them.
    Raises IngestError for a missing agency, an invalid period, date or access level."""
    agency = (agency or "").strip()
    if not agency:
        raise IngestError("choose the agency that sent the submission")
    period = str(period or "").strip()
    if not PERIOD_TAG.fullmatch(period):
        raise IngestError(f"invalid period '{period}' (a TIP Report year such as 2026, or YYYY-MM-DD..YYYY-MM-DD)")
    received = (received or "").strip() or dt.date.today().isoformat()
    try:
        received = dt.date.fromisoformat(received).isoformat()
    except ValueError:
        raise IngestError(f"invalid date received '{received}' (YYYY-MM-DD)") from None
    level, agencies = parse_access(access, access_agencies)

    def entry_for(shown: str) -> dict:
        entry: dict = {"title": f"Data dukung {agency} TIP {period}: {shown}", "doc_type": "agency_submission",
                       "agency": agency, "period": period, "date": received, "access": level}
        if agencies:
            entry["access_agencies"] = agencies
        return entry

    return stage_files(files, upload_dir, max_bytes, known, set(FORMATS), ", ".join(x[1:] for x in FORMATS),
                       entry_for)
