"""The question rules as data (index/question_rules.yaml, index/rules.py) and the switch that turns one off
(``with disabled([...])``, ``gugus eval answers|search --disable RULE``). Fast: no corpus, no embedder."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from gugus.index import rules as RR
from gugus.index.rules import RuleError, disabled, parse, rules

ROOT = Path(__file__).resolve().parents[1]


def test_every_rule_has_an_id_a_description_and_compiles():
    doc = yaml.safe_load(RR.RULES_FILE.read_text(encoding="utf-8"))
    assert len(doc["rules"]) == len(rules().ids) >= 30
    for e in doc["rules"]:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", e["id"]) and e["description"].strip(), e
        assert "\n" not in e["description"].strip(), f"{e['id']}: one line"
    for rid in rules().ids:
        r = rules().rule(rid)
        assert all(isinstance(p, re.Pattern) for p in r.patterns + tuple(r.evidence.values()))
        assert r.patterns or r.words or r.groups or rid in {"names", "agency", "counted_noun"}, rid


def test_every_rule_is_consulted_by_a_named_check():
    code = "".join((ROOT / f).read_text(encoding="utf-8") for f in
                   ("index/query.py", "app/answering/constraints.py", "app/answering/extractive.py"))
    unused = [rid for rid in rules().ids if f'"{rid}"' not in code and f"'{rid}'" not in code
              and not rid.startswith(("figure_", "answer_", "named_law_", "doc_language_"))]
    assert unused == []
    for prefix in ("figure_", "answer_", "named_law_", "doc_language_"):  # looked up by a composed id or a list
        assert f'"{prefix}' in code or f'f"{prefix}' in code or prefix.rstrip("_") in code, prefix


@pytest.mark.parametrize("doc,error", [
    ({"rules": [{"description": "x"}]}, "needs an 'id'"),
    ({"rules": [{"id": "a"}]}, "description"),
    ({"rules": [{"id": "a", "description": "x", "pattern": "(unclosed"}]}, "does not compile"),
    ({"rules": [{"id": "a", "description": "x", "pattern": "<<nope>>"}]}, "unknown fragment"),
    ({"rules": [{"id": "a", "description": "x"}, {"id": "a", "description": "y"}]}, "used twice"),
    ({"fragments": {}}, "rules:"),
])
def test_malformed_rule_file_is_a_clear_error(doc, error):
    with pytest.raises(RuleError, match=error):
        parse(doc)


def test_unknown_rule_is_a_clear_error():
    with pytest.raises(RuleError, match="unknown question rule.*nosuch.*rules: agency"):
        with disabled(["nosuch"]):
            pass
    with pytest.raises(RuleError, match="unknown question rule 'nosuch'"):
        rules().on("nosuch")


@pytest.mark.parametrize("command", [["eval", "answers"], ["eval", "search"]])
def test_cli_disable_unknown_rule_exits_2_naming_it(command, tmp_path):
    from gugus.app.cli import cli

    qa = tmp_path / "qa.jsonl"
    qa.write_text('{"id": "q1", "question": "Apa itu TPPO?", "source": "x.md", "evidence": ["x"]}\n')
    res = CliRunner().invoke(cli, command + [str(qa), "--disable", "year", "--disable", "nosuch"],
                             env={"GUGUS_DATA_DIR": str(tmp_path / "data")})
    assert res.exit_code == 2
    assert "--disable" in res.output and "nosuch" in res.output and "year" in res.output
    assert not (tmp_path / "data").exists()  # refused before anything is opened


def test_disabled_is_scoped_and_nests():
    assert rules().on("year")
    with disabled(["year"]):
        assert not rules().on("year") and rules().on("quantity")
        with disabled(["quantity"]):
            assert not rules().on("year") and not rules().on("quantity")
        assert rules().on("quantity")
    assert rules().on("year") and RR.disabled_now() == frozenset()


def test_disabling_a_rule_changes_its_check():
    from gugus.app.answering.constraints import constraints, passage_ok, sentence_ok
    from gugus.index.query import answer_type, document_language, plan_query, references

    q = "Berapa korban TPPO yang ditangani pada tahun 2023?"
    meta = {"language": "id", "year": 2021}
    assert constraints(q).years == ["2023"] and not passage_ok(constraints(q), "Korban 2021.", meta)
    with disabled(["year"]):
        assert constraints(q).years == [] and passage_ok(constraints(q), "Korban 2021.", meta)

    s = "Korban ditangani oleh Kemensos."  # no number
    assert not sentence_ok(constraints(q), s, {"language": "id"})
    with disabled(["quantity"]):
        assert sentence_ok(constraints(q), s, {"language": "id"})

    q = "Kapan Perpres 49/2023 ditetapkan?"
    assert answer_type(q) == "date" and not sentence_ok(constraints(q), "Perpres ini berlaku.", {"language": "id"})
    with disabled(["answer_date"]):
        assert answer_type(q) is None and sentence_ok(constraints(q), "Perpres ini berlaku.", {"language": "id"})
        assert not plan_query(q).answers_type("pada tanggal 10 Agustus 2023")

    uu21 = {"$and": [{"doc_type": "uu"}, {"number": "21"}, {"year": 2007}]}
    q = "What is exploitation under the anti-trafficking law?"
    assert uu21 in references(q)
    with disabled(["named_law_tppo"]):
        assert uu21 not in references(q)

    q = "Siapa nama Kapolda DIY saat ini?"
    assert constraints(q).person and not sentence_ok(constraints(q), "Kapolda DIY hadir.", {"language": "id"})
    with disabled(["person"]):
        assert sentence_ok(constraints(q), "Kapolda DIY hadir.", {"language": "id"})

    q = "According to the embassy's Indonesian translation of the 2023 TIP report, what ...?"
    assert document_language(q) == "id"
    with disabled(["doc_language_id"]):
        assert document_language(q) is None

    q = "Who chaired the meeting with IOM?"
    assert constraints(q).names == ["IOM"]
    with disabled(["names"]):
        assert constraints(q).names == []
    assert constraints("What happened in January?").names == []  # a month is not a name
    with disabled(["not_names"]):
        assert "Who" not in constraints(q).names  # the first word is never a name; "IOM" still is
        assert constraints("What happened in January?").names == ["January"]

    q = "How many victims did the Ministry of Social Affairs assist?"
    assert constraints(q).agencies == ["Kemensos"] and constraints(q).figure_counted == {"korban"}
    with disabled(["agency", "counted_noun"]):
        assert constraints(q).agencies == [] and constraints(q).figure_counted == set()


def test_list_question_rule_switches_the_list_bonus():
    from gugus.index.rules import rules as current

    assert current().search("list_question", "Apa saja bentuk eksploitasi?")
    with disabled(["list_question"]):
        assert current().search("list_question", "Apa saja bentuk eksploitasi?") is None
