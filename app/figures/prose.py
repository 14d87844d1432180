"""The figures table: numeric facts found in the stored passages, with their source, period and conflicts.

A *figure* is a number that counts something named next to it ("4.320 korban", "13 law enforcement trafficking
task forces", "50 persen"), a money amount ("denda paling sedikit Rp120.000.000,00") or a prison term
("pidana penjara paling singkat 3 (tiga) tahun"). Precision comes before recall: a number becomes a figure only
when a known counted noun (korban, kasus, tersangka, PMI, satgas, provinsi ...; English and Indonesian), a percent
sign/word, a currency or a prison-term context is attached to it. Pasal/ayat/article numbers, law numbers and
years ("UU Nomor 21 Tahun 2007", "Perpres 49/2023"), dates, times, phone numbers, fractions and list markers are
never figures, nor are head counts in regulations ("LPSK terdiri atas 7 (tujuh) orang": a rule of composition,
not a fact of a period; their penalties and percentages are kept). Indonesian numbers use "." for thousands and
"," for decimals ("1.500", "2,5 persen"); English passages the reverse ("200,000"). "ribu/juta/miliar" and
"thousand/million/billion" multiply, and number words ("tiga", "five") count.

A figure is attributed to the agency named nearest before it in its sentence ("Kemensos telah menangani 4.320
korban"), else, in a TIP Report sentence about "the government", to the Government of Indonesia, else to the
document's agency. Its *measure* (``Figure.measure``) is unit + counted noun + qualifiers ("TPPO", "kerja paksa",
"anak" ...) + action ("penyidikan", "penanganan" ...) + agency, so "166 cases investigated" and "166 kasus disidik"
are one measure. Two documents giving different values for one measure and one period are a *conflict*.

Each figure carries the period it belongs to (first match wins):
  1. a year range stated in its sentence ("periode 2023-2025") -> that range;
  2. a date or month stated in its sentence ("in June 2017", "hingga 30 Juni 2025") -> the TIP period of that date;
  3. a year stated with a preposition ("In 2020", "pada tahun 2024") -> that calendar year;
  4. a TIP Report passage -> the reporting period of the report's year (TIP 2019 -> 2018-04-01..2019-03-31);
  5. otherwise the TIP period of the document's date (index.period.period_of).
``Figure.period_basis`` says which rule applied.

API (drafting and the CLI use these; all are pure functions of the store):

    figures(g, filters=None) -> list[Figure]      # every figure in the store, filtered (cached per generation)
    all_figures(g) -> list[Figure]               # the same, unfiltered
    figures_for(g, passages) -> list[Figure]     # figures in these passages (chunk ids, Hits, Passages ...)
    conflicts(figures) -> list[Conflict]         # same measure + same period, different values, different docs
    to_csv(figures, file) / read_csv(file)       # CSV export (one row per figure) and its inverse
    extract(text, meta, chunk_id="") -> list[Figure]   # the extractor itself, for one passage

``filters`` is an index.retriever.Filters. Its document filters (doc_types, languages, dates) apply to the source
document; ``agencies`` matches the agency the figure is attributed to (named in its sentence, else the document's
agency); ``period`` keeps figures whose own period overlaps it, plus figures of regulations enacted by the end of the
period (the law in force), the same semantics as retrieval's period filter; an ``access`` clause (set by
Gugus.filters_for) keeps the figures of passages the reader may see.

Speed: the whole real corpus (667 passages) is read and scanned in about 0.5 s; the table is cached per store and
manifest generation, so a new ingest or upload is seen on the next call.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from ...index.keyword import STOPWORDS, stem
from ...index.period import Period, parse_period, period_of, tip_period
from ...ingest.agencies import agencies_named, mention_patterns
from ...ingest.agencies import canonical as canonical_agency
from ...ingest.catalog import DATE_LONG, DATE_SLASH, MONTHS, parse_date
from ...ingest.types import REGULATION_TYPES
from ..text import split_sentences

# ------------------------------------------------------------------------------------------------ vocabulary
# Counted nouns: canonical name -> surface forms (Indonesian and English). The first noun after a number names what
# it counts. Some nouns also imply the action ("investigations" = cases investigated).
COUNTED: dict[str, list[str]] = {
    "korban": ["korban", "victims", "victim", "survivors"],
    "kasus": ["kasus", "perkara", "cases", "case"],
    "laporan": ["laporan", "pengaduan", "aduan", "complaints"],
    "tersangka": ["tersangka", "suspects", "suspected traffickers"],
    "terdakwa": ["terdakwa", "defendants"],
    "terpidana": ["terpidana", "narapidana", "convicts"],
    "pelaku": ["pelaku", "traffickers", "perpetrators"],
    "pejabat": ["pejabat", "officials", "official", "aparat"],
    "PMI": ["pekerja migran indonesia", "pekerja migran", "migrant workers", "migrant worker", "PMI", "TKI",
            "tenaga kerja indonesia", "Indonesian workers"],
    "WNI": ["warga negara indonesia", "WNI", "Indonesian citizens", "Indonesian nationals", "Indonesians"],
    "anak": ["anak", "children", "child", "girls", "boys"],
    "perempuan": ["perempuan", "wanita", "women"],
    "orang": ["orang", "jiwa", "people", "persons", "individuals"],
    "satgas": ["satuan tugas", "satgas", "gugus tugas", "task forces", "task force"],
    "rumah perlindungan": ["rumah perlindungan", "rumah aman", "RPTC", "shelters", "shelter", "safe houses"],
    "sentra layanan": ["sentra layanan", "sentra", "pusat layanan", "P2TP2A", "P2TP2As", "UPTD PPA",
                       "service centers", "service centres"],
    "provinsi": ["provinsi", "provinces", "province"],
    "kabupaten/kota": ["kabupaten/kota", "kabupaten", "kota", "districts", "regencies", "municipalities"],
    "perusahaan": ["perusahaan penempatan", "perusahaan", "recruitment agencies", "P3MI", "companies"],
    "petugas": ["penyidik", "petugas", "personel", "officers", "investigators", "personnel"],
    "pelatihan": ["pelatihan", "sosialisasi", "trainings", "training sessions", "workshops"],
    "penyidikan": ["investigations", "penyidikan"],
    "penuntutan": ["prosecutions", "penuntutan"],
    "putusan": ["convictions", "putusan"],
}
# nouns that only count when they directly follow the number ("3 orang", not "3 kasus perdagangan orang")
_IMMEDIATE = {"orang", "anak", "perempuan", "putusan", "penyidikan", "penuntutan"}
# a noun that is itself an action: counted as cases under that action
_NOUN_ACTION = {"penyidikan": ("kasus", "penyidikan"), "penuntutan": ("kasus", "penuntutan"),
                "putusan": ("kasus", "putusan")}

ACTIONS: dict[str, list[str]] = {
    "penyidikan": [r"investigat\w*", r"menyidik", r"disidik", r"penyidikan", r"penyelidikan", r"diselidiki"],
    "penuntutan": [r"prosecut\w*", r"dituntut", r"menuntut", r"penuntutan"],
    "putusan": [r"convict\w*", r"divonis", r"dihukum", r"sentenced", r"sentencing"],
    "identifikasi": [r"identif\w*", r"mengidentifikasi", r"teridentifikasi", r"diidentifikasi"],
    "pemulangan": [r"repatriat\w*", r"returned", r"dipulangkan", r"memulangkan", r"pemulangan"],
    "penanganan": [r"menangani", r"ditangani", r"penanganan", r"handled", r"assisted", r"served", r"melayani",
                   r"dilayani", r"supported", r"provided services to", r"referred", r"direhabilitasi"],
    "penyelamatan": [r"rescued", r"diselamatkan", r"menyelamatkan", r"penyelamatan"],
    "penangkapan": [r"arrested", r"ditangkap", r"menangkap", r"penangkapan"],
    "pembentukan": [r"establish\w*", r"membentuk", r"dibentuk", r"pembentukan", r"created"],
    "penutupan": [r"closed", r"ditutup", r"penutupan", r"suspend\w*", r"dicabut"],
    "pelatihan": [r"trained", r"dilatih", r"melatih"],
}
QUALIFIERS: dict[str, list[str]] = {
    "TPPO": [r"TPPO", r"perdagangan orang", r"perdagangan manusia", r"trafficking", r"trafficked"],
    "kerja paksa": [r"forced labou?r", r"labou?r trafficking", r"kerja paksa", r"eksploitasi kerja"],
    "eksploitasi seksual": [r"sex trafficking", r"sexual exploitation", r"eksploitasi seksual", r"commercial sex"],
    "penegakan hukum": [r"law enforcement", r"penegakan hukum"],
    "antarlembaga": [r"interagency", r"antarlembaga", r"antar lembaga", r"lintas sektor"],
    "anak": [r"anak", r"child", r"children", r"girls", r"boys"],
    "perempuan": [r"perempuan", r"wanita", r"women", r"female"],
    "laki-laki": [r"laki-laki", r"men", r"male"],
    "luar negeri": [r"luar negeri", r"abroad", r"overseas"],
    "online scam": [r"online scam", r"cyber scam", r"scam", r"penipuan daring", r"penipuan online", r"judi online"],
    "perikanan": [r"fishing", r"perikanan", r"kapal ikan", r"awak kapal"],
    "nonprosedural": [r"undocumented", r"non-?prosedural", r"ilegal", r"illegal"],
    "trauma": [r"trauma"],
}
MONEY_PURPOSE: dict[str, list[str]] = {
    "pidana denda": [r"denda", r"fine", r"fined"],
    "restitusi": [r"restitusi", r"restitution"],
    "kompensasi": [r"kompensasi", r"compensation"],
    "anggaran": [r"anggaran", r"budget", r"dana", r"funding", r"allocat\w*"],
    "upah": [r"upah", r"gaji", r"wages", r"salar\w*"],
}
BOUNDS = [("paling sedikit", "min"), ("paling singkat", "min"), ("at least", "min"), ("minimum", "min"),
          ("paling banyak", "max"), ("paling lama", "max"), ("up to", "max"), ("maximum", "max")]
MODIFIERS = [("lebih dari", "more than"), ("more than", "more than"), ("over", "more than"),
             ("sekitar", "approximately"), ("kurang lebih", "approximately"), ("approximately", "approximately"),
             ("about", "approximately"), ("around", "approximately"), ("an estimated", "approximately"),
             ("hampir", "nearly"), ("nearly", "nearly"), ("almost", "nearly"), ("sedikitnya", "at least"),
             ("setidaknya", "at least"), ("at least", "at least"), ("kurang dari", "less than"),
             ("fewer than", "less than"), ("less than", "less than"), ("di bawah", "less than"),
             ("under", "less than")]
GOVERNMENT = "Pemerintah Indonesia"

_NUMWORDS_ID = {"satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "delapan": 8,
                "sembilan": 9, "sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000}
_NUMWORDS_EN = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
                "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
                "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"belas": None, "puluh": 10, "ratus": 100, "hundred": 100}  # belas: +10
MULTIPLIERS = {"ribu": 1e3, "juta": 1e6, "miliar": 1e9, "milyar": 1e9, "triliun": 1e12, "thousand": 1e3,
               "million": 1e6, "billion": 1e9, "trillion": 1e12}

_W = "|".join(sorted(list(_NUMWORDS_ID) + list(_NUMWORDS_EN) + list(_SCALES), key=len, reverse=True))
_MULT = "|".join(MULTIPLIERS)
_ONE = (rf"(?:(?P<cur{{i}}>Rp\.?|IDR|US\$|\$)\s?)?"
        rf"(?:(?P<dig{{i}}>\d+(?:[.,]\d+)*)|(?P<wrd{{i}}>(?:\b(?:{_W})\b[\s-]*)+))"
        rf"(?:\s*\((?P<par{{i}}>[a-z ,]+)\))?"
        rf"(?:\s*(?P<mul{{i}}>\b(?:{_MULT})\b))?")
NUMBER_EXPR = re.compile(
    rf"(?<![\w/.,-])" + _ONE.format(i=1)
    + rf"(?:\s*(?:-|–|—|to|hingga|sampai|s\.d\.?)\s*" + _ONE.format(i=2) + r")?"
    + r"(?P<pct>\s?%)?(?:\s*\([a-z ,]+\))?(?![\w/])", re.I)

# What may never precede a figure (structure, references, dates, times, phones, pages).
_BAD_BEFORE = re.compile(
    r"(?:\b(?:pasal|ayat|angka|huruf|bab|bagian|paragraf|article|section|nomor|no|nr|tahun|uu|pp|perpres|perppu|"
    r"perda|permen|perkada|lampiran|halaman|hal|page|p|pukul|jam|tel|telp|telepon|hp|wa|fax|ext|rt|rw|jl|km|"
    r"tanggal|tgl|lembaran negara|tambahan lembaran negara|kuhp|tier|tingkat|ke)\.?\s*\(?|[/:#]|\bke-)$", re.I)
_BAD_AFTER = re.compile(r"^\s*(?:/|:\d|wib\b|wita\b|wit\b|\)|tahun\s+\d|[a-z]?\)|-an\b)", re.I)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_LIST_MARKER = re.compile(r"^\s*(?:[-•*]\s*)?\d{1,3}[.)]\s")


def _alts(forms: Iterable[str]) -> str:
    return "|".join(sorted(forms, key=len, reverse=True))


_COUNTED_RE = [(name, re.compile(rf"^(?:{_alts(re.escape(f) for f in forms)})\b", re.I))
               for name, forms in COUNTED.items()]
_ACTION_RE = {name: re.compile(rf"\b(?:{_alts(p)})\b", re.I) for name, p in ACTIONS.items()}
_QUAL_RE = {name: re.compile(rf"\b(?:{_alts(p)})\b", re.I) for name, p in QUALIFIERS.items()}
_MONEY_RE = {name: re.compile(rf"\b(?:{_alts(p)})\b", re.I) for name, p in MONEY_PURPOSE.items()}
_GOV_RE = re.compile(r"\b(?:the government|pemerintah(?: indonesia)?|authorities|officials reported)\b", re.I)
_PRISON_RE = re.compile(r"\b(?:penjara|kurungan|prison|imprisonment|sentenced|divonis|dijatuhi)\b", re.I)
# Units of time, distance and repetition: "14 hari korban ..." counts days, not victims.
_MEASURE_WORDS = set("""detik menit jam hari minggu pekan bulan tahun kali km kilometer meter persen seconds minutes
hours days day weeks week months month years year times kilometers percent""".split())
_PENALTY_RE = re.compile(r"\b(?:pidana penjara|pidana kurungan)\b", re.I)
_DURATION_RE = re.compile(r"^\s*(tahun|bulan|years?|months?)\b", re.I)
_PERCENT_RE = re.compile(r"^\s*(persen|percent|per cent)\b", re.I)
_RUPIAH_RE = re.compile(r"^\s*(?:,-|,00)?\s*(?:rupiah|IDR)\b", re.I)
_CLAUSE_END = re.compile(r"[;:]|\b(?:sedangkan|while|whereas|namun|however)\b", re.I)
_RANGE_RE = re.compile(r"\b((?:19|20)\d\d)\s*(?:-|–|—|to|hingga|sampai(?: dengan)?|s\.d\.?|s/d)\s*((?:19|20)\d\d)\b")
_MONTH_YEAR = re.compile(rf"\b({'|'.join(sorted(MONTHS, key=len, reverse=True))})\.?\s+((?:19|20)\d\d)\b", re.I)
_YEAR_STATED = re.compile(r"\b(?:in|during|since|by|for|pada|selama|sepanjang|hingga|sampai|per|sejak|di|"
                          r"periode|period)\s+(?:tahun\s+|the year\s+|year\s+)?((?:19|20)\d\d)\b"
                          r"|(?<!nomor )(?<!\d )\btahun\s+((?:19|20)\d\d)\b", re.I)
_WORD = re.compile(r"[\w/-]+", re.U)


# ------------------------------------------------------------------------------------------------ records
@dataclass
class Figure:
    """One numeric fact and where it was found."""

    value: float
    unit: str  # jumlah (a count) | persen | rupiah | USD | tahun | bulan
    counted: str  # canonical counted noun ("korban", "kasus", "PMI") or money purpose ("pidana denda")
    text: str  # the figure as written ("4.320 korban")
    sentence: str
    chunk_id: str
    path: str
    title: str
    doc_type: str
    value_max: float | None = None  # ranges ("six to eight million")
    qualifiers: list[str] = field(default_factory=list)  # canonical qualifiers ("TPPO", "kerja paksa") and bounds
    action: str | None = None  # penyidikan | penuntutan | putusan | identifikasi | penanganan | ...
    modifier: str | None = None  # more than | approximately | nearly | at least | less than
    agency: str | None = None  # the agency the figure is attributed to (named in the sentence, else the document's)
    agency_basis: str = "document"  # sentence | document
    period: Period | None = None
    period_basis: str = ""  # stated range | stated date | stated year | report year | document date
    doc_agency: str | None = None
    doc_date: str | None = None
    page: int | None = None
    section: str | None = None
    short_title: str | None = None
    language: str = "id"
    context: list[str] = field(default_factory=list)  # stems around generic figures (part of the measure)
    # table cells (app/figures/rows.py): where the figure stands and its labels
    sheet: str | None = None
    row: int | None = None
    cell: str | None = None  # "B3"
    row_label: str | None = None
    column: str | None = None

    @property
    def kind(self) -> str:
        """"statutory": a penalty or rule written in a regulation (legal framework, its own view); "statistic": a
        reported number of a period."""
        return "statutory" if self.doc_type in REGULATION_TYPES else "statistic"

    @property
    def what(self) -> str:
        """Human-readable measure: "korban TPPO (penanganan)", "pidana denda minimum"."""
        q = " ".join(x for x in self.qualifiers if x not in ("min", "max"))
        bound = next((x for x in self.qualifiers if x in ("min", "max")), None)
        s = f"{self.counted} {q}".strip()
        if self.action:
            s += f" ({self.action})"
        if bound:
            s += " minimum" if bound == "min" else " maximum"
        return s

    @property
    def measure(self) -> str:
        """What two figures must share to be comparable: counted noun, qualifiers, action, unit, agency (and, for
        regulations, the Pasal; for generic nouns, the words around the number)."""
        parts = [self.unit, self.counted, ",".join(sorted(self.qualifiers)), self.action or "", self.agency or ""]
        if self.doc_type in REGULATION_TYPES:
            parts.append(f"{self.short_title or self.path}>{self.section or ''}")
        if self.context:
            parts.append(",".join(self.context))
        return "|".join(parts)

    @property
    def period_label(self) -> str:
        return str(self.period) if self.period else ""

    @property
    def value_text(self) -> str:
        """"more than 4,320", "6,000,000–8,000,000" (the CLI table and the web UI)."""
        v = f"{self.value:,.10g}" + (f"–{self.value_max:,.10g}" if self.value_max is not None else "")
        return (f"{self.modifier} " if self.modifier else "") + v

    @property
    def source_label(self) -> str:
        """"UU 21/2007 > Pasal 2", "TIP 2019 (Intro)", "news/003.txt p. 2"."""
        return f"{self.short_title or self.path}" + (f" p. {self.page}" if self.page else "") + \
            (f" > {self.section.split(' > ')[-1]}" if self.section and self.doc_type in REGULATION_TYPES else "") + \
            (f" > {self.sheet} > {self.cell}" if self.sheet and self.cell else "")

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["period"] = {"start": self.period.start, "end": self.period.end, "label": str(self.period)} \
            if self.period else None
        d["what"], d["measure"], d["kind"] = self.what, self.measure, self.kind
        return d


@dataclass
class Conflict:
    """Figures of one measure and period whose values differ between documents."""

    measure: str
    what: str
    period: Period
    figures: list[Figure]

    @property
    def values(self) -> list[float]:
        return sorted({f.value for f in self.figures})

    def to_json(self) -> dict[str, Any]:
        return {"measure": self.measure, "what": self.what, "period": self.period.to_json(),
                "period_label": str(self.period), "values": self.values,
                "figures": [f.to_json() for f in self.figures]}


# ------------------------------------------------------------------------------------------------ parsing
def parse_number(digits: str, language: str) -> float | None:
    """'4.320' -> 4320 and '2,5' -> 2.5 in Indonesian; '200,000' -> 200000 and '2.5' -> 2.5 in English."""
    thousands, decimal = (",", ".") if language == "en" else (".", ",")
    s = digits
    if s.endswith(decimal + "00") and s.count(decimal) == 1:  # Rp120.000.000,00
        s = s[:-3]
    groups = s.split(thousands)
    if len(groups) > 1 and not all(len(g) == 3 for g in groups[1:]):
        # "1.5" in an Indonesian passage or "2,5" in an English one: treat the other separator as decimal
        if len(groups) == 2 and decimal not in s:
            return float(f"{groups[0]}.{groups[1]}")
        return None
    s = "".join(groups)
    if s.count(decimal) > 1:
        return None
    try:
        return float(s.replace(decimal, "."))
    except ValueError:
        return None


def parse_words(words: str) -> float | None:
    """'tiga' -> 3, 'lima belas' -> 15, 'dua puluh lima' -> 25, 'twenty three' -> 23, 'six' -> 6."""
    total, cur = 0.0, 0.0
    toks = [t for t in re.split(r"[\s-]+", words.lower()) if t]
    if not toks or not (toks[0] in _NUMWORDS_ID or toks[0] in _NUMWORDS_EN):
        return None
    for t in toks:
        if t in _NUMWORDS_ID:
            v = _NUMWORDS_ID[t]
            if v >= 100:
                total += cur + v
                cur = 0
            else:
                cur += v
        elif t in _NUMWORDS_EN:
            cur += _NUMWORDS_EN[t]
        elif t == "belas":
            cur += 10
        elif t in ("puluh",):
            cur *= 10
        elif t in ("ratus", "hundred"):
            total += (cur or 1) * 100
            cur = 0
        else:
            return None
    return total + cur


def _value(m: re.Match, i: int, language: str) -> float | None:
    if m.group(f"dig{i}"):
        v = parse_number(m.group(f"dig{i}"), language)
    elif m.group(f"wrd{i}"):
        v = parse_words(m.group(f"wrd{i}"))
    else:
        return None
    if v is not None and m.group(f"mul{i}"):
        v *= MULTIPLIERS[m.group(f"mul{i}").lower()]
    return v


def _bound(text: str) -> str | None:
    """The nearest "paling sedikit / paling lama / up to ..." before a figure: min or max."""
    low = text.lower()
    pos = [(low.rfind(k), v) for k, v in BOUNDS if k in low]
    return max(pos)[1] if pos else None


def _first(patterns: dict[str, re.Pattern], text: str, last: bool = False) -> str | None:
    best: tuple[int, str] | None = None
    for name, rx in patterns.items():
        for mm in rx.finditer(text):
            pos = mm.start()
            if best is None or (pos > best[0] if last else pos < best[0]):
                best = (pos, name)
    return best[1] if best else None


def _qualifiers(text: str) -> list[str]:
    found = [name for name, rx in _QUAL_RE.items() if rx.search(text)]
    if "kerja paksa" in found and "TPPO" in found and re.search(r"labou?r trafficking", text, re.I):
        found.remove("TPPO")
    return found


def _agency(sentence: str, before: str) -> str | None:
    """The agency named nearest before the figure in its sentence, else the first one named after it."""
    best: tuple[int, str] | None = None
    for name, rx in mention_patterns():  # ingest/agencies.yaml
        for mm in rx.finditer(before):
            if best is None or mm.start() > best[0]:
                best = (mm.start(), name)
    if best:
        return canonical_agency(best[1])
    named = agencies_named(sentence)
    return named[0] if named else None


def _sentence_period(sentence: str) -> tuple[Period | None, str]:
    r = _RANGE_RE.search(sentence)
    if r and r.group(1) < r.group(2):
        return Period(f"{r.group(1)}-01-01", f"{r.group(2)}-12-31", f"{r.group(1)}–{r.group(2)}"), "stated range"
    for rx in (DATE_LONG, DATE_SLASH):
        d = rx.search(sentence)
        if d and (iso := parse_date(d.group(0))):
            return period_of(iso), "stated date"
    mm = _MONTH_YEAR.search(sentence)
    if mm:
        return period_of(f"{mm.group(2)}-{MONTHS[mm.group(1).lower()]:02d}-01"), "stated date"
    y = _YEAR_STATED.search(sentence)
    if y:
        year = y.group(1) or y.group(2)
        before = sentence[:y.start()]
        if not re.search(r"(?:nomor|no\.?)\s*\d+\s*$", before, re.I):
            return Period(f"{year}-01-01", f"{year}-12-31", year), "stated year"
    return None, ""


def _doc_period(meta: dict[str, Any]) -> tuple[Period | None, str]:
    if meta.get("period"):  # an agency submission tagged with the period it reports on (catalog, upload form)
        try:
            return parse_period(str(meta["period"])), "submission period"
        except ValueError:
            pass
    if meta.get("doc_type") == "tip_report" and meta.get("year"):
        return tip_period(int(meta["year"])), "report year"
    p = period_of(meta.get("date"))
    return (p, "document date") if p else (None, "")


def _counted_after(after: str) -> tuple[str, str, int] | None:
    """The counted noun in the first few words after a number: (name, intervening words, end offset)."""
    pos, words = 0, []
    for k in range(5):
        rest = after[pos:]
        lead = len(rest) - len(rest.lstrip(" \t"))
        rest_s = rest.lstrip(" \t")
        for name, rx in _COUNTED_RE:
            mm = rx.match(rest_s)
            if mm and (k == 0 or name not in _IMMEDIATE):
                return name, " ".join(words), pos + lead + mm.end()
        w = _WORD.match(rest_s)
        if not w:
            return None
        word = w.group(0)
        low = word.lower()
        if any(c.isdigit() for c in word) or (low in STOPWORDS and low not in ("and", "dan")) or \
                (k == 0 and low in ("and", "dan")) or low in MULTIPLIERS or low in _MEASURE_WORDS:
            return None
        words.append(word)
        pos += lead + w.end()
    return None


def extract(text: str, meta: dict[str, Any], chunk_id: str = "") -> list[Figure]:
    """The figures in one passage. ``meta`` is the chunk's stored metadata (doc_type, language, date, agency ...)."""
    lang = meta.get("language") or "id"
    doc_period = _doc_period(meta)
    out: list[Figure] = []
    for sentence in split_sentences(text):
        if _LIST_MARKER.match(sentence) and len(sentence) < 80:
            continue
        sent_period = _sentence_period(sentence)
        prev_end = 0
        for m in NUMBER_EXPR.finditer(sentence):
            fig = _figure(m, sentence, prev_end, lang, meta.get("doc_type", "other"))
            if fig is None:
                continue
            prev_end = m.end()
            value, value_max, unit, counted, qualifiers, action, end = fig
            before = sentence[max(0, m.start() - 80):m.start()]
            agency = _agency(sentence, sentence[:m.start()])
            basis = "sentence"
            if agency is None:
                basis = "document"
                agency = GOVERNMENT if (meta.get("doc_type") == "tip_report" and _GOV_RE.search(sentence)) \
                    else (canonical_agency(meta["agency"]) if meta.get("agency") else None)
            modifier = next((v for k, v in MODIFIERS if re.search(rf"\b{re.escape(k)}\s*$", before, re.I)), None)
            context: list[str] = []
            if counted in ("persen", "uang", "orang"):
                context = sorted(_context_stems(sentence[:m.start()]))
            period, pbasis = sent_period if sent_period[0] else doc_period
            out.append(Figure(
                value=value, value_max=value_max, unit=unit, counted=counted, qualifiers=qualifiers, action=action,
                modifier=modifier, text=sentence[m.start():end].strip(), sentence=sentence, chunk_id=chunk_id,
                path=meta.get("path", ""), title=meta.get("title", ""), doc_type=meta.get("doc_type", "other"),
                agency=agency, agency_basis=basis, period=period, period_basis=pbasis,
                doc_agency=meta.get("agency"), doc_date=meta.get("date"), page=meta.get("page"),
                section=meta.get("section"), short_title=meta.get("short_title"), language=lang, context=context))
    return out


def _context_stems(before: str, n: int = 3) -> list[str]:
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", before)]
    stems = [stem(w) for w in words if w not in STOPWORDS and len(w) > 2]
    return stems[-n:]


# value, value_max, unit, counted, qualifiers, action, end offset of the figure's text in the sentence
_Parsed = tuple[float, "float | None", str, str, list[str], "str | None", int]


def _figure(m: re.Match, sentence: str, prev_end: int, lang: str, doc_type: str) -> _Parsed | None:
    """Decide whether a number match is a figure, and what it counts."""
    raw = m.group(0).strip()
    if not raw or (m.group("wrd1") and not m.group("wrd1").strip()):
        return None
    start, end = m.start(), m.end()
    head = sentence[:start]
    tail = sentence[end:]
    dig = m.group("dig1")
    currency = m.group("cur1")
    if not currency and _BAD_BEFORE.search(head.rstrip() if not head.endswith("(") else head):
        return None
    if _BAD_AFTER.match(tail):
        return None
    if dig and not currency and not m.group("mul1") and _YEAR.match(dig):
        return None  # a year
    if dig and re.match(r"^(?:\+62|0)\d{7,}", dig.replace(".", "").replace(" ", "")):
        return None  # a phone number
    if re.search(r"\d[.,]?\s*$", head) or re.match(r"^\s*[.,]?\d|^[.,][0-9OIl]", tail):
        return None  # part of a longer numeric string (dates, codes, OCR'd "1.000.O0O")
    if m.group("wrd1") and re.search(r"\d\S*\s*\($", head):
        return None  # "3 (tiga)": the words repeat the digits
    value = _value(m, 1, lang)
    if value is None:
        return None
    value_max = _value(m, 2, lang) if (m.group("dig2") or m.group("wrd2")) else None
    if value_max is not None and m.group("mul2") and not m.group("mul1"):
        value *= MULTIPLIERS[m.group("mul2").lower()]
    if value_max is not None and (value_max <= value or re.search(r"\b(?:from|dari)\s*$", head, re.I)):
        return None  # "2020-2024", "from 5 to 7": not a range of counts
    clause_start = max([prev_end] + [mm.end() for mm in _CLAUSE_END.finditer(head)])
    clause = sentence[clause_start:start]
    bound = _bound(head[-40:])
    # money
    if currency or _RUPIAH_RE.match(tail):
        unit = "USD" if currency and "$" in currency else "rupiah"
        purpose = _first(_MONEY_RE, head[-150:], last=True) or "uang"
        end2 = end + (_RUPIAH_RE.match(tail).end() if _RUPIAH_RE.match(tail) else 0)
        return value, value_max, unit, purpose, [bound] if bound else [], None, end2
    if m.group("pct"):
        return value, value_max, "persen", "persen", _qualifiers(clause[-60:]), None, end
    pm = _PERCENT_RE.match(tail)
    if pm:
        return value, value_max, "persen", "persen", _qualifiers(clause[-60:]), None, end + pm.end()
    dm = _DURATION_RE.match(tail)
    if dm:
        prison = _PENALTY_RE if doc_type in REGULATION_TYPES else _PRISON_RE  # a law's penalty names "pidana penjara"
        if not (prison.search(head[-120:]) or re.match(r"\s*(?:in prison|penjara)", tail[dm.end():], re.I)):
            return None
        unit = "bulan" if dm.group(1).lower().startswith(("bulan", "month")) else "tahun"
        kind = "pidana kurungan" if re.search(r"kurungan(?!.*penjara)", head[-120:], re.I | re.S) else "pidana penjara"
        return value, value_max, unit, kind, [bound] if bound else [], None, end + dm.end()
    if m.group("mul1") is None and m.group("dig1") is None and value == 1 and \
            not re.match(r"\s*(?:victim|korban)", tail, re.I):
        return None  # "one" / "satu" alone is too often not a count
    found = _counted_after(tail)
    if not found:
        return None
    counted, between, noun_end = found
    if doc_type in REGULATION_TYPES:
        return None  # head counts in a regulation are rules of composition ("LPSK terdiri atas 7 orang")
    action = None
    if counted in _NOUN_ACTION:
        counted, action = _NOUN_ACTION[counted]
    after = tail[noun_end:noun_end + 60]
    after = _CLAUSE_END.split(after)[0]
    after = re.split(r"[,—–(]|\b(?:and|dan|serta|or|atau)\b", after)[0]
    qualifiers = [q for q in _qualifiers(f"{between} {tail[:noun_end]} {after}") if q != counted]
    if action is None:
        action = _first(_ACTION_RE, clause[-60:], last=True) or _first(_ACTION_RE, after[:30])
    return value, value_max, "jumlah", counted, qualifiers, action, end + noun_end


def conflicts(figs: Iterable[Figure]) -> list[Conflict]:
    """Measures reported with different values for the same period by different documents."""
    groups: dict[tuple[str, str, str], list[Figure]] = {}
    for f in figs:
        if f.period is None:
            continue
        groups.setdefault((f.measure, f.period.start, f.period.end), []).append(f)
    out: list[Conflict] = []
    for (measure, _, _), fs in groups.items():
        docs = {f.path for f in fs}
        values = {(f.value, f.value_max) for f in fs}
        if len(docs) < 2 or len(values) < 2:
            continue
        # a conflict needs two documents that disagree, not one document listing several values
        by_doc: dict[str, set] = {}
        for f in fs:
            by_doc.setdefault(f.path, set()).add((f.value, f.value_max))
        if all(v == next(iter(by_doc.values())) for v in by_doc.values()):
            continue
        out.append(Conflict(measure, fs[0].what, fs[0].period, fs))  # type: ignore[arg-type]
    return out
