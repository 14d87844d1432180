"""The tuning groups of app/settings.py: one place for what were constructor defaults in five files, each settable as
GUGUS_<GROUP>__<FIELD>, and handed to the retriever, the extractive selection, the verifier and the drafter."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from gugus.app.settings import Settings


def test_defaults_are_the_measured_values():
    """Behaviour unchanged by the move: the defaults are the values the constructors had (bench/RESULTS.md)."""
    s = Settings()
    assert s.retrieval.model_dump() == {"ref_weight": 1.0, "def_weight": 3.0, "collapse_duplicates": True,
                                        "background_weight": 0.6, "answer_type_boost": 0.2, "language_boost": 0.5,
                                        "pool": 20}
    assert s.extractive.model_dump() == {"margin": 0.03, "max_sentences": 2, "lexical_weight": 0.25,
                                         "definition_bonus": 0.1, "list_bonus": 0.06, "cross_lingual_margin": 0.02,
                                         "reference_bonus": 0.05}
    assert s.drafting.model_dump() == {"per_query": 8, "max_passages": 6, "per_document": 2, "max_sentences": 4,
                                       "threshold": 0.80, "max_units": 16, "max_words": 90, "figure_bonus": 0.05}
    assert s.verification.model_dump() == {"lexical_min": 0.5, "embedding_min": 0.80, "check_numbers": True}


def test_nested_environment_variables(monkeypatch):
    monkeypatch.setenv("GUGUS_DRAFTING__MAX_SENTENCES", "5")
    monkeypatch.setenv("GUGUS_RETRIEVAL__POOL", "30")
    monkeypatch.setenv("GUGUS_VERIFICATION__CHECK_NUMBERS", "false")
    s = Settings()
    assert (s.drafting.max_sentences, s.retrieval.pool, s.verification.check_numbers) == (5, 30, False)
    assert s.drafting.per_query == 8  # the rest of the group keeps its defaults
    monkeypatch.setenv("GUGUS_DRAFTING__MAX_SENTENCES", "0")
    with pytest.raises(ValidationError, match="max_sentences"):
        Settings()


def test_the_container_hands_the_groups_to_the_features(tmp_path, monkeypatch):
    from gugus.app.container import Gugus
    from gugus.app.drafting.drafter import Drafter

    monkeypatch.setenv("GUGUS_RETRIEVAL__POOL", "31")
    monkeypatch.setenv("GUGUS_EXTRACTIVE__MAX_SENTENCES", "3")
    monkeypatch.setenv("GUGUS_VERIFICATION__LEXICAL_MIN", "0.7")
    monkeypatch.setenv("GUGUS_DRAFTING__PER_DOCUMENT", "1")
    g = Gugus(Settings(data_dir=tmp_path / "data"))
    try:
        assert g.retriever.pool == 31
        assert g.answerer.selector.max_sentences == 3 and g.generator.max_sentences == 3
        assert g.answerer.verifier.policy.lexical_min == 0.7
        assert Drafter(g).per_document == 1
    finally:
        g.close()
