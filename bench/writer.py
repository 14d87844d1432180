"""The local writer: answer and draft wall time against the model's own token time, and prompt tokens.

    .venv/bin/python bench/writer.py [--data-dir data] [--questions eval/dev_qa.jsonl] [--limit 30]
                                     [--sections prosecution,protection] [--lang en] [--threads N] [--json]

Uses an already-ingested data dir (`gugus ingest` first) and the installed model (`make install`). For each
answer it reads the runtime's own timings (llama.cpp's prompt_ms + predicted_ms per call) and reports:
  - answer wall time p50/p95 (end to end, retrieval and checks included) and the model's time p50;
  - overhead = (wall - model time) / model time, over the answers the writer wrote (the share Gugus adds);
  - prompt tokens per writer call p50/p95, and the cached share (the constant system prompt is reused);
  - per section draft: wall time, model time, calls, and the share of rendered (not quoted) sentences.
Record the figures in bench/RESULTS.md with the date, the machine and its load (uptime).
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


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, default=ROOT / "data")
    ap.add_argument("--questions", type=Path, default=ROOT / "eval/dev_qa.jsonl")
    ap.add_argument("--limit", type=int, default=30, help="answerable questions to time (0 = all)")
    ap.add_argument("--sections", default="prosecution,protection")
    ap.add_argument("--period", default="2026")
    ap.add_argument("--lang", default="en")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if not (a.data_dir / "manifest.sqlite").exists():
        sys.exit(f"{a.data_dir} has no index: run `gugus ingest` first")
    from gugus.app.drafting.drafter import Drafter
    from gugus.app.container import Gugus
    from gugus.app.settings import Settings
    from gugus.index.period import parse_period

    kw = {"llm_threads": a.threads} if a.threads else {}
    g = Gugus(Settings(data_dir=a.data_dir, generator="local", **kw))
    if g.generator.name != "local":
        sys.exit(f"the local writer is not available: {g.writer_note}")
    items = [json.loads(l) for l in a.questions.read_text(encoding="utf-8").splitlines() if l.strip()]
    qs = [it["question"] for it in items if it.get("answerable", True)]
    qs = qs[: a.limit] if a.limit else qs
    g.answerer.ask(qs[0], user="bench")  # warm-up: model pages, keyword index, prompt cache
    wall, model, prompt, cached, overhead = [], [], [], [], []
    rendered = quoted = 0
    for q in qs:
        r = g.answerer.ask(q, user="bench")
        w = r.writer or {}
        wall.append(r.timings["total_s"] * 1000)
        if w.get("calls"):
            model.append(w["model_ms"])
            prompt += w["prompt_tokens"]
            overhead.append((r.timings["total_s"] * 1000 - w["model_ms"]) / max(w["model_ms"], 1e-6))
        rendered += r.counts["rendered"]
        quoted += r.counts["quoted"]
    res = {
        "date": time.strftime("%Y-%m-%d %H:%M"), "machine": f"{os.cpu_count()} cores",
        "load": os.getloadavg(), "threads": g.settings.llm_threads, "model_load_s": round(g.generator.llm.load_s, 2),
        "answers": len(qs), "written": len(model),
        "answer_p50_ms": statistics.median(wall), "answer_p95_ms": pct(wall, 95),
        "model_p50_ms": statistics.median(model) if model else 0.0,
        "overhead_p50": statistics.median(overhead) if overhead else 0.0,
        "overhead_total": (sum(wall) - sum(model)) / max(sum(model), 1e-6) if model else 0.0,
        "prompt_tokens_p50": statistics.median(prompt) if prompt else 0, "prompt_tokens_p95": pct(prompt, 95),
        "rendered": rendered, "quoted": quoted, "drafts": [],
    }
    d = Drafter(g)
    for section in [s for s in a.sections.split(",") if s]:
        t = time.perf_counter()
        draft = d.draft(section, parse_period(a.period), lang=a.lang, user="bench")
        secs = time.perf_counter() - t
        kinds = [s.kind for p in draft.paragraphs for s in p.sentences]
        res["drafts"].append({"section": section, "wall_s": round(secs, 1),
                              "model_s": round(draft.writer.get("model_ms", 0) / 1000, 1),
                              "calls": draft.writer.get("calls", 0), "paragraphs": len(draft.paragraphs),
                              "gaps": len(draft.gaps), "sentences": len(kinds),
                              "rendered_share": kinds.count("rendered") / len(kinds) if kinds else 0.0})
    res["load_after"] = os.getloadavg()
    if a.json:
        print(json.dumps(res))
        return
    for k, v in res.items():
        print(f"{k:>20}: {v}")


if __name__ == "__main__":
    main()
