"""The filter predicate three ways (index/retriever.py Filters, index/access.py AccessScope): the Chroma `where`
clause, `matches` on one chunk's metadata and the vectorised `mask` over the keyword index's metadata columns must
select the same chunks. Over a hand-made set of chunk metadata (the shape index/store.chunk_metadata writes: None
values and empty lists omitted), with an embedded Chroma collection (fake embeddings) evaluating `where`."""
from __future__ import annotations

import uuid

import numpy as np
import pytest

from gugus.index.access import AccessScope
from gugus.index.period import tip_period
from gugus.index.retriever import Filters, MetaColumns


def chunk(doc_type, language, date, agencies=(), access="public", access_agencies=()):
    m = {"doc_type": doc_type, "language": language, "date_int": int(date.replace("-", "")) if date else 0,
         "access": access}
    if date:
        m["date"] = date
    if agencies:
        m["agencies"] = list(agencies)
    if access_agencies:
        m["access_agencies"] = list(access_agencies)
    return m


CHUNKS = {
    "uu2007": chunk("uu", "id", "2007-04-19", ["DPR RI dan Presiden RI"]),
    "perpres2023": chunk("perpres", "id", "2023-10-04", ["Presiden RI"]),
    "perda2025": chunk("perda", "id", "2025-02-10", ["Pemerintah Daerah DIY"]),
    "tip2019": chunk("tip_report", "en", "2019-06-20", ["U.S. Department of State"]),
    "tip2025": chunk("tip_report", "en", "2025-06-24", ["U.S. Department of State"]),
    "meet_kemensos": chunk("meeting_report", "id", "2025-07-27", ["Kemensos", "KemenPPPA"]),
    "meet_polri": chunk("meeting_report", "id", "2025-06-04", ["Polri"]),
    "meet_polri_en": chunk("meeting_report", "en", "2024-11-30", ["Polri", "Kemlu"]),
    "sub_internal": chunk("agency_submission", "id", "2024-12-15", ["Kemensos"], access="internal"),
    "sub_restricted_kemensos": chunk("agency_submission", "id", "2025-01-20", ["Kemensos"], access="restricted",
                                     access_agencies=["Kemensos"]),
    "sub_restricted_two": chunk("agency_submission", "en", "2025-03-31", ["Polri"], access="restricted",
                                access_agencies=["Polri", "Kejaksaan"]),
    "restricted_nobody": chunk("agency_submission", "id", "2024-04-01", access="restricted"),
    "undated_other": chunk("other", "id", None),
    "undated_perkada": chunk("perkada", "id", None, ["Pemerintah Kota Surabaya"]),
    "odd_level": chunk("other", "en", "2024-08-08", ["Kemlu"], access="secret"),
}
IDS = list(CHUNKS)
ALL = set(IDS)
P2025 = tip_period(2025)  # 2024-04-01 .. 2025-03-31

# (filters, the chunks they must select): the expectation is written out, so the three predicates cannot all be
# wrong the same way
CASES = {
    "none": (Filters(), ALL),
    "doc_type": (Filters(doc_types=["meeting_report"]), {"meet_kemensos", "meet_polri", "meet_polri_en"}),
    "doc_types": (Filters(doc_types=["uu", "perda"]), {"uu2007", "perda2025"}),
    "language": (Filters(languages=["en"]), {"tip2019", "tip2025", "meet_polri_en", "sub_restricted_two",
                                             "odd_level"}),
    "agency": (Filters(agencies=["Kemensos"]), {"meet_kemensos", "sub_internal", "sub_restricted_kemensos"}),
    "agencies": (Filters(agencies=["KemenPPPA", "Kemlu"]), {"meet_kemensos", "meet_polri_en", "odd_level"}),
    "date_from": (Filters(date_from="2025-06-04"), {"tip2025", "meet_kemensos", "meet_polri"}),
    "date_to": (Filters(date_to="2007-12-31"), {"uu2007", "undated_other", "undated_perkada"}),  # undated = 0
    "date_range": (Filters(date_from="2025-01-20", date_to="2025-03-31"),
                   {"perda2025", "sub_restricted_kemensos", "sub_restricted_two"}),
    "date_month": (Filters(date_from="2025-06", date_to="2025-06-04"), {"meet_polri"}),  # partial ISO dates pad
    # a period: documents dated inside it, plus regulations enacted by its end (undated ones too: in force)
    "period": (Filters(period=P2025), {"uu2007", "perpres2023", "perda2025", "meet_polri_en", "sub_internal",
                                       "sub_restricted_kemensos", "sub_restricted_two", "restricted_nobody",
                                       "undated_perkada", "odd_level"}),
    "access_everything": (Filters(access=AccessScope.everything()), ALL),
    "access_public": (Filters(access=AccessScope.public_only()),
                      ALL - {"sub_internal", "sub_restricted_kemensos", "sub_restricted_two", "restricted_nobody",
                             "odd_level"}),
    "access_open": (Filters(access=AccessScope()),
                    ALL - {"sub_restricted_kemensos", "sub_restricted_two", "restricted_nobody", "odd_level"}),
    "access_kemensos": (Filters(access=AccessScope(agencies=("Kemensos",))),
                        ALL - {"sub_restricted_two", "restricted_nobody", "odd_level"}),
    "access_two_agencies": (Filters(access=AccessScope(levels=("public",), agencies=("Kejaksaan", "Kemensos"))),
                            ALL - {"sub_internal", "restricted_nobody", "odd_level"}),
    "access_restricted_only": (Filters(access=AccessScope(levels=(), agencies=("Polri",))), {"sub_restricted_two"}),
    "access_nothing": (Filters(access=AccessScope(levels=(), agencies=())), set()),
    "access_from_dict": (Filters(access={"levels": ["public"], "agencies": ["Polri"]}),
                         ALL - {"sub_internal", "sub_restricted_kemensos", "restricted_nobody", "odd_level"}),
    "combined": (Filters(doc_types=["agency_submission", "meeting_report"], languages=["id"], agencies=["Kemensos"],
                         period=P2025, access=AccessScope(levels=("public",), agencies=("Kemensos",))),
                 {"sub_restricted_kemensos"}),
    "combined_en": (Filters(languages=["en"], date_from="2024-06-01", agencies=["Polri", "Kemlu"],
                            access=AccessScope()), {"meet_polri_en"}),
}


@pytest.fixture(scope="module")
def collection():
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True))
    col = client.create_collection(f"filters_{uuid.uuid4().hex[:8]}", metadata={"hnsw:space": "cosine"})
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(len(IDS), 8)).astype(np.float32)
    col.add(ids=IDS, embeddings=vecs.tolist(), metadatas=[CHUNKS[i] for i in IDS], documents=IDS)
    yield col
    client.delete_collection(col.name)


def by_where(col, f: Filters) -> set[str]:
    w = f.where()
    return set(col.get(where=w)["ids"]) if w is not None else set(col.get()["ids"])


def by_matches(f: Filters) -> set[str]:
    return {i for i in IDS if f.matches(CHUNKS[i])}


def by_mask(f: Filters) -> set[str]:
    m = f.mask(MetaColumns([CHUNKS[i] for i in IDS]))
    assert m.dtype == bool and m.shape == (len(IDS),)
    return {i for i, keep in zip(IDS, m) if keep}


@pytest.mark.parametrize("name", list(CASES))
def test_where_matches_and_mask_select_the_same_chunks(collection, name):
    f, expected = CASES[name]
    assert by_matches(f) == expected, "matches"
    assert by_mask(f) == expected, "mask"
    assert by_where(collection, f) == expected, f"where {f.where()}"


def test_the_cases_cover_the_metadata():
    """Every filter field and every access level is exercised, and most cases select a proper subset."""
    assert {m["doc_type"] for m in CHUNKS.values()} >= {"uu", "perpres", "perda", "perkada", "tip_report",
                                                        "meeting_report", "agency_submission", "other"}
    assert {m["access"] for m in CHUNKS.values()} == {"public", "internal", "restricted", "secret"}
    proper = [n for n, (_, exp) in CASES.items() if exp and exp != ALL]
    assert len(proper) >= len(CASES) - 4


def test_empty_filters_have_no_where_clause():
    assert Filters().where() is None and Filters().is_empty()
    assert Filters(access=AccessScope.everything()).where() is None
    assert not Filters(languages=["id"]).is_empty()


def test_access_scope_predicates_agree_alone():
    cols = MetaColumns([CHUNKS[i] for i in IDS])
    for scope in (AccessScope(), AccessScope.public_only(), AccessScope(agencies=("Polri",)),
                  AccessScope(levels=(), agencies=())):
        assert [scope.matches(CHUNKS[i]) for i in IDS] == scope.mask(cols).tolist()
    assert AccessScope(agencies=("Kemensos",)).allows_doc("restricted", ["Kemensos"])
    assert not AccessScope(agencies=("Kemensos",)).allows_doc("restricted", None)
    assert AccessScope.public_only().allows_doc(None, None)  # an unset level is public
