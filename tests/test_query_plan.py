"""Query planning and fusion helpers without the corpus: definition questions, defined terms, near-duplicates,
reference masks, and the eval's same-document rule."""
from __future__ import annotations

from gugus.app.evaluation import is_hit, norm, same_document
from gugus.index.fusion import near_duplicate, ref_mask, rrf, shingles, where_matches
from gugus.index.keyword import KeywordIndex, analyze, defined_terms, term_key
from gugus.index.query import definition_focus, expand, plan_query
from gugus.index.retriever import Hit


def test_defined_terms_pasal1_and_penjelasan():
    assert defined_terms("15. Penjeratan Utang adalah perbuatan menempatkan orang ...") == ["Penjeratan Utang"]
    assert defined_terms("2. Pusat Pelayanan Terpadu, yang selanjutnya disingkat PPT, adalah suatu unit ...") == \
        ["Pusat Pelayanan Terpadu", "PPT"]
    assert defined_terms('Huruf b Yang dimaksud dengan “rumah aman” adalah tempat tinggal ...') == ["rumah aman"]
    assert defined_terms("(1) Setiap orang yang melakukan perekrutan ... dipidana") == []


def test_definition_focus_en_and_id():
    assert "penjeratan utang" in definition_focus("How does the 2007 anti-trafficking law define debt bondage?", "en")
    assert definition_focus("Apa yang dimaksud dengan eksploitasi menurut UU 21/2007?", "id")[0] == "eksploitasi"
    f = definition_focus("In the Yogyakarta 2025 regulation, what is a trauma centre (Pusat Trauma)?", "en")
    assert "Pusat Trauma" in f and "pusat trauma" in f
    # a long capture is not a term: no focus, so no definition list
    assert definition_focus("What are the three stages of protection for Indonesian migrant workers?", "en") in \
        ([], ["three stages", "tiga"])
    assert definition_focus("Berapa ancaman pidana bagi orang yang membocorkan identitas saksi?", "id") == []


def test_definitions_rank_specific_term_and_named_document_first():
    ki = KeywordIndex()
    passages = ["7. Eksploitasi adalah tindakan ...", "8. Eksploitasi Seksual adalah segala bentuk ...",
                "3. Korban adalah seseorang ...", "3. Korban adalah orang yang mengalami ..."]
    ki.build(["a", "b", "c", "d"], passages, 1, passages)
    assert ki.definitions(set(analyze("eksploitasi"))) == ["a"]
    assert ki.definitions(set(analyze("eksploitasi seksual")))[0] == "b"
    import numpy as np
    assert ki.definitions(set(analyze("korban")), prefer=np.array([False, False, False, True]))[0] == "d"
    assert term_key("Penjeratan Utang") == tuple(sorted(set(analyze("penjeratan utang"))))


def test_glossary_expansion_both_directions():
    assert "asas" in expand("On what principles is protection based?", "en")
    assert "principle" in expand("Apa saja asas perlindungan saksi?", "id")
    assert "pekerja migran Indonesia" in expand("Indonesian migrant workers abroad", "en")


def test_fusion_helpers():
    s = rrf([(["x", "y"], 1.0), (["y"], 2.0)], 60)
    assert s["y"] > s["x"]
    a = shingles("13. Restitusi adalah pembayaran ganti kerugian kepada Korban yang dibebankan kepada pelaku")
    b = shingles("13. Restitusi adalah pembayaran ganti kerugian kepada\nKorban yang dibebankan kepada pelaku")
    assert near_duplicate(a, b)
    assert not near_duplicate(a, shingles("Pelaku tindak pidana perdagangan orang kehilangan hak tagihnya"))
    ref = {"$and": [{"doc_type": "uu"}, {"number": "21"}, {"year": 2007}]}
    assert where_matches(ref, {"doc_type": "uu", "number": "21", "year": 2007})
    assert not where_matches(ref, {"doc_type": "uu", "number": "13", "year": 2006})
    assert ref_mask([ref], [{"doc_type": "uu", "number": "21", "year": 2007}, {}]).tolist() == [True, False]
    assert plan_query("Apa arti rumah aman dalam Perda DIY?").focus[0] == "rumah aman"


def test_eval_same_document_in_another_format_only():
    md = "laws/perda_diy_6_2025_pencegahan_penanganan_korban_perdagangan_orang.md"
    assert same_document(md.replace(".md", ".pdf"), md) and same_document(md, md)
    assert not same_document("laws/uu_21_2007_pemberantasan_tppo.md", md) and not same_document(None, md)
    ev = [(md, norm("Rumah Perlindungan Sosial adalah lembaga atau panti"))]
    assert is_hit(Hit("1", "14. Rumah Perlindungan Sosial adalah lembaga atau\npanti yang memberikan perlindungan awal",
                      {"path": md.replace(".md", ".pdf")}, 0.0), ev)
    assert not is_hit(Hit("2", "14. Rumah Perlindungan Sosial adalah lembaga atau panti",
                          {"path": "laws/pp_9_2008_pelayanan_terpadu_saksi_korban_tppo.md"}, 0.0), ev)


def test_laws_named_by_subject_are_references():
    from gugus.index.query import references

    uu21 = {"$and": [{"doc_type": "uu"}, {"number": "21"}, {"year": 2007}]}
    assert uu21 in references("What is restitution under the Indonesian anti-trafficking law?")
    assert uu21 in references("Apa sanksi pidana dalam UU TPPO?")
    both = references("Which provision of the LPSK law allows restitution requests?")
    assert [r["$and"][1]["number"] for r in both] == ["13", "31"]
    assert [r["$and"][1]["number"] for r in references("What did the 2014 witness protection law change?")] == ["31"]
    assert references("UU 18/2017 tentang pelindungan PMI") == [
        {"$and": [{"doc_type": "uu"}, {"number": "18"}, {"year": 2017}]}]  # a number wins over a name


def test_expected_answer_types():
    from gugus.index.query import answer_type

    assert answer_type("Within how many hours must staff report a victim?") == "duration:jam"
    assert answer_type("Berapa hari batas waktu LPSK memberikan keputusan?") == "duration:hari"
    assert answer_type("Berapa lama masa berlaku Rencana Aksi Daerah?") == "duration"
    assert answer_type("What prison term and fine does Law 21/2007 provide?") == "penalty"
    assert answer_type("Kapan Perpres 49/2023 ditetapkan?") == "date"
    assert answer_type("For how many consecutive years had prosecutions fallen?") is None  # an ordinal answers
    assert answer_type("Apa yang dimaksud dengan eksploitasi?") is None
    p = plan_query("Within how many hours must staff report a victim?")
    assert p.answers_type("paling lama 24 (dua puluh empat) jam sejak menerima saksi")
    assert not p.answers_type("paling lambat 7 (tujuh) hari sejak permohonan diajukan")
    assert plan_query("Kapan UU 21/2007 disahkan?").answers_type("Disahkan di Jakarta pada tanggal 19 April 2007")


def test_document_language_and_parenthesised_tip_year():
    from gugus.index.query import document_language, references

    assert document_language("According to the embassy's Indonesian translation of the 2023 TIP report, ...") == "id"
    assert document_language("Per the Indonesian-language version of the 2019 TIP report, what ...") == "id"
    assert document_language("Menurut versi bahasa Inggris laporan TIP 2023, ...") == "en"
    assert document_language("What did the 2023 TIP report say about Indonesian victims?") is None
    assert {"$and": [{"doc_type": "tip_report"}, {"year": 2024}]} in references(
        "How many victims, per the latest (2024) TIP excerpt?")
