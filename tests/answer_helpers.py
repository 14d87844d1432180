"""Shared helpers of the answer / generator / UI tests (importable as `answer_helpers`).

- small_corpus(): copy a few real corpus files (keeping their relative paths, so catalog keys stay valid)
- open_gugus(): a Gugus over an explicit Settings (no .env, no GUGUS_* variables)
- FakeLLM: a local OpenAI-compatible server (POST /v1/chat/completions, SSE streaming or plain JSON)
- answer checks shared by several tests
"""
from __future__ import annotations

import contextlib
import json
import queue
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable


from helpers import copy_corpus

MARKER = re.compile(r"\[(\d{1,3})\]")
DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


# ------------------------------------------------------------------------------------------------ corpus / Gugus
def small_corpus(root: Path, *rels: str, extra: dict[str, str] | None = None) -> Path:
    """Copy real corpus files `rels` into root with their catalog entries (see helpers.copy_corpus)."""
    return copy_corpus(root, *rels, extra=extra)


def settings(data_dir: Path, corpus_dir: Path, **kw):
    from gugus.app.settings import Settings

    return Settings(_env_file=None, data_dir=data_dir, corpus_dir=corpus_dir, **kw)


def open_gugus(data_dir: Path, corpus_dir: Path, ingest: bool = True, **kw):
    from gugus.app.container import Gugus

    g = Gugus(settings(data_dir, corpus_dir, **kw))
    if ingest:
        report = g.ingest()
        assert not report.failed, [(o.path, o.reason) for o in report.failed]
    return g


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------------------------------ answer checks
def norm_numbers(text: str) -> set[str]:
    """Numbers in text, '4.320' / '4,320' / '4320' compared equal (test-side, independent of app.verify)."""
    return {re.sub(r"[.,]", "", n) for n in DIGITS.findall(text)}


def markers_in_order(answer: str) -> list[int]:
    """Citation numbers in order of first appearance ([1][2] and [1, 2] both handled)."""
    nums: list[int] = []
    for m in re.finditer(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]", answer):
        nums.extend(int(x) for x in re.split(r"\s*[,;]\s*", m.group(1)))
    return list(dict.fromkeys(nums))


def strip_markers(answer: str) -> str:
    return re.sub(r"\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\]", " ", answer)


def check_citation_invariants(r) -> None:
    """Every [n] resolves to a citation, citations are 1..k in order of first appearance, related follow them,
    every number of the answer text is in a cited passage."""
    order = markers_in_order(r.answer)
    ns = [p.n for p in r.citations]
    assert ns == list(range(1, len(ns) + 1)), ns
    assert order == ns, (order, ns, r.answer)
    assert [p.n for p in r.related] == list(range(len(ns) + 1, len(ns) + 1 + len(r.related)))
    cited_ids = {p.hit.id for p in r.citations}
    assert len(cited_ids) == len(r.citations), "a passage cited twice under two numbers"
    assert not cited_ids & {p.hit.id for p in r.related}, "a cited passage is also listed as related"
    have = set().union(*(norm_numbers(p.text) for p in r.citations)) if r.citations else set()
    missing = norm_numbers(strip_markers(r.answer)) - have
    assert not missing, (missing, r.answer)


# ------------------------------------------------------------------------------------------------ fake LLM server
Reply = "str | Callable[[str], str] | tuple[int, str]"


class FakeLLM:
    """An OpenAI-compatible server on 127.0.0.1:<free port>. Queue replies with .reply(...): a string, a function of
    the prompt returning a string, or (status, body) for an HTTP error. Every request body is kept in .requests."""

    def __init__(self) -> None:
        self.replies: "queue.Queue[Any]" = queue.Queue()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # the body ends when the connection closes (plain and SSE alike)

            def log_message(self, *a):  # quiet
                pass

            def do_POST(self):  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(n) or b"{}")
                fake.requests.append({"path": self.path, **body})
                fake.headers.append(dict(self.headers))
                if self.path != "/v1/chat/completions":
                    return self._send(404, "application/json", json.dumps({"error": "not found"}).encode())
                try:
                    reply = fake.replies.get_nowait()
                except queue.Empty:
                    return self._send(500, "application/json", json.dumps({"error": "no reply scripted"}).encode())
                if isinstance(reply, tuple):
                    status, text = reply
                    return self._send(status, "application/json", json.dumps({"error": text}).encode())
                prompt = body["messages"][-1]["content"]
                text = reply(prompt) if callable(reply) else reply
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Cache-Control", "no-cache")
                    self.end_headers()
                    for piece in pieces(text):
                        chunk = {"id": "x", "object": "chat.completion.chunk",
                                 "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                        self.wfile.flush()
                    # a role-only chunk and a keep-alive comment are part of real streams: ignored by the parser
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.write(b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n')
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                else:
                    out = {"id": "x", "object": "chat.completion", "model": body.get("model"),
                           "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                        "finish_reason": "stop"}]}
                    self._send(200, "application/json", json.dumps(out).encode())

            def _send(self, status: int, ctype: str, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reply(self, *replies: Any) -> None:
        for r in replies:
            self.replies.put(r)

    def reset(self) -> None:
        while not self.replies.empty():
            self.replies.get_nowait()
        self.requests.clear()
        self.headers.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def pieces(text: str, n: int = 4) -> list[str]:
    """Split text into about n consecutive pieces (at spaces), so a stream has several deltas."""
    words = re.split(r"(?<= )", text)
    size = max(1, -(-len(words) // n))
    return ["".join(words[i:i + size]) for i in range(0, len(words), size)]


def passage_block(prompt: str, n: int) -> str:
    """The text of passage [n] as rendered into the answer prompt ("[n] label\\ntext" blocks)."""
    m = re.search(rf"^\[{n}\] [^\n]*\n(.*?)(?=\n\n\[\d+\] |\n\nQuestion:|\n\nPertanyaan:|\Z)", prompt, re.S | re.M)
    assert m, f"passage [{n}] not in the prompt:\n{prompt[:2000]}"
    return m.group(1)


# ------------------------------------------------------------------------------------------------ fake writer
class FakeWriter:
    """A chat backend for app/answering/writer.py that needs no model: `reply(evidence, messages) -> text`. By default it
    echoes the evidence (a faithful same-language rendering). Counts its calls."""

    name = "fake"
    model = "fake-writer"
    label = "fake writer"
    writes_evidence = True

    def __init__(self, reply: Callable[[str, list[dict]], str] | None = None):
        self.reply = reply or (lambda evidence, messages: evidence)
        self.calls: list[list[dict]] = []

    @staticmethod
    def evidence_of(messages: list[dict]) -> str:
        m = re.search(r"^(?:Evidence|Bukti): (.*)$", messages[-1]["content"], re.M)
        return m.group(1) if m else ""

    def chat_events(self, messages, max_tokens: int = 160):
        from gugus.app.generators.local_llm import ChatResult

        self.calls.append(messages)
        text = self.reply(self.evidence_of(messages), messages)
        yield "delta", text
        yield "done", ChatResult(text=text, prompt_tokens=len(" ".join(m["content"] for m in messages).split()))

    def stream(self, req):
        raise AssertionError("a writer backend is only asked through chat_events")

    def complete(self, prompt: str) -> str:
        return prompt


def writer_pipeline(g, backend, similarity_min: float = 0.0):
    """An AnswerPipeline over Gugus `g` whose writer is `backend` (a FakeWriter or a LocalGenerator)."""
    from gugus.app.answering.pipeline import AnswerPipeline
    from gugus.app.answering.faithful import FaithfulnessChecker
    from gugus.app.answering.writer import Writer

    w = Writer(backend, FaithfulnessChecker(g.embedder, similarity_min))
    return AnswerPipeline(g, backend, None, writer=w), w


# ------------------------------------------------------------------------------------------------ served app
READY_TIMEOUT = 120


@contextlib.contextmanager
def gugus_server(root: Path, corpus: Path, **env_extra: str):
    """`gugus serve` as a subprocess on a free loopback port over `corpus` (ingested first into root/data), with
    no GUGUS_* variable of the test run except `env_extra`. Yields the base URL; stops the server after."""
    import os
    import subprocess
    import sys
    import time

    import httpx

    g = open_gugus(root / "data", corpus)
    g.close()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUGUS_")}
    env.update(GUGUS_DATA_DIR=str(root / "data"), GUGUS_CORPUS_DIR=str(corpus), HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False", ANONYMIZED_TELEMETRY="False",
               PYTHONUNBUFFERED="1", **env_extra)
    script = Path(sys.executable).parent / "gugus"
    cmd = [str(script)] if script.exists() else [sys.executable, "-c", "from gugus.app.cli.main import main; main()"]
    proc = subprocess.Popen(cmd + ["serve", "--host", "127.0.0.1", "--port", str(port)], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    ready = threading.Event()

    def pump():
        for line in proc.stdout:  # keep draining so the server never blocks on a full pipe
            lines.append(line)
            if "Gugus ready" in line:
                ready.set()

    threading.Thread(target=pump, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        up = False
        while time.monotonic() < deadline and proc.poll() is None:
            if ready.is_set():
                try:
                    up = httpx.get(base + "/", timeout=5).status_code == 200
                except httpx.HTTPError:
                    up = False
                if up:
                    break
            time.sleep(0.5)
        if not up:
            raise AssertionError(f"gugus serve did not come up in {READY_TIMEOUT} s (exit {proc.poll()}):\n"
                                 + "".join(lines[-40:]))
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # uvicorn waits for open streams; no need to wait for them here
            proc.kill()
            proc.wait(timeout=10)
