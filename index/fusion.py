"""Helpers of the hybrid retriever's fusion step: weighted reciprocal-rank fusion, near-duplicate passages, and
matching stored metadata against the simple where-clauses of query references."""
from __future__ import annotations

import re
from typing import Any, Iterable

import numpy as np


def rrf(lists: Iterable[tuple[list[str], float]], k: int) -> dict[str, float]:
    """Weighted RRF: each ranked id list adds weight / (k + rank) to its ids."""
    score: dict[str, float] = {}
    for ids, w in lists:
        if not w:
            continue
        for r, i in enumerate(ids, 1):
            score[i] = score.get(i, 0.0) + w / (k + r)
    return score


_WORD = re.compile(r"[0-9a-z]+")


def shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    w = _WORD.findall(text.lower())
    return {tuple(w[i:i + n]) for i in range(max(len(w) - n + 1, 1))}


def near_duplicate(a: set, b: set, threshold: float = 0.8) -> bool:
    """The same passage twice: a document stored in two formats (a PDF and its Markdown parse), or the same
    paragraph repeated. Containment rather than Jaccard, so a passage split differently still counts."""
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) >= threshold


def where_matches(where: dict[str, Any], meta: dict[str, Any]) -> bool:
    """Evaluate the equality/$and/$or where-clauses that query.references() builds against one metadata dict."""
    if "$and" in where:
        return all(where_matches(w, meta) for w in where["$and"])
    if "$or" in where:
        return any(where_matches(w, meta) for w in where["$or"])
    for key, val in where.items():
        if isinstance(val, dict):
            return False  # operators are not used by references()
        if meta.get(key) != val:
            return False
    return True


def ref_mask(refs: list[dict], metas: list[dict[str, Any]]) -> np.ndarray | None:
    if not refs:
        return None
    return np.array([any(where_matches(r, m) for r in refs) for m in metas], dtype=bool)
