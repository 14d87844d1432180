"""TIP Report structure (ingest/tip_structure.py) and the recommendations tracker (app/cycle/recommendations.py) on the
2018 excerpt, which keeps three recommendations. Evidence: real corpus news and one clearly synthetic meeting note
written here (never in corpus/)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from helpers import CORPUS, copy_corpus

from gugus.app.cli.main import cli
from gugus.app.cycle.recommendations import agencies_for, key_terms, track
from gugus.index.period import tip_period
from gugus.ingest.catalog import load_catalog
from gugus.ingest.parse import parse_file
from gugus.ingest.tip_structure import split_recommendations

TIP18 = "tip_report/tip2018_ecoi_indonesia_01_intro_recommendations.txt"
NEWS_POLRI = "news/002_d5ae5447535fc412.txt"  # Polri rakor, 4 June 2025 (TIP 2026 period)
SYNTH_NOTE = {"notulen/rapat_rekomendasi_2025.md": (
    "# Notulen rapat tindak lanjut rekomendasi TIP (DATA UJI SINTETIS)\n\n"
    "Rapat Gugus Tugas pada 12 Agustus 2025 membahas rancangan perubahan Undang-Undang Nomor 21 Tahun 2007. "
    "Kemenkumham menyampaikan bahwa rancangan perubahan menghapus syarat unsur kekerasan, penipuan, atau pemaksaan "
    "untuk tindak pidana perdagangan orang dengan korban anak untuk tujuan eksploitasi seksual.\n")}


def test_2018_excerpt_keeps_three_recommendations_as_passages():
    doc = parse_file(CORPUS / TIP18, TIP18, load_catalog(CORPUS))
    recs = [c for c in doc.chunks if c.kind == "recommendation"]
    assert [c.section for c in recs] == [f"TIP 2018 (Intro + Recommendations) > RECOMMENDATIONS FOR INDONESIA > {n}"
                                         for n in (1, 2, 3)]
    assert recs[0].text.startswith("Investigate, prosecute, and convict corrupt public officials")
    assert recs[1].text.startswith("amend the 2007 law to remove the required demonstration of force")
    assert recs[2].text.startswith("increase efforts to effectively monitor labor recruitment agencies")
    prose = [c for c in doc.chunks if c.kind == "prose"]
    assert prose and not any("RECOMMENDATIONS" in c.text or "Amend the 2007" in c.text for c in prose)
    assert [c.ordinal for c in doc.chunks] == list(range(len(doc.chunks)))
    # a TIP excerpt without a recommendations heading is chunked as before (prose only)
    other = "tip_report/tip2019_state_gov_indonesia_02_protection.txt"
    assert {c.kind for c in parse_file(CORPUS / other, other, load_catalog(CORPUS)).chunks} == {"prose"}


def test_split_recommendations_bullets_and_semicolons():
    assert split_recommendations("Vigorously investigate cases; train officials;\nincrease shelters.") == [
        "Vigorously investigate cases", "train officials", "increase shelters."]
    assert split_recommendations("* Increase investigations.\n* Train judges.\n* Fund shelters.") == [
        "Increase investigations.", "Train judges.", "Fund shelters."]


def test_key_terms_and_agencies():
    words = [t.word for t in key_terms("Increase efforts to effectively monitor labor recruitment agencies")]
    assert words == ["monitor", "labor", "recruitment", "agencies"]
    assert agencies_for("Amend the 2007 law") == ["Kemenkumham", "Kejaksaan"]
    assert agencies_for("Increase shelters for child victims") == ["KemenPPPA", "Kemensos"]


@pytest.fixture(scope="module")
def rec_env(tmp_path_factory):
    from gugus.app.container import Gugus
    from gugus.app.settings import Settings

    base = tmp_path_factory.mktemp("recs")
    root = copy_corpus(base / "c", TIP18, NEWS_POLRI, extra=SYNTH_NOTE)
    g = Gugus(Settings(data_dir=base / "data"))
    assert not g.ingest([root]).failed
    yield g
    g.close()


def test_statuses_on_the_2018_list(rec_env):
    t = track(rec_env, None, tip_period(2026))
    assert t.report["path"] == TIP18
    got = [(r.n, r.status) for r in t.recommendations]
    assert got == [(1, "partial"), (2, "addressed"), (3, "no_evidence")]
    r1, r2, r3 = t.recommendations
    assert r2.citations[0].hit.meta["path"] == "notulen/rapat_rekomendasi_2025.md"
    assert {"amend", "2007", "force", "fraud", "coercion", "child"} <= set(r2.citations[0].terms)
    assert r1.citations and r1.citations[0].hit.meta["path"] == NEWS_POLRI
    assert r3.citations == []
    assert r1.agencies == ["Polri", "Kejaksaan", "Mahkamah Agung"] and "Kemenkumham" in r2.agencies
    # the evidence is what is dated inside the period: the 2025 period has none of it
    assert [r.status for r in track(rec_env, None, tip_period(2025)).recommendations] == ["no_evidence"] * 3


def test_stricter_thresholds_are_settings(rec_env, monkeypatch):
    monkeypatch.setattr(rec_env.settings, "rec_partial", 0.5)
    assert [r.status for r in track(rec_env, None, tip_period(2026)).recommendations] == [
        "no_evidence", "addressed", "no_evidence"]


def test_recommendations_cli_json_contract(rec_env):
    data = str(rec_env.settings.data_dir)
    r = CliRunner().invoke(cli, ["--data-dir", data, "recommendations", "--period", "2026", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["report"]["path"] == TIP18 and {"path", "title", "doc_type", "page", "section"} <= set(d["report"])
    assert [x["n"] for x in d["recommendations"]] == [1, 2, 3]
    for x in d["recommendations"]:
        assert {"n", "text", "status", "agencies", "citations"} <= set(x)
        assert x["status"] in ("addressed", "partial", "no_evidence")
        for c in x["citations"]:
            assert {"path", "title", "doc_type", "page", "section"} <= set(c["source"])
    r = CliRunner().invoke(cli, ["--data-dir", data, "recommendations", "--report", "TIP 2018 (Intro + Recommendations)",
                                 "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["report"]["path"] == TIP18
    r = CliRunner().invoke(cli, ["--data-dir", data, "recommendations", "--period", "2026"])
    assert r.exit_code == 0, r.output
    assert "2. addressed" in r.output and "notulen/rapat_rekomendasi_2025.md" in r.output
    r = CliRunner().invoke(cli, ["--data-dir", data, "recommendations", "--report", "TIP 1999"])
    assert r.exit_code == 1 and "no TIP Report 'TIP 1999'" in r.output


@pytest.mark.slow
def test_real_corpus_default_report_and_period_evidence(corpus_gugus):
    t = track(corpus_gugus, None, tip_period(2026))
    assert t.report["path"] == TIP18 and len(t.recommendations) == 3
    for r in t.recommendations:
        assert r.status in ("addressed", "partial", "no_evidence")
        for c in r.citations:
            assert c.hit.meta["doc_type"] != "tip_report"
            assert "2025-04-01" <= c.hit.meta["date"] <= "2026-03-31"


def test_prioritized_recommendations_draft_follows_the_tracker(rec_env):
    """Drafting's Prioritized Recommendations section is the tracker's list: one paragraph per recommendation with
    evidence in the period, titled with its status, citing non-TIP evidence; a recommendation without evidence is a
    gap asking its responsible agencies. Regenerating one of them keeps the tracked outline."""
    from gugus.app.drafting.drafter import Drafter

    period = tip_period(2026)
    t = track(rec_env, None, period)
    drafter = Drafter(rec_env)
    d = drafter.draft("prioritized_recommendations", period, "en")
    paras = {p.subtopic: p for p in d.paragraphs}
    gaps = {g.subtopic: g for g in d.gaps}
    assert set(paras) | set(gaps) == {f"recommendation_{r.n}" for r in t.recommendations}
    for r in t.recommendations:
        sid = f"recommendation_{r.n}"
        if r.status == "no_evidence":
            assert sid in gaps and gaps[sid].agencies == r.agencies
            assert "no evidence in the period" in gaps[sid].title
        else:
            assert sid in paras, (sid, r.status)
            assert ("partly addressed" if r.status == "partial" else "(addressed)") in paras[sid].title
    assert "recommendation_2" in paras and "recommendation_3" in gaps  # the statuses of the 2018 list above
    cited = [d.references[n - 1].hit.meta for p in d.paragraphs for n in p.citations]
    assert cited and all(m["doc_type"] != "tip_report" for m in cited)
    assert any(m["path"] == "notulen/rapat_rekomendasi_2025.md" for m in cited)
    again = drafter.regenerate(d, "recommendation_2")
    assert [p.subtopic for p in again.paragraphs] and not any(p.subtopic == "earlier_recommendations"
                                                             for p in again.paragraphs)
