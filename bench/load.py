"""Load test: N simulated officers chatting with `gugus serve` at the same time.

The script starts `gugus serve` on 127.0.0.1 (a free port) over a data directory, then runs N officer threads for
T seconds. Each officer asks a question from eval/dev_qa.jsonl through the web UI's Gradio HTTP API (the `ask`
endpoint the chat button calls: POST /gradio_api/call/ask, then the event stream), thinks for a while, and either
asks a follow-up in the same conversation (the chat history is sent along, as the browser does) or starts a new
conversation. No request is started after T seconds; requests in flight get --timeout seconds to finish, so the
run is bounded by T + timeout. --max-requests bounds the count.

Reported: requests, errors by kind, latency to the complete answer (p50/p95/p99/max; also separately for a
question's first time in the run, its repeats, which hit Gugus's query and sentence-vector caches, and follow-ups),
time to the first streamed update, throughput, the share of answers with a citation [1], the server's peak RSS
and the load average.

    .venv/bin/python bench/load.py [--users 20] [--duration 300] [--think 3] [--data-dir DIR | --corpus DIR]
                                   [--max-requests N] [--timeout 180] [--json]

Without --data-dir, the corpus (default corpus/) is ingested into a temporary data directory first.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import stop  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FOLLOW_UPS = ["Siapa yang terlibat?", "Apa dasar hukumnya?", "Can you say more about that?", "Kapan itu terjadi?"]
HISTORY_MESSAGES = 6  # follow-ups send at most the last 3 exchanges


@dataclass
class Sample:
    start: float
    latency: float
    first_update: float | None
    ok: bool
    error: str | None = None
    cited: bool = False
    kind: str = "first"  # first (the question's first time in this run) | repeat | follow_up


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: int = 0
    seen: set[str] = field(default_factory=set)

    def kind_of(self, question: str, follow_up: bool) -> str:
        """Repeats are cheaper: Gugus caches query and sentence vectors. Follow-ups are condensed with their
        conversation, so each is a new query."""
        if follow_up:
            return "follow_up"
        with self.lock:
            first = question not in self.seen
            self.seen.add(question)
        return "first" if first else "repeat"

    def take_slot(self, limit: int | None) -> bool:
        with self.lock:
            if limit is not None and self.started >= limit:
                return False
            self.started += 1
            return True

    def add(self, s: Sample) -> None:
        with self.lock:
            self.samples.append(s)


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gugus_cmd() -> list[str]:
    script = Path(sys.executable).parent / "gugus"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from gugus.app.cli.main import main; main()"]


def env_for(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUGUS_")}
    env.update(GUGUS_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    return env


def start_server(data_dir: Path, port: int, log_path: Path, ready_timeout: float = 180) -> subprocess.Popen:
    log = open(log_path, "w")
    proc = subprocess.Popen(gugus_cmd() + ["serve", "--host", "127.0.0.1", "--port", str(port)], env=env_for(data_dir),
                            stdout=log, stderr=subprocess.STDOUT, cwd=data_dir.parent)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gugus serve exited ({proc.returncode}); see {log_path}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"gugus serve did not answer within {ready_timeout:.0f} s; see {log_path}")


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def ask(client: httpx.Client, message: str, history: list, timeout: float) -> tuple[list | None, float | None]:
    """One question through the chat's API endpoint. Returns (the conversation after the answer, seconds to the
    first streamed update). Raises on an HTTP error, an error event or a timeout."""
    t0 = time.perf_counter()
    r = client.post("/gradio_api/call/ask", json={"data": [message, history, [], [], "", ""]})
    r.raise_for_status()
    event_id = r.json()["event_id"]
    first = None
    event = None
    with client.stream("GET", f"/gradio_api/call/ask/{event_id}", timeout=timeout) as s:
        s.raise_for_status()
        for line in s.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
                if first is None and event == "generating":
                    first = time.perf_counter() - t0
            elif line.startswith("data:") and event in ("complete", "error"):
                data = line.split(":", 1)[1].strip()
                if event == "error":
                    raise RuntimeError(f"error event: {data[:200]}")
                return json.loads(data)[0], first
    raise RuntimeError("stream ended without a complete event")


def text_of(msg: dict) -> str:
    c = msg.get("content")
    return " ".join(x.get("text", "") for x in c if isinstance(x, dict)) if isinstance(c, list) else str(c)


def officer(i: int, base: str, questions: list[str], a, deadline: float, run: Run) -> None:
    rng = random.Random(a.seed * 1000 + i)
    time.sleep(rng.uniform(0, min(a.think, 5)))  # officers do not all press "Ask" in the same millisecond
    history: list = []
    with httpx.Client(base_url=base, timeout=a.timeout) as client:
        while time.monotonic() < deadline and run.take_slot(a.max_requests):
            follow = bool(history) and rng.random() < a.follow_up
            msg = rng.choice(FOLLOW_UPS) if follow else rng.choice(questions)
            if not follow:
                history = []
            kind = run.kind_of(msg, follow)
            start = time.perf_counter()
            try:
                chat, first = ask(client, msg, history[-HISTORY_MESSAGES:], a.timeout)
                lat = time.perf_counter() - start
                answer = text_of(chat[-1]) if chat else ""
                run.add(Sample(start, lat, first, True, cited="[1]" in answer, kind=kind))
                history = chat or []
            except Exception as e:  # counted, never fatal: the point is to see them
                err = type(e).__name__
                if isinstance(e, httpx.HTTPStatusError):
                    err = f"HTTP {e.response.status_code}"
                run.add(Sample(start, time.perf_counter() - start, None, False, f"{err}: {str(e)[:120]}", kind=kind))
                history = []
            time.sleep(rng.uniform(0, 2 * a.think))


def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem_gb:.0f} GiB RAM, {cpu}, Python {platform.python_version()}"


def summarize(run: Run, a, wall: float, server_rss: float, load: tuple) -> dict:
    ok = [s for s in run.samples if s.ok]
    lat = [s.latency for s in ok]
    errors: dict[str, int] = {}
    for s in run.samples:
        if not s.ok:
            key = s.error.split(":", 1)[0] if s.error else "?"
            errors[key] = errors.get(key, 0) + 1
    firsts = [s.first_update for s in ok if s.first_update is not None]
    return {
        "machine": machine(), "users": a.users, "duration_s": a.duration, "think_s": a.think, "wall_s": round(wall, 1),
        "requests": len(run.samples), "ok": len(ok), "errors": errors,
        "error_examples": [s.error for s in run.samples if not s.ok][:5],
        "throughput_per_min": round(60 * len(ok) / wall, 1) if wall else 0.0,
        "latency_s": {"p50": pct(lat, 50), "p95": pct(lat, 95), "p99": pct(lat, 99), "max": max(lat, default=0.0),
                      "mean": statistics.fmean(lat) if lat else float("nan")},
        "first_update_s": {"p50": pct(firsts, 50), "p95": pct(firsts, 95)},
        "by_kind": {k: {"n": len(v), "p50": pct(v, 50), "p95": pct(v, 95)} for k, v in
                    ((k, [s.latency for s in ok if s.kind == k]) for k in ("first", "repeat", "follow_up"))},
        "follow_ups": sum(s.kind == "follow_up" for s in ok),
        "cited_share": (sum(s.cited for s in ok) / len(ok)) if ok else 0.0,
        "server_peak_rss_mb": round(server_rss), "loadavg_end": [round(x, 2) for x in load],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--duration", type=float, default=300, help="seconds during which new questions are asked")
    ap.add_argument("--think", type=float, default=3.0, help="mean pause between an answer and the next question (s)")
    ap.add_argument("--follow-up", type=float, default=0.3, help="probability that the next question is a follow-up")
    ap.add_argument("--max-requests", type=int, default=None)
    ap.add_argument("--timeout", type=float, default=180, help="per request (s)")
    ap.add_argument("--data-dir", type=Path, default=None, help="an already-ingested data directory")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="ingested first when --data-dir is not given")
    ap.add_argument("--questions", type=Path, default=ROOT / "eval" / "dev_qa.jsonl")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    questions = [json.loads(l)["question"] for l in a.questions.read_text(encoding="utf-8").splitlines() if l.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="gugus-bench-load-"))
    data_dir = a.data_dir
    proc = None
    try:
        if data_dir is None:
            data_dir = tmp / "data"
            print(f"ingesting {a.corpus} into {data_dir} ...", file=sys.stderr, flush=True)
            subprocess.run(gugus_cmd() + ["ingest", str(a.corpus)], env=env_for(data_dir), check=True,
                           stdout=subprocess.DEVNULL)
        port = free_port()
        t = time.perf_counter()
        proc = start_server(data_dir.resolve(), port, tmp / "serve.log")
        print(f"gugus serve ready in {time.perf_counter() - t:.1f} s on port {port}; {a.users} officers for "
              f"{a.duration:.0f} s", file=sys.stderr, flush=True)
        run = Run()
        t0 = time.perf_counter()
        deadline = time.monotonic() + a.duration
        threads = [threading.Thread(target=officer, args=(i, f"http://127.0.0.1:{port}", questions, a, deadline, run),
                                    daemon=True) for i in range(a.users)]
        for th in threads:
            th.start()
        while any(th.is_alive() for th in threads):
            time.sleep(10)
            with run.lock:
                n, bad = len(run.samples), sum(not s.ok for s in run.samples)
            print(f"  {time.perf_counter() - t0:5.0f} s: {n} answers, {bad} errors", file=sys.stderr, flush=True)
        wall = time.perf_counter() - t0
        res = summarize(run, a, wall, peak_rss_mb(proc.pid), os.getloadavg())
    finally:
        if proc is not None:
            stop(proc, timeout=15)
        shutil.rmtree(tmp, ignore_errors=True)
    if a.json:
        print(json.dumps(res, indent=1))
    else:
        L = res["latency_s"]
        print(f"\nGugus load test ({res['machine']})")
        print(f"{res['users']} officers, {res['duration_s']:.0f} s of questions (think time ~{res['think_s']} s), "
              f"wall {res['wall_s']} s")
        print(f"requests {res['requests']}, ok {res['ok']}, errors {res['errors'] or 0}; "
              f"{res['throughput_per_min']} answers/min; {res['follow_ups']} follow-ups; "
              f"{100 * res['cited_share']:.0f} % of answers cite [1]")
        print(f"latency to the complete answer: p50 {L['p50']:.2f} s, p95 {L['p95']:.2f} s, p99 {L['p99']:.2f} s, "
              f"max {L['max']:.2f} s; first streamed update p50 {res['first_update_s']['p50']:.2f} s")
        for k, m in res["by_kind"].items():
            print(f"  {k:<9} n={m['n']:<5} p50 {m['p50']:.2f} s  p95 {m['p95']:.2f} s")
        print(f"server peak RSS {res['server_peak_rss_mb']} MB; load average at end {res['loadavg_end']}")
        for e in res["error_examples"]:
            print(f"  error: {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
