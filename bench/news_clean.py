"""News cleaning, trafilatura vs the hand-written boilerplate removal (ingest/clean.py), per input kind (issue 11).

Inputs: the five corpus news items (corpus/news/*.txt), each
- as copied text (the corpus file itself: what the hand-written rules were written for), and
- as a saved news page (tests/news_fixtures.py: the item's text inside a typical Indonesian news-site page with
  menus, "Baca juga:", share buttons, related and popular lists, comments, comment form, copyright).
Gold: a hand-marked body per item (tests/news_fixtures.py); credit lines count for neither side.
Measures (bag of lower-cased words, micro-averaged over the five items): precision and recall of the kept text
against the gold body, F1, the share of the input's boilerplate tokens removed, and the median time per page.

    .venv/bin/python bench/news_clean.py [--repeat 20] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import news_fixtures as nf  # noqa: E402
import trafilatura  # noqa: E402
from trafilatura.meta import reset_caches  # noqa: E402

from gugus.ingest.clean import clean_text  # noqa: E402
from gugus.ingest.html import read_html  # noqa: E402


def _wrap(text: str) -> str:
    return "<html><body><article>" + "".join(f"<p>{l}</p>" for l in text.split("\n") if l.strip()) + \
        "</article></body></html>"


def _traf(html: str, **kw) -> str:
    return trafilatura.extract(html, include_tables=True, output_format="txt", **kw) or ""


METHODS = {
    "html": [
        ("hand-written rules on the page text (select-all copy)", lambda page: clean_text(nf.page_text(page))),
        ("trafilatura, default settings", lambda page: _traf(page)),
        ("trafilatura, favor_precision, deduplicate=True (ingest/html.py before)",
         lambda page: _traf(page, favor_precision=True, deduplicate=True)),
        ("trafilatura, favor_precision (ingest/html.py now)", lambda page: read_html(page).text),
        ("trafilatura favor_precision, then the hand-written rules (Gugus HTML path)",
         lambda page: clean_text(read_html(page).text)),
    ],
    "text": [
        ("no cleaning", lambda text: text),
        ("hand-written rules (ingest/clean.py, Gugus text path)", clean_text),
        ("trafilatura favor_precision on the text (lines as <p>)", lambda text: _traf(_wrap(text), favor_precision=True)),
    ],
}


def run(repeat: int) -> list[dict]:
    rows = []
    for kind, methods in METHODS.items():
        for label, fn in methods:
            hit = out_n = gold_n = boiler_total = boiler_left = 0
            times, per_item = [], {}
            for name, _ in nf.ITEMS:
                if kind == "html":
                    src = nf.saved_page(name)
                    page = src
                else:
                    src = (nf.NEWS_DIR / name).read_text(encoding="utf-8")
                    page = None
                reset_caches()  # deduplicate=True remembers paragraphs across calls
                out = fn(src)
                ts = []
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    fn(src)
                    ts.append(time.perf_counter() - t0)
                times.append(statistics.median(ts))
                s = nf.score(out, name, page, headline=kind == "html")
                hit += s["hit"]
                out_n += s["out"]
                gold_n += s["gold"]
                boiler_total += s["boiler_total"]
                boiler_left += s["boiler_left"]
                per_item[name[:3]] = round(s["f1"], 3)
            p, r = hit / max(1, out_n), hit / max(1, gold_n)
            rows.append({"kind": kind, "method": label, "precision": p, "recall": r,
                         "f1": 2 * p * r / max(1e-9, p + r), "boiler_total": boiler_total,
                         "boiler_left": boiler_left,
                         "boiler_removed": 1 - boiler_left / boiler_total if boiler_total else 1.0,
                         "ms_per_page": 1000 * statistics.median(times), "f1_per_item": per_item})
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| input | method | precision | recall | F1 | boilerplate removed | ms/page | F1 per item (000..004) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['kind']} | {r['method']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | "
                     f"{r['boiler_removed']:.1%} ({r['boiler_total'] - r['boiler_left']}/{r['boiler_total']}) | "
                     f"{r['ms_per_page']:.2f} | {' '.join(f'{v:.3f}' for v in r['f1_per_item'].values())} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    load = os.getloadavg()
    rows = run(a.repeat)
    if a.json:
        print(json.dumps({"load": load, "rows": rows}, indent=1))
        return
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; trafilatura {trafilatura.__version__}; "
          f"{a.repeat} timed runs per page")
    print(table(rows))


if __name__ == "__main__":
    main()
