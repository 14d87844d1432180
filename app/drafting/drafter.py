"""Drafting TIP Report sections as cited paragraphs.

For each subtopic of a section outline (prompts/sections/<section>.yaml):
  retrieve with every query of the subtopic, inside the reporting period and the officer's filters
  -> fuse and pick diverse evidence (a few passages, at most two per document)
  -> write one paragraph:
       LLM generator (openai, llamacpp): prose in the chosen language from the draft prompt (prompts/draft_*.md);
       extractive generator: an *evidence paragraph*: the evidence sentences themselves, in the sources' language,
       each cited, marked as such;
  -> verify it with the same citation verification as answers (every number must be in a cited passage)
  -> a subtopic without evidence is not filled: it becomes a gap naming the agencies to ask.
Citations are renumbered across the whole draft; each draft is saved as JSON in <data>/drafts/ with its inputs,
sources, generator, prompt and outline hashes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Callable

import numpy as np

from ...index.fusion import rrf
from ...index.keyword import analyze
from ...index.query import plan_query
from ...index.period import Period
from ...index.retriever import Filters, Hit
from ...prompts import Outline, Subtopic, get_prompt, load_outline
from ..answering.pipeline import is_not_found
from ..answering.extractive import ExtractiveGenerator, evict_oldest
from ..generators import GenerationRequest
from ..records import Draft, DraftParagraph, Gap, Passage, Sentence
from ..answering.verify import render, renumber
from ..text import CITE, sentence_units, split_sentences
from ..answering.writer import WriterStats

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]

GAP_TEXT = {
    "en": "No source for {topic} in {period} — request from {agencies}.",
    "id": "Tidak ada sumber tentang {topic} pada {period} — mintakan kepada {agencies}.",
}
EVIDENCE_NOTE = {
    "en": "Evidence paragraph (extractive): the sources' own sentences, in their language, each cited. "
          "Rewrite it as prose before submission.",
    "id": "Paragraf bukti (ekstraktif): kalimat sumber apa adanya, dalam bahasanya, masing-masing dirujuk. "
          "Tulis ulang sebagai prosa sebelum dikirim.",
}


WRITTEN_NOTE = {
    "en": "Written by {writer} from the cited evidence, one source at a time; every rendering was checked against "
          "its source (numbers, bounds, negation, agencies, names). Sentences in quotation marks are the sources' "
          "own words, quoted where a rendering did not pass.",
    "id": "Ditulis oleh {writer} dari bukti yang dirujuk, satu sumber setiap kali; setiap kalimat diperiksa terhadap "
          "sumbernya (angka, batas, negasi, instansi, nama). Kalimat bertanda kutip adalah kata-kata sumber, dikutip "
          "bila hasil tulisan tidak lolos pemeriksaan.",
}


RECORDED_FILTERS = ("doc_types", "languages", "date_from", "date_to")  # saved with a draft (access is the user's)


class DraftError(ValueError):
    pass


REC_STATUS = {"en": {"addressed": "addressed", "partial": "partly addressed", "no_evidence": "no evidence in the period"},
              "id": {"addressed": "ditindaklanjuti", "partial": "sebagian ditindaklanjuti",
                     "no_evidence": "tanpa bukti dalam periode"}}


class Drafter:
    """Drafts sections with the pipeline's generator and verifier (one configuration for answers and drafts)."""

    def __init__(self, gugus, tuning=None):
        """``tuning``: an app.settings.DraftingTuning (default: the container's settings.drafting)."""
        t = tuning or gugus.settings.drafting
        self.g = gugus
        self.answerer = gugus.answerer
        self.generator = self.answerer.generator
        self.verifier = self.answerer.verifier
        self.extractive = isinstance(self.generator, ExtractiveGenerator)
        self.writer = gugus.writer  # writes from the chosen evidence (local; openai unless writer_input=passages)
        self.stats = WriterStats()
        self.per_query, self.max_passages, self.per_document = t.per_query, t.max_passages, t.per_document
        self.max_sentences, self.threshold = t.max_sentences, t.threshold
        self.max_units, self.max_words = t.max_units, t.max_words
        self.figure_bonus = t.figure_bonus  # a sentence stating one of the subtopic's figures
        self._vec_cache: dict[str, np.ndarray] = {}

    def _mode_note(self, lang: str) -> str:
        if self.writer is not None:
            b = self.writer.backend
            return WRITTEN_NOTE[lang].format(writer=b.label or b.name)
        return EVIDENCE_NOTE[lang] if self.extractive else ""

    # ------------------------------------------------------------------------------------------------ evidence
    def evidence(self, sub: Subtopic, filters: Filters, exclude: set[str] = frozenset()) -> list[Hit]:
        """Fuse the subtopic's queries by reciprocal rank, then keep diverse passages (per-document cap)."""
        lists: list[tuple[list[str], float]] = []
        hits: dict[str, Hit] = {}
        for q in sub.queries:
            found = self.g.search(q, top_k=self.per_query, filters=filters)
            lists.append(([h.id for h in found], 1.0))  # excluded ids keep their rank; dropped after fusion
            hits.update((h.id, h) for h in found if h.id not in hits)
        # the figures table is one more ranked list: passages holding the subtopic's figures, newest first
        fig_ids = [i for i in dict.fromkeys(f.chunk_id for f in sorted(
            self.figures(sub, filters), key=lambda f: f.doc_date or "", reverse=True)) if i not in exclude]
        fig_ids = fig_ids[: self.per_query]
        missing = self.g.store.get([i for i in fig_ids if i not in hits])
        hits.update((c.id, Hit(c.id, c.text, c.meta, 0.0)) for c in missing)
        lists.append((fig_ids, 1.0))
        score = {i: v for i, v in rrf(lists, self.g.retriever.rrf_k).items() if i in hits and i not in exclude}
        chosen: list[Hit] = []
        per_doc: dict[str, int] = {}
        for i in sorted(score, key=lambda x: -score[x]):
            doc = hits[i].meta.get("doc_id") or hits[i].meta.get("path")
            if per_doc.get(doc, 0) >= self.per_document:
                continue
            per_doc[doc] = per_doc.get(doc, 0) + 1
            chosen.append(hits[i])
            if len(chosen) >= self.max_passages:
                break
        return chosen

    # ------------------------------------------------------------------------------------------------ writing
    def figures(self, sub: Subtopic, filters: Filters) -> list:
        """Figures of the table (app/figures/table.py) that this subtopic reports, within the filters."""
        if not sub.figures:
            return []
        from ..figures import figures

        return [f for f in figures(self.g, filters) if _wanted(sub, f)]

    def _holds_figure(self, sub: Subtopic, sentence: str, meta: dict) -> bool:
        """The sentence states a figure (of the subtopic's kinds, when it names them): not a year, a Pasal or a list
        number (the figures table's extractor decides)."""
        from ..figures import extract

        return any(not sub.figures or _wanted(sub, f) for f in extract(sentence, meta))

    def _sentence_vectors(self, sentences: list[str]) -> np.ndarray:
        """Passage-side vectors of evidence sentences, cached by text (sections share evidence)."""
        todo = [x for x in dict.fromkeys(sentences) if x not in self._vec_cache]
        if todo:
            for x, v in zip(todo, self.g.embedder.embed_passages(todo)):
                self._vec_cache[x] = np.asarray(v, dtype=np.float32)
            while len(self._vec_cache) > 4096:  # oldest first
                evict_oldest(self._vec_cache)
        return np.stack([self._vec_cache[x] for x in sentences])

    def score_sentences(self, sub: Subtopic, passages: list[Passage]) -> list[tuple[float, int, int, str]]:
        """(score, passage n, position, sentence), best first: e5 similarity to the closest query of the subtopic
        plus weighted stem overlap; only the sentences with most overlap are embedded (speed)."""
        q_terms = [set(analyze(plan_query(q).keyword_text)) for q in sub.queries]
        units = []
        for p in passages:
            for i, u in enumerate(sentence_units(p.text)):
                if len(u.split()) > self.max_words:
                    continue
                stems = set(analyze(u))
                lex = max(len(t & stems) / max(len(t), 1) for t in q_terms)
                if lex > 0:
                    units.append((lex, p.n, i, u))
        units = sorted(units, key=lambda x: -x[0])[: self.max_units]
        if not units:
            return []
        vecs = self._sentence_vectors([u[3] for u in units])
        # the retriever embedded these same texts: cached vectors
        qv = np.asarray([self.g.embedder.embed_query(plan_query(q).keyword_text) for q in sub.queries],
                        dtype=np.float32)
        sims = (vecs @ qv.T).max(axis=1)
        w = getattr(self.generator, "lexical_weight", 0.25)
        meta = {p.n: p.hit.meta for p in passages}
        bonus = [self.figure_bonus if sub.figures and self._holds_figure(sub, u, meta[n]) else 0.0
                 for _, n, _, u in units]
        return sorted(((float(sim) + w * lex + b, n, i, u) for (lex, n, i, u), sim, b in zip(units, sims, bonus)),
                      key=lambda x: -x[0])

    def _choose(self, sub: Subtopic, passages: list[Passage], used: set[str] = frozenset()
                ) -> list[tuple[int, int, str]]:
        """The best evidence sentences for the subtopic, as (passage n, position, sentence) in reading order: at most
        two per passage, no near-repeats, none that an earlier paragraph of the draft already uses (`used`:
        normalised sentences). Empty when a subtopic that needs figures gets none."""
        chosen: list[tuple[int, int, str]] = []
        seen: list[set[str]] = []
        per_passage: dict[int, int] = {}
        for score, n, pos, sent in self.score_sentences(sub, passages):
            if score < self.threshold or len(chosen) >= self.max_sentences:
                break
            stems = set(analyze(sent))
            repeat = any(len(stems & s) / max(len(stems | s), 1) > 0.6 for s in seen)
            if _norm(sent) in used or per_passage.get(n, 0) >= 2 or repeat:
                continue
            per_passage[n] = per_passage.get(n, 0) + 1
            seen.append(stems)
            chosen.append((n, pos, sent))
        meta = {p.n: p.hit.meta for p in passages}
        if sub.needs_figures and not any(self._holds_figure(sub, s, meta[n]) for n, _, s in chosen):
            return []
        return sorted(chosen)

    def _extractive_text(self, sub: Subtopic, passages: list[Passage], used: set[str] = frozenset()) -> str:
        """An evidence paragraph: the chosen sentences themselves, each cited."""
        return " ".join(f"{x} [{n}]" for n, _, s in self._choose(sub, passages, used)
                        for x in split_sentences(" ".join(s.split())))

    def _written(self, sub: Subtopic, outline: Outline, lang: str, passages: list[Passage],
                 used: set[str] = frozenset()) -> tuple[list[Sentence], list[Sentence], WriterStats]:
        """The chosen sentences rendered by the writer as TIP Report prose, one passage's sentences at a time (so
        each written sentence cites the passage it renders); a rendering that fails its checks is quoted."""
        by_n = {p.n: p for p in passages}
        groups: dict[int, list[str]] = {}
        for n, _, s in self._choose(sub, passages, used):
            groups.setdefault(n, []).append(s)
        return self.writer.write("draft", lang, [(by_n[n], ss) for n, ss in groups.items()],
                                 section=outline.label(lang), subtopic=sub.label(lang))

    def _llm_text(self, sub: Subtopic, outline: Outline, period: Period, lang: str, note: str,
                  passages: list[Passage]) -> str:
        prompt = get_prompt("draft", lang)
        note_line = ""
        if note.strip():
            note_line = ("Officer's note (guidance on emphasis only, not a source): " if lang == "en"
                         else "Catatan petugas (arahan penekanan saja, bukan sumber): ") + note.strip() + "\n"
        req = GenerationRequest(sub.label(lang), lang, passages, prompt, extra={
            "section": outline.label(lang), "subtopic": sub.label(lang), "period": _period_text(period, lang),
            "note": note_line})
        return "".join(self.generator.stream(req))

    def paragraph(self, sub: Subtopic, outline: Outline, period: Period, lang: str, filters: Filters,
                  note: str = "", exclude: set[str] = frozenset(), used: set[str] = frozenset()
                  ) -> tuple[DraftParagraph | None, list[Passage]]:
        """One verified paragraph with passage numbers local to it (1..k), or None when there is no evidence."""
        hits = self.evidence(sub, filters, exclude)
        passages = [Passage(i + 1, h) for i, h in enumerate(hits)]
        if not passages:
            return None, []
        if self.writer is not None:
            kept, removed, stats = self._written(sub, outline, lang, passages, used)
            self.stats.add(stats)
            if not kept:
                return None, passages
            cited = renumber(kept, {p.n: p for p in passages})
            para = DraftParagraph(sub.id, sub.label(lang), render(kept), [p.n for p in cited], sentences=kept,
                                  removed=removed, mode="prose")
            para.passages = cited
            return para, passages
        text = (self._extractive_text(sub, passages, used) if self.extractive
                else self._llm_text(sub, outline, period, lang, note, passages))
        if not text.strip() or is_not_found(text):
            return None, passages
        kept, removed, cited = self.verifier.verify(text, passages)
        mode = "evidence" if self.extractive else "prose"
        for x in kept:
            x.kind = "quoted" if self.extractive else "rendered"
        if not kept:
            return DraftParagraph(sub.id, sub.label(lang), "", [], removed=removed, mode=mode), passages
        para = DraftParagraph(sub.id, sub.label(lang), render(kept), [p.n for p in cited], sentences=kept,
                              removed=removed, mode=mode)
        para.passages = cited  # local numbering, renumbered into the draft by _place
        return para, passages

    # ------------------------------------------------------------------------------------------------ sections
    def draft(self, section: str, period: Period, lang: str = "en", agencies: list[str] | None = None,
              note: str = "", filters: Filters | None = None, progress: Progress | None = None,
              user: str | None = None) -> Draft:
        if lang not in ("en", "id"):
            raise DraftError(f"language must be 'en' or 'id', not '{lang}'")
        outline = load_outline(section)
        base = replace(filters or Filters(), period=period, agencies=list(agencies or []))
        outline, base = self._tracked_outline(outline, period, base)
        t0 = time.perf_counter()
        prompt = (self.writer.prompt_file("draft", lang) if self.writer is not None
                  else None if self.extractive else get_prompt("draft", lang))
        self.stats = WriterStats()
        draft = Draft(
            id="", section=outline.section, title=outline.label(lang), period=period, lang=lang,
            agencies=list(agencies or []), note=note, generator=self.generator.name, model=self.generator.model,
            prompt=prompt.file if prompt else None, prompt_sha256=prompt.sha256 if prompt else None,
            outline=outline.path.name, outline_sha256=outline.sha256,
            created=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), user=user or self.g.settings.user,
            filters={k: v for k, v in asdict(base).items() if v and k in RECORDED_FILTERS},
            mode_note=self._mode_note(lang),
        )
        n = len(outline.subtopics)
        for i, sub in enumerate(outline.subtopics):
            if progress:
                progress(i, n, sub.label(lang))
            t = time.perf_counter()
            para, _ = self.paragraph(sub, outline, period, lang, base, note, used=_used(draft))
            self._place(draft, sub, para)
            draft.timings[sub.id] = time.perf_counter() - t
        self._flag_conflicts(draft, base)
        if progress:
            progress(n, n, "")
        draft.timings["total_s"] = time.perf_counter() - t0
        if self.writer is not None:
            draft.writer = self.stats.to_json()
        draft.id = _draft_id(draft)
        return draft

    def regenerate(self, draft: Draft, subtopic_id: str, filters: Filters | None = None) -> Draft:
        """Redraft one subtopic with other evidence (the passages it cited are left out), renumbering the draft.
        `filters` carries the requesting user's access scope; the draft's own filters are applied on top."""
        kept = {k: v for k, v in draft.filters.items() if k in RECORDED_FILTERS}
        base = replace(filters or Filters(), **kept, period=draft.period, agencies=list(draft.agencies))
        outline, base = self._tracked_outline(load_outline(draft.section), draft.period, base)
        sub = outline.subtopic(subtopic_id)
        old = next((p for p in draft.paragraphs if p.subtopic == subtopic_id), None)
        exclude = {draft.references[n - 1].hit.id for n in (old.citations if old else [])}
        others = replace(draft, paragraphs=[p for p in draft.paragraphs if p.subtopic != subtopic_id])
        para, _ = self.paragraph(sub, outline, draft.period, draft.lang, base, draft.note, exclude, _used(others))
        if para is None or not para.text:  # nothing else to say: keep the old one
            return draft
        new = self._rebuild(draft, {subtopic_id: para}, outline)
        self._flag_conflicts(new, base)
        return new

    def _tracked_outline(self, outline: Outline, period: Period, base: Filters) -> tuple[Outline, Filters]:
        """Prioritized Recommendations follow the recommendations tracker (app/cycle/recommendations.py): one
        subtopic per recommendation of the latest TIP Report in the corpus, titled with its status in the period,
        asked of the agencies responsible, and answered from the period's non-TIP evidence (the report itself is
        not evidence of action). A recommendation without evidence becomes a gap. Without such a report the
        outline file's subtopics stand. Other sections are returned unchanged."""
        if outline.section != "prioritized_recommendations":
            return outline, base
        from ...ingest.types import DOC_TYPES
        from ..cycle.recommendations import RecommendationError, track

        try:
            tracked = track(self.g, None, period, base)
        except RecommendationError as e:
            log.info("prioritized recommendations from the outline file: %s", e)
            return outline, base
        report = tracked.report.get("short_title") or tracked.report.get("title") or tracked.report.get("path")
        subs = []
        for r in tracked.recommendations:
            short = r.text if len(r.text) <= 110 else r.text[:107].rsplit(" ", 1)[0] + " …"
            subs.append(Subtopic(
                id=f"recommendation_{r.n}",
                title={"en": f"Recommendation {r.n} of {report} ({REC_STATUS['en'][r.status]}): {short}",
                       "id": f"Rekomendasi {r.n} {report} ({REC_STATUS['id'][r.status]}): {short}"},
                queries=() if r.status == "no_evidence" else (r.text,), agencies=tuple(r.agencies)))
        # the tracker's evidence: documents dated inside the period (a law in force is not action taken in it)
        evidence = replace(base, period=None, date_from=period.start, date_to=period.end,
                           doc_types=base.doc_types or [t for t in DOC_TYPES if t != "tip_report"])
        return replace(outline, subtopics=tuple(subs)), evidence

    def edit(self, draft: Draft, subtopic_id: str, text: str) -> Draft:
        """An officer's edit of a paragraph. It keeps the draft's numbering; sentences that cite no passage of the
        draft, or that the cited passages do not support, are flagged (kept in `unverified`), never silently kept."""
        passages = [Passage(p.n, p.hit) for p in draft.references]
        kept, removed, _ = _verify_in_place(self.verifier, text, passages)
        for p in draft.paragraphs:
            if p.subtopic == subtopic_id:
                p.text, p.edited = text.strip(), True
                p.citations = sorted({n for s in kept for n in s.cites}, key=lambda n: text.find(f"[{n}]"))
                p.unverified = removed
                break
        else:
            raise DraftError(f"the draft has no paragraph '{subtopic_id}'")
        return draft

    def _flag_conflicts(self, draft: Draft, filters: Filters) -> None:
        """List the figures of cited passages that another source of the same period contradicts."""
        from ..figures import conflicts, figures

        cited = {p.hit.id: p.n for p in draft.references}
        draft.conflicts = []
        if not cited:
            return
        for c in conflicts(figures(self.g, replace(filters, agencies=[]))):
            if any(f.chunk_id in cited for f in c.figures):
                draft.conflicts.append({
                    "what": c.what, "period": c.period.to_json(), "period_label": str(c.period),
                    "values": [{"value": f.value, "text": f.text, "title": f.short_title or f.title, "path": f.path,
                                "n": cited.get(f.chunk_id)} for f in c.figures]})

    # ------------------------------------------------------------------------------------------------ numbering
    def _place(self, draft: Draft, sub: Subtopic, para: DraftParagraph | None) -> None:
        """Append a paragraph, mapping its local [n] to the draft's reference numbers (or record a gap)."""
        if para is None or not para.text:
            agencies = list(sub.agencies) or ["the agencies concerned" if draft.lang == "en" else "K/L terkait"]
            draft.gaps.append(Gap(sub.id, sub.label(draft.lang), agencies, GAP_TEXT[draft.lang].format(
                topic=sub.label(draft.lang).lower() if draft.lang == "en" else sub.label(draft.lang),
                period=_period_text(draft.period, draft.lang), agencies=", ".join(agencies)),
                removed=para.removed if para else []))
            return
        ids = {p.hit.id: p.n for p in draft.references}
        mapping: dict[int, int] = {}
        for p in para.passages:
            if p.hit.id not in ids:
                ids[p.hit.id] = len(draft.references) + 1
                draft.references.append(Passage(ids[p.hit.id], p.hit))
            mapping[p.n] = ids[p.hit.id]
        for s in para.sentences + para.unverified:
            s.cites = [mapping[n] for n in s.cites if n in mapping]
        if para.edited:  # the officer's own text: renumber its markers in place
            para.text = CITE.sub(lambda m: "[" + ", ".join(str(mapping.get(int(x), x)) for x in
                                                           re.split(r"\s*[,;]\s*", m.group(1))) + "]", para.text)
            para.citations = [mapping[n] for n in para.citations if n in mapping]
        else:
            para.text = render(para.sentences)
            para.citations = list(dict.fromkeys(n for s in para.sentences for n in s.cites))
        para.passages = []
        draft.paragraphs.append(para)

    def _rebuild(self, draft: Draft, replaced: dict[str, DraftParagraph], outline: Outline) -> Draft:
        """Renumber the references of a draft after replacing paragraphs (order of first citation)."""
        by_n = {p.n: p for p in draft.references}
        new = replace(draft, paragraphs=[], gaps=[], references=[], timings=dict(draft.timings))
        for sub in outline.subtopics:
            if sub.id in replaced:
                self._place(new, sub, replaced[sub.id])
                continue
            old = next((p for p in draft.paragraphs if p.subtopic == sub.id), None)
            if old is None:
                new.gaps.extend(g for g in draft.gaps if g.subtopic == sub.id)
                continue
            old.passages = [Passage(n, by_n[n].hit) for n in old.citations if n in by_n]
            self._place(new, sub, old)
        new.id = _draft_id(new)
        return new

    # ------------------------------------------------------------------------------------------------ storage
    def save(self, draft: Draft) -> Path:
        d = self.g.settings.data_dir / "drafts"
        d.mkdir(parents=True, exist_ok=True)
        path = d / f"{draft.id}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(draft.to_record(), ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(path)
        return path


def _verify_in_place(verifier, text: str, passages: list[Passage]) -> tuple[list[Sentence], list[Sentence], list]:
    """Verify against the draft's references keeping their numbers (no renumbering)."""
    kept, removed, cited = verifier.verify(text, passages)
    back = {p.n: p.hit.id for p in cited}
    num = {p.hit.id: p.n for p in passages}
    for s in kept:
        s.cites = [num[back[n]] for n in s.cites]
    return kept, removed, cited


def _wanted(sub: Subtopic, f) -> bool:
    """A figure the subtopic reports: its counted noun is listed, as "korban" or with an action
    ("korban:identifikasi")."""
    return any(f.counted == c and (not a or f.action == a) for c, _, a in (x.partition(":") for x in sub.figures))


def _norm(sentence: str) -> str:
    return " ".join(re.findall(r"\w+", sentence.lower()))


def _used(draft: Draft) -> set[str]:
    """Sentences the draft's paragraphs already say (an evidence sentence is quoted once per draft)."""
    return {_norm(s.text) for p in draft.paragraphs for s in p.sentences}


def _period_text(p: Period, lang: str) -> str:
    if p.label:
        return (f"the {p.label} reporting period ({p.start} to {p.end})" if lang == "en"
                else f"periode pelaporan {p.label} ({p.start} s.d. {p.end})")
    return f"{p.start} to {p.end}" if lang == "en" else f"{p.start} s.d. {p.end}"


def _draft_id(d: Draft) -> str:
    stamp = re.sub(r"\D", "", d.created)[:14]
    h = hashlib.sha1(json.dumps([p.text for p in d.paragraphs] + [d.period.start, d.period.end, d.lang]).encode())
    return f"{stamp}-{d.section}-{h.hexdigest()[:8]}"


def load_draft(path: Path) -> Draft:
    return Draft.from_record(json.loads(path.read_text(encoding="utf-8")))


def list_drafts(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "drafts").glob("*.json"), reverse=True)


__all__ = ["Drafter", "DraftError", "load_draft", "list_drafts"]
