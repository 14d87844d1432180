"""An in-process GGUF through llama-cpp-python (GUGUS_LLM_GGUF); optional extra: pip install .[llamacpp]."""
from __future__ import annotations

from typing import Iterator

from .base import GenerationRequest, Generator, GeneratorError, register


class LlamaCppGenerator(Generator):
    name = "llamacpp"

    def __init__(self, gguf: str, n_ctx: int = 4096, temperature: float = 0.1, max_tokens: int = 600):
        try:
            from llama_cpp import Llama
        except ImportError:
            raise GeneratorError("llama-cpp-python is not installed: pip install '.[llamacpp]'") from None
        if not gguf:
            raise GeneratorError("GUGUS_LLM_GGUF is not set (path to a .gguf model file)")
        self.model = gguf.rsplit("/", 1)[-1]
        self.llm = Llama(model_path=gguf, n_ctx=n_ctx, verbose=False)
        self.temperature, self.max_tokens = temperature, max_tokens

    def stream(self, req: GenerationRequest) -> Iterator[str]:
        for ch in self.llm.create_chat_completion(messages=[{"role": "user", "content": req.render()}], stream=True,
                                                  temperature=self.temperature, max_tokens=self.max_tokens):
            delta = ch["choices"][0].get("delta", {}).get("content")
            if delta:
                yield delta

    def complete(self, prompt: str) -> str:
        r = self.llm.create_chat_completion(messages=[{"role": "user", "content": prompt}],
                                            temperature=self.temperature, max_tokens=200)
        return r["choices"][0]["message"]["content"].strip()


@register("llamacpp")
def _make(settings, embedder) -> LlamaCppGenerator:
    return LlamaCppGenerator(settings.llm_gguf or "")
