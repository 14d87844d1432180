"""Every prompt Gugus sends, as a file in this folder, named here. Each answer records the prompt's name and hash."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROMPT_DIR = Path(__file__).parent

# name -> file. "{lang}" is the answer language (id | en).
PROMPTS = {
    "answer": "answer_{lang}.md",  # answer from numbered passages with [n] citations
    "condense": "condense_{lang}.md",  # rewrite a follow-up question as a standalone one
}
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
