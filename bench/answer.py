"""Answer latency (extractive, end to end) and `gugus serve` readiness.

    .venv/bin/python bench/answer.py [--data-dir data] [--questions eval/dev_qa.jsonl] [--runs 1]

Uses an already-ingested data dir (`gugus ingest` first). Prints p50/p95 of AnswerPipeline.ask over the dev
questions (after one warm-up question), the split into retrieve/generate/verify, and the seconds from starting
`gugus serve` to the first HTTP 200 on its page.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def answer_latency(data_dir: Path, questions: Path, runs: int) -> dict:
    from gugus.app.container import Gugus
    from gugus.app.settings import Settings

    g = Gugus(Settings(data_dir=data_dir))
    qs = [json.loads(l)["question"] for l in questions.read_text(encoding="utf-8").splitlines() if l.strip()]
    g.answerer.ask(qs[0], user="bench")  # warm-up: model pages, keyword index
    total, parts = [], {"retrieve_s": [], "generate_s": [], "verify_s": []}
    for _ in range(runs):
        for q in qs:
            r = g.answerer.ask(q, user="bench")
            total.append(r.timings["total_s"] * 1000)
            for k in parts:
                parts[k].append(r.timings.get(k, 0.0) * 1000)
    return {"questions": len(qs) * runs, "p50_ms": statistics.median(total), "p95_ms": pct(total, 95),
            **{f"{k[:-2]}_p50_ms": statistics.median(v) for k, v in parts.items()}}


def serve_ready(data_dir: Path) -> float:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GUGUS_DATA_DIR": str(data_dir)}
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(ROOT / ".venv/bin/gugus"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - t0 < 120:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    if r.status == 200:
                        return time.perf_counter() - t0
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gugus serve did not answer within 120 s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, default=ROOT / "data")
    ap.add_argument("--questions", type=Path, default=ROOT / "eval/dev_qa.jsonl")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if not (a.data_dir / "manifest.sqlite").exists():
        sys.exit(f"{a.data_dir} has no index: run `gugus ingest` first")
    res = answer_latency(a.data_dir, a.questions, a.runs)
    res["serve_ready_s"] = serve_ready(a.data_dir)
    res["load_avg"] = os.getloadavg()[0]
    if a.json:
        print(json.dumps(res))
        return
    print(f"extractive answers: {res['questions']} questions, p50 {res['p50_ms']:.0f} ms, p95 {res['p95_ms']:.0f} ms "
          f"(target p50 <= 1000 ms)")
    print(f"  retrieve p50 {res['retrieve_p50_ms']:.0f} ms, generate p50 {res['generate_p50_ms']:.0f} ms, "
          f"verify p50 {res['verify_p50_ms']:.0f} ms")
    print(f"gugus serve ready after {res['serve_ready_s']:.1f} s (target <= 10 s); load average {res['load_avg']:.1f}")


if __name__ == "__main__":
    main()
