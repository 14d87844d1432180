"""HTML pages saved from the web (news about coordination meetings, agency press releases), read with trafilatura.

trafilatura finds the article body and drops navigation, advertisements, share buttons and comment forms: the page
furniture that ingest/clean.py otherwise removes line by line from copied news text. The page's title becomes the
first heading, its publication date (from the page's metadata or text) a document date hint.

Per input kind (bench/news_clean.py, bench/RESULTS.md 2026-12-01): for a saved page trafilatura replaces the
hand-written removal of page furniture (those rules alone removed 14% of it, trafilatura 95%); the hand-written line
rules still run after it (ingest/parse.py -> clean_pages) and remove what trafilatura keeps inside the article
("Baca juga:" links: 95% -> 100%). Copied news text (.txt) keeps the hand-written rules only: without markup
trafilatura removes nothing. deduplicate stays off: trafilatura's duplicate filter remembers paragraphs across calls,
and the fourth reading of one page in a process (a re-ingest, or one press release carried by several sites) came
back empty.
"""
from __future__ import annotations

from dataclasses import dataclass

from .readers import MIN_TEXT_CHARS
from .types import IngestError


@dataclass
class HtmlPage:
    text: str
    title: str | None = None
    date: str | None = None  # ISO yyyy-mm-dd


def read_html(html: str) -> HtmlPage:
    import trafilatura

    try:
        body = trafilatura.extract(html, include_tables=True, include_comments=False, favor_precision=True,
                                   output_format="txt", deduplicate=False)
        meta = trafilatura.extract_metadata(html)
    except Exception as e:  # lxml errors on hostile markup
        raise IngestError(f"unreadable HTML: {type(e).__name__}: {e}") from None
    if not body or len(body.strip()) < MIN_TEXT_CHARS:
        raise IngestError("no article text found in the HTML page" + (f" (only '{body.strip()}')" if body else ""))
    title = (meta.title or "").strip() if meta is not None else ""
    date = (meta.date or "")[:10] if meta is not None and meta.date else None
    text = body.strip()
    if title and not text.startswith(title):
        text = f"# {title}\n\n{text}"
    return HtmlPage(text, title or None, date)
