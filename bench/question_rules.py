"""What each question rule (index/question_rules.yaml) is worth: the dev and held-out sets with no rule off, then with
each rule off, one at a time, in ONE process (the sentence and query vectors stay cached, so a rule costs a fraction
of a cold `gugus eval answers --disable RULE` run; the figures are the same).

A rule that changes neither the constraints, the query plan nor the extractive flags of any question of a set
cannot change that set's answers or search results; it is reported as 0 without running.

    GUGUS_DATA_DIR=... GUGUS_GENERATOR=extractive .venv/bin/python bench/question_rules.py OUT.jsonl \
        [--search] [RULE ...]

One JSON line per (rule, set): the answer measures (citation precision, answered share, refused shares) or, with
--search, hit@1, hit@5 and MRR per retriever mode. RULE ...: only these (default: every rule that changes something).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from gugus.app.answering.constraints import constraints
from gugus.app.container import Gugus
from gugus.app.evaluation import evaluate_answers, evaluate_search, load_qa
from gugus.app.settings import Settings
from gugus.index.query import plan_query
from gugus.index.rules import disabled, rules

ROOT = Path(__file__).resolve().parents[1]


def _state(q: str) -> tuple:
    R = rules()
    return (repr(constraints(q).__dict__), repr(plan_query(q).__dict__), bool(R.search("which_pasal", q)),
            bool(R.search("list_question", q)))


def changed(items: list[dict], rid: str, search: bool) -> int:
    """How many questions the rule's switch changes (for search: their query plan only)."""
    qs = [it["question"] for it in items]
    base = [_state(q) for q in qs]
    with disabled([rid]):
        now = [_state(q) for q in qs]
    return sum((a[1] != b[1]) if search else (a != b) for a, b in zip(base, now))


def main(argv: list[str]) -> None:
    out_path, search = Path(argv[0]), "--search" in argv
    only = [a for a in argv[1:] if not a.startswith("--")]
    sets = {s: load_qa(ROOT / "eval" / f"{s}_qa.jsonl") for s in ("dev", "heldout")}
    g = Gugus(Settings())
    g.answerer
    with out_path.open("a", encoding="utf-8") as out:
        for rid in [None] + (only or rules().ids):
            for s, items in sets.items():
                n = changed(items, rid, search) if rid else len(items)
                row = {"rule": rid, "set": s, "questions_changed": n, "search": search}
                if n:
                    t = time.time()
                    with disabled([rid] if rid else []):
                        if search:
                            r = evaluate_search(g, items)
                            row.update({f"{m}_{k}": r["modes"][m][k] for m in r["modes"] for k in ("hit@1", "hit@5", "mrr")})
                        else:
                            r = evaluate_answers(g, items)
                            row.update({k: r[k] for k in ("citation_precision", "answers_citing_evidence",
                                                          "answered_share", "refused_answerable_share",
                                                          "refused_unanswerable_share", "numbers_faithful")})
                    row["s"] = round(time.time() - t, 1)
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                out.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
