"""Issue 13: hand-written language detection and date parsing against the libraries that could replace them.

Language: the stopword count Gugus uses (ingest/catalog.detect_language, copied below as `stopwords` verbatim from
c3a574f, so that the comparison still runs if the shipped function changes) against lingua-language-detector
restricted to Indonesian + English, and to Indonesian + English + Malay with Malay read as Indonesian; and an option
not shipped, the stopword count with lingua deciding only its ties. Measured on
  (a) the questions of eval/dev_qa.jsonl and eval/heldout_qa.jsonl (their `lang` field), and the reference answers
      (the question's language: the writer's language check runs the detector on written answers);
  (b) passages: every corpus file parsed and chunked by ingest's parse_file with its default token estimate (no
      embedder loaded, so a little finer than `gugus ingest`'s chunks), a seeded sample of
      --passages chunks (all English chunks up to half the sample, the rest Indonesian), labelled with the catalog
      language of their document; and the whole documents (their first 5,000 characters, as ingest reads them);
  (c) bench/lang_cases.tsv: one-to-five-word queries and mixed sentences, labelled by hand.
Dates: the month tables of ingest/ (parse_date; MONTH_YEAR for month + year; two month-years for a range) against
dateparser (languages id + en, day-month order, nothing downloaded), on bench/date_cases.tsv (the catalog's
dates, SOURCES.md, dates in the documents and question forms) and on the documents' own dates: each corpus file whose
catalog date is read from its text, dated by ingest's rule (the "Ditetapkan/Disahkan ... pada tanggal" clause, else
the first date of the first 3,000 characters).

dateparser reads "Nomor 19 Tahun 2023" as "19 years before today": its wrong dates on the documents depend on the day
the bench runs, its accuracy does not. Times are per call, after a warm-up call (the first call, which loads lingua's
models or dateparser's tables, is reported on its own).

    .venv/bin/pip install -e '.[bench]'      # lingua-language-detector (models inside the wheel), dateparser
    .venv/bin/python bench/lang_dates.py [--passages 300] [--seed 13] [--json]
"""
from __future__ import annotations

import argparse
import calendar
import json
import os
import random
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from gugus.ingest.catalog import ENACTED, load_catalog, meta_from_catalog  # noqa: E402
from gugus.ingest.parse import parse_file  # noqa: E402

try:  # since issue 13 the one month table lives in ingest/dates.py
    from gugus.ingest.dates import MONTHS, parse_date  # noqa: E402
except ImportError:  # before: ingest/catalog.py
    from gugus.ingest.catalog import MONTHS, parse_date  # noqa: E402

# month + year, as app/figures.py's _MONTH_YEAR builds it from the table
MONTH_YEAR = re.compile(rf"\b({'|'.join(sorted(MONTHS, key=len, reverse=True))})\.?\s+((?:19|20)\d\d)\b", re.I)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
HERE = Path(__file__).resolve().parent

# ------------------------------------------------------------------------------------------- language detectors
EN_WORDS = {"the", "and", "of", "to", "in", "is", "for", "that", "with", "government", "was", "were", "not", "what",
            "which", "how", "who", "does", "did", "many", "much", "under", "according", "are", "law", "when", "where"}
ID_WORDS = {"yang", "dan", "di", "dengan", "untuk", "dalam", "adalah", "tidak", "pada", "ini", "atau", "dari", "apa",
            "siapa", "berapa", "bagaimana", "menurut", "saja", "mana", "kapan", "apakah", "oleh", "tentang", "dimaksud"}


def stopwords(text: str) -> str:
    """The hand-written detector (ingest/catalog.detect_language at c3a574f)."""
    words = re.findall(r"[a-z]+", text[:5000].lower())
    en = sum(w in EN_WORDS for w in words)
    idn = sum(w in ID_WORDS for w in words)
    return "en" if en > idn else "id"


def lingua_detector(malay: bool):
    from lingua import Language, LanguageDetectorBuilder

    langs = [Language.INDONESIAN, Language.ENGLISH] + ([Language.MALAY] if malay else [])
    det = LanguageDetectorBuilder.from_languages(*langs).build()

    def detect(text: str) -> str:
        lang = det.detect_language_of(text[:5000])
        return "en" if lang == Language.ENGLISH else "id"  # Malay and undecided (no letters) -> Indonesian

    return detect


def stopwords_then_lingua():
    """An option not shipped: the stopword count, and lingua (id+en) only where the count is a tie (often 0-0)."""
    lingua = lingua_detector(False)

    def detect(text: str) -> str:
        words = re.findall(r"[a-z]+", text[:5000].lower())
        en = sum(w in EN_WORDS for w in words)
        idn = sum(w in ID_WORDS for w in words)
        return "en" if en > idn else "id" if idn > en else lingua(text)

    return detect


def detectors() -> dict:
    d = {"stopwords (hand-written)": stopwords,
         "lingua id+en": lingua_detector(False),
         "lingua id+en+ms (ms->id)": lingua_detector(True),
         "stopwords, lingua on a tie": stopwords_then_lingua()}
    return d


# ------------------------------------------------------------------------------------------------ data sets
def eval_rows() -> list[dict]:
    rows = []
    for f in ("dev_qa.jsonl", "heldout_qa.jsonl"):
        for line in (ROOT / "eval" / f).read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def lang_cases() -> list[tuple[str, str, str]]:
    out = []
    for line in (HERE / "lang_cases.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, group, text = line.split("\t")
            out.append((lang, group, text))
    return out


def corpus_docs():
    """(rel_path, catalog language, ParsedDocument) for every corpus file, parsed as ingest parses it."""
    catalog = load_catalog(CORPUS)
    docs = []
    for rel in sorted(catalog):
        p = CORPUS / rel
        if p.is_file():
            docs.append((rel, catalog[rel], parse_file(p, rel, catalog)))
    return docs


def passage_sample(docs, n: int, seed: int) -> list[tuple[str, str]]:
    by_lang: dict[str, list[str]] = {"en": [], "id": []}
    for _rel, entry, doc in docs:
        by_lang[entry["language"]] += [c.text for c in doc.chunks]
    rng = random.Random(seed)
    en = rng.sample(by_lang["en"], min(len(by_lang["en"]), n // 2))
    idn = rng.sample(by_lang["id"], min(len(by_lang["id"]), n - len(en)))
    return [("en", t) for t in en] + [("id", t) for t in idn]


# ------------------------------------------------------------------------------------------------- measuring
def timed(fn, items: list[str]) -> tuple[list, float]:
    t = time.perf_counter()
    out = [fn(x) for x in items]
    return out, (time.perf_counter() - t) / max(1, len(items))


def lang_table(dets: dict, sets: dict[str, list[tuple[str, str]]]) -> list[dict]:
    rows = []
    for name, fn in dets.items():
        for set_name, items in sets.items():
            got, per_call = timed(fn, [t for _, t in items])
            wrong = [(g, t) for (g, t), p in zip(items, got) if p != g]
            by = {lang: (sum(1 for (g, _), p in zip(items, got) if g == lang and p == g),
                         sum(1 for g, _ in items if g == lang)) for lang in ("id", "en")}
            rows.append({"detector": name, "set": set_name, "n": len(items), "correct": len(items) - len(wrong),
                         "accuracy": (len(items) - len(wrong)) / len(items), "id": by["id"], "en": by["en"],
                         "us_per_call": per_call * 1e6, "wrong": [t[:90] for _, t in wrong]})
    return rows


def first_call(make) -> float:
    t = time.perf_counter()
    make()("Apa yang dimaksud dengan eksploitasi?")
    return time.perf_counter() - t


# ------------------------------------------------------------------------------------------------------ dates
DP_LANGS = ["id", "en"]
DP_DAY = {"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["day", "month", "year"]}
DP_MONTH = {"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["month", "year"]}
# ingest's clause, without the month table: the text after "pada tanggal" is handed to the parser
ENACTED_ANY = re.compile(r"(?:ditetapkan|disahkan)\s+di\s+\w+\s+pada\s+tanggal\s+(.{6,40})", re.I)


def _last_day(iso_month: str) -> str:
    y, m = int(iso_month[:4]), int(iso_month[5:7])
    return f"{iso_month}-{calendar.monthrange(y, m)[1]:02d}"


def hand_day(text: str) -> str | None:
    return parse_date(text)


def hand_month(text: str) -> str | None:
    m = MONTH_YEAR.search(text)
    return f"{m.group(2)}-{MONTHS[m.group(1).lower()]:02d}" if m else None


def hand_range(text: str) -> str | None:
    ms = [f"{m.group(2)}-{MONTHS[m.group(1).lower()]:02d}" for m in MONTH_YEAR.finditer(text)]
    return f"{ms[0]}-01..{_last_day(ms[1])}" if len(ms) >= 2 else None


def dp_day(text: str) -> str | None:
    from dateparser.search import search_dates

    found = search_dates(text, languages=DP_LANGS, settings=DP_DAY)
    return found[0][1].date().isoformat() if found else None


def dp_month(text: str) -> str | None:
    from dateparser.search import search_dates

    found = search_dates(text, languages=DP_LANGS, settings=DP_MONTH)
    return found[0][1].strftime("%Y-%m") if found else None


def dp_range(text: str) -> str | None:
    from dateparser.search import search_dates

    found = search_dates(text, languages=DP_LANGS, settings=DP_MONTH) or []
    if len(found) < 2:
        return None
    return f"{found[0][1]:%Y-%m}-01..{_last_day(f'{found[1][1]:%Y-%m}')}"


def hand_doc(text: str) -> str | None:  # ingest/catalog.infer_meta's rule
    enacted = ENACTED.search(text)
    return parse_date(enacted.group(1)) if enacted else parse_date(text[:3000])


def dp_doc(text: str) -> str | None:
    enacted = ENACTED_ANY.search(text)
    return (dp_day(enacted.group(1)) if enacted else None) or dp_day(text[:3000])


def date_cases() -> list[tuple[str, str | None, str]]:
    out = []
    for line in (HERE / "date_cases.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, gold, text, _src = line.split("\t")
            out.append((kind, None if gold == "-" else gold, text))
    return out


def dated_docs(docs) -> list[tuple[str | None, str, str]]:
    """Documents whose catalog date is read from their own text (no date_note, or a note saying it is as written)."""
    out = []
    for rel, entry, doc in docs:
        note = str(entry.get("date_note") or "")
        if not entry.get("date") or (note and "as written" not in note and "promulgation" not in note
                                     and "2025 taken from" not in note):
            continue
        text = "\n".join(p.text for p in doc.pages)
        out.append((meta_from_catalog(rel, entry).date, text, rel))
    return out


def date_table(sets: dict[str, tuple[list[tuple[str | None, str]], dict]]) -> list[dict]:
    rows = []
    for set_name, (items, fns) in sets.items():
        for name, fn in fns.items():
            got, per_call = timed(fn, [t for _, t in items])
            wrong = [(g, t, p) for (g, t), p in zip(items, got) if p != g]
            rows.append({"parser": name, "set": set_name, "n": len(items), "correct": len(items) - len(wrong),
                         "accuracy": (len(items) - len(wrong)) / len(items), "ms_per_call": per_call * 1e3,
                         "wrong_date": sum(1 for _, _, p in wrong if p is not None),
                         "no_date": sum(1 for _, _, p in wrong if p is None),
                         "wrong": [f"{t[:40]!r}: expected {g}, got {p}" for g, t, p in wrong]})
    return rows


# --------------------------------------------------------------------------------------------------- printing
def print_lang(rows: list[dict], cold: dict[str, float]) -> None:
    print("\n## Language detection\n")
    print("| detector | set | n | accuracy | id correct | en correct | µs per call |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['detector']} | {r['set']} | {r['n']} | {r['correct']}/{r['n']} = {r['accuracy']:.1%} | "
              f"{r['id'][0]}/{r['id'][1]} | {r['en'][0]}/{r['en'][1]} | {r['us_per_call']:.0f} |")
    print("\nFirst call (loads the models): " + ", ".join(f"{k} {v:.2f} s" for k, v in cold.items()))
    print("\nMistakes:")
    for r in rows:
        if r["wrong"]:
            print(f"- {r['detector']} / {r['set']}: " + " | ".join(r["wrong"][:12])
                  + (f" | (+{len(r['wrong']) - 12} more)" if len(r["wrong"]) > 12 else ""))


def print_dates(rows: list[dict], cold: float) -> None:
    print("\n## Dates\n")
    print("| parser | set | n | accuracy | wrong date | no date where one was expected | ms per call |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['parser']} | {r['set']} | {r['n']} | {r['correct']}/{r['n']} = {r['accuracy']:.1%} | "
              f"{r['wrong_date']} | {r['no_date']} | {r['ms_per_call']:.3f} |")
    print(f"\nFirst dateparser call (loads its language tables): {cold:.2f} s")
    print("\nMistakes:")
    for r in rows:
        if r["wrong"]:
            print(f"- {r['parser']} / {r['set']}: " + " | ".join(r["wrong"]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--passages", type=int, default=300)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    try:
        import dateparser  # noqa: F401
        import lingua  # noqa: F401
    except ImportError as e:
        sys.exit(f"{e.name} is missing: .venv/bin/pip install -e '.[bench]'")

    cold = {"lingua id+en": first_call(lambda: lingua_detector(False)),
            "lingua id+en+ms": first_call(lambda: lingua_detector(True))}
    dets = detectors()
    t = time.perf_counter()
    docs = corpus_docs()
    parse_s = time.perf_counter() - t
    rows = eval_rows()
    cases = lang_cases()
    sets = {
        "dev questions": [(r["lang"], r["question"]) for r in rows if r["id"].startswith("q")],
        "held-out questions": [(r["lang"], r["question"]) for r in rows if r["id"].startswith("h")],
        "eval reference answers": [(r["lang"], r["answer"]) for r in rows if r.get("answer")],
        f"passages (sample of {a.passages})": passage_sample(docs, a.passages, a.seed),
        "whole documents (first 5,000 chars)": [(e["language"], "\n".join(p.text for p in d.pages))
                                               for _, e, d in docs],
        "short queries (1-5 words)": [(g, t) for g, grp, t in cases if grp == "short"],
        "mixed sentences": [(g, t) for g, grp, t in cases if grp == "mixed"],
    }
    lrows = lang_table(dets, sets)

    t = time.perf_counter()
    dp_day("1 Januari 2025")
    dp_cold = time.perf_counter() - t
    dc = date_cases()
    dsets = {
        "day dates (date_cases.tsv)": ([(g, t) for k, g, t in dc if k == "day"],
                                       {"month tables (ingest)": hand_day, "dateparser": dp_day}),
        "month + year": ([(g, t) for k, g, t in dc if k == "month"],
                         {"month tables (ingest)": hand_month, "dateparser": dp_month}),
        "ranges in questions": ([(g, t) for k, g, t in dc if k == "range"],
                                {"month tables (ingest)": hand_range, "dateparser": dp_range}),
        "document dates (ingest's rule)": ([(g, t) for g, t, _ in dated_docs(docs)],
                                           {"month tables (ingest)": hand_doc, "dateparser": dp_doc}),
    }
    drows = date_table(dsets)
    if a.json:
        print(json.dumps({"language": lrows, "language_first_call_s": cold, "dates": drows,
                          "dateparser_first_call_s": dp_cold, "corpus_parse_s": parse_s}, indent=1,
                         ensure_ascii=False))
        return 0
    print(f"corpus: {len(docs)} files parsed and chunked in {parse_s:.1f} s; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print_lang(lrows, cold)
    print_dates(drows, dp_cold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
