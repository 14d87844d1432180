"""The one agency vocabulary (ingest/agencies.yaml, ingest/agencies.py) and the callers that build from it: ingest's
inference, the figures' attribution, the answer checks, the evidence check of written sentences, coverage, and the
request letters. Fast: no corpus, no embedder."""
from __future__ import annotations

import pytest

from gugus.ingest import agencies as A
from gugus.ingest.catalog import infer_meta


def test_table_loads_with_kinds_and_unique_names():
    table = A.load()
    names = [a.name for a in table]
    assert len(names) == len(set(names)) >= 20
    assert all(a.kind in A.KINDS for a in table)
    assert A.short_names()[:2] == ["Kemenko Polkam", "Kemenko Polhukam"]  # name, then its spellings
    assert {"Kemensos", "Polri", "Bareskrim", "KemenPPPA", "LPSK"} <= set(names)


@pytest.mark.parametrize("entries,error", [
    ([{"kind": "ministry"}], "needs a 'name'"),
    ([{"name": "X", "kind": "club"}], "kind must be one of"),
    ([{"name": "X", "kind": "agency", "colour": "red"}], "unknown field"),
    ([{"name": "X", "kind": "agency", "aliases": ["(unclosed"]}], "not a valid pattern"),
    ([{"name": "X", "kind": "agency"}, {"name": "Y", "kind": "agency", "variants": ["x"]}], "already"),
])
def test_malformed_table_is_a_clear_error(entries, error):
    with pytest.raises(A.AgencyTableError, match=error):
        A.parse(entries)


@pytest.mark.parametrize("text,expected", [
    ("Kementerian Sosial menangani korban", ["Kemensos"]),
    ("the Ministry of Social Affairs (MOSA) assisted victims", ["Kemensos"]),
    ("Bareskrim Polri menangkap tersangka", ["Bareskrim", "Polri"]),
    ("the Indonesian National Police and the Attorney General's Office", ["Polri", "Kejaksaan"]),
    ("Kemenlu dan Kemenaker", ["Kemlu", "Kemnaker"]),
    ("rapat Kemenko Polhukam", ["Kemenko Polkam"]),
    ("the Supreme Court and LPSK", ["Mahkamah Agung", "LPSK"]),
    ("tidak ada instansi", []),
])
def test_agencies_named(text, expected):
    assert A.agencies_named(text) == expected


def test_canonical_folds_spellings_and_variants_only():
    assert A.canonical("Kemenlu") == "Kemlu"
    assert A.canonical("kemen  pppa") == "KemenPPPA"
    assert A.canonical("Kemsos") == "Kemensos"
    assert A.canonical("Bareskrim") == "Bareskrim"  # its own entry (a unit of Polri, listed apart by the outlines)
    assert A.canonical("Dinas Sosial DIY") == "Dinas Sosial DIY"  # unknown: kept


def test_ingest_infers_short_names_as_written_in_table_order():
    m = infer_meta("news/x.txt", "Kemenlu bersama Polri dan Kemsos. Kementerian Sosial hadir.")
    assert m.agencies == ["Polri", "Kemenlu"]  # table order; Kemsos and long names are not inferred
    assert m.agency == "Polri"


def test_every_caller_agrees():
    from gugus.app.answering.constraints import constraints, passage_ok
    from gugus.app.answering.faithful import Evidence, check_agencies
    from gugus.app.figures.prose import extract

    # figures: attributed to the agency named nearest before the number
    f = extract("Bareskrim Polri telah menangani 20 kasus TPPO.", {"language": "id", "doc_type": "news"})
    assert [x.agency for x in f] == ["Polri"]
    f = extract("Kementerian Sosial telah menangani 4.320 korban.", {"language": "id", "doc_type": "news"})
    assert [x.agency for x in f] == ["Kemensos"]
    # answer checks: the question's agency, in either language, must be named in the passage
    c = constraints("How many victims did the Ministry of Social Affairs assist?")
    assert c.agencies == ["Kemensos"]
    assert passage_ok(c, "Kemensos menangani 4.320 korban.", {"language": "id"})
    assert not passage_ok(c, "Polri menangani 20 kasus.", {"language": "id"})
    assert constraints("Berapa kasus yang ditangani polisi?").agencies == []  # strict: common words are not names
    # written sentences: an agency the evidence does not name is flagged
    ev = Evidence(text="Kementerian Sosial menangani korban.", lang="id")
    assert check_agencies("Kemensos handled victims.", ev) == []
    assert check_agencies("Polri handled victims.", ev) == ["agency Polri is not in the evidence"]
    assert A.addressee("Kemensos") == "Menteri Sosial" and A.addressee("IOM") is None
