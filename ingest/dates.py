"""Indonesian and English month names and dates: the one month table of Gugus.

Ingest reads document dates with it (catalog.infer_meta: "Ditetapkan di Jakarta pada tanggal 19 April 2007"), the
query planner's date answer type (index/query.py) and the figures table (app/figures.py) build their patterns from
it. dateparser was measured against it for issue 13 and not taken (bench/lang_dates.py, bench/RESULTS.md): on the
corpus it reads "Nomor 19 Tahun 2023" as a date relative to today, and it is about a thousand times slower.
"""
from __future__ import annotations

import re
from datetime import date

# Month number - 1: Indonesian name, English name, other spellings found in documents (old spelling, abbreviations).
MONTH_NAMES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Januari", "January", ("jan",)),
    ("Februari", "February", ("pebruari", "feb")),
    ("Maret", "March", ("mar",)),
    ("April", "April", ("apr",)),
    ("Mei", "May", ()),
    ("Juni", "June", ("jun",)),
    ("Juli", "July", ("jul",)),
    ("Agustus", "August", ("agu", "aug")),
    ("September", "September", ("sep",)),
    ("Oktober", "October", ("okt", "oct")),
    ("November", "November", ("nov",)),
    ("Desember", "December", ("des", "dec")),
)
# Every spelling, lower case -> month number.
MONTHS: dict[str, int] = {}
for _n, (_idn, _en, _other) in enumerate(MONTH_NAMES, 1):
    for _name in (_idn.lower(), _en.lower(), *_other):
        MONTHS.setdefault(_name, _n)
# Regex alternations: every spelling (longest first; use with re.I), and the full names only, capitalised as written.
MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
FULL_MONTH_RE = "|".join(dict.fromkeys([idn for idn, _, _ in MONTH_NAMES] + [en for _, en, _ in MONTH_NAMES]))

DATE_LONG = re.compile(rf"\b(\d{{1,2}})\s+({MONTH_RE})\.?\s+((?:19|20)\d\d)\b", re.I)  # 19 April 2007, 4 Pebruari 2008
DATE_SLASH = re.compile(r"\b(\d{1,2})/(\d{1,2})/((?:19|20)\d\d)\b")  # 3/2/2026: day/month/year


def parse_date(s: str) -> str | None:
    """The first full date in `s` as an ISO date ("Selasa (3/2/2026)" -> "2026-02-03"), or None.

    Day month-name year comes before day/month/year; a date that does not exist (31 Februari) is None, and so is a
    text without a year ("Rabu (4/6)").
    """
    m = DATE_LONG.search(s)
    if m:
        try:
            return date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1))).isoformat()
        except ValueError:
            return None
    m = DATE_SLASH.search(s)
    if m:
        try:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
        except ValueError:
            return None
    return None
