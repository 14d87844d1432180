"""News cleaning per input kind (issue 11): saved news pages go through trafilatura and then the hand-written line
rules; copied news text through the hand-written rules only. Scored against the hand-marked gold bodies of the five
corpus news items (tests/news_fixtures.py; the table is in bench/RESULTS.md, bench/news_clean.py)."""
from __future__ import annotations

import pytest
from news_fixtures import ITEMS, NEWS_DIR, page_text, saved_page, score

from gugus.ingest.clean import clean_text
from gugus.ingest.html import read_html
from gugus.ingest.parse import parse_file

NAMES = [n for n, _ in ITEMS]


@pytest.mark.parametrize("name", NAMES)
def test_saved_news_page_keeps_the_article_and_drops_the_furniture(tmp_path, name):
    page = saved_page(name)
    p = tmp_path / (name[:-4] + ".html")
    p.write_text(page, encoding="utf-8")
    doc = parse_file(p, p.name, {})
    text = "\n".join(p.text for p in doc.pages)  # the cleaned text the passages are cut from (headline included)
    s = score(text, name, page)
    assert s["recall"] >= 0.99, s
    assert s["boiler_removed"] >= 0.99, s
    for furniture in ("Baca juga", "Terpopuler", "Pedoman Media Siber", "Balas", "Kirim Komentar", "SCROLL TO",
                      "Salin tautan", "Semoga koordinasinya"):
        assert not any(furniture.lower() in c.text.lower() for c in doc.chunks), furniture
    # the fixture is a real test: the hand-written rules alone leave most of the page furniture in
    assert score(clean_text(page_text(page)), name, page)["boiler_removed"] < 0.5


def test_the_same_page_read_again_in_one_process_keeps_its_text():
    """trafilatura's deduplicate=True remembers paragraphs across calls: the fourth reading of one page (a re-ingest,
    or one press release carried by several sites) came back as 'no article text found'."""
    page = saved_page(NAMES[1])
    texts = [read_html(page).text for _ in range(6)]
    assert len(set(texts)) == 1 and "hemat struktur namun kaya fungsi" in texts[0]


@pytest.mark.parametrize("name", NAMES)
def test_copied_news_text_keeps_the_hand_written_rules(name):
    raw = (NEWS_DIR / name).read_text(encoding="utf-8")
    s = score(clean_text(raw), name)
    assert s["recall"] == 1.0 and s["boiler_removed"] == 1.0, s
