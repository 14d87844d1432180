"""Checks on files uploaded in the web UI, before they are copied into ``<data dir>/uploads`` and ingested.

Each file must: have a supported extension (pdf, docx, md/markdown, txt, xlsx, csv, html/htm); be at most the size
limit (GUGUS_UPLOAD_MAX_MB); have content matching its extension (``%PDF-`` for PDF, a zip holding
``word/document.xml`` for DOCX or ``xl/workbook.xml`` for XLSX, valid UTF-8 without NUL bytes for text, CSV and
HTML); and not be a copy (same sha256) of a
document already ingested or of an earlier file of the same upload. Its name is reduced to a safe base name (no
directories, no leading dots, only letters, digits, ``._-``); a different file that already has that name is
never overwritten (the new one gets a ``-<sha8>`` suffix).

The access level chosen in the form is written to ``uploads/catalog.yaml`` (the ordinary catalog of that ingest
root), so the document keeps it when it is re-ingested.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import tempfile
import threading
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

from ...ingest.catalog import CATALOG_NAME, load_catalog, parse_access
from ...ingest.readers import SUPPORTED

MAX_NAME = 120
_stage_lock = threading.Lock()


@dataclass
class UploadOutcome:
    name: str  # as uploaded (base name only)
    status: str  # accepted | duplicate | rejected
    reason: str = ""
    stored: Path | None = None  # where an accepted file was copied
    sha256: str = ""


@dataclass
class StagedUpload:
    accepted: list[Path] = field(default_factory=list)
    outcomes: list[UploadOutcome] = field(default_factory=list)


def gradio_upload_dir() -> Path:
    """Where Gradio's upload route stores files (GRADIO_TEMP_DIR, default <system temp>/gradio), resolved."""
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder()).resolve()


def came_through_upload(path: str | Path, handed_out: set | None) -> bool:
    """True when `path` is a file that Gradio's upload route stored: it resolves (symlinks followed) to a file under
    Gradio's upload dir, and the route handed out that very path (`handed_out`: the Blocks' ``upload_file_set``).

    With ``gr.mount_gradio_app`` Gradio's own check (``blocks.has_launched``) is off, and Gradio copies any server
    path named in a FileData into its cache before the event runs; the copy is under the upload dir but was never
    handed out by the upload route, so it is refused here."""
    try:
        p = Path(path).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return False
    root = gradio_upload_dir()
    if p == root or not p.is_relative_to(root) or not p.is_file():
        return False
    resolved = set()
    for x in list(handed_out or ()):
        try:
            resolved.add(Path(x).resolve())
        except (OSError, RuntimeError, ValueError):
            continue
    return p in resolved


def safe_name(name: str) -> str | None:
    """The base name with directories, leading dots and unusual characters removed; None when nothing is left."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name or ""))[-1]
    base = re.sub(r"[^\w.\-]+", "_", base, flags=re.ASCII).lstrip("._-")
    base = re.sub(r"\.{2,}", ".", base)
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem:
        return None
    return f"{stem[:MAX_NAME]}.{ext.lower()}"


def content_problem(data: bytes, ext: str) -> str | None:
    """Why the bytes do not look like a file of this extension (None when they do)."""
    fmt = SUPPORTED.get(ext)
    if fmt == "pdf":
        return None if b"%PDF-" in data[:1024] else "not a PDF (no %PDF- header)"
    if fmt == "docx":
        if not data.startswith(b"PK\x03\x04"):
            return "not a DOCX (not a zip file)"
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "word/document.xml" not in z.namelist():
                    return "not a DOCX (no word/document.xml in the zip)"
        except zipfile.BadZipFile:
            return "not a DOCX (damaged zip file)"
        return None
    if fmt == "xlsx":  # agency submissions (ingest/tables.py)
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "xl/workbook.xml" not in z.namelist():
                    return "not an XLSX workbook (no xl/workbook.xml in the zip)"
        except zipfile.BadZipFile:
            return "not an XLSX workbook (damaged zip file)"
        return None
    if fmt in ("md", "txt", "csv", "html"):
        if b"\x00" in data:
            return "not a text file (contains NUL bytes)"
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as e:
            return f"not UTF-8 text (invalid byte at offset {e.start})"
        return None
    return f"unsupported file type '{ext or '(none)'}' (supported: {', '.join(dict.fromkeys(SUPPORTED.values()))})"


def _write_catalog(upload_dir: Path, entries: dict[str, dict]) -> None:
    catalog = load_catalog(upload_dir)
    catalog.update(entries)
    fd, tmp = tempfile.mkstemp(prefix=".catalog-", suffix=".tmp", dir=upload_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        yaml.safe_dump({"documents": catalog}, f, allow_unicode=True, sort_keys=True)
    os.replace(tmp, upload_dir / CATALOG_NAME)


def discard_uploads(upload_dir: Path, names: list[str]) -> None:
    """Remove uploaded files (by name in `upload_dir`) and their catalog entries, e.g. after they failed to ingest."""
    names = [n for n in names if n and safe_name(n) == n]
    if not names:
        return
    with _stage_lock:
        for n in names:
            (upload_dir / n).unlink(missing_ok=True)
        catalog = load_catalog(upload_dir) if (upload_dir / CATALOG_NAME).exists() else {}
        if any(n in catalog for n in names):
            fd, tmp = tempfile.mkstemp(prefix=".catalog-", suffix=".tmp", dir=upload_dir)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                yaml.safe_dump({"documents": {k: v for k, v in catalog.items() if k not in names}}, f,
                               allow_unicode=True, sort_keys=True)
            os.replace(tmp, upload_dir / CATALOG_NAME)


def stage_uploads(files: list[tuple[Path, str]], upload_dir: Path, max_bytes: int, known: dict[str, str | None],
                  access: str = "public", access_agencies: list[str] | None = None) -> StagedUpload:
    """Check `files` ([(path on disk, name as uploaded)]) and copy the good ones into `upload_dir`.

    `known` maps the sha256 of every ingested document to a name the uploader may see (None: "a document you
    cannot see" is all they are told). Raises IngestError for an invalid access level."""
    level, agencies = parse_access(access, access_agencies)
    entry: dict = {"access": level}
    if agencies:
        entry["access_agencies"] = agencies
    formats = list(dict.fromkeys(SUPPORTED.values()))
    return stage_files(files, upload_dir, max_bytes, known, set(SUPPORTED), ", ".join(formats),
                       lambda shown: dict(entry))


def stage_files(files: list[tuple[Path, str]], upload_dir: Path, max_bytes: int, known: dict[str, str | None],
                extensions: set[str], supported: str, entry_for: Callable[[str], dict]) -> StagedUpload:
    """The checks every upload goes through (library uploads here, agency submissions in app/cycle/submissions.py):
    a safe name with one of `extensions`, at most `max_bytes`, content that matches the extension, not already in the
    library (`known`: sha256 -> a name the uploader may see) nor twice in this batch. Good files are copied into
    `upload_dir` atomically and get the catalog entry `entry_for(name as uploaded)`."""
    staged = StagedUpload()
    seen: dict[str, str] = {}
    entries: dict[str, dict] = {}
    with _stage_lock:
        upload_dir.mkdir(parents=True, exist_ok=True)
        for src, shown in files:
            shown = re.split(r"[\\/]", shown or src.name)[-1]
            name = safe_name(shown)
            ext = "." + name.rsplit(".", 1)[1] if name else ""
            if not name or ext not in extensions:
                staged.outcomes.append(UploadOutcome(shown, "rejected", f"unsupported file name or type "
                                                     f"'{shown}' (supported: {supported})"))
                continue
            size = src.stat().st_size
            if size > max_bytes:
                staged.outcomes.append(UploadOutcome(shown, "rejected", f"too large ({size / 2**20:.1f} MB; the "
                                                     f"limit is {max_bytes / 2**20:.0f} MB)"))
                continue
            data = src.read_bytes()
            problem = content_problem(data, ext)
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
            entries[dst.name] = entry_for(shown)
            staged.accepted.append(dst)
            staged.outcomes.append(UploadOutcome(shown, "accepted", stored=dst, sha256=sha))
        if entries:
            _write_catalog(upload_dir, entries)
    return staged
