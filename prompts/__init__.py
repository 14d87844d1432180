"""Every prompt Gugus sends, as a file in this folder, named here, and the TIP section outlines (sections/*.yaml).
Each answer and draft records the prompt's name and hash (and a draft its outline's hash)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

PROMPT_DIR = Path(__file__).parent

# name -> file. "{lang}" is the answer language (id | en).
PROMPTS = {
    "answer": "answer_{lang}.md",  # answer from numbered passages with [n] citations
    "condense": "condense_{lang}.md",  # rewrite a follow-up question as a standalone one
    "draft": "draft_{lang}.md",  # one cited paragraph of a TIP Report section from numbered passages
    # the writer (app/answering/writer.py): render evidence sentences; system part, then "=== user ===", then the message
    "write_answer": "write_answer_{lang}.md",  # answer a question from one document's evidence sentences
    "write_draft": "write_draft_{lang}.md",  # one or two sentences of TIP Report prose from evidence sentences
}
USER_MARK = "=== user ==="
SECTIONS_DIR = PROMPT_DIR / "sections"
LEGAL_TERMS = PROMPT_DIR / "legal_terms_en_id.tsv"  # the writer's translation hints beside the glossary
NOT_FOUND = {"id": "Tidak ditemukan dalam dokumen yang tersedia.", "en": "Not found in the available documents."}


@dataclass(frozen=True)
class Prompt:
    name: str
    path: Path
    template: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.template.encode("utf-8")).hexdigest()

    @property
    def file(self) -> str:
        return self.path.name

    def messages(self, **kw: str) -> list[dict[str, str]]:
        """Chat messages of a writer prompt: the part before USER_MARK is the system message (constant, so the model
        runtime reuses its cached tokens), the rest the user message."""
        system, _, user = self.template.partition(USER_MARK)
        return [{"role": "system", "content": system.strip()},
                {"role": "user", "content": Prompt(self.name, self.path, user.strip()).render(**kw)}]

    def render(self, **kw: str) -> str:
        out = self.template
        for k, v in kw.items():  # plain replacement: passages may contain braces
            out = out.replace("{" + k + "}", v)
        return out


@lru_cache(maxsize=32)
def _load(path: Path, mtime: float) -> str:
    return path.read_text(encoding="utf-8")


def get_prompt(name: str, lang: str = "en") -> Prompt:
    if name not in PROMPTS:
        raise KeyError(f"unknown prompt '{name}' (known: {', '.join(PROMPTS)})")
    lang = lang if lang in ("id", "en") else "en"
    path = PROMPT_DIR / PROMPTS[name].format(lang=lang)
    return Prompt(f"{name}_{lang}", path, _load(path, path.stat().st_mtime))


# ------------------------------------------------------------------------------------------------ section outlines
@dataclass(frozen=True)
class Subtopic:
    id: str
    title: dict[str, str]  # {"en": ..., "id": ...}
    queries: tuple[str, ...]  # retrieval queries, both languages
    agencies: tuple[str, ...] = ()  # K/L to ask when the subtopic has no evidence
    needs_figures: bool = False  # only filled when the evidence holds figures
    figures: tuple[str, ...] = ()  # counted nouns of the figures table (app/figures/extract.py) this subtopic reports

    def label(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get("en") or self.id


@dataclass(frozen=True)
class Outline:
    section: str
    title: dict[str, str]
    subtopics: tuple[Subtopic, ...]
    path: Path = field(compare=False)
    sha256: str = ""

    def label(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get("en") or self.section

    def subtopic(self, sid: str) -> Subtopic:
        for s in self.subtopics:
            if s.id == sid:
                return s
        raise KeyError(f"section '{self.section}' has no subtopic '{sid}'")


class OutlineError(ValueError):
    pass


def list_sections() -> list[str]:
    """Section ids in the TIP Report's order (the outline files present, known ones first)."""
    order = ["prioritized_recommendations", "prosecution", "protection", "prevention", "trafficking_profile"]
    have = sorted(p.stem for p in SECTIONS_DIR.glob("*.yaml"))
    return [s for s in order if s in have] + [s for s in have if s not in order]


def load_outline(section: str) -> Outline:
    """Read prompts/sections/<section>.yaml; a malformed file is an error naming the file and the field."""
    path = SECTIONS_DIR / f"{section}.yaml"
    if not path.is_file():
        raise OutlineError(f"unknown section '{section}' (known: {', '.join(list_sections())})")
    raw = _load(path, path.stat().st_mtime)
    try:
        d = yaml.safe_load(raw) or {}
    except yaml.YAMLError as e:
        raise OutlineError(f"{path}: invalid YAML: {e}") from None

    def title(x, where: str) -> dict[str, str]:
        if isinstance(x, str):
            return {"en": x, "id": x}
        if not isinstance(x, dict) or not x:
            raise OutlineError(f"{path}: {where}: 'title' must be a string or {{en: ..., id: ...}}")
        return {str(k): str(v) for k, v in x.items()}

    subs = []
    for i, s in enumerate(d.get("subtopics") or []):
        where = f"subtopic {i + 1}"
        if not isinstance(s, dict) or not s.get("id") or not s.get("queries"):
            raise OutlineError(f"{path}: {where}: needs 'id' and a list of 'queries'")
        subs.append(Subtopic(str(s["id"]), title(s.get("title") or s["id"], where),
                             tuple(str(q) for q in s["queries"]), tuple(str(a) for a in s.get("agencies") or ()),
                             bool(s.get("needs_figures", False)), tuple(str(f) for f in s.get("figures") or ())))
    if not subs:
        raise OutlineError(f"{path}: no subtopics")
    if len({s.id for s in subs}) != len(subs):
        raise OutlineError(f"{path}: subtopic ids must be unique")
    return Outline(str(d.get("section") or section), title(d.get("title") or section, "section"), tuple(subs), path,
                   hashlib.sha256(raw.encode("utf-8")).hexdigest())
