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

The writer under load (issue 10). The server's writer is read from `gugus serve`'s start-up line ("writer local model
..." or "writer extractive ..."). With the local writer, each request's stream is followed: while the last chat
message is the writer's queue message ("Menunggu giliran penulis: n ..."), n is its queue position. Per request:
waiting time (sending until the first content that is neither the queue message nor the "…" placeholder; of it, the
time before the first streamed update is spent in Gradio's own queue, which the /call API shows as silence),
answering time (from then to the complete answer), the positions seen, whether they never went up (in order), and
whether the request went back into the queue after its text had begun (one writer call per evidence unit). Errors
are counted by kind; an error event without a message, or no complete answer within --timeout (the client's deadline
per request, heartbeats included), counts as silent. Reported:
p50/p95 of waiting and answering, the largest position seen, how many requests saw their positions in order, and
how many were served in the order sent (a request is overtaken when one sent after it got its first content first).
If the server fell back to the extractive writer, no writer figures are reported (exit status 2).

A probe thread measures that the library and search are not blocked by the writer: an idle baseline before the
officers start, then every --probe-every s during the load, (a) GET /source/{doc_id} on the served app (the page the
library and the citations open; FastAPI, same process and thread pool as the chat) and (b) a search through a
long-running `gugus search --queries -` process over the same data directory (the same hybrid search, its CPU
competing with the writer's). p50/p95 idle vs under load.

Settings for the served app come from the bench, not the caller's environment, except the writer's: GUGUS_LLM_*,
GUGUS_WRITER_*, GUGUS_GENERATOR, GUGUS_MODELS_DIR, GUGUS_LOCAL_MODEL and GUGUS_UI_CONCURRENCY are passed through.

    .venv/bin/python bench/load.py [--users 20] [--duration 300] [--think 3] [--data-dir DIR | --corpus DIR]
                                   [--max-requests N] [--timeout 180] [--probe-every 2] [--no-probe] [--json]
                                   [--json-out FILE]

Without --data-dir, the corpus (default corpus/) is ingested into a temporary data directory first.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
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
# the chat's queue message (app/web/app.py TEXT[..]["queue"]), in either language
QUEUE_MSG = re.compile(r"^(?:Menunggu giliran penulis|Waiting for the writer): (\d+) ")
PLACEHOLDER = "…"
PASS_ENV = ("GUGUS_LLM_", "GUGUS_WRITER_", "GUGUS_GENERATOR", "GUGUS_MODELS_DIR", "GUGUS_LOCAL_MODEL",
            "GUGUS_UI_CONCURRENCY")
PROBE_QUERIES = ["korban perdagangan orang", "Gugus Tugas TPPO subsatgas", "restitusi korban",
                 "trafficking victims identification", "pekerja migran Indonesia", "Perpres 49 2023"]


@dataclass
class Sample:
    start: float
    latency: float
    first_update: float | None
    ok: bool
    error: str | None = None
    cited: bool = False
    kind: str = "first"  # first (the question's first time in this run) | repeat | follow_up
    waiting: float | None = None  # sending -> first content that is not the queue message (or the "…" placeholder)
    answering: float | None = None  # that -> the complete answer
    positions: list[int] = field(default_factory=list)  # writer queue positions seen, in order (changes only)
    requeued: bool = False  # a queue message came again after the answer's text had begun
    silent: bool = False  # an error without a message, or the client gave up (no word from the server)


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
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUGUS_") or k.startswith(PASS_ENV)}
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


@dataclass
class Stream:
    """What one request's stream showed: seconds to the first update and to the first content (not the queue
    message), the writer queue positions seen, whether it was queued again after content, the final chat."""
    first: float | None = None
    content: float | None = None
    positions: list[int] = field(default_factory=list)
    requeued: bool = False
    chat: list | None = None


class AskError(RuntimeError):
    def __init__(self, msg: str, silent: bool, stream: Stream):
        super().__init__(msg)
        self.silent, self.stream = silent, stream


def _observe(st: Stream, outputs: list, t: float) -> None:
    chat = outputs[0] if outputs else None
    last = text_of(chat[-1]) if chat and isinstance(chat[-1], dict) and chat[-1].get("role") == "assistant" else ""
    m = QUEUE_MSG.match(last.strip())
    if m:
        pos = int(m.group(1))
        if st.content is not None:
            st.requeued = True
        if not st.positions or st.positions[-1] != pos:
            st.positions.append(pos)
    elif last.strip() and last.strip() != PLACEHOLDER and st.content is None:
        st.content = t


def ask(client: httpx.Client, message: str, history: list, timeout: float) -> tuple[list | None, float | None, Stream]:
    """One question through the chat's API endpoint. Returns (the conversation after the answer, seconds to the
    first streamed update, what the stream showed). Raises AskError on an HTTP error, an error event or a timeout."""
    t0 = time.perf_counter()
    st = Stream()
    r = client.post("/gradio_api/call/ask", json={"data": [message, history, [], [], "", ""]})
    r.raise_for_status()
    event_id = r.json()["event_id"]
    event = None
    try:
        with client.stream("GET", f"/gradio_api/call/ask/{event_id}", timeout=timeout) as s:
            s.raise_for_status()
            for line in s.iter_lines():
                if time.perf_counter() - t0 > timeout:  # heartbeats keep the read timeout from ever firing
                    raise AskError(f"client deadline: no complete answer within {timeout:.0f} s", silent=True,
                                   stream=st)
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                    if st.first is None and event == "generating":
                        st.first = time.perf_counter() - t0
                elif line.startswith("data:") and event in ("complete", "error", "generating"):
                    data = line.split(":", 1)[1].strip()
                    now = time.perf_counter() - t0
                    if event == "error":
                        try:
                            err = json.loads(data)
                        except ValueError:
                            err = data
                        if isinstance(err, dict):
                            err = err.get("error")
                        raise AskError(f"error event: {str(err)[:200]}" if err else "error event without a message",
                                       silent=not err, stream=st)
                    outputs = json.loads(data)
                    _observe(st, outputs, now)
                    if event == "complete":
                        if st.content is None:
                            st.content = now
                        st.chat = outputs[0]
                        return st.chat, st.first, st
    except httpx.TimeoutException as e:
        raise AskError(f"{type(e).__name__}: no word from the server for {timeout:.0f} s", silent=True,
                       stream=st) from None
    raise AskError("stream ended without a complete event", silent=True, stream=st)


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
                chat, first, st = ask(client, msg, history[-HISTORY_MESSAGES:], a.timeout)
                lat = time.perf_counter() - start
                answer = text_of(chat[-1]) if chat else ""
                writer_err = WRITER_ERROR.search(answer)
                run.add(Sample(start, lat, first, writer_err is None, f"writer: {answer[:160]}" if writer_err else None,
                               cited="[1]" in answer, kind=kind, waiting=st.content,
                               answering=lat - st.content if st.content is not None else None,
                               positions=st.positions, requeued=st.requeued))
                history = chat or []
            except Exception as e:  # counted, never fatal: the point is to see them
                err = type(e).__name__
                if isinstance(e, httpx.HTTPStatusError):
                    err = f"HTTP {e.response.status_code}"
                st = getattr(e, "stream", None) or Stream()
                text = str(e) if isinstance(e, AskError) else f"{err}: {str(e)[:120]}"
                kind_err = ("silent" if e.silent else "explicit") if isinstance(e, AskError) else err
                run.add(Sample(start, time.perf_counter() - start, st.first, False, f"{kind_err}: {text[:160]}",
                               kind=kind, positions=st.positions, requeued=st.requeued,
                               silent=bool(getattr(e, "silent", False))))
                history = []
            time.sleep(rng.uniform(0, 2 * a.think))


# a writer failure the chat shows as its answer (app/web/app.py: the writer's error in the assistant message)
WRITER_ERROR = re.compile(r"the local writer is busy|the local model failed", re.I)


def non_increasing(xs: list[int]) -> bool:
    return all(b <= a for a, b in zip(xs, xs[1:]))


# ------------------------------------------------------------------------------------------------ the probe
@dataclass
class Probe:
    """Library (/source page) and search latencies, idle and under load."""
    source: dict[str, list[float]] = field(default_factory=lambda: {"idle": [], "load": []})
    search: dict[str, list[float]] = field(default_factory=lambda: {"idle": [], "load": []})
    errors: list[str] = field(default_factory=list)


class Searcher:
    """A long-running `gugus search --json --queries -` over the data directory: one query per line in, one JSON
    line out, so each query's time is the search itself, not the process start."""

    def __init__(self, data_dir: Path):
        self.proc = subprocess.Popen(gugus_cmd() + ["search", "--json", "-k", "5", "--queries", "-"],
                                     env=env_for(data_dir), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, encoding="utf-8", cwd=data_dir.parent)

    def __call__(self, q: str) -> tuple[float, dict]:
        t = time.perf_counter()
        self.proc.stdin.write(q + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"gugus search exited ({self.proc.poll()})")
        return time.perf_counter() - t, json.loads(line)

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()


def library_doc_ids(data_dir: Path, n: int = 8) -> list[str]:
    """A few text documents of the library (their /source page renders the stored passages), read-only from the
    manifest."""
    import sqlite3

    con = sqlite3.connect(f"file:{data_dir / 'manifest.sqlite'}?mode=ro", uri=True)
    try:
        ids = [r[0] for r in con.execute("SELECT doc_id FROM files WHERE chunks > 0 AND fmt != 'pdf' "
                                         "ORDER BY chunks DESC LIMIT ?", (n,))]
    finally:
        con.close()
    if not ids:
        raise RuntimeError(f"no documents in {data_dir} for the library probe")
    return ids


def probe_once(client: httpx.Client, searcher: Searcher, doc_ids: list[str], i: int, probe: Probe, phase: str) -> None:
    try:
        t = time.perf_counter()
        r = client.get(f"/source/{doc_ids[i % len(doc_ids)]}")
        r.raise_for_status()
        probe.source[phase].append(time.perf_counter() - t)
    except Exception as e:
        probe.errors.append(f"source: {type(e).__name__}: {str(e)[:100]}")
    try:
        dt, out = searcher(PROBE_QUERIES[i % len(PROBE_QUERIES)])
        if not out.get("results"):
            raise RuntimeError("no results")
        probe.search[phase].append(dt)
    except Exception as e:
        probe.errors.append(f"search: {type(e).__name__}: {str(e)[:100]}")


def probe_loop(base: str, searcher: Searcher, doc_ids: list[str], every: float, stop_ev: threading.Event,
               probe: Probe) -> None:
    i = 0
    with httpx.Client(base_url=base, timeout=120) as client:
        while not stop_ev.is_set():
            probe_once(client, searcher, doc_ids, i, probe, "load")
            i += 1
            stop_ev.wait(every)


def server_writer(log_path: Path) -> tuple[str, str]:
    """("local" | "extractive" | other, the start-up line) from `gugus serve`'s output."""
    text = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    line = next((l for l in text.splitlines() if l.startswith("Gugus ready")), "")
    warn = next((l for l in text.splitlines() if l.startswith("warning:")), "")
    m = re.search(r"writer (local model|extractive|\S+)", line)
    kind = {"local model": "local"}.get(m.group(1), m.group(1)) if m else "?"
    return kind, (line + (f" | {warn}" if warn else "")).strip()


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
        "errors_silent": sum(s.silent for s in run.samples),
    }


def writer_summary(run: Run) -> dict:
    """The writer under load: waiting and answering (p50/p95/max), queue positions, order."""
    ok = [s for s in run.samples if s.ok and s.waiting is not None]
    wait = [s.waiting for s in ok]
    ans = [s.answering for s in ok if s.answering is not None]
    gq = [s.first_update for s in ok if s.first_update is not None]
    queued = [s for s in run.samples if s.positions]
    # served in the order sent? A request is overtaken when one sent after it got its first content before it did
    begun = sorted(((s.start, s.start + s.waiting) for s in ok), key=lambda x: x[0])
    overtaken = sum(any(b2 < b1 for _, b2 in begun[i + 1:]) for i, (_, b1) in enumerate(begun))
    return {
        "waiting_s": {"p50": pct(wait, 50), "p95": pct(wait, 95), "max": max(wait, default=float("nan"))},
        "answering_s": {"p50": pct(ans, 50), "p95": pct(ans, 95), "max": max(ans, default=float("nan"))},
        "gradio_queue_s": {"p50": pct(gq, 50), "p95": pct(gq, 95), "max": max(gq, default=float("nan"))},
        "max_position": max((p for s in run.samples for p in s.positions), default=0),
        "saw_position": len(queued), "requests": len(run.samples),
        "in_order": sum(non_increasing(s.positions) for s in queued),
        "out_of_order_examples": [s.positions for s in queued if not non_increasing(s.positions)][:5],
        "requeued": sum(s.requeued for s in run.samples),
        "overtaken": overtaken, "served": len(begun),
        "per_request": [{"t": round(s.start, 2), "kind": s.kind, "ok": s.ok, "error": s.error,
                         "silent": s.silent,
                         "waiting_s": None if s.waiting is None else round(s.waiting, 2),
                         "answering_s": None if s.answering is None else round(s.answering, 2),
                         "gradio_queue_s": None if s.first_update is None else round(s.first_update, 2),
                         "positions": s.positions, "in_order": non_increasing(s.positions),
                         "requeued": s.requeued} for s in sorted(run.samples, key=lambda s: s.start)],
    }


def probe_summary(probe: Probe) -> dict:
    def stats(xs):
        return {"n": len(xs), "p50": pct(xs, 50), "p95": pct(xs, 95), "max": max(xs, default=float("nan"))}

    return {"source": {k: stats(v) for k, v in probe.source.items()},
            "search": {k: stats(v) for k, v in probe.search.items()},
            "errors": len(probe.errors), "error_examples": probe.errors[:5]}


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
    ap.add_argument("--probe-every", type=float, default=2.0, help="seconds between library/search probes")
    ap.add_argument("--idle-probes", type=int, default=10, help="probes before the officers start (the baseline)")
    ap.add_argument("--no-probe", action="store_true", help="no library/search probe")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--json-out", type=Path, default=None, help="also write the full results (per request) here")
    a = ap.parse_args()

    questions = [json.loads(l)["question"] for l in a.questions.read_text(encoding="utf-8").splitlines() if l.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="gugus-bench-load-"))
    data_dir = a.data_dir
    proc = None
    searcher = None
    probe = Probe()
    writer = ("?", "")
    uptimes: list[str] = []
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
        time.sleep(1)  # the start-up line is printed before uvicorn answers; give the log a moment
        writer = server_writer(tmp / "serve.log")
        print(f"server writer: {writer[0]} ({writer[1]})", file=sys.stderr, flush=True)
        base = f"http://127.0.0.1:{port}"
        stop_ev = threading.Event()
        prober = None
        if not a.no_probe:
            searcher = Searcher(data_dir.resolve())
            searcher(PROBE_QUERIES[0])  # loads the embedder and the indexes once
            doc_ids = library_doc_ids(data_dir.resolve())
            with httpx.Client(base_url=base, timeout=120) as c:
                for i in range(a.idle_probes):
                    probe_once(c, searcher, doc_ids, i, probe, "idle")
                    time.sleep(0.3)
            print(f"idle probe: /source p50 {pct(probe.source['idle'], 50) * 1000:.0f} ms, search p50 "
                  f"{pct(probe.search['idle'], 50) * 1000:.0f} ms", file=sys.stderr, flush=True)
            prober = threading.Thread(target=probe_loop, args=(base, searcher, doc_ids, a.probe_every, stop_ev, probe),
                                      daemon=True)
        uptimes.append("before: " + uptime())
        run = Run()
        t0 = time.perf_counter()
        deadline = time.monotonic() + a.duration
        threads = [threading.Thread(target=officer, args=(i, f"http://127.0.0.1:{port}", questions, a, deadline, run),
                                    daemon=True) for i in range(a.users)]
        for th in threads:
            th.start()
        if prober is not None:
            prober.start()
        mid = False
        while any(th.is_alive() for th in threads):
            time.sleep(10)
            with run.lock:
                n, bad = len(run.samples), sum(not s.ok for s in run.samples)
            print(f"  {time.perf_counter() - t0:5.0f} s: {n} answers, {bad} errors", file=sys.stderr, flush=True)
            if not mid and time.perf_counter() - t0 >= a.duration / 2:
                uptimes.append("during: " + uptime())
                mid = True
        wall = time.perf_counter() - t0
        stop_ev.set()
        if prober is not None:
            prober.join(timeout=120)
        uptimes.append("after: " + uptime())
        res = summarize(run, a, wall, peak_rss_mb(proc.pid), os.getloadavg())
        res["writer"], res["writer_line"] = writer
        res["uptime"] = uptimes
        res["env"] = {k: v for k, v in os.environ.items() if k.startswith(PASS_ENV)}
        if writer[0] == "local":
            res["writer_load"] = writer_summary(run)
        if not a.no_probe:
            res["probe"] = probe_summary(probe)
    finally:
        if searcher is not None:
            searcher.close()
        if proc is not None:
            stop(proc, timeout=15)
        shutil.rmtree(tmp, ignore_errors=True)
    if a.json_out:
        a.json_out.write_text(json.dumps(res, indent=1), encoding="utf-8")
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
        print(f"server writer: {res['writer']}  ({res['writer_line']})")
        if res["env"]:
            print("passed to the server: " + " ".join(f"{k}={v}" for k, v in res["env"].items()))
        for u in res["uptime"]:
            print(f"uptime {u}")
        w = res.get("writer_load")
        if w:
            W, A, G = w["waiting_s"], w["answering_s"], w["gradio_queue_s"]
            print(f"writer under load: waiting p50 {W['p50']:.1f} s, p95 {W['p95']:.1f} s, max {W['max']:.1f} s; "
                  f"answering p50 {A['p50']:.1f} s, p95 {A['p95']:.1f} s, max {A['max']:.1f} s")
            print(f"  of the waiting, silent in Gradio's queue (before the first update): p50 {G['p50']:.1f} s, "
                  f"p95 {G['p95']:.1f} s, max {G['max']:.1f} s")
            print(f"  queue positions: max {w['max_position']}; {w['saw_position']}/{w['requests']} requests saw one; "
                  f"in order (never went up) {w['in_order']}/{w['saw_position']}; queued again after their text "
                  f"began: {w['requeued']}")
            print(f"  served in the order sent: {w['served'] - w['overtaken']}/{w['served']} (overtaken by a request "
                  f"sent later: {w['overtaken']})")
            for ex in w["out_of_order_examples"]:
                print(f"  out of order: {ex}")
            print(f"  errors: {res['errors'] or 0}; silent (no message, or no complete answer within --timeout): "
                  f"{res['errors_silent']}")
        elif res["writer"] != "?":
            print(f"NO writer figures: the server's writer is '{res['writer']}', not the local model "
                  "(fell back to extractive?)")
        pr = res.get("probe")
        if pr:
            for name, label in (("source", "library /source page"), ("search", "search (gugus search)")):
                i, l_ = pr[name]["idle"], pr[name]["load"]
                print(f"{label:<24} idle p50 {i['p50'] * 1000:.0f} ms p95 {i['p95'] * 1000:.0f} ms (n={i['n']}); "
                      f"under load p50 {l_['p50'] * 1000:.0f} ms p95 {l_['p95'] * 1000:.0f} ms max "
                      f"{l_['max'] * 1000:.0f} ms (n={l_['n']})")
            if pr["errors"]:
                print(f"probe errors: {pr['errors']}: {pr['error_examples']}")
    if res["writer"] != "local" and "writer_load" not in res:
        return 2 if res["writer"] == "extractive" else 0
    return 0


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=5).stdout.strip()
    except Exception:
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
