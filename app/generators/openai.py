"""Any OpenAI-compatible server (Ollama, vLLM, llama.cpp server, hosted): GUGUS_LLM_URL/MODEL/API_KEY. Writes
from the same evidence as the local writer (GUGUS_WRITER_INPUT=evidence, the default) or synthesises from whole
passages (GUGUS_WRITER_INPUT=passages), for a larger model where that measures better."""
from __future__ import annotations

import json
import time
from typing import Iterator

from .base import GenerationRequest, Generator, GeneratorError, register


class OpenAIGenerator(Generator):
    name = "openai"

    def __init__(self, url: str, model: str, api_key: str | None = None, timeout: float = 120.0,
                 temperature: float = 0.1, max_tokens: int = 600):
        if not url:
            raise GeneratorError("GUGUS_LLM_URL is not set (e.g. http://127.0.0.1:11434/v1 for Ollama)")
        self.url = url.rstrip("/")
        self.model = model or "default"
        self.api_key = api_key
        self.timeout, self.temperature, self.max_tokens = timeout, temperature, max_tokens

    def _headers(self) -> dict[str, str]:
        h = {"Content-Type": "application/json"}
        if self.api_key:
            h["Authorization"] = f"Bearer {self.api_key}"
        return h

    def _body(self, prompt: str, stream: bool) -> dict:
        return {"model": self.model, "messages": [{"role": "user", "content": prompt}], "stream": stream,
                "temperature": self.temperature, "max_tokens": self.max_tokens}

    def stream(self, req: GenerationRequest) -> Iterator[str]:
        import httpx

        try:
            with httpx.stream("POST", f"{self.url}/chat/completions", json=self._body(req.render(), True),
                              headers=self._headers(), timeout=self.timeout) as r:
                if r.status_code >= 400:
                    r.read()
                    raise GeneratorError(f"LLM server answered {r.status_code}: {r.text[:300]}")
                for line in r.iter_lines():
                    line = line.strip()
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    try:
                        delta = json.loads(data)["choices"][0].get("delta", {}).get("content")
                    except (json.JSONDecodeError, KeyError, IndexError):
                        continue
                    if delta:
                        yield delta
        except httpx.HTTPError as e:
            raise GeneratorError(f"cannot reach the LLM server at {self.url}: {e}") from None

    def _post(self, body: dict) -> tuple[str, dict]:
        """One non-streaming chat completion: (text, usage), or a GeneratorError that says what went wrong."""
        import httpx

        try:
            r = httpx.post(f"{self.url}/chat/completions", json=body, headers=self._headers(), timeout=self.timeout)
        except httpx.HTTPError as e:
            raise GeneratorError(f"cannot reach the LLM server at {self.url}: {e}") from None
        if r.status_code >= 400:
            raise GeneratorError(f"LLM server answered {r.status_code}: {r.text[:300]}")
        try:
            j = r.json()
            return j["choices"][0]["message"]["content"] or "", j.get("usage") or {}
        except (ValueError, KeyError, IndexError, TypeError):
            raise GeneratorError(f"LLM server sent an unreadable reply: {r.text[:300]}") from None

    def chat_events(self, messages: list[dict], max_tokens: int = 160) -> Iterator[tuple[str, object]]:
        from .local_llm import ChatResult

        t0 = time.perf_counter()
        text, usage = self._post({"model": self.model, "messages": messages, "stream": False,
                                  "temperature": self.temperature, "max_tokens": max_tokens})
        yield "delta", text
        yield "done", ChatResult(text=text, prompt_tokens=int(usage.get("prompt_tokens") or 0),
                                 completion_tokens=int(usage.get("completion_tokens") or 0),
                                 wall_ms=(time.perf_counter() - t0) * 1000)

    def complete(self, prompt: str) -> str:
        return self._post(self._body(prompt, False))[0].strip()


@register("openai")
def _make(settings, embedder) -> OpenAIGenerator:
    g = OpenAIGenerator(settings.llm_url or "", settings.llm_model or "", settings.llm_api_key)
    g.writes_evidence = settings.writer_input == "evidence"
    g.label = f"{g.model} ({settings.llm_url})"
    return g
