"""Document metadata: the catalog file (catalog.yaml in an ingest root) and inference for documents it does not list."""
from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from .agencies import short_names_in
# The month table and date parser live in dates.py; app/figures/prose.py imports DATE_LONG, DATE_SLASH, MONTHS from here.
from .dates import DATE_LONG, DATE_SLASH, MONTH_RE, MONTHS, parse_date  # noqa: F401
from .types import ACCESS_LEVELS, DOC_TYPES, REGULATION_TYPES, DocMeta, IngestError

log = logging.getLogger(__name__)

CATALOG_NAME = "catalog.yaml"
# Fields of catalog entries that map onto DocMeta under another name.
ALIASES = {"agencies_mentioned": "agencies", "license": "licence"}

ENACTED = re.compile(rf"(?:ditetapkan|disahkan)\s+di\s+\w+\s+pada\s+tanggal\s+(\d{{1,2}}\s+(?:{MONTH_RE})\s+\d{{4}})", re.I)
REG_HEAD = [
    ("perppu", re.compile(r"PERATURAN PEMERINTAH PENGGANTI UNDANG-UNDANG", re.I)),
    ("uu", re.compile(r"\bUNDANG-UNDANG REPUBLIK INDONESIA\b", re.I)),
    ("pp", re.compile(r"\bPERATURAN PEMERINTAH REPUBLIK INDONESIA\b", re.I)),
    ("perpres", re.compile(r"\bPERATURAN PRESIDEN REPUBLIK INDONESIA\b", re.I)),
    ("permen", re.compile(r"\bPERATURAN MENTERI\b", re.I)),
    ("perda", re.compile(r"\bPERATURAN DAERAH\b", re.I)),
    ("perkada", re.compile(r"\bPERATURAN (GUBERNUR|BUPATI|WALI ?KOTA)\b", re.I)),
]
SHORT_PREFIX = {"uu": "UU", "perppu": "Perppu", "pp": "PP", "perpres": "Perpres", "permen": "Permen",
                "perda": "Perda", "perkada": "Perkada"}
PERIOD_TAG = re.compile(r"(?:19|20)\d\d|\d{4}-\d\d-\d\d\.\.\d{4}-\d\d-\d\d")
NOMOR = re.compile(r"\bNOMOR\s+([0-9OIl]+)\s+TAHUN\s+([0-9OIl]{4})", re.I)
FILENAME_TYPES = [("tip_report", re.compile(r"\btip|trafficking[_ -]in[_ -]persons", re.I)),
                  ("meeting_report", re.compile(r"notulen|rakor|rapat|minutes|meeting", re.I)),
                  ("agency_submission", re.compile(r"laporan|submission|data[_ -]", re.I))]
EN_WORDS = {"the", "and", "of", "to", "in", "is", "for", "that", "with", "government", "was", "were", "not", "what",
            "which", "how", "who", "does", "did", "many", "much", "under", "according", "are", "law", "when", "where"}
ID_WORDS = {"yang", "dan", "di", "dengan", "untuk", "dalam", "adalah", "tidak", "pada", "ini", "atau", "dari", "apa",
            "siapa", "berapa", "bagaimana", "menurut", "saja", "mana", "kapan", "apakah", "oleh", "tentang", "dimaksud"}


def load_catalog(root: Path) -> dict[str, dict[str, Any]]:
    """Entries keyed by path relative to ``root``. A broken catalog is an error, not silently ignored."""
    f = root / CATALOG_NAME
    if not f.is_file():
        return {}
    try:
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise IngestError(f"{f}: invalid YAML: {e}") from None
    docs = data.get("documents") or {}
    if not isinstance(docs, dict):
        raise IngestError(f"{f}: 'documents' must be a mapping of path -> metadata")
    return {str(k): (v or {}) for k, v in docs.items()}


def meta_from_catalog(rel_path: str, entry: dict[str, Any]) -> DocMeta:
    d = {ALIASES.get(k, k): v for k, v in entry.items()}
    d["path"] = rel_path
    for k in ("date",):
        if isinstance(d.get(k), date):
            d[k] = d[k].isoformat()
    if d.get("year") is not None:
        d["year"] = int(d["year"])
    if d.get("number") is not None:
        d["number"] = str(d["number"])
    if d.get("period") is not None:  # agency submissions: the TIP period reported on
        d["period"] = str(d["period"]).strip()
        if not PERIOD_TAG.fullmatch(d["period"]):
            raise IngestError(f"catalog: invalid period '{d['period']}' (a TIP Report year such as 2026, or "
                              "YYYY-MM-DD..YYYY-MM-DD)")
    if d.get("doc_type") and d["doc_type"] not in DOC_TYPES:
        raise IngestError(f"catalog: unknown doc_type '{d['doc_type']}' (one of: {', '.join(DOC_TYPES)})")
    d["access"], d["access_agencies"] = parse_access(d.get("access"), d.get("access_agencies"))
    extra = {k: v for k, v in d.items() if k not in DocMeta.__dataclass_fields__}
    d["title"] = d.get("title") or ""  # an entry without a title (e.g. only an access level): infer_meta finds one
    meta = DocMeta.from_dict(d)
    if extra.get("report_year") and not meta.year:
        meta.year = int(extra["report_year"])
    return meta


def parse_access(access: Any, agencies: Any = None) -> tuple[str, list[str]]:
    """A catalog entry's access level and agencies, validated.

    Forms: ``access: public | internal | restricted`` with ``access_agencies: [Kemensos, LPSK]`` (a list or a
    comma-separated string), or the compact ``access: "restricted: Kemensos, LPSK"``. A missing level is public.
    Agencies are only allowed with ``restricted``; a restricted document without agencies is for admins only.
    """
    level = str(access or "public").strip()
    names: list[str] = []
    if ":" in level:
        level, rest = level.split(":", 1)
        names += [a for a in (x.strip() for x in rest.split(",")) if a]
    level = level.strip().lower()
    if level not in ACCESS_LEVELS:
        raise IngestError(f"catalog: unknown access '{access}' (one of: {', '.join(ACCESS_LEVELS)}; "
                          "restricted documents name their agencies: access: \"restricted: Kemensos, LPSK\")")
    if isinstance(agencies, str):
        agencies = agencies.split(",")
    if agencies is not None and not isinstance(agencies, (list, tuple)):
        raise IngestError("catalog: access_agencies must be a list of agency names")
    names += [a for a in (str(x).strip() for x in agencies or []) if a]
    if names and level != "restricted":
        raise IngestError(f"catalog: access_agencies given for a '{level}' document; "
                          "only 'restricted' documents name agencies")
    return level, list(dict.fromkeys(names))


def catalog_access(entry: dict[str, Any] | None) -> tuple[str, list[str]]:
    """The access level and agencies a catalog entry (or no entry: public) gives a document."""
    entry = entry or {}
    return parse_access(entry.get("access"), entry.get("access_agencies"))


def detect_language(text: str) -> str:
    words = re.findall(r"[a-z]+", text[:5000].lower())
    en = sum(w in EN_WORDS for w in words)
    idn = sum(w in ID_WORDS for w in words)
    return "en" if en > idn else "id"


def _first_heading(text: str) -> str:
    for line in text.split("\n"):
        s = line.strip().lstrip("#").strip()
        if len(s) >= 8:
            return s[:200]
    return ""


def _digits(s: str) -> str:
    return s.translate(str.maketrans({"O": "0", "I": "1", "l": "1"}))


def infer_meta(rel_path: str, text: str, base: DocMeta | None = None) -> DocMeta:
    """Fill what the catalog did not give, from the file name and the text. Records which fields were inferred."""
    m = base or DocMeta(path=rel_path, title="")
    inferred: list[str] = list(m.inferred)
    head = text[:3000]
    if m.doc_type == "other":
        dt = None
        for t, rx in REG_HEAD:
            if rx.search(head) and re.search(r"\bPasal\s+1\b", text):
                dt = t
                break
        if dt is None:
            for t, rx in FILENAME_TYPES:
                if rx.search(Path(rel_path).stem):
                    dt = t
                    break
        if dt:
            m.doc_type = dt
            inferred.append("doc_type")
    if m.doc_type in REGULATION_TYPES and (m.number is None or m.year is None):
        n = NOMOR.search(head)
        if n:
            m.number = m.number or str(int(_digits(n.group(1))))
            m.year = m.year or int(_digits(n.group(2)))
            inferred += ["number", "year"]
    if not m.title:
        if m.doc_type in REGULATION_TYPES:
            t = re.search(r"(NOMOR\s+\S+\s+TAHUN\s+\S+\s+TENTANG\s+.{5,200}?)(?:\n\s*\n|DENGAN RAHMAT)", head, re.S | re.I)
            kind = SHORT_PREFIX.get(m.doc_type, m.doc_type.upper())
            m.title = f"{kind} " + re.sub(r"\s+", " ", t.group(1)).title() if t else _first_heading(text)
        else:
            m.title = _first_heading(text) or Path(rel_path).stem
        inferred.append("title")
    if not m.short_title and m.doc_type in REGULATION_TYPES and m.number and m.year:
        m.short_title = f"{SHORT_PREFIX[m.doc_type]} {m.number}/{m.year}"
        inferred.append("short_title")
    if not m.date:
        enacted = ENACTED.search(text)
        d = parse_date(enacted.group(1)) if enacted else parse_date(head)
        if d:
            m.date = d
            inferred.append("date")
    if m.year is None and m.date:
        m.year = int(m.date[:4])
    if not m.agencies:
        found = short_names_in(text)
        if found:
            m.agencies = found
            inferred.append("agencies")
    if not m.agency and m.agencies:
        m.agency = m.agencies[0]
        inferred.append("agency")
    m.inferred = sorted(set(inferred))
    return m


def resolve_meta(rel_path: str, text: str, catalog: dict[str, dict[str, Any]]) -> DocMeta:
    entry = catalog.get(rel_path)
    if entry is None:
        meta = infer_meta(rel_path, text)
        meta.language = detect_language(text)
        meta.inferred = sorted(set(meta.inferred + ["language"]))
        return meta
    meta = meta_from_catalog(rel_path, entry)
    if "language" not in entry:
        meta.language = detect_language(text)
    return infer_meta(rel_path, text, meta)
