"""TIP reporting periods. A TIP Report's period runs 1 April - 31 March: "2025" means 2024-04-01..2025-03-31.

Used by retrieval filters (evidence within a period), drafting, the figures table and the coverage matrix.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    start: str  # ISO date, inclusive
    end: str  # ISO date, inclusive
    label: str = ""

    def __str__(self) -> str:
        return self.label or f"{self.start}..{self.end}"

    def contains(self, iso: str | None) -> bool:
        return bool(iso) and self.start <= iso[:10] <= self.end  # type: ignore[index]

    def to_json(self) -> list[str]:
        return [self.start, self.end]


def tip_period(report_year: int) -> Period:
    """The reporting period of the TIP Report of `report_year`."""
    return Period(f"{report_year - 1}-04-01", f"{report_year}-03-31", f"TIP {report_year}")


def period_of(iso: str | None) -> Period | None:
    """The TIP reporting period a date falls in (2024-05-01 -> TIP 2025)."""
    if not iso or not re.match(r"\d{4}-\d{2}", iso):
        return None
    year, month = int(iso[:4]), int(iso[5:7])
    return tip_period(year + 1 if month >= 4 else year)


def latest_complete(today: dt.date | None = None) -> Period:
    """The most recent reporting period that has ended (the default for drafting)."""
    today = today or dt.date.today()
    return tip_period(today.year if today.month >= 4 else today.year - 1)


def parse_period(text: str | None, today: dt.date | None = None) -> Period:
    """'2025' (TIP Report year), '2024-04-01..2025-03-31' or '2024-04-01:2025-03-31' (custom range);
    None or '' -> the latest complete period."""
    text = (text or "").strip()
    if not text:
        return latest_complete(today)
    if re.fullmatch(r"(?:TIP\s*)?\d{4}", text, re.I):
        return tip_period(int(text[-4:]))
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})\s*(?:\.\.|:|/|\s+to\s+)\s*(\d{4}-\d{2}-\d{2})", text)
    if m:
        start, end = m.groups()
        for d in (start, end):
            try:
                dt.date.fromisoformat(d)
            except ValueError as e:  # 2025-02-30, 2025-13-01
                raise ValueError(f"invalid period '{text}': {d}: {e}") from None
        if start > end:
            raise ValueError(f"period '{text}': start is after end")
        return Period(start, end)
    raise ValueError(f"invalid period '{text}' (use a TIP Report year such as 2025, or YYYY-MM-DD..YYYY-MM-DD)")
