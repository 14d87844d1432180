"""The real bundled model (Qwen2.5-Coder-1.5B, installed by `make install`) writing answers on the real corpus.

These tests load the model (about 3 s) and run it on 2 cores (a few seconds per rendering). They fail, not skip,
when the model is missing: `make test` installs it.
"""
from __future__ import annotations

import re

import pytest

from answer_helpers import writer_pipeline

pytestmark = [pytest.mark.slow, pytest.mark.llm]


@pytest.fixture(scope="module")
def local():
    from gugus.app.generators import LocalGenerator
    from gugus.app.generators.local_llm import find_model, load_model
    from gugus.app.settings import Settings

    s = Settings(_env_file=None)
    return LocalGenerator(load_model(find_model(s.models_dir, s.local_model), s.llm_threads, s.llm_ctx, 600))


def _unit(text: str, lang: str = "id", title: str = "UU 21/2007", section: str = ""):
    from gugus.app.records import Passage
    from gugus.app.answering.writer import Unit
    from gugus.index.retriever import Hit

    meta = {"title": title, "short_title": title, "section": section, "language": lang, "doc_id": "t", "path": "t.md"}
    return Unit(Passage(1, Hit("t:0", text, meta, 1.0)), [text])


def _writer(g, local, similarity_min: float | None = None):
    from gugus.app.answering.faithful import FaithfulnessChecker
    from gugus.app.answering.writer import Writer

    return Writer(local, FaithfulnessChecker(g.embedder, similarity_min if similarity_min is not None
                                             else g.settings.writer_similarity_min))


def test_the_model_is_the_llama_index_llm(corpus_gugus, local):
    from llama_index.core.llms import CustomLLM

    from gugus.app.generators.local_llm import llama_index_llm

    llm = llama_index_llm(local.llm)
    assert isinstance(llm, CustomLLM) and llm.metadata.model_name.startswith("Qwen2.5-Coder")
    out = llm.complete("Reply with the single word: siap")
    assert "siap" in out.text.lower()


def test_a_bound_is_kept(corpus_gugus, local):
    unit = _unit("Jika pelaku tidak mampu membayar restitusi, maka pelaku dikenai pidana kurungan pengganti paling "
                 "lama 1 (satu) tahun.", section="UU 21/2007 > BAB V > Pasal 50 ayat (4)")
    sents, removed, stats = _writer(corpus_gugus, local).render(
        "answer", "en", unit, question="If a convicted trafficker cannot pay restitution, what substitute penalty "
                                       "applies?")
    assert stats.calls == 1 and stats.prompt_tokens[0] > 0
    assert [s.kind for s in sents] == ["rendered"] * len(sents), [x.reason for x in removed]
    text = " ".join(s.text for s in sents).lower()
    assert re.search(r"\b(at most|up to|maximum|not more than|no more than)\b", text), text
    assert re.search(r"\b(1|one)\b", text) and "minimum" not in text and "at least" not in text
    assert all(s.cites == [1] for s in sents)


def test_a_magnitude_is_kept(corpus_gugus, local):
    unit = _unit("Pada tahun 2024 Kementerian Sosial menyalurkan bantuan bagi korban TPPO sebesar Rp11,4 miliar.",
                 title="Laporan Kemensos 2024")
    sents, removed, _ = _writer(corpus_gugus, local).render(
        "answer", "en", unit, question="How much assistance did the Ministry of Social Affairs provide to "
                                       "trafficking victims in 2024?")
    assert [s.kind for s in sents] == ["rendered"] * len(sents), [x.reason for x in removed]
    text = " ".join(s.text for s in sents)
    assert "billion" in text.lower() or "miliar" in text.lower(), text
    assert "million" not in text.lower()


def test_a_rendering_that_fails_its_check_is_replaced_by_the_quotation(corpus_gugus, local):
    # a real rendering judged against an impossible similarity bar: it must be quoted, not passed off as verified
    unit = _unit("Korban berhak memperoleh restitusi.", section="UU 21/2007 > BAB V > Pasal 48 ayat (1)")
    sents, removed, stats = _writer(corpus_gugus, local, similarity_min=0.999).render(
        "answer", "en", unit, question="Are trafficking victims entitled to restitution?")
    assert stats.calls == 1
    assert [s.kind for s in sents] == ["quoted"] and sents[0].text == "“Korban berhak memperoleh restitusi.”"
    assert removed and "replaced by the quoted evidence" in removed[0].reason and removed[0].text != "(empty)"


def test_an_english_question_over_indonesian_sources_is_answered_in_english(corpus_gugus, local):
    from gugus.ingest.catalog import detect_language

    pipe, _ = writer_pipeline(corpus_gugus, local, corpus_gugus.settings.writer_similarity_min)
    r = pipe.ask("How did the original 2006 witness and victim protection law define a 'victim'?")  # dev q007
    assert not r.abstained and r.citations
    assert r.citations[0].hit.meta["path"].endswith("uu_13_2006_perlindungan_saksi_korban.md")
    assert "Korban adalah seseorang yang mengalami penderitaan fisik, mental" in r.citations[0].text
    written = [s for s in r.sentences if s.kind == "rendered"]
    assert written, [x.reason for x in r.removed]
    assert all(detect_language(s.text) == "en" for s in written)
    assert r.generator == "local" and r.prompt == "write_answer_en.md"
    assert all(s.cites == [1] for s in r.sentences)


def test_a_bound_is_kept_on_the_real_corpus(corpus_gugus, local):
    pipe, _ = writer_pipeline(corpus_gugus, local, corpus_gugus.settings.writer_similarity_min)
    r = pipe.ask("What prison term does Article 2 of Law 21/2007 set for the basic trafficking offence?")  # dev q093
    assert not r.abstained and r.citations[0].hit.meta.get("pasal") == "Pasal 2"
    written = " ".join(s.text for s in r.sentences if s.kind == "rendered").lower()
    quoted = " ".join(s.text for s in r.sentences if s.kind == "quoted")
    if written:  # when written, the bounds are the law's: 3 to 15 years
        assert re.search(r"\b(at least|minimum of) (3|three)\b", written) and re.search(r"\b(15|fifteen)\b", written)
        assert not re.search(r"\b(at most|maximum of|up to) (3|three)\b", written)
    else:
        assert "paling singkat 3 (tiga) tahun" in quoted


def test_an_unanswerable_question_is_refused(corpus_gugus, local):
    pipe, _ = writer_pipeline(corpus_gugus, local, corpus_gugus.settings.writer_similarity_min)
    r = pipe.ask("Siapa nama anak bungsu Duta Besar Indonesia untuk Islandia?")
    assert r.abstained and not r.sentences and r.answer == "Tidak ditemukan dalam dokumen yang tersedia."
