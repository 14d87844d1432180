"""Generators behind one interface, chosen by GUGUS_GENERATOR:

  local       the default: the bundled Qwen2.5-Coder-1.5B in-process (app/generators/local_llm.py) writes the evidence the
              extractive selection chose, in the reader's language (app/answering/writer.py); falls back to extractive when
              the model is missing
  extractive  no LLM: the evidence sentences that answer the question, each cited, in their own language
  openai      any OpenAI-compatible server (Ollama, vLLM, llama.cpp server, hosted): GUGUS_LLM_URL/MODEL/API_KEY;
              writes from the same evidence as local (GUGUS_WRITER_INPUT=evidence, the default) or synthesises from
              whole passages (GUGUS_WRITER_INPUT=passages), for a larger model where that measures better
  llamacpp    an in-process GGUF through llama-cpp-python (GUGUS_LLM_GGUF); optional extra: pip install .[llamacpp]
"""
from __future__ import annotations

from . import llamacpp, local, openai  # noqa: F401  (each registers its backend)
from .base import REGISTRY, GenerationRequest, Generator, GeneratorError, make_generator, register
from .llamacpp import LlamaCppGenerator
from .local import LocalGenerator
from .openai import OpenAIGenerator

__all__ = ["REGISTRY", "GenerationRequest", "Generator", "GeneratorError", "LlamaCppGenerator", "LocalGenerator",
           "OpenAIGenerator", "make_generator", "register"]
