"""The "Siklus TIP" tab (app/web/cycle.py) through the served Gradio API, and the tagged submission upload
(app/cycle/submissions.py). Synthetic submissions only (tests/cycle_fixtures.py)."""
from __future__ import annotations

import pytest
import yaml
from cycle_fixtures import SYNTH, polri_xlsx, synthetic_corpus
from helpers import serve_in_thread

from gugus.app.cycle.board import item_agencies
from gugus.app.cycle.submissions import stage_submissions
from gugus.ingest.types import IngestError


def test_stage_submissions_tags_agency_period_and_date(tmp_path):
    up = tmp_path / "uploads"
    x = polri_xlsx(tmp_path / "in" / "Data Polri.xlsx", broken_sheet=False)
    fake = tmp_path / "in" / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04not a workbook")
    csv = tmp_path / "in" / "kejaksaan.csv"
    csv.write_text("Kegiatan,Jumlah perkara\nPenuntutan TPPO,44\n", encoding="utf-8")
    exe = tmp_path / "in" / "run.exe"
    exe.write_bytes(b"MZ")
    staged = stage_submissions([(x, x.name), (fake, fake.name), (csv, csv.name), (exe, exe.name)], up, 10 * 2**20,
                               {}, "Polri", "2026", "2026-01-20")
    assert [o.status for o in staged.outcomes] == ["accepted", "rejected", "accepted", "rejected"]
    assert "damaged zip" in staged.outcomes[1].reason and "unsupported" in staged.outcomes[3].reason
    cat = yaml.safe_load((up / "catalog.yaml").read_text(encoding="utf-8"))["documents"]
    assert cat["Data_Polri.xlsx"] == {"title": "Data dukung Polri TIP 2026: Data Polri.xlsx",
                                      "doc_type": "agency_submission", "agency": "Polri", "period": "2026",
                                      "date": "2026-01-20", "access": "internal"}
    for bad, msg in ((dict(agency=""), "choose the agency"), (dict(period="kemarin"), "invalid period"),
                     (dict(received="20/01/2026"), "invalid date received")):
        args = {"agency": "Polri", "period": "2026", "received": None, **bad}
        with pytest.raises(IngestError, match=msg):
            stage_submissions([(csv, csv.name)], up, 10 * 2**20, {}, **args)


@pytest.mark.slow
def test_cycle_tab_through_the_api(tmp_path):
    from gradio_client import Client, handle_file

    from gugus.app.container import Gugus
    from gugus.app.settings import Settings
    from gugus.app.web.app import build_app

    root = synthetic_corpus(tmp_path / "c")
    g = Gugus(Settings(data_dir=tmp_path / "data"))
    assert not g.ingest([root]).failed
    sub = tmp_path / "kejaksaan_penuntutan.csv"
    sub.write_text(f"Kegiatan;Jumlah perkara;Keterangan\nPenuntutan TPPO;44;{SYNTH}\n", encoding="utf-8")
    with serve_in_thread(build_app(g)) as (base, started):
        assert started
        c = Client(base + "/", verbose=False)
        try:
            summary, board, xlsx = c.predict("2026", "2026-01-31", api_name="/cycle")
            assert "conflict 1" in summary and "late 1" in summary and "prosecution.convictions" in summary
            rows = {(r[0], r[1].split(":")[0]): r for r in board["data"]}
            assert rows[("Polri", "prosecution.investigations")][2] == "conflict"
            assert "polri_tppo_2026.xlsx Penegakan Hukum!B3" in rows[("Polri", "prosecution.investigations")][4]
            assert rows[("Kejaksaan", "prosecution.prosecutions")][2] == "missing"
            assert xlsx.endswith(".xlsx")
            letters = c.predict("2026", "", api_name="/requests")
            names = {p.rsplit("/", 1)[-1] for p in letters}
            assert {"Polri.docx", "Kejaksaan.docx", "Mahkamah_Agung.docx", "Kemensos.docx"} <= names
            assert len(names) == len(item_agencies())
            with pytest.raises(Exception, match="no TIP Report"):
                c.predict("2026", "", api_name="/recommendations")
            rows = c.predict([handle_file(str(sub))], "Kejaksaan", "2026", "2026-02-20", api_name="/submit")
            assert [(r[0], r[1]) for r in rows["data"]] == [("kejaksaan_penuntutan.csv", "added")]
            _, board, _ = c.predict("2026", "2026-01-31", api_name="/cycle")
            rows = {(r[0], r[1].split(":")[0]): r for r in board["data"]}
            assert rows[("Kejaksaan", "prosecution.prosecutions")][2] == "late"  # received 20 Feb
            assert "44" in rows[("Kejaksaan", "prosecution.prosecutions")][3]
        finally:
            c.close()
    g.close()


@pytest.mark.slow
def test_figures_tab_keeps_statutory_penalties_apart(tmp_path):
    """The figures table lists statistics; the penalties written in UU 21/2007 are in their own view."""
    from gradio_client import Client
    from helpers import UU21, copy_corpus

    from gugus.app.container import Gugus
    from gugus.app.settings import Settings
    from gugus.app.web.app import build_app

    root = copy_corpus(tmp_path / "c", UU21, "news/003_c84d30f768671f4c.txt")
    g = Gugus(Settings(data_dir=tmp_path / "data"))
    assert not g.ingest([root]).failed
    with serve_in_thread(build_app(g)) as (base, started):
        assert started
        c = Client(base + "/", verbose=False)
        try:
            table, _, _, _, _ = c.predict("2026", [], [], api_name="/figures")
            statutory = c.predict("2026", [], [], api_name="/statutory")
            measure, heat = c.predict("2026", [], [], api_name="/charts")
            chart = c.predict("korban (penanganan)", [], [], api_name="/chart")
        finally:
            c.close()
    g.close()
    assert any(r[7] == "4.320 korban" for r in table["data"])
    assert not any("UU 21/2007" in r[6] for r in table["data"])
    units = {r[2] for r in statutory["data"]}
    assert {"tahun", "rupiah"} <= units and all("UU 21/2007" in r[6] for r in statutory["data"])
    assert "gugus-heatmap" in heat and ">Kemensos<" in heat
    assert measure["value"] == "korban (penanganan)" and ["korban (penanganan)"] * 2 in measure["choices"]
    assert chart["columns"] == ["period", "value", "source"] and chart["mark"] == "bar"
    assert ["2023–2025", 4320.0] == chart["data"][0][:2]


def test_library_upload_accepts_workbooks_csv_and_html(tmp_path):
    from gugus.app.accounts.uploads import content_problem, stage_uploads

    x = polri_xlsx(tmp_path / "in" / "polri.xlsx", broken_sheet=False)
    page = tmp_path / "in" / "berita.html"
    page.write_text("<html><body><article><p>Rapat koordinasi TPPO.</p></article></body></html>", encoding="utf-8")
    fake = tmp_path / "in" / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04 not a workbook")
    staged = stage_uploads([(x, x.name), (page, page.name), (fake, fake.name)], tmp_path / "up", 10 * 2**20, {})
    assert [o.status for o in staged.outcomes] == ["accepted", "accepted", "rejected"]
    assert "not an XLSX workbook" in staged.outcomes[2].reason
    assert content_problem(b"a;b\n1;2\n", ".csv") is None and "UTF-8" in content_problem(b"\xe9;b\n", ".csv")
    assert "supported: pdf, docx, md, txt, xlsx, csv, html" in content_problem(b"x", ".exe")
