"""Typed records of the answer pipeline (the CLI JSON and the UI are views of these)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..index.retriever import Hit


@dataclass
class Passage:
    """A retrieved passage offered to the generator as evidence number n."""

    n: int
    hit: Hit

    @property
    def text(self) -> str:
        return self.hit.text

    @property
    def label(self) -> str:
        m = self.hit.meta
        where = m.get("section") or m.get("short_title") or m.get("title")
        page = f", p. {m['page']}" if m.get("page") else ""
        return f"{m.get('short_title') or m.get('title')} ({m.get('date') or 'n.d.'}) - {where}{page}"

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "text": self.hit.text, "source": self.hit.source()}


@dataclass
class Sentence:
    text: str  # without its markers
    cites: list[int]  # passage numbers after renumbering
    supported: bool = True
    reason: str | None = None  # why a sentence was removed
    kind: str = "quoted"  # "rendered" (written by the writer, checked) | "quoted" (a source's own words)
    evidence: str = ""  # the evidence sentence(s) a rendered sentence renders (shown beside it)

    def to_json(self) -> dict[str, Any]:
        """The contract of `sentences` in `gugus ask --json` and `gugus draft --json`."""
        d: dict[str, Any] = {"text": self.text, "citations": list(self.cites), "kind": self.kind}
        if self.evidence:
            d["evidence"] = self.evidence
        return d


@dataclass
class AnswerResult:
    question: str
    standalone_question: str
    lang: str
    answer: str  # sentences with [n] markers, numbered in order of first citation
    abstained: bool
    citations: list[Passage]
    related: list[Passage]
    removed: list[Sentence] = field(default_factory=list)  # sentences verification removed, with reasons
    generator: str = ""
    model: str = ""
    prompt: str | None = None  # prompt file name
    prompt_sha256: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    filters: dict[str, Any] = field(default_factory=dict)
    sentences: list[Sentence] = field(default_factory=list)  # the answer's sentences, each rendered or quoted
    writer: dict[str, Any] = field(default_factory=dict)  # the writer's counts and token use (app/answering/writer.py)

    @property
    def counts(self) -> dict[str, int]:
        return {"rendered": sum(s.kind == "rendered" for s in self.sentences),
                "quoted": sum(s.kind == "quoted" for s in self.sentences)}

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question, "standalone_question": self.standalone_question, "lang": self.lang,
            "answer": self.answer, "abstained": self.abstained,
            "sentences": [s.to_json() for s in self.sentences], **self.counts, "writer": self.writer,
            "citations": [p.to_json() for p in self.citations], "related": [p.to_json() for p in self.related],
            "removed": [{"text": s.text, "reason": s.reason} for s in self.removed],
            "generator": self.generator, "model": self.model, "prompt": self.prompt,
            "prompt_sha256": self.prompt_sha256, "filters": self.filters, "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }


# ------------------------------------------------------------------------------------------------ drafts
@dataclass
class DraftParagraph:
    """One subtopic's paragraph; `citations` and the [n] in `text` are the draft's reference numbers."""

    subtopic: str
    title: str
    text: str
    citations: list[int]
    sentences: list[Sentence] = field(default_factory=list)
    removed: list[Sentence] = field(default_factory=list)  # sentences verification removed, with reasons
    mode: str = "prose"  # prose (LLM) | evidence (extractive: the sources' sentences, in their language)
    edited: bool = False  # the officer changed the text
    unverified: list[Sentence] = field(default_factory=list)  # sentences of an edit the sources do not support
    passages: list[Passage] = field(default_factory=list)  # transient: local numbering before placement


@dataclass
class Gap:
    """A subtopic with no evidence in the period: not filled, the agencies to ask are named."""

    subtopic: str
    title: str
    agencies: list[str]
    text: str
    removed: list[Sentence] = field(default_factory=list)


def _sentence_json(s: Sentence) -> dict[str, Any]:
    return {"text": s.text, "cites": s.cites, "reason": s.reason, "kind": s.kind, "evidence": s.evidence}


def _hit_record(p: Passage) -> dict[str, Any]:
    return {"n": p.n, "chunk_id": p.hit.id, "text": p.hit.text, "meta": p.hit.meta, "source": p.hit.source()}


@dataclass
class Draft:
    id: str
    section: str
    title: str
    period: Any  # index.period.Period
    lang: str
    agencies: list[str]
    note: str
    generator: str
    model: str
    prompt: str | None
    prompt_sha256: str | None
    outline: str
    outline_sha256: str
    created: str  # ISO timestamp, UTC
    user: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    mode_note: str = ""  # shown on the title page when paragraphs are extractive evidence
    paragraphs: list[DraftParagraph] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    references: list[Passage] = field(default_factory=list)  # numbered 1..k in order of first citation
    # figures of the cited passages that other sources of the same period contradict (app/figures/prose.py conflicts):
    # [{"what", "period": [start, end], "period_label", "values": [{"value", "text", "title", "path", "n"}]}]
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    writer: dict[str, Any] = field(default_factory=dict)  # the writer's counts and token use (app/answering/writer.py)

    def to_json(self) -> dict[str, Any]:
        """The stable CLI contract (`gugus draft --json`), plus provenance fields."""
        return {
            "id": self.id, "section": self.section, "title": self.title, "period": self.period.to_json(),
            "period_label": self.period.label, "lang": self.lang, "agencies": self.agencies,
            "paragraphs": [{"subtopic": p.subtopic, "title": p.title, "text": p.text, "citations": p.citations,
                            "mode": p.mode, "edited": p.edited,
                            "sentences": [x.to_json() for x in p.sentences],
                            "rendered": sum(x.kind == "rendered" for x in p.sentences),
                            "quoted": sum(x.kind == "quoted" for x in p.sentences),
                            "removed": [_sentence_json(s) for s in p.removed],
                            "unverified": [_sentence_json(s) for s in p.unverified]} for p in self.paragraphs],
            "gaps": [g.text for g in self.gaps],
            "references": [p.to_json() for p in self.references],
            "conflicts": self.conflicts,
            "generator": self.generator, "model": self.model, "prompt": self.prompt,
            "prompt_sha256": self.prompt_sha256, "outline": self.outline, "outline_sha256": self.outline_sha256,
            "created": self.created, "mode_note": self.mode_note, "writer": self.writer,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }

    def to_record(self) -> dict[str, Any]:
        """Everything needed to reload, audit and re-export the draft (saved in <data>/drafts/<id>.json)."""
        d = self.to_json()
        d.update({
            "note": self.note, "user": self.user, "filters": self.filters,
            "paragraphs": [{**pj, "sentences": [_sentence_json(s) for s in p.sentences]}
                           for pj, p in zip(d["paragraphs"], self.paragraphs)],
            "gap_records": [{"subtopic": g.subtopic, "title": g.title, "agencies": g.agencies, "text": g.text,
                             "removed": [_sentence_json(s) for s in g.removed]} for g in self.gaps],
            "references": [_hit_record(p) for p in self.references],
        })
        return d

    @classmethod
    def from_record(cls, d: dict[str, Any]) -> "Draft":
        from ..index.period import Period

        def sent(x: dict[str, Any], ok: bool = True) -> Sentence:
            return Sentence(x["text"], list(x.get("cites") or x.get("citations") or []), ok, x.get("reason"),
                            x.get("kind", "quoted"), x.get("evidence", ""))

        return cls(
            id=d["id"], section=d["section"], title=d["title"], period=Period(*d["period"], d.get("period_label", "")),
            lang=d["lang"], agencies=d.get("agencies", []), note=d.get("note", ""), generator=d["generator"],
            model=d.get("model", ""), prompt=d.get("prompt"), prompt_sha256=d.get("prompt_sha256"),
            outline=d.get("outline", ""), outline_sha256=d.get("outline_sha256", ""), created=d["created"],
            user=d.get("user", ""), filters=d.get("filters", {}), mode_note=d.get("mode_note", ""),
            paragraphs=[DraftParagraph(p["subtopic"], p["title"], p["text"], p["citations"],
                                       [sent(s) for s in p.get("sentences", [])],
                                       [sent(s, False) for s in p.get("removed", [])], p.get("mode", "prose"),
                                       p.get("edited", False), [sent(s, False) for s in p.get("unverified", [])])
                        for p in d["paragraphs"]],
            gaps=[Gap(g["subtopic"], g["title"], g["agencies"], g["text"], [sent(s, False) for s in g.get("removed", [])])
                  for g in d.get("gap_records", [])],
            references=[Passage(r["n"], Hit(r["chunk_id"], r["text"], r["meta"], 0.0)) for r in d["references"]],
            conflicts=d.get("conflicts", []), timings=d.get("timings", {}), writer=d.get("writer", {}),
        )
