"""The figures table (app/figures/prose.py): real figures from named corpus files, what is not a figure, periods, filters,
conflicts between two documents, CSV round trip and the `gugus figures` CLI."""
from __future__ import annotations

import io
import json
import re

import pytest
from click.testing import CliRunner
from helpers import TIP_PROTECTION_2019, UU21, copy_corpus

from gugus.app import figures as F
from gugus.app.figures import prose as P
from gugus.app.cli.main import cli
from gugus.index.period import Period, tip_period
from gugus.index.retriever import Filters

NEWS_KEMENSOS = "news/003_c84d30f768671f4c.txt"
NEWS_TIP_RAKOR = "news/000_4d11e2c8062e24ef.txt"
NEWS_POLRI = "news/002_d5ae5447535fc412.txt"
TIP2022_PROFILE = "tip_report/tip2022_state_gov_indonesia_05_trafficking_profile.txt"
TIP2019_INTRO_EN = "tip_report/tip2019_state_gov_indonesia_01_intro.txt"
TIP2019_INTRO_ID = "tip_report/tip2019_usembassy_laporan_indonesia_01_pendahuluan_id.txt"

ID_META = {"doc_type": "meeting_report", "language": "id", "date": "2025-07-27", "agency": "Kemensos",
           "path": "x.txt", "title": "x"}
EN_META = {"doc_type": "tip_report", "language": "en", "date": "2022-06-01", "year": 2022,
           "agency": "US Department of State", "path": "t.txt", "title": "t"}


def one(figs: list[F.Figure], path: str, value: float, unit: str = "jumlah") -> F.Figure:
    found = [f for f in figs if f.path == path and f.value == value and f.unit == unit]
    assert len(found) == 1, [(f.path, f.value, f.unit, f.text) for f in figs if f.path == path]
    return found[0]


# ------------------------------------------------------------------------------------------------ the extractor
@pytest.mark.parametrize("text,value,unit,counted", [
    ("Kemensos menangani 1.500 korban TPPO.", 1500, "jumlah", "korban"),
    ("Sebanyak 2,5 persen PMI berangkat secara nonprosedural.", 2.5, "persen", "persen"),
    ("Tercatat 1,2 juta PMI bekerja di Malaysia.", 1.2e6, "jumlah", "PMI"),
    ("Polri menetapkan tiga puluh lima tersangka.", 35, "jumlah", "tersangka"),
    ("dipidana dengan pidana denda paling sedikit Rp120.000.000,00 (seratus dua puluh juta rupiah).", 1.2e8,
     "rupiah", "pidana denda"),
    ("Anggaran sebesar Rp 2,5 miliar dialokasikan untuk rumah perlindungan.", 2.5e9, "rupiah", "anggaran"),
])
def test_indonesian_numbers_and_units(text, value, unit, counted):
    figs = F.extract(text, ID_META)
    assert [(f.value, f.unit, f.counted) for f in figs] == [(value, unit, counted)]


def test_english_numbers_words_ranges_and_modifiers():
    figs = F.extract("In 2020, nearly 200,000 Indonesian migrant workers returned. The government reported "
                     "investigating 166 cases and identifying two labor trafficking victims. Between six to eight "
                     "million Indonesians work abroad.", EN_META)
    got = {(f.value, f.value_max, f.counted, f.action, f.modifier) for f in figs}
    assert got == {(200000, None, "PMI", "pemulangan", "nearly"), (166, None, "kasus", "penyidikan", None),
                   (2, None, "korban", "identifikasi", None), (6e6, 8e6, "WNI", None, None)}
    assert next(f for f in figs if f.value == 2).qualifiers == ["kerja paksa"]


@pytest.mark.parametrize("text", [
    "sebagaimana dimaksud dalam Pasal 5 ayat (2) Undang-Undang Nomor 21 Tahun 2007 tentang TPPO",
    "Perpres No. 49 Tahun 2023 dan Perpres 49/2023 menetapkan 6 Subsatgas",
    "Rapat digelar Selasa (3/2/2026) pukul 10.15 WITA di Jakarta, 4 Juni 2025.",
    "Hubungi 081234567890 atau lihat halaman 12 dan Lampiran 3 korban.",
    "1. Pencegahan\n2. Rehabilitasi Medis\n3. Rehabilitasi Sosial",
    "ancaman pidananya ditambah 1/3 (sepertiga) dari pidana dalam Pasal 2",
    "The 2017 law and the 2020-2024 NAP were adopted; Indonesia remained on Tier 2 for the fourth year.",
    "dalam waktu 14 (empat belas) hari korban memberitahukan pengadilan",
])
def test_not_figures(text):
    assert F.extract(text, ID_META) == []


def test_regulation_head_counts_are_not_figures_but_penalties_are():
    law = {**ID_META, "doc_type": "uu", "short_title": "UU 13/2006", "section": "UU 13/2006 > Pasal 14"}
    assert F.extract("Anggota LPSK terdiri atas 7 (tujuh) orang.", law) == []
    assert F.extract("ancaman pidananya paling singkat 5 (lima) tahun", law) == []  # a threshold, not a penalty
    figs = F.extract("dipidana dengan pidana penjara paling singkat 3 (tiga) tahun dan paling lama 15 (lima belas) "
                     "tahun", law)
    assert [(f.value, f.unit, f.counted, f.qualifiers) for f in figs] == [
        (3, "tahun", "pidana penjara", ["min"]), (15, "tahun", "pidana penjara", ["max"])]


def test_period_rules():
    assert F.extract("Pada periode 2023–2025, Kemensos menangani 4.320 korban.", ID_META)[0].period == \
        Period("2023-01-01", "2025-12-31", "2023–2025")
    f = F.extract("He was sentenced to six years in prison in June 2017.", EN_META)[0]
    assert (f.period, f.period_basis) == (tip_period(2018), "stated date")
    f = F.extract("The government identified 12 victims.", EN_META)[0]  # a TIP Report: its reporting period
    assert (f.period, f.period_basis) == (tip_period(2022), "report year")
    f = F.extract("Kemensos menangani 12 korban.", ID_META)[0]
    assert (f.period, f.period_basis) == (tip_period(2026), "document date")
    f = F.extract("Sejak UU Nomor 21 Tahun 2007, Kemensos menangani 12 korban.", ID_META)[0]
    assert f.period_basis == "document date"  # a law's year is not the figure's year


# ------------------------------------------------------------------------------------------------ the real corpus
@pytest.mark.slow  # the whole real corpus, embedded once per session (conftest.corpus_gugus)
def test_real_corpus_figures(corpus_gugus):
    figs = F.figures(corpus_gugus)
    f = one(figs, NEWS_KEMENSOS, 4320)
    assert (f.counted, f.action, f.agency, f.agency_basis) == ("korban", "penanganan", "Kemensos", "sentence")
    assert (f.period, f.period_basis) == (Period("2023-01-01", "2025-12-31", "2023–2025"), "stated range")
    assert "4.320 korban" in f.sentence and corpus_gugus.store.get([f.chunk_id])[0].meta["path"] == NEWS_KEMENSOS
    assert one(figs, NEWS_KEMENSOS, 31).counted == "sentra layanan"
    f = one(figs, TIP_PROTECTION_2019, 436)
    assert (f.counted, f.modifier, f.period) == ("kabupaten/kota", "approximately", tip_period(2019))
    f = one(figs, TIP2022_PROFILE, 200000)
    assert (f.counted, f.modifier, f.action, f.period.label) == ("PMI", "nearly", "pemulangan", "2020")
    f = one(figs, TIP2022_PROFILE, 6e6)
    assert (f.value_max, f.counted, f.agency) == (8e6, "WNI", P.GOVERNMENT)
    fine = [f for f in figs if f.path == UU21 and f.value == 120_000_000]
    assert fine and all(f.unit == "rupiah" and f.counted == "pidana denda" and f.qualifiers == ["min"]
                        for f in fine)
    assert any(f.path == UU21 and f.value == 15 and f.unit == "tahun" and f.qualifiers == ["max"]
               and f.section.endswith("Pasal 3") for f in figs)  # Pasal 2's body is missing in this copy
    assert all(f.period == Period("2007-04-01", "2008-03-31", "TIP 2008") for f in figs if f.path == UU21)


@pytest.mark.slow  # the whole real corpus, embedded once per session (conftest.corpus_gugus)
def test_real_corpus_has_no_false_figures(corpus_gugus):
    figs = F.figures(corpus_gugus)
    # meeting reports full of dates, times, regulation numbers and list markers, without a single statistic
    assert not [f.text for f in figs if f.path in (NEWS_TIP_RAKOR, NEWS_POLRI)]
    assert {f.unit for f in figs if f.path == UU21} <= {"tahun", "rupiah", "persen"}
    for f in figs:
        assert not re.match(r"(?:19|20)\d\d$", f.text), f.text  # a bare year
        assert not re.search(r"(?i)\b(?:pasal|ayat|nomor|tahun)\s*\(?$", f.sentence[:f.sentence.find(f.text)]), f.text
        assert f.unit in ("jumlah", "persen", "rupiah", "USD", "tahun", "bulan")
    print(f"{len(figs)} figures")


@pytest.mark.slow  # the whole real corpus, embedded once per session (conftest.corpus_gugus)
def test_same_figure_in_two_languages_is_one_measure_not_a_conflict(corpus_gugus):
    figs = F.figures(corpus_gugus)
    en, idn = one(figs, TIP2019_INTRO_EN, 13), one(figs, TIP2019_INTRO_ID, 13)
    assert en.counted == idn.counted == "satgas" and en.action == idn.action == "pembentukan"
    assert set(en.qualifiers) == set(idn.qualifiers) == {"TPPO", "penegakan hukum"}
    assert en.period == idn.period == tip_period(2019)
    assert F.conflicts(figs) == []


@pytest.mark.slow  # the whole real corpus, embedded once per session (conftest.corpus_gugus)
def test_filters(corpus_gugus):
    g = corpus_gugus
    p2019 = {(f.path, f.value) for f in F.figures(g, Filters(period=tip_period(2019)))}
    assert (TIP_PROTECTION_2019, 436) in p2019 and (NEWS_KEMENSOS, 4320) not in p2019
    p2026 = F.figures(g, Filters(period=tip_period(2026)))
    assert (NEWS_KEMENSOS, 4320) in {(f.path, f.value) for f in p2026}  # 2023-2025 overlaps TIP 2026
    assert any(f.path == UU21 for f in p2026)  # the law in force
    assert not any(f.path == TIP2022_PROFILE for f in p2026)
    kemensos = F.figures(g, Filters(agencies=["Kemensos"]))
    assert kemensos and {f.agency for f in kemensos} == {"Kemensos"}
    tip = F.figures(g, Filters(doc_types=["tip_report"]))
    assert tip and {f.doc_type for f in tip} == {"tip_report"}


@pytest.mark.slow  # the whole real corpus, embedded once per session (conftest.corpus_gugus)
def test_figures_for_passages(corpus_gugus):
    g = corpus_gugus
    chunk = next(f.chunk_id for f in F.figures(g) if f.path == NEWS_KEMENSOS and f.value == 4320)
    F.table._cache.clear()  # the uncached path reads the passages from the store
    assert [f.value for f in F.figures_for(g, [chunk])] == [4320, 31, 2]
    hits = g.search("Kemensos menangani korban TPPO sentra layanan RPTC", top_k=10)
    assert 4320 in {f.value for f in F.figures_for(g, hits)}


@pytest.mark.slow  # the whole real corpus, embedded once per session (conftest.corpus_gugus)
def test_csv_round_trip(corpus_gugus):
    figs = F.figures(corpus_gugus)
    buf = io.StringIO()
    F.to_csv(figs, buf)
    assert F.read_csv(io.StringIO(buf.getvalue())) == figs


# ------------------------------------------------------------------------------------------------ conflicts
REPORT_A = """Laporan Kementerian Sosial tentang Penanganan Korban TPPO

Jakarta, 15 Januari 2025

Sepanjang tahun 2024, Kemensos menangani 1.250 korban TPPO melalui sentra layanan di seluruh Indonesia.
Selain itu, 80 korban anak mendapat rehabilitasi sosial.
"""
REPORT_B = """Rapat Koordinasi Gugus Tugas TPPO

Jakarta, 20 Februari 2025

Dalam rapat tersebut disampaikan bahwa sepanjang tahun 2024 Kemensos telah menangani 1.310 korban TPPO.
Polri menetapkan 45 tersangka.
"""


@pytest.fixture(scope="module")
def two_reports(tmp_path_factory):
    from gugus.app.container import Gugus
    from gugus.app.settings import Settings

    root = copy_corpus(tmp_path_factory.mktemp("conflict") / "corpus", extra={
        "submissions/laporan_kemensos_tppo_2024.txt": REPORT_A, "news/notulen_rakor_gugus_tugas.txt": REPORT_B})
    g = Gugus(Settings(data_dir=root.parent / "data", corpus_dir=root))
    assert not g.ingest().failed
    yield g
    g.close()


def test_conflict_lists_both_sources(two_reports):
    figs = F.figures(two_reports, Filters(period=tip_period(2025)))
    found = F.conflicts(figs)
    assert len(found) == 1
    c = found[0]
    assert c.values == [1250, 1310] and c.period == Period("2024-01-01", "2024-12-31", "2024")
    assert {f.path for f in c.figures} == {"submissions/laporan_kemensos_tppo_2024.txt",
                                          "news/notulen_rakor_gugus_tugas.txt"}
    assert c.what == "korban TPPO (penanganan)"
    assert {f.agency for f in c.figures} == {"Kemensos"}
    # other figures of the two documents are not in conflict: different measures
    assert {(f.value, f.counted) for f in figs} >= {(80, "korban"), (45, "tersangka")}


def test_no_conflict_within_one_document():
    meta = {**ID_META, "path": "a.txt"}
    figs = F.extract("Pada tahun 2024 Kemensos menangani 10 korban TPPO. Pada tahun 2024 Kemensos menangani "
                     "12 korban TPPO.", meta)
    assert len(figs) == 2 and F.conflicts(figs) == []


def run(g, *args):
    return CliRunner().invoke(cli, ["--data-dir", str(g.settings.data_dir), *args], catch_exceptions=False)


def test_cli_json_csv_and_conflicts(two_reports):
    r = run(two_reports, "figures", "--period", "2025", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["period"] == ["2024-04-01", "2025-03-31"] and d["period_label"] == "TIP 2025"
    assert {f["value"] for f in d["figures"]} == {1250, 1310, 80, 45}
    assert len(d["conflicts"]) == 1 and d["conflicts"][0]["values"] == [1250, 1310]
    r = run(two_reports, "figures", "--period", "all", "--csv", "--conflicts")
    assert r.exit_code == 0, r.output
    rows = F.read_csv(io.StringIO(r.output))
    assert sorted(f.value for f in rows) == [1250, 1310]
    r = run(two_reports, "figures", "--period", "2025", "--agency", "Polri", "--json")
    assert [f["value"] for f in json.loads(r.output)["figures"]] == [45]
    r = run(two_reports, "figures", "--period", "2019", "--json")
    assert json.loads(r.output)["figures"] == []
    r = run(two_reports, "figures", "--period", "2025")
    assert r.exit_code == 0 and "conflict" in r.output and "1,310" in r.output
    r = run(two_reports, "figures", "--period", "20x5")
    assert r.exit_code == 2 and "invalid period" in r.output


@pytest.mark.slow  # the whole real corpus, embedded once per session (conftest.corpus_gugus)
def test_cli_on_real_corpus(corpus_gugus):
    r = run(corpus_gugus, "figures", "--period", "2019", "--type", "tip_report", "--json")
    d = json.loads(r.output)
    assert {(f["path"], f["value"]) for f in d["figures"]} >= {(TIP_PROTECTION_2019, 436), (TIP2019_INTRO_EN, 13)}
    assert all(f["doc_type"] == "tip_report" for f in d["figures"])
    r = run(corpus_gugus, "figures", "--period", "2019", "--type", "uu")  # the table: penalties of laws in force
    assert r.exit_code == 0 and "figures, period TIP 2019" in r.output and "120,000,000" in r.output
    assert "minimum" in r.output and "maximum" in r.output
