"""Generators behind one interface, chosen by GUGUS_GENERATOR:

  local       the default: the bundled Qwen2.5-Coder-1.5B in-process (app/local_llm.py) writes the evidence the
              extractive selection chose, in the reader's language (app/writer.py); falls back to extractive when
              the model is missing
  extractive  no LLM: the evidence sentences that answer the question, each cited, in their own language
  openai      any OpenAI-compatible server (Ollama, vLLM, llama.cpp server, hosted): GUGUS_LLM_URL/MODEL/API_KEY;
              writes from the same evidence as local (GUGUS_WRITER_INPUT=evidence, the default) or synthesises from
              whole passages (GUGUS_WRITER_INPUT=passages), for a larger model where that measures better
  llamacpp    an in-process GGUF through llama-cpp-python (GUGUS_LLM_GGUF); optional extra: pip install .[llamacpp]
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from ..index.keyword import analyze, defined_terms, term_key
from ..index.query import ANSWER_TYPES, QueryPlan, plan_query
from ..prompts import NOT_FOUND, Prompt
from .settings import GENERATORS
from .types import Passage
from .verify import CITE, INJECTION


class GeneratorError(Exception):
    pass


@dataclass
class GenerationRequest:
    question: str
    lang: str
    passages: list[Passage]
    prompt: Prompt
    history: list[tuple[str, str]] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)  # further template fields (a draft's section, period ...)

    def render(self) -> str:
        blocks = [f"[{p.n}] {p.label}\n{p.text}" for p in self.passages]
        return self.prompt.render(passages="\n\n".join(blocks), question=self.question, **self.extra)


class Generator:
    name = "base"
    model = ""
    label = ""  # the writer in plain words, for the status line
    writes_evidence = False  # renders the extractive selection's evidence through app/writer.py

    def chat_events(self, messages: list[dict], max_tokens: int = 160) -> Iterator[tuple[str, object]]:
        """("queue", position) / ("delta", text) events, then ("done", app.local_llm.ChatResult)."""
        raise GeneratorError(f"the {self.name} generator does not write from evidence")

    def stream(self, req: GenerationRequest) -> Iterator[str]:
        raise NotImplementedError

    def complete(self, prompt: str) -> str:
        """A plain completion (used to rewrite follow-up questions)."""
        raise NotImplementedError


# ------------------------------------------------------------------------------------------------ extractive
_SENT_END = re.compile(r"(?<=[.;!?])\s+(?=[\"“(]?[A-Z0-9])")
_LIST_LINE = re.compile(r"^\s*(?:[-•*·]|\d{1,2}[.)]|[a-z][.)])\s")
# Questions that ask for an enumeration ("Apa saja ...", "What are the three stages ...", "Which partners ..."): a
# sentence that introduces a list and carries it is the answer more often than a sentence about one item.
LIST_Q = re.compile(r"\b(apa saja|siapa saja|mana saja|apa-apa|bentuk-bentuk|what are the|which (?:\w+ ){0,2}(?:are|were)|"
                    r"list|(?:two|three|four|five|six|seven|dua|tiga|empat|lima|enam|tujuh) \w+)\b", re.I)


def is_list_unit(unit: str) -> bool:
    lines = unit.split("\n")
    return len(lines) >= 3 and sum(bool(_LIST_LINE.match(l)) for l in lines[1:]) >= 2


def sentence_units(text: str) -> list[str]:
    """Sentences of a passage; a sentence ending in ':' keeps the list that follows it (blank lines between items
    are common in news text)."""
    units: list[str] = []
    buf: list[str] = []
    in_list = False
    for line in (l.strip() for l in text.split("\n")):
        if not line:
            continue
        if buf and (buf[-1].endswith(":") or (in_list and _LIST_LINE.match(line))):
            buf.append(line)
            in_list = True
            continue
        if buf:
            units.extend(_split(buf))
        buf, in_list = [line], False
    if buf:
        units.extend(_split(buf))
    # Source text is data: bracketed numbers in it are not citations, and a sentence instructing the model is not
    # evidence (prompt injection); neither may reach an answer or a draft.
    return [_clean_source(u) for u in units if re.search(r"\w{3}", u) and not _is_heading(u)
            and not INJECTION.search(u)]


def _clean_source(unit: str) -> str:
    unit = CITE.sub("", unit)
    unit = re.sub(r"[ \t]+([.,;:!?])", r"\1", unit)
    return re.sub(r"[ \t]{2,}", " ", unit).strip()


def _is_heading(u: str) -> bool:
    """A short line without final punctuation, except a dated line ("Ditetapkan di Jakarta pada tanggal ...")."""
    return ("\n" not in u and u.rstrip()[-1:] not in ".;:!?\"”)" and len(u.split()) <= 10
            and not ANSWER_TYPES["date"].search(u))


def _split(lines: list[str]) -> list[str]:
    if len(lines) > 1:
        return ["\n".join(lines)]
    return [x for x in _SENT_END.split(lines[0]) if x.strip()]


def _same_sentence(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def evict_oldest(cache: dict) -> None:
    """Drop the oldest entry of an insertion-ordered cache; safe when web requests evict from it concurrently."""
    try:
        cache.pop(next(iter(cache)), None)
    except (StopIteration, RuntimeError):  # emptied, or resized by another thread meanwhile
        pass


class ExtractiveGenerator(Generator):
    """Answers with the evidence sentences that best answer the question (e5 similarity + stem overlap), from one
    passage; for "what is X" questions, preferably the passage that defines X."""

    name = "extractive"

    def __init__(self, embedder, threshold: float = 0.84, margin: float = 0.03, max_sentences: int = 2,
                 lexical_weight: float = 0.25, definition_bonus: float = 0.1, list_bonus: float = 0.06,
                 cross_lingual_margin: float = 0.02, reference_bonus: float = 0.05):
        self.embedder = embedder
        self._cache: dict[str, np.ndarray] = {}
        self.model = getattr(embedder, "id", "")
        self.threshold, self.margin, self.max_sentences, self.lexical_weight = threshold, margin, max_sentences, lexical_weight
        # Bonuses added to a sentence's score (the threshold applies to the score with them), measured on
        # eval/dev_qa.jsonl and eval/heldout_qa.jsonl (bench/RESULTS.md, 2026-11-25):
        self.definition_bonus = definition_bonus  # the passage defining the term a definition question asks about
        self.list_bonus = list_bonus  # a sentence carrying a list, for a list question
        self.reference_bonus = reference_bonus  # a passage of a document the question names; a regulation for
        # "which article"
        # e5 scores a sentence lower across languages than the same sentence in the question's language (and the
        # stem overlap only counts glossary terms): the threshold is this much lower for a passage in the other one.
        self.cross_lingual_margin = cross_lingual_margin

    MAX_UNITS = 24  # sentences embedded per question; the rest are ranked out by word overlap first

    def _vectors(self, key: str, units: list[str]) -> np.ndarray:
        """Sentence vectors of one passage, cached by chunk id (passages recur across an officer's questions)."""
        hit = self._cache.get(key)
        if hit is None:
            hit = np.asarray(self.embedder.embed_passages(units), dtype=np.float32)
            if len(self._cache) > 2048:
                evict_oldest(self._cache)
            self._cache[key] = hit
        return hit

    def score(self, question: str, passages: list[Passage],
              plan: QueryPlan | None = None) -> list[tuple[float, int, int, str, float]]:
        """(score, passage n, position, sentence, word overlap) for every evidence sentence, best first."""
        plan = plan or plan_query(question)
        q_terms = set(analyze(plan.keyword_text))
        units = [(p, i, s, len(q_terms & set(analyze(s))) / max(len(q_terms), 1))
                 for p in passages for i, s in enumerate(sentence_units(p.text))]
        if not units:
            return []
        if len(units) > self.MAX_UNITS:
            units = sorted(units, key=lambda u: -u[3])[: self.MAX_UNITS]
        q = np.asarray(self.embedder.embed_query(question), dtype=np.float32)
        out = []
        by_passage: dict[int, list] = {}
        for u in units:
            by_passage.setdefault(u[0].n, []).append(u)
        for us in by_passage.values():
            p = us[0][0]
            vecs = self._vectors(f"{p.hit.id}:{','.join(str(u[1]) for u in us)}", [u[2] for u in us])
            for (p, i, s, lex), sim in zip(us, vecs @ q):
                out.append((float(sim) + self.lexical_weight * lex, p.n, i, s, lex))
        out.sort(key=lambda x: -x[0])
        return out

    def _prior(self, question: str, plan: QueryPlan, passages: list[Passage]) -> dict[int, float]:
        """Per passage n: bonuses for being of a document the question names ("UU 21/2007", "the TIP Report 2021"),
        for being a regulation when the question asks which article says something, and for defining the term a
        definition question asks about."""
        from ..index.fusion import where_matches
        from ..ingest.types import REGULATION_TYPES
        from .answerability import WHICH_PASAL

        focus = set(analyze(" ".join(plan.focus)))
        which_article = bool(WHICH_PASAL.search(question))
        prior: dict[int, float] = {}
        for p in passages:
            m = p.hit.meta
            bonus = self.reference_bonus if any(where_matches(r, m) for r in plan.refs) else 0.0
            if which_article and m.get("doc_type") in REGULATION_TYPES:
                bonus += self.reference_bonus
            if focus and any(key and set(key) <= focus for key in map(term_key, defined_terms(p.text))):
                bonus += self.definition_bonus
            if bonus:
                prior[p.n] = bonus
        return prior

    def _bonus(self, prior: dict[int, float], wants_list: bool, x: tuple) -> float:
        return prior.get(x[1], 0.0) + (self.list_bonus if wants_list and is_list_unit(x[3]) else 0.0)

    def select(self, question: str, passages: list[Passage]) -> list[tuple[float, int, int, str]]:
        from .answerability import constraints, hits_ok, sentence_ok

        c, plan = constraints(question), plan_query(question)
        ok = {p.n for p, good in zip(passages, hits_ok(c, [p.hit for p in passages])) if good}
        meta = {p.n: p.hit.meta for p in passages}
        scored = [x for x in self.score(question, passages, plan)
                  if x[1] in ok and x[4] > 0 and sentence_ok(c, x[3], meta[x[1]])]
        prior, wants_list = self._prior(question, plan, passages), bool(LIST_Q.search(question))
        total = {id(x): x[0] + self._bonus(prior, wants_list, x) for x in scored}
        lang = plan.lang
        floor = {p.n: self.threshold - (self.cross_lingual_margin if p.hit.meta.get("language", lang) != lang else 0.0)
                 for p in passages}
        ranked = sorted((x for x in scored if total[id(x)] >= floor[x[1]]), key=lambda x: -total[id(x)])
        if not ranked:
            return []
        first = ranked[0]
        best = total[id(first)]
        # The answer quotes one passage: a second sentence of another passage is as often a neighbouring provision
        # as a second source (dev set: half the second citations missed the evidence); the other passages are
        # listed as related.
        chosen = [first] + [x for x in ranked[1:] if x[1] == first[1] and not _same_sentence(x[3], first[3])
                            and total[id(x)] >= best - self.margin][: self.max_sentences - 1]
        chosen.sort(key=lambda x: (x[1], x[2]))  # in passage order, then reading order
        return chosen

    def stream(self, req: GenerationRequest) -> Iterator[str]:
        chosen = self.select(req.question, req.passages)
        if not chosen:
            yield NOT_FOUND[req.lang]
            return
        from .verify import split_sentences

        for k, (_, n, _, s, _) in enumerate(chosen):  # one evidence unit a line; every sentence of it cited
            line = " ".join(f"{x} [{n}]" for x in split_sentences(" ".join(s.split())))
            yield ("" if k == 0 else "\n") + line

    def complete(self, prompt: str) -> str:
        raise GeneratorError("the extractive generator does not write free text")


# ------------------------------------------------------------------------------------------------ openai
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


# ------------------------------------------------------------------------------------------------ llama.cpp
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


# ------------------------------------------------------------------------------------------------ local
class LocalGenerator(Generator):
    """The bundled model in-process (app/local_llm.py). It writes from evidence only (app/writer.py)."""

    name = "local"
    writes_evidence = True

    def __init__(self, model):
        from .local_llm import MODEL_LABEL

        self.llm = model
        self.model = model.path.name
        self.label = MODEL_LABEL

    def chat_events(self, messages: list[dict], max_tokens: int = 160) -> Iterator[tuple[str, object]]:
        from .local_llm import LocalModelError

        try:
            yield from self.llm.chat_events(messages, max_tokens=max_tokens)
        except LocalModelError as e:
            raise GeneratorError(str(e)) from None

    def stream(self, req: GenerationRequest) -> Iterator[str]:
        for kind, v in self.chat_events([{"role": "user", "content": req.render()}], max_tokens=600):
            if kind == "delta":
                yield v  # type: ignore[misc]

    def complete(self, prompt: str) -> str:
        for kind, v in self.chat_events([{"role": "user", "content": prompt}], max_tokens=200):
            if kind == "done":
                return v.text.strip()  # type: ignore[attr-defined]
        return ""


def make_generator(settings, embedder) -> Generator:
    kind = settings.generator
    if kind == "extractive":
        return ExtractiveGenerator(embedder, threshold=settings.extractive_threshold)
    if kind == "local":
        from .local_llm import LocalModelError, find_model, load_model

        try:
            path = find_model(settings.models_dir, settings.local_model)
            return LocalGenerator(load_model(path, settings.llm_threads, settings.llm_ctx,
                                             settings.writer_queue_timeout_s))
        except LocalModelError as e:
            raise GeneratorError(str(e)) from None
    if kind == "openai":
        g = OpenAIGenerator(settings.llm_url or "", settings.llm_model or "", settings.llm_api_key)
        g.writes_evidence = settings.writer_input == "evidence"
        g.label = f"{g.model} ({settings.llm_url})"
        return g
    if kind == "llamacpp":
        return LlamaCppGenerator(settings.llm_gguf or "")
    raise GeneratorError(f"unknown generator '{kind}' ({' | '.join(GENERATORS)})")
