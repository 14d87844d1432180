"""The writer: renders evidence sentences as prose in the reader's language, cited by construction, checked.

Answers and drafts choose their evidence the extractive way (app/answering/extractive.ExtractiveGenerator.select, the
drafter's sentence scoring): a few short sentences of one passage per *unit*. The writer gives the model one unit
at a time (prompts/write_answer_*.md, write_draft_*.md), so every sentence it writes carries that unit's passage
number: the citation is not the model's to choose. Glossary terms found in the evidence go into the prompt as
translation hints.

Each rendering is then checked against its unit by app/answering/faithful.py (numbers with magnitudes, bounds, negation,
agencies, names, cross-lingual similarity) and must be in the target language. A rendering that fails is replaced by
the evidence itself, shown as a quotation with its citation (kind "quoted"), and the rendering is reported among
the removed sentences with the reason; it is never dropped silently and never shown as verified.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

from ...index.keyword import analyze
from ...ingest.catalog import detect_language
from ...prompts import get_prompt
from .faithful import Evidence, FaithfulnessChecker, term_pairs
from ..records import Passage, Sentence
from ..text import CITE, INJECTION, split_sentences

_LEAD = re.compile(r"^\s*(?:answer|jawaban|jawab|response|output|sentence|kalimat|prose|rewritten|text)\s*:\s*", re.I)


@dataclass
class Unit:
    """Evidence sentences of one passage, in reading order."""

    passage: Passage
    sentences: list[str]

    @property
    def text(self) -> str:
        return " ".join(" ".join(s.split()) for s in self.sentences)

    @property
    def lang(self) -> str:
        return self.passage.hit.meta.get("language") or detect_language(self.text)

    @property
    def context(self) -> str:
        m = self.passage.hit.meta
        return " ".join(str(x) for x in (m.get("title"), m.get("short_title"), m.get("section"), m.get("pasal"),
                                         m.get("number"), m.get("year"), m.get("date")) if x)


@dataclass
class WriterStats:
    rendered: int = 0
    quoted: int = 0
    calls: int = 0
    prompt_tokens: list[int] = field(default_factory=list)
    model_ms: float = 0.0
    wall_ms: float = 0.0
    waited_ms: float = 0.0

    def add(self, other: "WriterStats") -> None:
        self.rendered += other.rendered
        self.quoted += other.quoted
        self.calls += other.calls
        self.prompt_tokens += other.prompt_tokens
        self.model_ms += other.model_ms
        self.wall_ms += other.wall_ms
        self.waited_ms += other.waited_ms

    def to_json(self) -> dict[str, Any]:
        return {"rendered": self.rendered, "quoted": self.quoted, "calls": self.calls,
                "prompt_tokens": self.prompt_tokens, "model_ms": round(self.model_ms, 1),
                "wall_ms": round(self.wall_ms, 1), "waited_ms": round(self.waited_ms, 1)}


def hints(evidence: str, target: str, limit: int = 8) -> str:
    """Glossary pairs whose source-language term is in the evidence: "kurungan = confinement" lines."""
    low = evidence.lower()
    found: list[tuple[int, str]] = []
    for en, idn in term_pairs():
        src, dst = (idn, en) if target == "en" else (en, idn)
        for term in src:
            if len(term) >= 4 and re.search(rf"(?<!\w){re.escape(term)}(?!\w)", low):
                found.append((len(term), f"{term} = {dst[0]}"))
                low = low.replace(term, " ")  # "kurungan pengganti" covers "kurungan"
                break
    found.sort(key=lambda x: -x[0])
    lines = list(dict.fromkeys(h for _, h in found))[:limit]
    if not lines:
        return ""
    head = "Hints" if target == "en" else "Petunjuk"
    return f"{head}: " + "; ".join(lines) + "\n"


def units_of(passage: Passage, sentences: list[str], per_unit: int = 1) -> list[Unit]:
    """One passage's chosen sentences as units of at most `per_unit` sentences: each is rendered (or quoted) on its
    own, so that a rendering that fails a check costs the quotation of that sentence only."""
    per_unit = max(1, per_unit)
    return [Unit(passage, sentences[i:i + per_unit]) for i in range(0, len(sentences), per_unit)]


def quotation(unit: Unit) -> list[Sentence]:
    """The unit's own sentences, shown as quotations with the unit's citation."""
    out = []
    for s in unit.sentences:
        for x in split_sentences(" ".join(s.split())):
            body = x.strip('“”" ')
            out.append(Sentence(f"“{body}”", [unit.passage.n], kind="quoted", evidence=unit.text))
    return out


class Writer:
    """Renders units with a chat backend (app/generators: LocalGenerator, OpenAIGenerator)."""

    def __init__(self, backend, checker: FaithfulnessChecker, max_tokens: int = 160, max_hints: int = 8,
                 max_length_ratio: float = 2.5, unit_sentences: int = 1):
        self.backend = backend
        self.checker = checker
        self.unit_sentences = unit_sentences
        self.max_tokens, self.max_hints, self.max_length_ratio = max_tokens, max_hints, max_length_ratio

    @property
    def name(self) -> str:
        return self.backend.name

    def prompt_file(self, kind: str, lang: str):
        return get_prompt(f"write_{kind}", lang)

    def write_events(self, kind: str, lang: str, groups: list[tuple[Passage, list[str]]],
                     **fields: str) -> Iterator[tuple[str, Any]]:
        """Render each passage's chosen sentences, `unit_sentences` at a time: ("queue"|"delta", ...) events, then
        ("written", (sentences, removed, stats)) for all of them. `kind` is answer (fields: question) or draft
        (fields: section, subtopic)."""
        kept: list[Sentence] = []
        removed: list[Sentence] = []
        stats = WriterStats()
        for passage, sentences in groups:
            for unit in units_of(passage, sentences, self.unit_sentences):
                for k, v in self._events(kind, lang, unit, **fields):
                    if k != "written":
                        yield k, v
                        continue
                    kept += v[0]
                    removed += v[1]
                    stats.add(v[2])
        yield "written", (kept, removed, stats)

    def write(self, kind: str, lang: str, groups: list[tuple[Passage, list[str]]],
              **fields: str) -> tuple[list[Sentence], list[Sentence], WriterStats]:
        """write_events without the events."""
        for k, v in self.write_events(kind, lang, groups, **fields):
            if k == "written":
                return v
        raise RuntimeError("writer ended without a result")

    def _question(self, fields: dict[str, str]) -> str:
        return " ".join(fields.get(k, "") for k in ("question", "subtopic", "section"))

    def draft_events(self, section: str, subtopic: str, lang: str, unit: Unit) -> Iterator[tuple[str, Any]]:
        yield from self._events("draft", lang, unit, section=section, subtopic=subtopic)

    def render(self, kind: str, lang: str, unit: Unit, **fields: str) -> tuple[list[Sentence], list[Sentence],
                                                                               WriterStats]:
        for k, v in self._events(kind, lang, unit, **fields):
            if k == "written":
                return v
        raise RuntimeError("writer ended without a result")

    def _events(self, kind: str, lang: str, unit: Unit, **fields: str) -> Iterator[tuple[str, Any]]:
        """("queue", position), ("delta", text) while the model writes, then ("written", (sentences, removed,
        stats)): the rendered sentences, or the unit quoted, and the rejected rendering with its reason."""
        prompt = self.prompt_file(kind, lang)
        m = unit.passage.hit.meta
        source = m.get("short_title") or m.get("title") or ""
        if m.get("section"):
            source += f", {m['section']}"
        msgs = prompt.messages(source=source, evidence=unit.text, hints=hints(unit.text, lang, self.max_hints),
                               **fields)
        stats = WriterStats(calls=1)
        t = time.perf_counter()
        result = None
        for k, v in self.backend.chat_events(msgs, max_tokens=self.max_tokens):
            if k == "done":
                result = v
            else:
                yield k, v
        stats.wall_ms = (time.perf_counter() - t) * 1000
        text = result.text if result else ""
        if result is not None:
            stats.prompt_tokens.append(result.prompt_tokens)
            stats.model_ms, stats.waited_ms = result.model_ms, result.waited_ms
        written = self.clean(text)
        problems = self.problems(written, lang, unit, self._question(fields), restates=fields.get("question", ""))
        if not problems:
            sents = [Sentence(s, [unit.passage.n], kind="rendered", evidence=unit.text)
                     for s in split_sentences(written)]
            stats.rendered = len(sents)
            yield "written", (sents, [], stats)
            return
        quoted = quotation(unit)
        stats.quoted = len(quoted)
        removed = [Sentence(written or text.strip() or "(empty)", [unit.passage.n], False,
                            "rendering replaced by the quoted evidence: " + "; ".join(problems), kind="rendered",
                            evidence=unit.text)]
        yield "written", (quoted, removed, stats)

    @staticmethod
    def clean(text: str) -> str:
        """The model's text without citation markers it wrote, labels ("Answer:") and wrapping quotes."""
        t = _LEAD.sub("", text.strip())
        t = CITE.sub("", t).strip().strip("\"“”'").strip()
        t = re.sub(r"\s+([.,;:!?])", r"\1", t)
        return " ".join(t.split())

    def problems(self, written: str, lang: str, unit: Unit, question: str = "", restates: str = "") -> list[str]:
        if not written or written.upper().rstrip(".") == "NONE":
            return ["the writer found no answer in the evidence"]
        if restates:  # an answer must add something to the question: a number, or at least two words of its own
            new = set(analyze(written)) - set(analyze(restates))
            if not new or (len(new) < 2 and not any(t[:1].isdigit() for t in new)):
                return ["the writing restates the question without answering it"]
        if INJECTION.search(written):
            return ["the writing repeats an instruction"]
        if len(written.split()) > self.max_length_ratio * len(unit.text.split()) + 20:
            return ["the writing is much longer than its evidence"]
        if detect_language(written) != lang:
            return [f"the writing is not in {'English' if lang == 'en' else 'Indonesian'}"]
        return self.checker.check(written, lang, Evidence(unit.text, unit.lang, unit.context, question))
