"""What a question asks for, and whether an evidence sentence can answer it (no corpus needed)."""
from __future__ import annotations

import pytest

from gugus.app.answering.constraints import constraints, passage_ok, sentence_ok

ID = {"language": "id", "doc_type": "meeting_report"}
EN = {"language": "en", "doc_type": "tip_report"}


@pytest.mark.parametrize("question, units, counted", [
    ("What is the 2025 budget allocated to the Gugus Tugas PP TPPO?", {"rupiah", "USD"}, set()),
    ("Berapa ancaman pidana penjara dan denda bagi pelaku pengiriman anak ke luar negeri?",
     {"tahun", "bulan", "rupiah"}, set()),
    ("Berapa jumlah korban TPPO yang ditangani Polres Kolaka sepanjang tahun 2025?", set(), {"korban"}),
    ("How many trafficking victims did the Ministry of Social Affairs handle?", set(), {"korban"}),
    # not figures of that kind: a duration, a factor, the source of money, a count named elsewhere in the question
    ("Within how many hours must service centre staff report a victim they are treating?", set(), set()),
    ("Korporasi pelaku TPPO dikenai denda berapa kali lipat?", set(), set()),
    ("What are the funding sources for implementing the national action plan?", set(), set()),
    ("Menurut TIP Report 2021, sudah berapa tahun berturut-turut anggaran kantor koordinasi tidak naik?", set(), set()),
    ("Menurut UU TPPO, sampai usia berapa seseorang masih dianggap anak?", set(), set()),
])
def test_asked_figure(question, units, counted):
    c = constraints(question)
    assert c.figure_units == units
    if counted:
        assert counted <= c.figure_counted
    else:
        assert not c.figure_counted


def test_convictions_accept_related_counts():
    c = constraints("How many traffickers did Indonesian courts convict during the 2023 reporting period?")
    assert {"pelaku", "terpidana", "putusan", "kasus"} <= c.figure_counted
    assert sentence_ok(c, "The government reported convicting 42 traffickers in 2023.", EN)
    assert not sentence_ok(c, "The government reported identifying 42 victims in 2023.", EN)


def test_a_sentence_must_state_the_figure_asked_for():
    victims = constraints("Berapa jumlah korban TPPO yang ditangani Kemensos?")
    assert sentence_ok(victims, "Kemensos telah menangani 4.320 korban melalui 31 sentra layanan.", ID)
    # a number, but not a number of victims (a year, a count of service centres)
    assert not sentence_ok(victims, "Pada tahun 2025 Kemensos membuka 31 sentra layanan bagi korban.", ID)
    budget = constraints("What is the 2025 budget allocated to the Gugus Tugas PP TPPO?")
    assert not sentence_ok(budget, "The task force met 12 times in 2025 to coordinate 34 provinces.", EN)
    assert sentence_ok(budget, "The government allocated Rp 5.000.000.000 to the task force secretariat.", ID)
    prison = constraints("What prison term does Law 21/2007 set for trafficking?")
    assert sentence_ok(prison, "Setiap orang yang melakukan perekrutan dipidana dengan pidana penjara paling singkat "
                               "3 (tiga) tahun dan paling lama 15 (lima belas) tahun.", {"language": "id", "doc_type": "uu"})
    assert not sentence_ok(prison, "Undang-Undang Nomor 21 Tahun 2007 mulai berlaku pada tanggal diundangkan.",
                           {"language": "id", "doc_type": "uu"})


def test_plain_quantity_questions_still_need_a_number():
    c = constraints("Berapa lama masa berlaku Rencana Aksi Daerah?")
    assert c.quantity and not c.figure_units and not c.figure_counted
    assert sentence_ok(c, "Rencana Aksi Daerah berlaku untuk jangka waktu 5 (lima) tahun.")
    assert not sentence_ok(c, "Rencana Aksi Daerah ditetapkan dengan Peraturan Gubernur.")


def test_names_years_and_pasal_must_be_in_the_passage():
    c = constraints("Berapa jumlah korban TPPO yang ditangani Polres Kolaka sepanjang tahun 2025?")
    assert "Polres Kolaka" in c.names and c.years == ["2025"]
    meta = {"language": "id", "date": "2025-06-04", "year": 2025, "title": "Rakornas TPPO"}
    assert passage_ok(c, "Rapat berlangsung di Aula Kemitraan Polres Kolaka.", meta)
    assert not passage_ok(c, "Rapat berlangsung di Polda Sultra.", meta)
    p = constraints("Apa isi Pasal 5 UU 21/2007?")
    assert passage_ok(p, "Setiap orang yang melakukan pengangkatan anak ...", {"pasal": "Pasal 5", "language": "id", "year": 2007})
    assert not passage_ok(p, "Setiap orang yang ...", {"pasal": "Pasal 6", "language": "id", "year": 2007})


def test_figures_written_in_words_answer_quantity_questions():
    c = constraints("How many labor trafficking victims in the fishing sector did the government report identifying?")
    assert "korban" in c.figure_counted
    assert sentence_ok(c, "The government reported identifying only two labor trafficking victims in this sector.", EN)
    plain = constraints("Berapa banyak pekerja Indonesia di luar negeri menurut laporan itu?")
    assert sentence_ok(plain, "An estimated six to eight million Indonesians work abroad.", EN)


def test_a_question_naming_several_years_spans_documents():
    """"Between Law 13/2006 and its 2014 amendment": each passage need only be of one of the years named."""
    c = constraints("How did the leadership structure of LPSK change between Law 13/2006 and its 2014 amendment?")
    assert c.years == ["2006", "2014"]
    assert passage_ok(c, "(1) LPSK terdiri atas Pimpinan dan Anggota.", {"language": "id", "year": 2006})
    assert not passage_ok(c, "(1) LPSK terdiri atas Pimpinan dan Anggota.", {"language": "id", "year": 2019})
    one = constraints("Who led LPSK under Law 13/2006?")
    assert not passage_ok(one, "(1) LPSK terdiri atas Pimpinan dan Anggota.", {"language": "id", "year": 2014})


def test_glossary_acronyms_are_not_names():
    """WNI is written out ("warga negara Indonesia") in the statute: a glossary term, not a name to find verbatim."""
    c = constraints("Pasal berapa dalam UU 21/2007 yang mengancam pidana orang yang membawa WNI ke luar negeri?")
    assert "WNI" not in c.names


def test_an_agency_the_question_names_must_be_in_the_passage():
    c = constraints("Apa isi matriks RAN PPTPPO 2020-2024 untuk Kementerian Sosial?")
    assert c.agencies == ["Kemensos"]
    meta = {"language": "id", "year": 2023}
    assert not passage_ok(c, "RAD PPTPPO Tahun 2020-2024 mengacu pada RAN PPTPPO.", meta)
    assert passage_ok(c, "Kemensos melaksanakan rehabilitasi sosial sesuai RAN PPTPPO 2020-2024.", meta)
    # across languages through the aliases, and the document's own agency counts
    assert passage_ok(c, "The Ministry of Social Affairs implemented the RAN PPTPPO 2020-2024.", {"language": "en", "year": 2024})
    assert passage_ok(c, "Rehabilitasi sosial dalam RAN PPTPPO 2020-2024 berjalan.", {**meta, "agency": "Kemensos"})
    # common words that are aliases ("police") do not make a question name an agency
    assert constraints("Within how many hours must staff report a victim to the police?").agencies == []


def test_a_question_for_the_current_officeholder_needs_a_person():
    c = constraints("Siapa yang saat ini menjabat Kepala Sekretariat Gugus Tugas Pusat PP TPPO?")
    assert c.person
    assert not sentence_ok(c, "Sekretariat dipimpin oleh seorang Kepala Sekretariat.")
    assert sentence_ok(c, "Rapat dipimpin Irjen Pol Desman S Tarigan selaku Kepala Sekretariat.")
    assert not constraints("Siapa Ketua I, Ketua II, dan Ketua Harian Gugus Tugas PP TPPO?").person


def test_a_passage_of_a_named_document_needs_none_of_the_years():
    """The year dates the TIP report the question mentions, not the LPSK law it asks about."""
    c = constraints("The 2019 TIP report mentions LPSK restitution rules. Which provision of the LPSK law allows it?")
    law = {"language": "id", "year": 2014, "doc_type": "uu", "number": "31"}
    assert passage_ok(c, "Pengajuan permohonan Restitusi dapat dilakukan melalui LPSK.", law)
    other = {"language": "id", "year": 2017, "doc_type": "uu", "number": "18"}
    assert not passage_ok(c, "LPSK dapat menerima permohonan Restitusi.", other)


def test_names_may_be_in_another_passage_of_the_same_document():
    c = constraints("Langkah strategis apa saja yang akan dilakukan Polri menurut rakor TPPO di Polres Kolaka?")
    meta = {"language": "id", "title": "Komitmen Polri dan Strategi Lanjutan"}
    measures = "Beberapa langkah strategis yang akan dilaksanakan antara lain: Penguatan Satgas TPPO di level Polres."
    assert not passage_ok(c, measures, meta)
    assert passage_ok(c, measures, meta, document="Rapat berlangsung di Aula Kemitraan Polres Kolaka.")


def test_a_specific_answer_type_must_be_in_the_sentence():
    c = constraints("Kapan Perpres 49/2023 tentang Gugus Tugas TPPO ditetapkan?")
    assert c.answer_type == "date"
    assert sentence_ok(c, "Ditetapkan di Jakarta pada tanggal 10 Agustus 2023")
    assert not sentence_ok(c, "Gugus Tugas Pusat secara administratif bertanggung jawab kepada Kapolri.")
    # a generic "time limit" sits in questions that ask several things: it does not constrain the sentence
    multi = constraints("Which article lets investigators tap phones, and what authorization and time limit apply?")
    assert sentence_ok(multi, "Penyidik berwenang menyadap telepon berdasarkan bukti permulaan yang cukup.")


def test_a_question_for_the_indonesian_version_needs_an_indonesian_passage():
    c = constraints("According to the embassy's Indonesian translation of the 2023 TIP report, what is lacking?")
    assert c.doc_language == "id"
    assert passage_ok(c, "Pemerintah belum memiliki SOP nasional.", {"language": "id", "year": 2023})
    assert not passage_ok(c, "The government lacked a national SOP.", {"language": "en", "year": 2023})
