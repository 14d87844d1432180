"""The bundled local model, in-process: Qwen2.5-Coder-1.5B-Instruct (GGUF Q4_K_M) on llama.cpp through xllamacpp.

One model serves everyone. Requests wait their turn in a first-in-first-out queue (`LocalModel.chat_events` yields
("queue", position) while waiting), never longer than `queue_timeout_s` (then a clear GeneratorError), and the UI
shows the position. The model file comes from scripts/install_model.py (make install): it is found in the models
folder (GUGUS_MODELS_DIR, default ~/.local/share/gugus/models), outside the data directory. Nothing is downloaded.

llama.cpp's server object also listens on a loopback port; it is given a random API key so that no other local
program (or a web page through DNS rebinding) can use it. Gugus itself calls it in-process.

`LocalLLM` is the same model as a llama-index `CustomLLM`, set as `llama_index.core.Settings.llm`.
"""
from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..settings import default_models_dir

log = logging.getLogger(__name__)

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_LABEL = "Qwen2.5-Coder 1.5B"


class LocalModelError(Exception):
    pass


def find_model(models_dir: Path | None = None, explicit: str | None = None) -> Path:
    """The GGUF file to load, or LocalModelError saying how to install it."""
    if explicit:
        p = Path(explicit).expanduser()
        if not p.is_file():
            raise LocalModelError(f"local model file not found: {p}")
        return p
    d = models_dir or default_models_dir()
    p = d / MODEL_FILE
    if not p.is_file():
        raise LocalModelError(f"the writer model is not installed in {d} (run `make install` or "
                              f"`python scripts/install_model.py --models-dir {d}`)")
    return p


@dataclass
class ChatResult:
    text: str
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    model_ms: float = 0.0  # the model's own time (prompt processing + generation), from llama.cpp's timings
    wall_ms: float = 0.0
    waited_ms: float = 0.0  # time spent in the queue
    raw: dict[str, Any] = field(default_factory=dict)


class LocalModel:
    """The model, loaded once, with its FIFO queue."""

    def __init__(self, path: Path, threads: int = 2, n_ctx: int = 2048, queue_timeout_s: float = 600.0):
        try:
            import xllamacpp as xlc
        except ImportError:
            raise LocalModelError("xllamacpp is not installed (pip install xllamacpp)") from None
        self.path = Path(path)
        self.threads, self.n_ctx, self.queue_timeout_s = threads, n_ctx, queue_timeout_s
        p = xlc.CommonParams()
        p.model.path = str(self.path)
        p.n_ctx = n_ctx
        p.n_parallel = 1
        p.cpuparams.n_threads = threads
        p.cpuparams_batch.n_threads = threads
        p.api_keys = [secrets.token_hex(24)]  # its loopback HTTP listener is not for anyone else
        p.ui = False
        p.endpoint_slots = False
        p.endpoint_props = False
        p.verbosity = -1
        t = time.perf_counter()
        try:
            self.server = xlc.Server(p)
        except Exception as e:  # a damaged or wrong file
            raise LocalModelError(f"cannot load the local model {self.path}: {e}") from None
        self.load_s = time.perf_counter() - t
        self._cond = threading.Condition()
        self._waiting: list[int] = []  # tickets in arrival order; the first one holds the model
        self._next = 0
        log.info("local model %s loaded in %.1f s (%d threads)", self.path.name, self.load_s, threads)

    # ------------------------------------------------------------------------------------------------ queue
    def queue_length(self) -> int:
        with self._cond:
            return len(self._waiting)

    def _take_ticket(self) -> int:
        with self._cond:
            t = self._next
            self._next += 1
            self._waiting.append(t)
            return t

    def _leave(self, ticket: int) -> None:
        with self._cond:
            if ticket in self._waiting:
                self._waiting.remove(ticket)
            self._cond.notify_all()

    def _ahead(self, ticket: int, wait: float = 0.0) -> int:
        """How many requests are ahead of this ticket (0: its turn), after waiting up to `wait` s for a change."""
        with self._cond:
            if wait and self._waiting and self._waiting[0] != ticket:
                self._cond.wait(wait)
            return self._waiting.index(ticket) if ticket in self._waiting else 0

    # ------------------------------------------------------------------------------------------------ calls
    def chat_events(self, messages: list[dict], max_tokens: int = 160, temperature: float = 0.0,
                    stream: bool = True, extra: dict | None = None) -> Iterator[tuple[str, Any]]:
        """("queue", position) while waiting, ("delta", text) while generating, then ("done", ChatResult)."""
        t0 = time.perf_counter()
        ticket = self._take_ticket()
        try:
            last = -1
            pos = self._ahead(ticket)
            while pos:
                if pos != last:  # tell the caller its place whenever it changes
                    yield "queue", pos
                    last = pos
                if time.perf_counter() - t0 > self.queue_timeout_s:
                    raise LocalModelError(f"the local writer is busy: still {pos} request(s) ahead after "
                                          f"{self.queue_timeout_s:.0f} s (GUGUS_WRITER_QUEUE_TIMEOUT_S)")
                pos = self._ahead(ticket, wait=0.5)
            waited = time.perf_counter() - t0
            body = {"messages": messages, "max_tokens": max_tokens, "temperature": temperature,
                    "stream": stream, **(extra or {})}
            if stream:
                yield from self._stream(body, t0, waited)
            else:
                r = self.server.handle_chat_completions(body)
                yield "done", self._result(r, r.get("choices", [{}])[0].get("message", {}).get("content") or "",
                                           t0, waited)
        finally:
            self._leave(ticket)

    def _stream(self, body: dict, t0: float, waited: float) -> Iterator[tuple[str, Any]]:
        q: queue.Queue = queue.Queue()

        def run() -> None:
            try:
                self.server.handle_chat_completions(body, q.put)
            except Exception as e:  # surfaced to the caller below
                q.put({"error": str(e)})
            q.put(None)

        th = threading.Thread(target=run, name="gugus-local-llm", daemon=True)
        th.start()
        text, last = "", {}
        while True:
            chunk = q.get()
            if chunk is None:
                break
            if isinstance(chunk, str):  # some builds pass JSON text
                import json

                chunk = json.loads(chunk)
            if "error" in chunk and "choices" not in chunk:
                raise LocalModelError(f"the local model failed: {chunk['error']}")
            last = chunk if chunk.get("timings") else last
            for ch in chunk.get("choices", []):
                delta = (ch.get("delta") or {}).get("content")
                if delta:
                    text += delta
                    yield "delta", delta
        th.join()
        yield "done", self._result(last, text, t0, waited)

    def _result(self, r: dict, text: str, t0: float, waited: float) -> ChatResult:
        tm = r.get("timings") or {}
        usage = r.get("usage") or {}
        prompt_n = int(tm.get("prompt_n", usage.get("prompt_tokens", 0)) or 0)
        cached = int(tm.get("cache_n", 0) or 0)
        return ChatResult(text=text, prompt_tokens=prompt_n + cached, cached_tokens=cached,
                          completion_tokens=int(tm.get("predicted_n", usage.get("completion_tokens", 0)) or 0),
                          model_ms=float(tm.get("prompt_ms", 0) or 0) + float(tm.get("predicted_ms", 0) or 0),
                          wall_ms=(time.perf_counter() - t0) * 1000, waited_ms=waited * 1000, raw=r)

    def chat(self, messages: list[dict], max_tokens: int = 160, temperature: float = 0.0) -> ChatResult:
        for kind, value in self.chat_events(messages, max_tokens, temperature, stream=False):
            if kind == "done":
                return value
        raise LocalModelError("the local model returned nothing")


_MODELS: dict[tuple, LocalModel] = {}
_MODELS_LOCK = threading.Lock()


def load_model(path: Path, threads: int, n_ctx: int, queue_timeout_s: float) -> LocalModel:
    """One loaded model per file and configuration in the process (the CLI, the UI and tests share it)."""
    key = (str(path), threads, n_ctx)
    with _MODELS_LOCK:
        m = _MODELS.get(key)
        if m is None:
            m = _MODELS[key] = LocalModel(path, threads, n_ctx, queue_timeout_s)
        m.queue_timeout_s = queue_timeout_s
        return m


# ------------------------------------------------------------------------------------------------ llama-index
def llama_index_llm(model: LocalModel):
    """The model as a llama-index CustomLLM (complete and stream_complete)."""
    from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
    from llama_index.core.llms.callbacks import llm_completion_callback

    class LocalLLM(CustomLLM):
        context_window: int = model.n_ctx
        num_output: int = 256
        model_name: str = MODEL_LABEL

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(context_window=self.context_window, num_output=self.num_output,
                               model_name=self.model_name)

        @llm_completion_callback()
        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
            r = model.chat([{"role": "user", "content": prompt}], max_tokens=self.num_output)
            return CompletionResponse(text=r.text)

        @llm_completion_callback()
        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any):
            def gen():
                text = ""
                for kind, v in model.chat_events([{"role": "user", "content": prompt}], max_tokens=self.num_output):
                    if kind == "delta":
                        text += v
                        yield CompletionResponse(text=text, delta=v)
            return gen()

    return LocalLLM()
