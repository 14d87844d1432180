"""Saved-page HTML for the five corpus news items, with a hand-marked gold body for each (issue 11, news cleaning).

No raw HTML of the news items exists (corpus/news/*.txt and shared/corpus/news are the copied text), so each page
is built here: the item's own text inside a typical Indonesian news-site page (WordPress news themes and portal
layouts): menu, breaking-news ticker, "Baca juga:" links inside the article, "ADVERTISEMENT / SCROLL TO CONTINUE",
share buttons, tags, "Berita Terkait" and "Terpopuler" lists (with TPPO headlines, so that topic words do not give
them away), readers' comments, the comment form and the copyright footer. The page furniture is made up for the
fixture; the article text is the corpus item's, unchanged.

Gold, marked by hand per item from the corpus text:
- ``BOILERPLATE``: lines of the corpus text that are page furniture (ads, share/comment forms, read-also links,
  hashtags, "2 mins read", a headline printed twice);
- ``CREDIT``: byline and credit lines (Penulis, Editor, Sumber, Reporter, Photographer). They are neither body nor
  furniture: a cleaner may keep or drop them, and they count for neither side;
- the body: every other non-empty line.
The furniture this module adds around the article is boilerplate by construction.
"""
from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path

NEWS_DIR = Path(__file__).resolve().parent.parent / "corpus" / "news"

# (file, headline for the page's <h1> when the copied text has none). The two added headlines are the fixture's,
# written from the item's first sentence; they count as body.
ITEMS = [
    ("000_4d11e2c8062e24ef.txt", "Kemenko Polkam Gelar Rakor Lintas K/L Bahas Penyusunan TIP Report 2025"),
    ("001_4c1781c74cbe0346.txt", "Kemenko Polkam Finalisasi Rancangan Perpres Gugus Tugas TPPO di Depok"),
    ("002_d5ae5447535fc412.txt", None),
    ("003_c84d30f768671f4c.txt", None),
    ("004_4135faa560af1346.txt", None),
]

BOILERPLATE = {
    "002_d5ae5447535fc412.txt": ["- Iklan Google -", "Jasa Pembuatan Website Berita", "Jasa Website Jogja",
                                 "Baca Juga:\xa0 MMCC Dukung Polri Jaga Kamtibmas Melalui Media",
                                 "Bagikan Berita Ini", "Tinggalkan Ulasan",
                                 "Alamat email Anda tidak akan dipublikasikan. Ruas yang wajib ditandai *"],
    "003_c84d30f768671f4c.txt": ["2 mins read",
                                 "#AntiTPPO #Kemensos #BP2MI #JarnasAntiTPPO #TraffickingIndonesia #PerdaganganOrang "
                                 "#KorbanTPPO #PrabowoSubianto #SDMTangguh #PemulihanKorbanTPPO",
                                 "Tinggalkan Balasan",
                                 "Alamat email Anda tidak akan dipublikasikan. Ruas yang wajib ditandai *"],
    "004_4135faa560af1346.txt": ["Baca Juga"],
}
CREDIT = re.compile(r"^(Penulis|Editor|Sumber|Reporter|Photographer)\b", re.I)
# a headline printed a second time (003): the second copy is furniture
REPEATED_HEADLINE = {"003_c84d30f768671f4c.txt"}

TOKEN = re.compile(r"\w+", re.U)


def tokens(text: str) -> Counter:
    return Counter(t.lower() for t in TOKEN.findall(text))


def _lines(name: str) -> list[str]:
    return [l.strip() for l in (NEWS_DIR / name).read_text(encoding="utf-8").split("\n") if l.strip()]


def classify(name: str) -> list[tuple[str, str]]:
    """The corpus item's non-empty lines, each as (kind, line) with kind body | boilerplate | credit."""
    boiler = set(BOILERPLATE.get(name, []))
    out, seen_first = [], None
    for i, line in enumerate(_lines(name)):
        if line in boiler:
            out.append(("boilerplate", line))
        elif CREDIT.match(line):
            out.append(("credit", line))
        elif name in REPEATED_HEADLINE and i > 0 and line == seen_first:
            out.append(("boilerplate", line))
        else:
            out.append(("body", line))
        seen_first = seen_first or line
    return out


def gold(name: str, headline: bool = True) -> tuple[str, str]:
    """(gold body, credit lines) of an item, as text. With ``headline`` the body includes the saved page's
    headline where the fixture adds one (the copied text has none)."""
    head = dict(ITEMS)[name] if headline else None
    kinds = classify(name)
    body = ([head] if head else []) + [l for k, l in kinds if k == "body"]
    return "\n".join(body), "\n".join(l for k, l in kinds if k == "credit")


# --------------------------------------------------------------------------------------------- page furniture
MENU = ["Beranda", "Nasional", "Daerah", "Hukum & Kriminal", "Ekonomi", "Olahraga", "Hiburan", "Teknologi",
        "Gaya Hidup", "Internasional", "Indeks", "Video", "Foto"]
TICKER = ["Polda Jatim Gagalkan Pengiriman 12 Calon PMI Ilegal ke Malaysia",
          "Harga Cabai di Pasar Induk Naik Jelang Akhir Pekan"]
RELATED = ["Polri Bongkar Sindikat TPPO Modus Lowongan Kerja di Kamboja",
           "LPSK Catat Permohonan Restitusi Korban Perdagangan Orang Meningkat",
           "Kemenlu Pulangkan WNI Korban Online Scam dari Myanmar",
           "Bupati Ajak Warga Waspadai Calo Pekerja Migran Nonprosedural"]
POPULAR = ["Jadwal Pertandingan Timnas Indonesia di Kualifikasi Piala Dunia",
           "Ramalan Cuaca BMKG: Hujan Lebat di Sebagian Wilayah Jawa",
           "Cara Cek Penerima Bansos PKH Tahap Terbaru Lewat HP",
           "Satgas TPPO Amankan Dua Perekrut di Pelabuhan Tanjung Priok"]
COMMENTS = [("Budi S.", "Semoga koordinasinya benar-benar jalan sampai ke desa, jangan hanya rapat saja."),
            ("Rina", "Kasus di kampung kami belum ditangani sampai sekarang. Tolong diperhatikan pak."),
            ("Andi_87", "Mantap, berantas terus sindikat perdagangan orang!")]
SITE = "Warta Nusantara"


def _p(line: str) -> str:
    return f"<p>{html.escape(line)}</p>"


def _li(items: list[str], cls: str) -> str:
    return f'<ul class="{cls}">' + "".join(f'<li><a href="/berita/{i}">{html.escape(t)}</a></li>'
                                          for i, t in enumerate(items)) + "</ul>"


def _article_line(name: str, kind: str, line: str) -> str:
    """A corpus line as it would be marked up on the page."""
    if kind == "body":
        if re.match(r"^\d+\. ", line) or line.startswith("•"):
            return f"<ul><li>{html.escape(line.lstrip('• '))}</li></ul>"
        return _p(line)
    if kind == "credit":
        return f'<p class="credit"><strong>{html.escape(line)}</strong></p>'
    low = line.lower()
    if "iklan" in low or low.startswith("jasa"):
        return f'<div class="iklan-dalam-artikel"><a href="https://jasa.example/iklan">{html.escape(line)}</a></div>'
    if low.startswith("baca juga"):
        rest = line.split(":", 1)[1].strip() if ":" in line else ""
        return (f'<p class="baca-juga"><strong>Baca Juga:</strong> <a href="/berita/terkait">{html.escape(rest)}</a>'
                "</p>")
    if low.startswith("#"):
        return '<div class="tags">' + " ".join(f'<a href="/tag/{t[1:]}">{t}</a>' for t in line.split()) + "</div>"
    if "mins read" in low:
        return f'<span class="reading-time">{html.escape(line)}</span>'
    if low.startswith("bagikan"):
        return f'<div class="share"><span>{html.escape(line)}</span></div>'
    if low.startswith(("tinggalkan", "alamat email")):
        return ""  # the comment form is added after the article
    return f'<div class="widget">{html.escape(line)}</div>'  # a repeated headline


def saved_page(name: str) -> str:
    """The item as a news page saved from the browser ("Save page as ... HTML only")."""
    head = dict(ITEMS)[name]
    kinds = classify(name)
    if head is None:
        head = kinds[0][1]
        kinds = kinds[1:]
    body = [_article_line(name, k, l) for k, l in kinds]
    mid = max(2, len(body) // 2)
    inline_read_also = ('<p class="baca-juga"><strong>Baca juga:</strong> <a href="/berita/99">'
                        f"{html.escape(RELATED[0])}</a></p>")
    ad = ('<div class="ads-box"><span>ADVERTISEMENT</span><div id="div-gpt-ad-1"></div>'
          "<span>SCROLL TO CONTINUE WITH CONTENT</span></div>")
    body = body[:mid] + [inline_read_also, ad] + body[mid:]
    comments = "".join(
        f'<li class="comment"><div class="comment-author"><b>{html.escape(a)}</b> <span>2 hari lalu</span></div>'
        f"<p>{html.escape(c)}</p><a class=\"reply\">Balas</a></li>" for a, c in COMMENTS)
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>{html.escape(head)} - {SITE}</title>
<meta property="og:title" content="{html.escape(head)}"><meta property="og:site_name" content="{SITE}">
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}</script>
<style>.menu li{{display:inline}}</style></head>
<body class="single-post">
<header class="site-header"><div class="topbar"><a href="/login">Masuk</a> | <a href="/daftar">Daftar</a>
<span class="date">Selasa, 1 Desember 2026</span></div>
<div class="logo"><a href="/">{SITE}</a></div>
<nav class="menu">{_li(MENU, "menu")}</nav>
<div class="breaking"><b>BREAKING NEWS</b>{_li(TICKER, "ticker")}</div></header>
<div class="breadcrumb"><a href="/">Beranda</a> » <a href="/nasional">Nasional</a></div>
<main><article class="post">
<h1 class="entry-title">{html.escape(head)}</h1>
<div class="meta"><span class="author">Oleh Redaksi {SITE}</span> · <span class="views">1.204 kali dibaca</span></div>
<div class="entry-content">
{chr(10).join(b for b in body if b)}
</div>
<div class="share-buttons">Bagikan: <a>Facebook</a> <a>Twitter</a> <a>WhatsApp</a> <a>Telegram</a>
<a>Salin tautan</a></div>
<div class="post-tags">Tag: <a href="/tag/tppo">TPPO</a> <a href="/tag/gugus-tugas">Gugus Tugas</a></div>
</article>
<section class="related"><h3>Berita Terkait</h3>{_li(RELATED, "related-list")}</section>
<section class="comments"><h3>3 Komentar</h3><ol>{comments}</ol>
<div id="respond"><h3>Tinggalkan Balasan</h3><p>Alamat email Anda tidak akan dipublikasikan. Ruas yang wajib
ditandai *</p><form><label>Komentar *</label><textarea></textarea><label>Nama *</label><input>
<label>Email *</label><input><button>Kirim Komentar</button></form></div></section></main>
<aside class="sidebar"><h3>Terpopuler</h3>{_li(POPULAR, "popular")}
<div class="ads">Pasang iklan di {SITE}: hubungi iklan@wartanusantara.example</div></aside>
<footer><nav>{_li(["Redaksi", "Pedoman Media Siber", "Kode Etik", "Kontak", "Karir"], "footer-menu")}</nav>
<p>© 2026 {SITE}. All rights reserved. Dilarang mengambil sebagian atau seluruh isi tanpa izin.</p></footer>
<script>gtag('config', 'G-XXXX');</script></body></html>"""


def page_text(page: str) -> str:
    """What select-all and copy in a browser gives: every visible text, block elements on their own lines."""
    from lxml import html as lh

    root = lh.fromstring(page)
    for bad in root.xpath("//script|//style|//head"):
        bad.drop_tree()
    blocks = {"p", "div", "li", "h1", "h2", "h3", "ul", "ol", "nav", "header", "footer", "section", "article",
              "aside", "main", "form", "label", "tr", "br", "span"}
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in blocks:
            el.tail = "\n" + (el.tail or "")
    return re.sub(r"\n\s*\n+", "\n", root.text_content()).strip()


def score(out: str, name: str, page: str | None = None, headline: bool | None = None) -> dict[str, float]:
    """Token-level (bag of lower-cased words) precision, recall and F1 of ``out`` against the gold body, and the
    share of the input's boilerplate tokens removed (the saved ``page``, else the corpus text). Credit tokens are
    taken out of ``out`` first (neutral)."""
    body, credit = gold(name, headline=page is not None if headline is None else headline)
    g, c, o = tokens(body), tokens(credit), tokens(out)
    o = o - c
    hit = sum((o & g).values())
    p = hit / max(1, sum(o.values()))
    r = hit / max(1, sum(g.values()))
    source = page_text(page) if page is not None else (NEWS_DIR / name).read_text(encoding="utf-8")
    boiler = tokens(source) - g - c
    left = sum(((o - g) & boiler).values())
    total = sum(boiler.values())
    return {"hit": hit, "out": sum(o.values()), "gold": sum(g.values()), "precision": p, "recall": r, "f1": 2 * p * r / max(1e-9, p + r), "boiler_total": total,
            "boiler_left": left, "boiler_removed": 1 - left / total if total else 1.0}
