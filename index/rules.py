"""The question rules (index/question_rules.yaml) and the switch that turns some of them off.

    rules() -> QuestionRules              # the rules of the file, loaded once
    R.search(id, text) / R.finditer / R.findall / R.match   # a rule's pattern(s); nothing when the rule is off
    R.evidence(id, key=None) -> Pattern | None               # what the answer must contain; None when off
    R.words(id) / R.groups(id)                                # word lists; empty when off
    R.on(id) -> bool; R.rule(id) -> Rule                      # state and raw data (R.rule works when off too)
    with disabled(["year", "quantity"]): ...                  # those rules are off inside the block

A disabled rule never fires: its patterns match nothing and its word lists are empty. The disabled set is a
context variable, set only by ``disabled()`` (``gugus eval answers|search --disable RULE``) and restored when the
block ends; nothing else changes it, and the web server and ``gugus ask`` never do.
"""
from __future__ import annotations

import contextvars
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from ..ingest.dates import FULL_MONTH_RE

RULES_FILE = Path(__file__).with_name("question_rules.yaml")
_FRAGMENT = re.compile(r"<<(\w+)>>")
_DISABLED: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar("gugus_disabled_rules", default=frozenset())
_NEVER = re.compile(r"(?!)")


class RuleError(ValueError):
    """A malformed rule file, or an unknown rule id."""


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    patterns: tuple[re.Pattern, ...] = ()  # read off the question (several: any of them; a regulation kind each)
    evidence: dict[str | None, re.Pattern] = field(default_factory=dict)  # None: the one evidence pattern
    words: frozenset[str] = frozenset()
    groups: tuple[frozenset[str], ...] = ()
    data: dict[str, Any] = field(default_factory=dict)  # the entry as written (units, laws, doc_type ...)


def _expand(text: str, fragments: dict[str, str], where: str) -> str:
    def one(m: re.Match) -> str:
        if m.group(1) not in fragments:
            raise RuleError(f"{where}: unknown fragment <<{m.group(1)}>>")
        return fragments[m.group(1)]
    return _FRAGMENT.sub(one, text)


def _compile(text: str, case_sensitive: bool, where: str) -> re.Pattern:
    if not isinstance(text, str) or not text:
        raise RuleError(f"{where}: a pattern must be a non-empty string")
    try:
        return re.compile(text, 0 if case_sensitive else re.I)
    except re.error as e:
        raise RuleError(f"{where}: {text!r} does not compile: {e}") from None


def _rule(e: Any, fragments: dict[str, str], source: str, n: int) -> Rule:
    if not isinstance(e, dict) or not isinstance(e.get("id"), str) or not re.fullmatch(r"[a-z][a-z0-9_]*", e["id"]):
        raise RuleError(f"{source}: rule {n}: needs an 'id' (lower case letters, digits, _)")
    where = f"{source}: {e['id']}"
    if not isinstance(e.get("description"), str) or not e["description"].strip():
        raise RuleError(f"{where}: needs a one-line 'description'")
    cs = bool(e.get("case_sensitive", False))
    raw = e.get("pattern")
    texts = [] if raw is None else [raw] if isinstance(raw, str) else list(raw)
    patterns: list[re.Pattern] = []
    for t in texts:
        t = _expand(str(t), fragments, where) if "<<kind>>" not in str(t) else str(t)
        if "kinds" in e:  # one pattern per regulation kind: "<<kind>>" is the kind's names
            for k, names in e["kinds"].items():
                patterns.append(_compile(_expand(t.replace("<<kind>>", names), fragments, where), cs, where))
        else:
            patterns.append(_compile(t, cs, where))
    ev_cs = bool(e.get("evidence_case_sensitive", False))
    evidence: dict[str | None, re.Pattern] = {}
    ev = e.get("evidence")
    if ev is not None:
        if "<<unit>>" in str(ev):  # one evidence pattern per unit
            for u, rx in (e.get("units") or {}).items():
                evidence[u] = _compile(_expand(str(ev).replace("<<unit>>", rx), fragments, where), ev_cs, where)
        else:
            evidence[None] = _compile(_expand(str(ev), fragments, where), ev_cs, where)
    words = e.get("words") or ""
    groups = tuple(frozenset(map(str, g)) for g in e.get("groups") or [])
    return Rule(e["id"], e["description"].strip(), tuple(patterns), evidence, frozenset(str(words).split()), groups,
                dict(e))


def parse(doc: Any, source: str = "question_rules.yaml") -> dict[str, Rule]:
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
        raise RuleError(f"{source}: expected 'rules:' (a list) and optional 'fragments:'")
    # built in: the month names of the one month table (ingest/dates.py), as <<months>>
    fragments = {"months": FULL_MONTH_RE, **{str(k): str(v) for k, v in (doc.get("fragments") or {}).items()}}
    out: dict[str, Rule] = {}
    for n, e in enumerate(doc["rules"], 1):
        r = _rule(e, fragments, source, n)
        if r.id in out:
            raise RuleError(f"{source}: rule id '{r.id}' is used twice")
        out[r.id] = r
    return out


class QuestionRules:
    """The rules of one file; each lookup consults the disabled set of the current context."""

    def __init__(self, rules: dict[str, Rule]):
        self._rules = rules

    @property
    def ids(self) -> list[str]:
        return list(self._rules)

    def rule(self, rid: str) -> Rule:
        try:
            return self._rules[rid]
        except KeyError:
            raise RuleError(f"unknown question rule '{rid}'") from None

    def on(self, rid: str) -> bool:
        if rid not in self._rules:
            raise RuleError(f"unknown question rule '{rid}'")
        return rid not in _DISABLED.get()

    def patterns(self, rid: str) -> tuple[re.Pattern, ...]:
        return self.rule(rid).patterns if self.on(rid) else ()

    def pattern(self, rid: str) -> re.Pattern:
        """The rule's (first) pattern; one that matches nothing when the rule is off."""
        ps = self.patterns(rid)
        return ps[0] if ps else _NEVER

    def search(self, rid: str, text: str) -> re.Match | None:
        for p in self.patterns(rid):
            m = p.search(text)
            if m:
                return m
        return None

    def finditer(self, rid: str, text: str) -> Iterator[re.Match]:
        for p in self.patterns(rid):
            yield from p.finditer(text)

    def findall(self, rid: str, text: str) -> list:
        return [x for p in self.patterns(rid) for x in p.findall(text)]

    def match(self, rid: str, text: str) -> re.Match | None:
        for p in self.patterns(rid):
            m = p.match(text)
            if m:
                return m
        return None

    def evidence(self, rid: str, key: str | None = None) -> re.Pattern | None:
        return self.rule(rid).evidence.get(key) if self.on(rid) else None

    def words(self, rid: str) -> frozenset[str]:
        return self.rule(rid).words if self.on(rid) else frozenset()

    def groups(self, rid: str) -> tuple[frozenset[str], ...]:
        return self.rule(rid).groups if self.on(rid) else ()


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> QuestionRules:
    return QuestionRules(parse(yaml.safe_load(path.read_text(encoding="utf-8")), path.name))


def rules() -> QuestionRules:
    return load_rules()


def disabled_now() -> frozenset[str]:
    return _DISABLED.get()


@contextmanager
def disabled(ids: Iterable[str], known: QuestionRules | None = None) -> Iterator[frozenset[str]]:
    """Switch these rules off inside the block (nested blocks add to the set). An unknown id is a RuleError naming
    the known ones."""
    ids = [str(i) for i in ids]
    have = set((known or rules()).ids)
    unknown = [i for i in ids if i not in have]
    if unknown:
        raise RuleError(f"unknown question rule(s): {', '.join(unknown)} (rules: {', '.join(sorted(have))})")
    token = _DISABLED.set(_DISABLED.get() | frozenset(ids))
    try:
        yield _DISABLED.get()
    finally:
        _DISABLED.reset(token)
