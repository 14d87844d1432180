"""Document access scopes, applied inside retrieval: in the Chroma `where` clause and in the BM25 mask.

Every chunk carries its document's ``access`` level ("public" | "internal" | "restricted") and, for restricted
documents, ``access_agencies`` (see index/store.py chunk_metadata). An AccessScope says what one reader may see:

- ``AccessScope.everything()``: no clause at all (admins, the local single-user mode). ``Filters.access = None``
  means the same: the caller is trusted.
- ``AccessScope(levels=("public", "internal"), agencies=("Kemensos",))``: public and internal documents, plus the
  restricted ones whose access_agencies include Kemensos (a logged-in reader or editor of Kemensos).
- ``AccessScope.public_only()``: what an unidentified caller gets (fail closed).

A chunk with an unknown level is never matched by a limited scope. app/accounts/users.py maps users to scopes
(``scope_for(user)``); this module knows nothing about users.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

OPEN_LEVELS = ("public", "internal")


class AccessColumns(Protocol):
    """What the vectorised mask needs from the keyword index's metadata columns (retriever.MetaColumns)."""

    n: int
    access: np.ndarray

    def access_agency(self, agency: str) -> np.ndarray: ...


@dataclass(frozen=True)
class AccessScope:
    levels: tuple[str, ...] = OPEN_LEVELS  # levels seen in full (never "restricted": that goes by agency)
    agencies: tuple[str, ...] = ()  # restricted documents of these agencies are seen too
    unrestricted: bool = False  # sees every document

    @classmethod
    def everything(cls) -> "AccessScope":
        return cls(levels=(), agencies=(), unrestricted=True)

    @classmethod
    def public_only(cls) -> "AccessScope":
        return cls(levels=("public",))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "AccessScope":
        """From dataclasses.asdict / JSON (lists for tuples)."""
        return cls(levels=tuple(d.get("levels") or ()), agencies=tuple(d.get("agencies") or ()),
                   unrestricted=bool(d.get("unrestricted")))

    def where(self) -> dict | None:
        """The Chroma clause (None when unrestricted)."""
        if self.unrestricted:
            return None
        ors: list[dict[str, Any]] = []
        if self.levels:
            ors.append({"access": {"$in": list(self.levels)}})
        ors += [{"$and": [{"access": "restricted"}, {"access_agencies": {"$contains": a}}]} for a in self.agencies]
        if not ors:  # sees nothing: a clause no chunk satisfies
            return {"access": {"$in": ["\x00none"]}}
        return ors[0] if len(ors) == 1 else {"$or": ors}

    def matches(self, meta: dict[str, Any]) -> bool:
        if self.unrestricted:
            return True
        level = meta.get("access")
        if level in self.levels:
            return True
        return level == "restricted" and bool(set(self.agencies) & set(meta.get("access_agencies") or []))

    def mask(self, cols: AccessColumns) -> np.ndarray:
        """Vectorised `matches` over the keyword index's chunks."""
        if self.unrestricted:
            return np.ones(cols.n, dtype=bool)
        m = np.isin(cols.access, list(self.levels)) if self.levels else np.zeros(cols.n, dtype=bool)
        if self.agencies:
            restricted = cols.access == "restricted"
            m |= restricted & np.logical_or.reduce([cols.access_agency(a) for a in self.agencies])
        return m

    def allows_doc(self, access: str | None, access_agencies: list[str] | tuple[str, ...] | None) -> bool:
        """The same rule for one document's metadata (library, /source pages)."""
        return self.matches({"access": access or "public", "access_agencies": list(access_agencies or [])})
