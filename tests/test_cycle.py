"""The TIP cycle on synthetic submissions (tests/cycle_fixtures.py): figures from table cells with agency, period
and cell citation; questionnaires and their validation; the status board (submitted, late, conflict, missing,
claims) and its XLSX; the request letters (python-docx and LibreOffice)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml
from click.testing import CliRunner
from cycle_fixtures import CONFLICT_CSV, KEMENSOS_DOCX, POLRI_XLSX, synthetic_corpus

from gugus.app import figures as F
from gugus.app.cli.main import cli
from gugus.app.cycle.board import board, deadline_for, item_matches, to_xlsx
from gugus.index.period import tip_period
from gugus.index.retriever import Filters
from gugus.prompts import questionnaire as Q

P2026 = tip_period(2026)


@pytest.fixture(scope="module")
def cycle_env(tmp_path_factory):
    """A data dir holding only the three synthetic submissions (XLSX received on time, DOCX and CSV late)."""
    from gugus.app.container import Gugus
    from gugus.app.settings import Settings

    base = tmp_path_factory.mktemp("cycle")
    root = synthetic_corpus(base / "corpus")
    g = Gugus(Settings(data_dir=base / "data"))
    report = g.ingest([root])
    assert not report.failed, [(o.path, o.reason) for o in report.failed]
    yield g
    g.close()


# ------------------------------------------------------------------------------------------------ figures
def test_table_cells_are_figures_with_agency_period_and_cell(cycle_env):
    figs = [f for f in F.figures(cycle_env, Filters(period=P2026)) if f.sheet]
    got = {(f.path, f.sheet, f.cell): f for f in figs}
    f = got[(POLRI_XLSX, "Penegakan Hukum", "B3")]
    assert (f.value, f.counted, f.action, f.qualifiers, f.agency) == (123, "kasus", "penyidikan", ["TPPO"], "Polri")
    assert (f.row, f.row_label, f.column) == (3, "Penyidikan TPPO", "Jumlah kasus")
    assert f.period == P2026 and f.period_basis == "submission period" and f.kind == "statistic"
    assert f.source_label.endswith("Penegakan Hukum > B3")
    k = got[(KEMENSOS_DOCX, "Tabel 1", "B2")]
    assert (k.value, k.counted, k.action, k.qualifiers, k.agency) == (212, "korban", "penanganan", ["perempuan"],
                                                                       "Kemensos")
    assert got[(KEMENSOS_DOCX, "Tabel 1", "B4")].qualifiers == ["anak"]
    # the formula row without cached values and the label column are not figures; nothing from the broken sheet
    assert not any(c[2] in ("B5", "C5") or c[2].startswith("A") for c in got)
    assert not any(c[1] == "Rusak" for c in got)
    assert len(figs) == 9
    # the other period has none of them
    assert not [f for f in F.figures(cycle_env, Filters(period=tip_period(2025))) if f.sheet]


def test_figures_cli_kind_and_conflicts(cycle_env):
    data = str(cycle_env.settings.data_dir)
    r = CliRunner().invoke(cli, ["--data-dir", data, "figures", "--period", "2026", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert {x["kind"] for x in d["figures"]} == {"statistic"}
    cell = next(x for x in d["figures"] if x["cell"] == "B2" and x["path"] == CONFLICT_CSV)
    assert cell["value"] == 130 and cell["sheet"] == "polri_revisi_2026" and cell["agency"] == "Polri"
    (c,) = [c for c in d["conflicts"] if c["what"] == "kasus TPPO (penyidikan)"]
    assert c["values"] == [123, 130]
    r = CliRunner().invoke(cli, ["--data-dir", data, "figures", "--period", "2026", "--kind", "statutory", "--json"])
    assert json.loads(r.output)["figures"] == []


def test_statutory_penalties_are_kept_apart():
    law = {"doc_type": "uu", "language": "id", "date": "2007-04-19", "path": "uu.md", "title": "UU"}
    figs = F.extract("dipidana dengan pidana penjara paling singkat 3 (tiga) tahun dan pidana denda paling sedikit "
                     "Rp120.000.000,00 (seratus dua puluh juta rupiah).", law)
    assert {f.kind for f in figs} == {"statutory"} and len(figs) == 2
    news = {"doc_type": "meeting_report", "language": "id", "date": "2025-07-27", "path": "n.txt", "title": "n"}
    assert {f.kind for f in F.extract("Kemensos menangani 1.500 korban TPPO.", news)} == {"statistic"}
    assert F.extract("Kemensos menangani 1.500 korban TPPO.", news)[0].to_json()["kind"] == "statistic"


# ------------------------------------------------------------------------------------------------ questionnaires
def test_questionnaires_load_and_follow_subsatgas():
    qs = Q.load_all()
    assert [q.section for q in qs] == ["prosecution", "protection", "prevention"]
    groups = Q.load_subsatgas()
    assert len(groups) == 6 and "Polri" in groups["penegakan_hukum"].members
    items = {it.id: it for q in qs for it in q.items}
    assert items["prosecution.investigations"].agencies == ("Polri",)
    assert [str(f) for f in items["prosecution.investigations"].figures] == ["kasus:penyidikan"]
    for it in items.values():
        assert set(it.agencies) <= set(groups[it.subsatgas].members), it.id


def _qdir(tmp_path, section_yaml: dict):
    d = tmp_path / "q"
    d.mkdir(parents=True)
    shutil.copy(Q.QUESTIONNAIRE_DIR / Q.SUBSATGAS_FILE, d / Q.SUBSATGAS_FILE)
    (d / "prosecution.yaml").write_text(yaml.safe_dump(section_yaml), encoding="utf-8")
    return d


@pytest.mark.parametrize("item,error", [
    ({"subtopic": "nope"}, "subtopic 'nope' is not in prosecution.yaml"),
    ({"figures": ["korban"]}, "figures korban are not among subtopic 'law_enforcement_data' figures"),
    ({"agencies": ["Kemensos"]}, "Kemensos not a member of Subsatgas Penegakan Hukum"),
    ({"subsatgas": "x"}, "unknown subsatgas 'x'"),
    ({"item": None}, "needs 'item'"),
])
def test_questionnaire_validation_names_file_item_and_field(tmp_path, item, error):
    good = {"id": "investigations", "item": "Kasus disidik", "subtopic": "law_enforcement_data",
            "figures": ["kasus:penyidikan"], "subsatgas": "penegakan_hukum", "agencies": ["Polri"]}
    d = _qdir(tmp_path, {"section": "prosecution", "items": [{**good, **item}]})
    with pytest.raises(Q.QuestionnaireError, match=re.escape(error)):
        Q.load_questionnaire("prosecution", d)
    d2 = _qdir(tmp_path / "ok", {"section": "prosecution", "items": [good]})
    assert Q.load_questionnaire("prosecution", d2).items[0].id == "prosecution.investigations"


# ------------------------------------------------------------------------------------------------ the board
def _entry(b, agency, item):
    return next(e for e in b.entries if e.agency == agency and e.item.id == item)


def test_board_statuses_submitted_late_conflict_missing(cycle_env):
    b = board(cycle_env, P2026, "2026-01-31")
    inv = _entry(b, "Polri", "prosecution.investigations")
    assert inv.status == "conflict"  # XLSX 123 (20 Jan) vs revised CSV 130 (5 Mar), same measure and period
    vals = {(v["value"], v["source"]["path"], v["source"].get("cell")) for v in inv.values(b.deadline)}
    assert {(123, POLRI_XLSX, "B3"), (130, CONFLICT_CSV, "B2")} <= vals
    assert inv.conflicts and "123" in inv.conflicts[0] and "130" in inv.conflicts[0]
    sus = _entry(b, "Polri", "prosecution.suspects")
    assert sus.status == "submitted" and {v["value"] for v in sus.values(b.deadline)} == {171, 58}
    served = _entry(b, "Kemensos", "protection.victims_served")
    assert served.status == "late"  # received 10 Feb, deadline 31 Jan
    assert all(v["late"] and v["received"] == "2026-02-10" for v in served.values(b.deadline))
    assert _entry(b, "Kejaksaan", "prosecution.prosecutions").status == "missing"
    # convictions: Mahkamah Agung and Kejaksaan are both asked -> the board names the claim
    conv = _entry(b, "Mahkamah Agung", "prosecution.convictions")
    assert conv.status == "missing" and conv.claimed_by == ["Mahkamah Agung", "Kejaksaan"]
    assert ("prosecution.convictions", ["Mahkamah Agung", "Kejaksaan"]) in b.overlaps()
    # a later deadline: the DOCX is on time
    assert _entry(board(cycle_env, P2026, "2026-03-31"), "Kemensos", "protection.victims_served").status == "submitted"
    # no submission in another period
    assert {e.status for e in board(cycle_env, tip_period(2025), "2025-01-31").entries} == {"missing"}


def test_board_claim_by_an_agency_not_asked(cycle_env):
    items = [it for q in Q.load_all() for it in q.items if it.id == "protection.victims_served"]
    other = Q.Item("protection.victims_served", "protection", "services_shelters", {"id": "Korban ditangani"},
                   items[0].figures, "rehabilitasi_sosial", ("KemenPPPA",))
    b = board(cycle_env, P2026, "2026-03-31", items=[other])
    assert [(e.agency, e.status) for e in b.entries] == [("KemenPPPA", "missing"), ("Kemensos", "submitted")]
    assert b.entries[0].claimed_by == ["KemenPPPA", "Kemensos"]


def test_two_agencies_claiming_one_item_with_different_values_conflict(tmp_path):
    """Kejaksaan sends the number of TIP cases investigated (Polri's item) with another value: both entries are
    conflicts, and each shows the other agency's value."""
    from cycle_fixtures import conflict_csv, submissions_catalog

    from gugus.app.container import Gugus
    from gugus.app.settings import Settings

    root = tmp_path / "c"
    conflict_csv(root / "polri.csv", cases=123)
    conflict_csv(root / "kejaksaan.csv", cases=150)
    (root / "polri_surat.md").write_text("# Surat Polri (DATA UJI SINTETIS)\n\nPolri mencatat bahwa Kemensos "
                                         "menangani 55 korban TPPO yang dirujuk penyidik.\n", encoding="utf-8")
    submissions_catalog(root, {
        "polri_surat.md": {"title": "Surat Polri (sintetis)", "doc_type": "agency_submission", "agency": "Polri",
                           "period": 2026, "date": "2026-01-07"},
        "polri.csv": {"title": "Polri (sintetis)", "doc_type": "agency_submission", "agency": "Polri",
                      "period": 2026, "date": "2026-01-05"},
        "kejaksaan.csv": {"title": "Kejaksaan (sintetis)", "doc_type": "agency_submission", "agency": "Kejaksaan",
                          "period": 2026}})  # no date: received = when it was ingested
    g = Gugus(Settings(data_dir=tmp_path / "data"))
    try:
        assert not g.ingest([root]).failed
        b = board(g, P2026, "2026-01-31")
        pol, kej = _entry(b, "Polri", "prosecution.investigations"), _entry(b, "Kejaksaan", "prosecution.investigations")
        assert pol.claimed_by == kej.claimed_by == ["Polri", "Kejaksaan"]
        assert pol.status == kej.status == "conflict"
        assert {(v["agency"], v["value"]) for v in pol.values(b.deadline)} == {("Polri", 123), ("Kejaksaan", 150)}
        assert {(v["agency"], v["value"]) for v in kej.values(b.deadline)} == {("Polri", 123), ("Kejaksaan", 150)}
        assert _entry(b, "Polri", "prosecution.suspects").status == "missing"
        # a submission's sentence about another agency is the submitter's data: Polri claims Kemensos's item
        served = _entry(b, "Polri", "protection.victims_served")
        assert served.status == "submitted" and [v["value"] for v in served.values(b.deadline)] == [55]
        assert served.values(b.deadline)[0]["agency"] == "Kemensos"
        assert served.claimed_by == ["Kemensos", "Polri"] and _entry(b, "Kemensos", "protection.victims_served").status \
            == "missing"
        import datetime as dt

        kv = next(v for v in kej.values(b.deadline) if v["agency"] == "Kejaksaan")
        assert (kv["received"], kv["received_basis"], kv["late"]) == (dt.date.today().isoformat(), "ingest time",
                                                                      dt.date.today().isoformat() > "2026-01-31")
        pv = next(v for v in kej.values(b.deadline) if v["agency"] == "Polri")
        assert (pv["received"], pv["received_basis"], pv["late"]) == ("2026-01-05", "document date", False)
    finally:
        g.close()


def test_deadline_setting():
    assert deadline_for(P2026, "01-31") == "2026-01-31"
    assert deadline_for(P2026, "2026-02-15") == "2026-02-15"
    assert deadline_for(P2026, "") is None
    with pytest.raises(ValueError, match="invalid deadline"):
        deadline_for(P2026, "31 Januari")


def test_cycle_cli_json_contract_and_xlsx(cycle_env, tmp_path, monkeypatch):
    data = str(cycle_env.settings.data_dir)
    monkeypatch.setenv("GUGUS_CYCLE_DEADLINE", "01-31")
    xlsx = tmp_path / "board.xlsx"
    r = CliRunner().invoke(cli, ["--data-dir", data, "cycle", "--period", "2026", "--json", "--xlsx", str(xlsx)])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["period"] == ["2025-04-01", "2026-03-31"] and d["deadline"] == "2026-01-31"
    for a in d["agencies"]:
        assert set(a) == {"agency", "items"}
        for it in a["items"]:
            assert {"id", "item", "section", "status", "values", "sources"} <= set(it)
            assert it["status"] in ("submitted", "missing", "late", "conflict")
            for s in it["sources"]:
                assert {"path", "title", "doc_type", "page", "section"} <= set(s)
    polri = next(a for a in d["agencies"] if a["agency"] == "Polri")
    statuses = {it["id"]: it["status"] for it in polri["items"]}
    assert statuses["prosecution.investigations"] == "conflict" and statuses["prosecution.suspects"] == "submitted"
    import openpyxl

    wb = openpyxl.load_workbook(xlsx)
    rows = list(wb["Papan status"].iter_rows(min_row=3, values_only=True))
    assert ("Polri", "prosecution.investigations") in {(r[0], r[1]) for r in rows}
    assert next(r for r in rows if r[1] == "protection.victims_served" and r[0] == "Kemensos")[4] == "terlambat"
    konflik = list(wb["Konflik"].iter_rows(min_row=2, values_only=True))
    assert {r[2] for r in konflik if r[1] == "prosecution.investigations"} >= {123, 130}
    r = CliRunner().invoke(cli, ["--data-dir", data, "cycle", "--period", "2026", "--deadline", "x"])
    assert r.exit_code == 2 and "invalid deadline" in r.output


# ------------------------------------------------------------------------------------------------ request letters
def test_request_letters_docx_and_pdf(cycle_env, tmp_path):
    import docx

    data = str(cycle_env.settings.data_dir)
    out = tmp_path / "letters"
    r = CliRunner().invoke(cli, ["--data-dir", data, "requests", "--period", "2026", "--deadline", "2026-01-31",
                                 "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    files = {f["agency"]: f for f in json.loads(r.output)["files"]}
    assert files["Polri"]["path"] == str(out / "Polri.docx")
    assert (files["Polri"]["covered"], files["Polri"]["missing"]) == (3, 1)
    assert (files["Kejaksaan"]["covered"], files["Kejaksaan"]["missing"]) == (0, 4)
    assert files["Mahkamah Agung"]["path"].endswith("Mahkamah_Agung.docx")
    d = docx.Document(files["Polri"]["path"])
    text = "\n".join(p.text for p in d.paragraphs)
    table_text = "\n".join(c.text for t in d.tables for row in t.rows for c in row.cells)
    assert "Permintaan data dukung penyusunan laporan TIP 2026" in table_text
    assert "Kepala Kepolisian Negara Republik Indonesia" in text
    assert "1 April 2025 sampai dengan 31 Maret 2026" in text and "Batas waktu penyampaian: 31 Januari 2026" in text
    assert "Jumlah kasus TPPO yang disidik" in table_text  # asked
    assert "lembar Penegakan Hukum sel B3" in text and "123" in text  # covered, with its source to confirm
    missing = text.split("C. Data yang belum tersedia")[1]
    assert "Aparat yang disidik atau dituntut" in missing and "Jumlah tersangka" not in missing
    r = CliRunner().invoke(cli, ["--data-dir", data, "requests", "--out", str(out), "--agency", "Nope"])
    assert r.exit_code == 2 and "no questionnaire item is asked of Nope" in r.output
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice is installed by `make test-deps`")
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), files["Polri"]["path"]],
                   check=True, capture_output=True, timeout=180, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    from pypdf import PdfReader

    pdf = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(str(tmp_path / "Polri.pdf")).pages))
    assert "Permintaan data dukung" in pdf and "31 Januari 2026" in pdf and "sel B3" in pdf


def test_chart_series_and_heatmap(cycle_env):
    from gugus.app.coverage import coverage
    from gugus.app.web.charts import heatmap_html, measures, series

    figs = F.figures(cycle_env, None)
    assert measures(figs)[0] == "kasus TPPO (penyidikan)"  # reported by two documents
    df = series(figs, "kasus TPPO (penyidikan)")
    assert list(df.columns) == ["period", "value", "source"]
    assert sorted(df["value"]) == [123, 130] and set(df["period"]) == {"TIP 2026"}
    assert series(figs, "no such measure").empty
    html = heatmap_html(coverage(cycle_env, P2026))
    assert "<table class='gugus-heatmap'>" in html and ">Polri<" in html and "gugus-gap" in html


def test_year_columns_are_the_cells_own_periods(tmp_path):
    """A table with years as column headings: each cell's period is its column's year, not the submission tag."""
    import openpyxl

    from gugus.app.figures.rows import table_figures
    from gugus.ingest.parse import parse_file

    p = tmp_path / "kemenpppa_korban.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Korban TPPO menurut bentuk eksploitasi (DATA UJI SINTETIS)"])
    ws.append(["Bentuk eksploitasi", 2024, 2025])
    ws.append(["Eksploitasi seksual", 30, 41])
    ws.append(["Kerja paksa", 12, 19])
    wb.save(p)
    doc = parse_file(p, p.name, {p.name: {"title": "x", "agency": "KemenPPPA", "period": 2026,
                                          "doc_type": "agency_submission"}})
    row = doc.chunks[0]
    assert row.text == "Bentuk eksploitasi: Eksploitasi seksual | 2024: 30 | 2025: 41"
    from gugus.index.store import chunk_metadata

    figs = table_figures(row.text, chunk_metadata(row, doc.meta), row.id)
    assert [(f.value, f.counted, f.qualifiers, str(f.period), f.period_basis, f.cell) for f in figs] == [
        (30, "korban", ["eksploitasi seksual"], "2024", "stated year", "B3"),
        (41, "korban", ["eksploitasi seksual"], "2025", "stated year", "C3")]


def test_board_and_letters_respect_access(cycle_env, tmp_path):
    """The Polri workbook is 'internal': for a reader who sees public documents only (user None) the board has the
    public CSV alone (late, no conflict), and the letter cites nothing from the workbook."""
    from gugus.app.cycle.requests import letters

    public = cycle_env.filters_for(None, None)
    b = board(cycle_env, P2026, "2026-01-31", public)
    inv = _entry(b, "Polri", "prosecution.investigations")
    assert inv.status == "late" and {v["source"]["path"] for v in inv.values(b.deadline)} == {CONFLICT_CSV}
    assert _entry(b, "Polri", "prosecution.suspects").status == "missing"
    polri = next(lt for lt in letters(cycle_env, P2026, "2026-01-31", public) if lt.agency == "Polri")
    assert {f.path for c in polri.covered for f in c.figures} == {CONFLICT_CSV}
