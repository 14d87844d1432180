"""Drafting speed: every TIP section with the extractive generator, cold (new process state) and warm.

    .venv/bin/python bench/draft.py [--data-dir data] [--period 2026] [--runs 3]

Uses an already-ingested data dir (`gugus ingest` first). The first run of each section is "cold": the query
vectors of its outline and the sentence vectors of its evidence are not cached yet (as after `gugus serve` starts).
Later runs are warm (an officer regenerating a section). Target: a section in <= 10 s.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, default=ROOT / "data")
    ap.add_argument("--period", default="2026")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if not (a.data_dir / "manifest.sqlite").exists():
        sys.exit(f"{a.data_dir} has no index: run `gugus ingest` first")
    from gugus.app.drafting.drafter import Drafter
    from gugus.app.container import Gugus
    from gugus.app.settings import Settings
    from gugus.index.period import parse_period
    from gugus.prompts import list_sections

    g = Gugus(Settings(data_dir=a.data_dir, generator="extractive"))
    g.retriever.keyword_index()  # as `gugus serve` does before the first request
    d = Drafter(g)
    period = parse_period(a.period)
    rows = []
    for section in list_sections():
        times = []
        for _ in range(a.runs):
            t = time.perf_counter()
            draft = d.draft(section, period, "en")
            times.append(time.perf_counter() - t)
        rows.append({"section": section, "cold_s": times[0], "warm_s": statistics.median(times[1:] or times),
                     "paragraphs": len(draft.paragraphs), "gaps": len(draft.gaps),
                     "references": len(draft.references)})
    res = {"period": str(period), "rows": rows, "max_cold_s": max(r["cold_s"] for r in rows),
           "load_avg": os.getloadavg()[0]}
    if a.json:
        print(json.dumps(res))
        return
    print(f"extractive drafts, period {res['period']}, {a.runs} runs per section")
    print(f"{'section':30} {'cold s':>7} {'warm s':>7} {'paras':>6} {'gaps':>5} {'refs':>5}")
    for r in rows:
        print(f"{r['section']:30} {r['cold_s']:7.2f} {r['warm_s']:7.2f} {r['paragraphs']:6d} {r['gaps']:5d} "
              f"{r['references']:5d}")
    print(f"slowest cold section {res['max_cold_s']:.1f} s (target <= 10 s); load average {res['load_avg']:.1f}")


if __name__ == "__main__":
    main()
