"""The TIP cycle's questionnaires: prompts/questionnaires/<section>.yaml (the data items asked of the K/L for one TIP
section) and prompts/questionnaires/subsatgas.yaml (the Subsatgas of the Gugus Tugas and their members).

Loaded and validated like the section outlines (prompts/__init__.py): a malformed file is an error naming the file,
the item and the field. Each item must name a subtopic of its section's outline; its figures ("counted" or
"counted:action") must be among that subtopic's `figures:` when the subtopic lists any; its agencies must be members
of its Subsatgas.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import OutlineError, _load, list_sections, load_outline

QUESTIONNAIRE_DIR = Path(__file__).parent / "questionnaires"
SUBSATGAS_FILE = "subsatgas.yaml"


class QuestionnaireError(ValueError):
    pass


@dataclass(frozen=True)
class FigureSpec:
    """"kasus:penyidikan" -> counted kasus, action penyidikan; "uang" matches any money figure."""

    counted: str
    action: str | None = None

    @classmethod
    def parse(cls, s: str) -> "FigureSpec":
        counted, _, action = str(s).partition(":")
        return cls(counted.strip(), action.strip() or None)

    def __str__(self) -> str:
        return self.counted + (f":{self.action}" if self.action else "")


@dataclass(frozen=True)
class Subsatgas:
    id: str
    title: dict[str, str]
    members: tuple[str, ...]
    partners: tuple[str, ...] = ()  # asked for data, not members under Perpres 49/2023

    def label(self, lang: str = "id") -> str:
        return self.title.get(lang) or self.title.get("id") or self.id


@dataclass(frozen=True)
class Item:
    id: str  # "<section>.<item id>", unique across questionnaires
    section: str
    subtopic: str
    item: dict[str, str]  # {"id": ..., "en": ...}
    figures: tuple[FigureSpec, ...]
    subsatgas: str
    agencies: tuple[str, ...]
    qualifiers: tuple[str, ...] = ()  # every one must be among a figure's qualifiers

    def label(self, lang: str = "id") -> str:
        return self.item.get(lang) or self.item.get("id") or self.item.get("en") or self.id


@dataclass(frozen=True)
class Questionnaire:
    section: str
    items: tuple[Item, ...]
    path: Path = field(compare=False)
    sha256: str = ""


def _title(x, where: str, path: Path) -> dict[str, str]:
    if isinstance(x, str) and x.strip():
        return {"id": x, "en": x}
    if not isinstance(x, dict) or not x:
        raise QuestionnaireError(f"{path}: {where}: must be a string or {{id: ..., en: ...}}")
    return {str(k): str(v) for k, v in x.items()}


def _yaml(path: Path) -> tuple[dict, str]:
    raw = _load(path, path.stat().st_mtime)
    try:
        d = yaml.safe_load(raw) or {}
    except yaml.YAMLError as e:
        raise QuestionnaireError(f"{path}: invalid YAML: {e}") from None
    if not isinstance(d, dict):
        raise QuestionnaireError(f"{path}: must be a mapping")
    return d, raw


def load_subsatgas(directory: Path = QUESTIONNAIRE_DIR) -> dict[str, Subsatgas]:
    path = directory / SUBSATGAS_FILE
    if not path.is_file():
        raise QuestionnaireError(f"{path}: missing (the Subsatgas and their members)")
    d, _ = _yaml(path)
    out: dict[str, Subsatgas] = {}
    for sid, s in (d.get("subsatgas") or {}).items():
        if not isinstance(s, dict) or not s.get("members"):
            raise QuestionnaireError(f"{path}: subsatgas '{sid}': needs a list of 'members'")
        members = tuple(str(m) for m in s["members"])
        partners = tuple(str(m) for m in s.get("partners") or ())
        if not set(partners) <= set(members):
            raise QuestionnaireError(f"{path}: subsatgas '{sid}': partners must also be listed as members")
        out[str(sid)] = Subsatgas(str(sid), _title(s.get("title") or sid, f"subsatgas '{sid}': title", path),
                                  members, partners)
    if not out:
        raise QuestionnaireError(f"{path}: no subsatgas")
    return out


def list_questionnaires(directory: Path = QUESTIONNAIRE_DIR) -> list[str]:
    """Sections with a questionnaire, in the TIP Report's order."""
    have = sorted(p.stem for p in directory.glob("*.yaml") if p.name != SUBSATGAS_FILE)
    order = list_sections()
    return [s for s in order if s in have] + [s for s in have if s not in order]


def load_questionnaire(section: str, directory: Path = QUESTIONNAIRE_DIR,
                       subsatgas: dict[str, Subsatgas] | None = None) -> Questionnaire:
    path = directory / f"{section}.yaml"
    if not path.is_file():
        raise QuestionnaireError(f"no questionnaire for section '{section}' (have: "
                                 f"{', '.join(list_questionnaires(directory))})")
    d, raw = _yaml(path)
    if str(d.get("section") or section) != section:
        raise QuestionnaireError(f"{path}: section '{d.get('section')}' does not match the file name")
    try:
        outline = load_outline(section)
    except OutlineError as e:
        raise QuestionnaireError(f"{path}: the section outline does not load: {e}") from None
    subs = {s.id: s for s in outline.subtopics}
    groups = subsatgas if subsatgas is not None else load_subsatgas(directory)
    items: list[Item] = []
    for i, it in enumerate(d.get("items") or []):
        where = f"item {i + 1}"
        if not isinstance(it, dict) or not it.get("id"):
            raise QuestionnaireError(f"{path}: {where}: needs an 'id'")
        where = f"item '{it['id']}'"
        for key in ("item", "subtopic", "figures", "subsatgas", "agencies"):
            if not it.get(key):
                raise QuestionnaireError(f"{path}: {where}: needs '{key}'")
        sub = subs.get(str(it["subtopic"]))
        if sub is None:
            raise QuestionnaireError(f"{path}: {where}: subtopic '{it['subtopic']}' is not in {outline.path.name} "
                                     f"(has: {', '.join(subs)})")
        specs = tuple(FigureSpec.parse(f) for f in it["figures"])
        if sub.figures:
            allowed = {FigureSpec.parse(f).counted for f in sub.figures}
            bad = [str(f) for f in specs if f.counted not in allowed]
            if bad:
                raise QuestionnaireError(f"{path}: {where}: figures {', '.join(bad)} are not among subtopic "
                                         f"'{sub.id}' figures ({', '.join(sub.figures)})")
        g = groups.get(str(it["subsatgas"]))
        if g is None:
            raise QuestionnaireError(f"{path}: {where}: unknown subsatgas '{it['subsatgas']}' "
                                     f"(known: {', '.join(groups)})")
        agencies = tuple(str(a) for a in it["agencies"])
        outside = [a for a in agencies if a not in g.members]
        if outside:
            raise QuestionnaireError(f"{path}: {where}: {', '.join(outside)} not a member of {g.label()} "
                                     f"(members: {', '.join(g.members)})")
        items.append(Item(f"{section}.{it['id']}", section, sub.id, _title(it["item"], f"{where}: item", path), specs,
                          g.id, agencies, tuple(str(q) for q in it.get("qualifiers") or ())))
    if not items:
        raise QuestionnaireError(f"{path}: no items")
    if len({x.id for x in items}) != len(items):
        raise QuestionnaireError(f"{path}: item ids must be unique")
    return Questionnaire(section, tuple(items), path, hashlib.sha256(raw.encode("utf-8")).hexdigest())


def load_all(directory: Path = QUESTIONNAIRE_DIR) -> list[Questionnaire]:
    groups = load_subsatgas(directory)
    return [load_questionnaire(s, directory, subsatgas=groups) for s in list_questionnaires(directory)]
