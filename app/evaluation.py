"""Evaluation on a question set (eval/dev_qa.jsonl): retrieval metrics per retriever mode."""
from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path
from typing import Any

from ..index.retriever import MODES, Hit
from ..ingest.clean import clean_text, unwrap_lines

MATCH_WINDOW = 60  # evidence split over two chunks still counts when either end (this many chars) is found


def load_qa(path: Path) -> list[dict[str, Any]]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{n}: {e}") from None
    return items


def norm(s: str) -> str:
    """Compare texts across cleaning and line wrapping: lower case letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", unwrap_lines(clean_text(s)).lower())


def expected(item: dict[str, Any]) -> list[tuple[str, str]]:
    """(source path, normalised evidence) pairs any of which makes a retrieved passage a hit."""
    pairs = [(item["source"], norm(e)) for e in item.get("evidence", [])]
    for src, ev in zip(item.get("also_sources", []) or [], item.get("also_evidence", []) or []):
        evs = ev if isinstance(ev, list) else [ev]
        pairs += [(src, norm(e)) for e in evs]
    return [(s, e) for s, e in pairs if e]


def same_document(path: str | None, src: str) -> bool:
    """The expected file, or the same document in another format: corpus/laws holds Perda DIY 6/2025 both as the
    original PDF and as its Markdown parse (catalog: "same document"), and either passage quotes the evidence."""
    if not path:
        return False
    return path == src or path.rsplit(".", 1)[0] == src.rsplit(".", 1)[0]


def is_hit(hit: Hit, pairs: list[tuple[str, str]]) -> bool:
    text = norm(hit.text)
    for src, ev in pairs:
        if not same_document(hit.meta.get("path"), src):
            continue
        if ev in text or (len(ev) > 2 * MATCH_WINDOW and (ev[:MATCH_WINDOW] in text or ev[-MATCH_WINDOW:] in text)):
            return True
    return False


def evaluate_search(g, items: list[dict[str, Any]], k: int = 5, depth: int = 10) -> dict[str, Any]:
    answerable = [it for it in items if it.get("answerable", True) and it.get("source")]
    res: dict[str, Any] = {"questions": len(items), "answerable": len(answerable), "k": k, "modes": {}}
    for mode in MODES:
        h1 = hk = rr = 0.0
        lat: list[float] = []
        misses = []
        for it in answerable:
            pairs = expected(it)
            t = time.perf_counter()
            hits = g.search(it["question"], top_k=max(depth, k), mode=mode)
            lat.append((time.perf_counter() - t) * 1000)
            rank = next((h.rank for h in hits if is_hit(h, pairs)), None)
            h1 += rank == 1
            hk += rank is not None and rank <= k
            rr += 1.0 / rank if rank else 0.0
            if rank is None or rank > k:
                misses.append({"id": it.get("id"), "question": it["question"], "source": it["source"], "rank": rank})
        n = max(len(answerable), 1)
        res["modes"][mode] = {"hit@1": h1 / n, f"hit@{k}": hk / n, "mrr": rr / n,
                              "p50_ms": statistics.median(lat) if lat else 0.0, "misses": misses}
    return res


def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def numbers_faithful(r) -> bool:
    """Every number of the answer's sentences, with its magnitude, is a value stated in a passage it cites (read
    in the passage's language; the sentence read both ways): an independent check on the whole cited passages."""
    from .answering.faithful import _values, _near

    by_n = {p.n: p for p in r.citations}
    for s in r.sentences or []:
        have = []
        for n in s.cites:
            p = by_n.get(n)
            if p is not None:
                lang = p.hit.meta.get("language") or "id"
                m = p.hit.meta
                label = " ".join(str(x) for x in (m.get("title"), m.get("section"), m.get("date")) if x)
                have += [v for v, _, _ in _values(p.text + "\n" + label, lang)]
        text = s.text.strip("“”")
        mine = {pos: v for v, _, pos in _values(text, r.lang)}
        alt = {pos: v for v, _, pos in _values(text, "id" if r.lang == "en" else "en")}
        for pos, v in mine.items():
            if not any(_near(h, v) or (pos in alt and _near(h, alt[pos])) for h in have):
                return False
    return True


def evaluate_answers(g, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Citation precision, answered/refused shares, answer language, number faithfulness, the writer's rendered
    and quoted sentences, latency and prompt tokens of the answer pipeline."""
    from ..ingest.catalog import detect_language
    from .text import numbers_in

    ans = [it for it in items if it.get("answerable", True) and it.get("source")]
    unans = [it for it in items if not it.get("answerable", True)]
    cites_total = cites_good = answered = refused_unans = faithful = answered_with_evidence = same_lang = 0
    rendered = quoted = 0
    lat: list[float] = []
    prompt_tokens: list[int] = []
    rows = []
    for it in ans + unans:
        r = g.answerer.ask(it["question"], user="eval")
        lat.append(r.timings.get("total_s", 0.0) * 1000)
        prompt_tokens += (r.writer or {}).get("prompt_tokens", [])
        row = {"id": it.get("id"), "question": it["question"], "answerable": it in ans, "abstained": r.abstained,
               "answer": r.answer, "rendered": r.counts["rendered"], "quoted": r.counts["quoted"],
               "ms": round(lat[-1])}
        if r.removed:
            row["removed"] = [{"text": x.text, "reason": x.reason} for x in r.removed]
        if it in ans:
            pairs = expected(it)
            if not r.abstained:
                answered += 1
                good = [is_hit(p.hit, pairs) for p in r.citations]
                cites_total += len(good)
                cites_good += sum(good)
                answered_with_evidence += any(good)
                if r.sentences:
                    faithful += numbers_faithful(r)
                else:
                    cited_nums = set().union(*(numbers_in(p.text) for p in r.citations)) if r.citations else set()
                    faithful += not (numbers_in(_strip_markers(r.answer)) - cited_nums)
                same_lang += detect_language(_strip_markers(r.answer)) == r.lang
                rendered += r.counts["rendered"]
                quoted += r.counts["quoted"]
                row["evidence_cited"] = any(good)
        else:
            refused_unans += r.abstained
        rows.append(row)
    return {
        "generator": g.answerer.generator.name, "model": g.answerer.generator.model,
        "answerable": len(ans), "unanswerable": len(unans),
        "citation_precision": cites_good / cites_total if cites_total else 0.0,
        "answers_citing_evidence": answered_with_evidence / answered if answered else 0.0,
        "answered_share": answered / len(ans) if ans else 0.0,
        "refused_answerable_share": 1 - answered / len(ans) if ans else 0.0,
        "refused_unanswerable_share": refused_unans / len(unans) if unans else 0.0,
        "answers_in_question_language": same_lang / answered if answered else 0.0,
        "numbers_faithful": faithful / answered if answered else 1.0,
        "rendered_sentences": rendered, "quoted_sentences": quoted,
        "quoted_share": quoted / (rendered + quoted) if rendered + quoted else 0.0,
        "p50_ms": statistics.median(lat) if lat else 0.0, "p95_ms": _pct(lat, 0.95),
        "prompt_tokens_p50": statistics.median(prompt_tokens) if prompt_tokens else 0,
        "rows": rows,
    }


def _strip_markers(text: str) -> str:
    return re.sub(r"\[\d+(?:[,;]\s*\d+)*\]", " ", text)
