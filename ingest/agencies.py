"""The agency vocabulary (K/L), one table: ingest/agencies.yaml. Everything that names an agency builds from here:
ingest (a document's agencies, ingest/catalog.py), the figures table (whom a figure is attributed to), the answer
checks (the agencies a question or a written sentence names), coverage and the TIP cycle (board, request letters).

    load() -> tuple[Agency, ...]                 # the table, in its order
    short_names() -> list[str]                   # the names ingest reads off a document (names, then spellings)
    short_names_in(text) -> list[str]            # those a text names, as written, in table order
    canonical(name) -> str                       # "Kemenlu" -> "Kemlu", "Kemenko Polhukam" -> "Kemenko Polkam"
    agencies_named(text) -> list[str]            # canonical names a text names (short or long, both languages)
    mention_patterns() -> [(canonical, regex)]   # every short name and alias pattern, for position-aware lookups
    question_patterns(strict) -> {canonical: regex}   # one pattern per agency (strict: proper names only)
    alias_texts() -> list[str]                   # every alias as written in the table
    addressee(name) -> str | None                # whom a data request letter goes to

ingest/ imports neither app/ nor index/; this module needs only the YAML file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import yaml

AGENCIES_FILE = Path(__file__).with_name("agencies.yaml")
KINDS = ("coordinating_ministry", "ministry", "police", "prosecution", "court", "agency", "network", "international")
_FIELDS = {"name", "kind", "spellings", "variants", "aliases", "addressee"}


class AgencyTableError(ValueError):
    """ingest/agencies.yaml is malformed (a missing name, an unknown kind or field, a bad alias pattern)."""


@dataclass(frozen=True)
class Agency:
    name: str  # canonical short name
    kind: str
    spellings: tuple[str, ...] = ()  # other short names read off documents (literal, case-sensitive)
    variants: tuple[str, ...] = ()  # further spellings folded into the name (literal, case-insensitive)
    aliases: tuple[str, ...] = ()  # long names and acronyms in prose (regular expressions)
    addressee: str | None = None


def _strings(entry: dict, key: str, where: str) -> tuple[str, ...]:
    v = entry.get(key) or []
    if isinstance(v, str) or not all(isinstance(x, str) and x.strip() for x in v):
        raise AgencyTableError(f"{where}: '{key}' must be a list of non-empty strings")
    return tuple(v)


def parse(entries: list, source: str = "agencies.yaml") -> tuple[Agency, ...]:
    if not isinstance(entries, list):
        raise AgencyTableError(f"{source}: expected a list of agencies")
    out: list[Agency] = []
    seen: set[str] = set()
    for i, e in enumerate(entries, 1):
        where = f"{source}: entry {i}"
        if not isinstance(e, dict) or not isinstance(e.get("name"), str) or not e["name"].strip():
            raise AgencyTableError(f"{where}: needs a 'name'")
        where = f"{source}: {e['name']}"
        if set(e) - _FIELDS:
            raise AgencyTableError(f"{where}: unknown field(s) {', '.join(sorted(set(e) - _FIELDS))}")
        if e.get("kind") not in KINDS:
            raise AgencyTableError(f"{where}: kind must be one of {', '.join(KINDS)}")
        a = Agency(e["name"], e["kind"], _strings(e, "spellings", where), _strings(e, "variants", where),
                   _strings(e, "aliases", where), e.get("addressee"))
        for form in (a.name,) + a.spellings + a.variants:
            if form.lower() in seen:
                raise AgencyTableError(f"{where}: '{form}' is already another agency's name or spelling")
            seen.add(form.lower())
        for rx in a.aliases:
            try:
                re.compile(rx)
            except re.error as err:
                raise AgencyTableError(f"{where}: alias {rx!r} is not a valid pattern: {err}") from None
        out.append(a)
    return tuple(out)


@lru_cache(maxsize=4)
def load(path: Path = AGENCIES_FILE) -> tuple[Agency, ...]:
    return parse(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)


def short_names() -> list[str]:
    """The short names ingest reads off a document, in table order (each name, then its other spellings)."""
    return [n for a in load() for n in (a.name,) + a.spellings]


@lru_cache(maxsize=1)
def _short_name_res() -> tuple[tuple[str, re.Pattern], ...]:
    return tuple((n, re.compile(rf"\b{re.escape(n)}\b")) for n in short_names())


def short_names_in(text: str) -> list[str]:
    """The short names a text uses, as written, in table order (a document's inferred agencies)."""
    return [n for n, rx in _short_name_res() if rx.search(text)]


@lru_cache(maxsize=1)
def _folds() -> dict[str, str]:
    return {v.lower(): a.name for a in load() for v in a.spellings + a.variants}


def canonical(name: str) -> str:
    """One name per agency: "Kemenlu" -> "Kemlu", "Kemenko Polhukam" -> "Kemenko Polkam". A name the table does not
    fold (an unknown agency, a long name) is returned with its spaces normalised."""
    name = " ".join(name.split())
    return _folds().get(name.lower(), name)


def _alts(forms: Iterable[str]) -> str:
    return "|".join(sorted(forms, key=len, reverse=True))


@lru_cache(maxsize=1)
def mention_patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """(canonical name, case-sensitive pattern): one per short name, then one per agency's aliases."""
    names = [(canonical(n), re.compile(rf"\b{re.escape(n)}\b")) for n in short_names()]
    return tuple(names + [(a.name, re.compile(rf"\b(?:{_alts(a.aliases)})\b")) for a in load() if a.aliases])


def agencies_named(text: str) -> list[str]:
    """Agencies named in a text (short names, Indonesian and English full names), canonical, in order of appearance."""
    found: list[tuple[int, str]] = []
    for name, rx in mention_patterns():
        mm = rx.search(text)
        if mm:
            found.append((mm.start(), name))
    return list(dict.fromkeys(a for _, a in sorted(found)))


@lru_cache(maxsize=2)
def question_patterns(strict: bool) -> dict[str, re.Pattern]:
    """Per agency, its names, spellings, variants and aliases as one pattern. strict (to read an agency off a
    question): case-sensitive and only the aliases that are proper names or acronyms, not the common words some
    aliases are ("police", "prosecutors"); otherwise case-insensitive."""
    out: dict[str, re.Pattern] = {}
    for a in load():
        forms = [re.escape(n) for n in (a.name,) + a.spellings]
        forms += [x for x in a.aliases if not strict or x[:1].isupper()]
        forms += [re.escape(v.lower()) for v in a.spellings + a.variants]
        out[a.name] = re.compile(rf"\b(?:{'|'.join(sorted(set(forms), key=len, reverse=True))})\b",
                                 0 if strict else re.I)
    return out


def alias_texts() -> list[str]:
    return [x for a in load() for x in a.aliases]


def addressee(name: str) -> str | None:
    return next((a.addressee for a in load() if a.name == name), None)
