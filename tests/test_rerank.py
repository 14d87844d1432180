"""The optional reranker (index/rerank.py): a rerank endpoint (a local fake server speaking the Jina/Cohere and TEI
formats) and a local sentence-transformers CrossEncoder directory (a tiny randomly initialised BERT written by the
test: no weights are downloaded), both reordering the real corpus's fused candidates; failures keep the fused order."""
from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from gugus.app.cli.main import cli
from gugus.index.rerank import CrossEncoderScorer, HttpScorer, RerankerError, make_scorer, rerank
from gugus.index.retriever import HybridRetriever

pytestmark = pytest.mark.slow

Q = "Apa hak korban atas restitusi?"


class FakeReranker:
    """POST /v1/rerank: scores 1.0 for documents containing `favour`, else 0.0, in the format asked for."""

    def __init__(self) -> None:
        self.favour, self.fmt, self.status = "", "jina", 200
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                fake.requests.append({"path": self.path, **body})
                fake.headers.append(dict(self.headers))
                scores = [1.0 if fake.favour in d else 0.0 for d in body.get("documents", [])]
                if fake.fmt == "jina":
                    data = {"results": sorted(({"index": i, "relevance_score": s} for i, s in enumerate(scores)),
                                              key=lambda r: -r["relevance_score"])}
                elif fake.fmt == "tei":
                    data = [{"index": i, "score": s} for i, s in enumerate(scores)]
                else:  # a reply missing passages
                    data = {"results": [{"index": 0, "relevance_score": 1.0}]}
                raw = json.dumps(data).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def fake():
    f = FakeReranker()
    yield f
    f.close()


def retriever(g, scorer, n: int = 20) -> HybridRetriever:
    return HybridRetriever(g.store, g.embedder, None, generation_fn=lambda: g.manifest.generation,
                           reranker=scorer, rerank_candidates=n)


def test_rerank_endpoint_reorders_the_fused_candidates(corpus_gugus, fake):
    plain = corpus_gugus.search(Q, top_k=20)
    fake.fmt, fake.status, fake.favour = "jina", 200, plain[11].text[:80]  # the 12th fused passage is the best
    MARK = fake.favour
    timings: dict[str, float] = {}
    got = retriever(corpus_gugus, HttpScorer(fake.url, "bge-reranker", api_key="s3cret")).search(Q, top_k=5,
                                                                                               timings=timings)
    assert MARK in got[0].text and got[0].rank == 1 and got[0].score == 1.0
    assert [h.rank for h in got] == [1, 2, 3, 4, 5] and "rerank_s" in timings
    req = fake.requests[-1]
    assert req["path"] == "/v1/rerank" and req["query"] == Q and req["model"] == "bge-reranker"
    assert len(req["documents"]) == 20 and fake.headers[-1]["Authorization"] == "Bearer s3cret"
    # the passages the reranker did not favour keep their fused order behind it
    rest = [h.id for h in plain if MARK not in h.text][:4]
    assert [h.id for h in got[1:]] == rest


def test_tei_response_format_is_read(corpus_gugus, fake):
    plain = corpus_gugus.search(Q, top_k=20)
    fake.fmt, fake.status, fake.favour = "tei", 200, plain[7].text[:80]
    got = retriever(corpus_gugus, HttpScorer(fake.url)).search(Q, top_k=3)
    assert got[0].id == plain[7].id


@pytest.mark.parametrize("fmt,status", [("jina", 500), ("partial", 200)])
def test_a_failing_reranker_keeps_the_fused_order(corpus_gugus, fake, caplog, fmt, status):
    fake.fmt, fake.status, fake.favour = fmt, status, "Restitusi"
    plain = [h.id for h in corpus_gugus.search(Q, top_k=5)]
    with caplog.at_level(logging.WARNING, logger="gugus.index.rerank"):
        got = retriever(corpus_gugus, HttpScorer(fake.url)).search(Q, top_k=5)
    assert [h.id for h in got] == plain
    assert "keeping the fused order" in caplog.text


def test_unreachable_endpoint_is_a_warning_not_an_error(corpus_gugus):
    got = retriever(corpus_gugus, HttpScorer("http://127.0.0.1:9/v1", timeout=2)).search(Q, top_k=3)
    assert len(got) == 3


def tiny_cross_encoder(d: Path) -> Path:
    """A 1-layer BERT sequence classifier with a word-level vocabulary, saved as a local model directory."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    words = sorted({w.lower().strip(".,?()") for w in (Q + " korban berhak memperoleh restitusi penjeratan utang "
                                                       "adalah perbuatan menempatkan orang").split()})
    d.mkdir(parents=True, exist_ok=True)
    (d / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + words) + "\n")
    tok = BertTokenizerFast(vocab_file=str(d / "vocab.txt"))
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=512, num_labels=1)
    BertForSequenceClassification(cfg).save_pretrained(d)
    tok.save_pretrained(d)
    return d


def test_local_cross_encoder_directory_scores_and_orders(tmp_path, corpus_gugus):
    scorer = make_scorer(f"st:{tiny_cross_encoder(tmp_path / 'tiny-reranker')}")
    assert isinstance(scorer, CrossEncoderScorer) and scorer.id == "st:tiny-reranker"
    hits = corpus_gugus.search(Q, top_k=8)
    s = scorer.scores(Q, [h.text for h in hits])
    assert len(s) == 8 and len(set(s)) > 1  # a real forward pass per pair
    ordered, scores = rerank(scorer, Q, hits)
    assert scores == sorted(scores, reverse=True) and {h.id for h in ordered} == {h.id for h in hits}
    got = retriever(corpus_gugus, scorer, n=8).search(Q, top_k=8)
    assert [h.id for h in got] == [h.id for h in ordered]


def test_reranker_specs_and_errors(tmp_path):
    assert make_scorer(None) is None and make_scorer("") is None and make_scorer("off") is None
    assert isinstance(make_scorer("http://127.0.0.1:8080/v1", "m"), HttpScorer)
    with pytest.raises(RerankerError, match="unknown reranker"):
        make_scorer("bge-reranker-v2-m3")
    with pytest.raises(RerankerError, match="not found"):
        make_scorer(f"st:{tmp_path / 'missing'}")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RerankerError, match="cannot load"):
        make_scorer(f"st:{tmp_path / 'empty'}")


def test_cli_names_a_misconfigured_reranker(tmp_path, monkeypatch):
    monkeypatch.setenv("GUGUS_RERANKER", f"st:{tmp_path / 'missing'}")
    r = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "data"), "search", "restitusi"])
    assert r.exit_code == 2 and "reranker model directory not found" in r.output
