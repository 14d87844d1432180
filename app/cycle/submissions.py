"""Agency submissions uploaded in the "Siklus TIP" tab: checked like the library's uploads (app/accounts/uploads.py: size,
safe name, content matching the extension, duplicates), in the formats agencies send (PDF, DOCX, XLSX, CSV, and
Markdown/text), and tagged in ``uploads/catalog.yaml`` as ``doc_type: agency_submission`` with the agency, the
reporting period and the date received (today unless the form gives the letter's date). The board
(app/cycle/board.py) reads exactly these tags.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
from pathlib import Path

from ...ingest.catalog import PERIOD_TAG, parse_access
from ...ingest.types import IngestError
from ..accounts.uploads import StagedUpload, UploadOutcome, _stage_lock, _write_catalog, content_problem, safe_name

FORMATS = (".pdf", ".docx", ".xlsx", ".csv", ".md", ".txt")


def submission_problem(data: bytes, ext: str) -> str | None:
    """Why the content does not match the extension (None: it does); app/accounts/uploads.py's checks."""
    return content_problem(data, ext)


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
    staged = StagedUpload()
    entries: dict[str, dict] = {}
    seen: dict[str, str] = {}
    with _stage_lock:
        upload_dir.mkdir(parents=True, exist_ok=True)
        for src, shown in files:
            shown = re.split(r"[\\/]", shown or src.name)[-1]
            name = safe_name(shown)
            ext = "." + name.rsplit(".", 1)[1] if name else ""
            if not name or ext not in FORMATS:
                staged.outcomes.append(UploadOutcome(shown, "rejected", f"unsupported file name or type '{shown}' "
                                                     f"(supported: {', '.join(x[1:] for x in FORMATS)})"))
                continue
            size = src.stat().st_size
            if size > max_bytes:
                staged.outcomes.append(UploadOutcome(shown, "rejected", f"too large ({size / 2**20:.1f} MB; the "
                                                     f"limit is {max_bytes / 2**20:.0f} MB)"))
                continue
            data = src.read_bytes()
            problem = submission_problem(data, ext)
            if problem:
                staged.outcomes.append(UploadOutcome(shown, "rejected", problem))
                continue
            sha = hashlib.sha256(data).hexdigest()
            if sha in known or sha in seen:
                other = seen.get(sha) or known.get(sha)
                staged.outcomes.append(UploadOutcome(shown, "duplicate", f"same content as {other}" if other else
                                                     "same content as a document already in the library", sha256=sha))
                continue
            dst = upload_dir / name
            if dst.exists() and hashlib.sha256(dst.read_bytes()).hexdigest() != sha:
                stem, ext_ = name.rsplit(".", 1)
                dst = upload_dir / f"{stem}-{sha[:8]}.{ext_}"
            tmp = dst.with_name(f".{dst.name}.part")
            shutil.copyfile(src, tmp)
            os.replace(tmp, dst)
            seen[sha] = dst.name
            entry: dict = {"title": f"Data dukung {agency} TIP {period}: {shown}", "doc_type": "agency_submission",
                           "agency": agency, "period": period, "date": received, "access": level}
            if agencies:
                entry["access_agencies"] = agencies
            entries[dst.name] = entry
            staged.accepted.append(dst)
            staged.outcomes.append(UploadOutcome(shown, "accepted", stored=dst, sha256=sha))
        if entries:
            _write_catalog(upload_dir, entries)
    return staged
