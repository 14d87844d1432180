"""A hostile folder: corrupt, truncated, encrypted, empty, scanned, 200 MB, misnamed, non-UTF-8 and oddly named
files next to real good ones, ingested in one run. Everything readable is ingested, every failure is named with
its reason, the exit code is 1, and the store agrees with the manifest. (Single bad inputs are in
test_readers.py and test_ingest_pipeline.py; this is the mix, end to end through the CLI.)"""
from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from gugus.app.cli.main import cli
from gugus.app.container import Gugus
from gugus.app.settings import Settings
from gugus.ingest import readers

from helpers import CORPUS, NEWS002, PERDA_PDF, TIP_PROTECTION_2019, copy_corpus, make_scanned_pdf
from store_checks import assert_store_matches_manifest

pytestmark = pytest.mark.slow

HUGE_BYTES = 200 * 2**20


def _odd(word: str) -> str:
    """A short good document that only it contains `word`, so a search can find it."""
    return (f"Notulen Rapat Subsatgas Pencegahan\n\nRapat membahas kasus {word} di kabupaten perbatasan. "
            f"Kemensos dan Polri sepakat memperkuat pengawasan penempatan pekerja migran.\n")


ODD_NAMES = {
    "odd/laporan rapat dengan spasi.txt": "kapalpesiar",
    "odd/catatan_ünïcödé_perdagangan_orang_文件.md": "unicodekata",
    "odd/-dash-leading.txt": "dashkata",
    "odd/" + "sangat_panjang_" * 15 + "akhir.txt": "panjangkata",  # 230 bytes: near the 255-byte limit
    "odd/baris\nbaru.txt": "barisbaru",  # skipped where the file system refuses a newline
}


def _encrypted_real_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter(clone_from=PdfReader(str(CORPUS / PERDA_PDF)))
    w.encrypt("rahasia-negara")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("laporan.txt", "bukan dokumen Word")
    return buf.getvalue()


@pytest.fixture
def hostile(tmp_path):
    """(folder, {relative path: expected reason substring or None for a file that must ingest})."""
    root = copy_corpus(tmp_path / "corpus", NEWS002, TIP_PROTECTION_2019)
    pdf = (CORPUS / PERDA_PDF).read_bytes()
    bad = {
        "bad/corrupt.pdf": (b"%PDF-1.7\n" + os.urandom(3000), "corrupt pdf"),
        "bad/truncated.pdf": (pdf[: len(pdf) // 2], "corrupt pdf"),
        "bad/encrypted.pdf": (_encrypted_real_pdf(), "encrypted pdf"),
        "bad/empty.txt": (b"", "empty file"),
        "bad/pdf_named.txt": (pdf, "the content is a pdf document"),
        "bad/zip_named.docx": (_zip(), "corrupt docx"),
        "bad/latin1.md": ("Laporan korban perdagangan orang di Malaysia \xe9".encode("latin-1"), "not utf-8"),
    }
    expected: dict[str, str | None] = {NEWS002: None, TIP_PROTECTION_2019: None}
    for rel, (data, reason) in bad.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        expected[rel] = reason
    with open(root / "bad/huge.txt", "wb") as f:  # sparse: 200 MB on paper, instant to write
        f.truncate(HUGE_BYTES)
    expected["bad/huge.txt"] = "file too large"
    (root / "scan").mkdir()
    make_scanned_pdf(root / "scan/pindaian.pdf", ["Pemberantasan tindak pidana", "perdagangan orang di Indonesia",
                                                  "memerlukan kerja sama", "pemerintah dan masyarakat."])
    expected["scan/pindaian.pdf"] = None if readers.tesseract_available() else "ocr is unavailable"
    (root / "odd").mkdir()
    for rel, word in ODD_NAMES.items():
        try:
            (root / rel).write_text(_odd(word), encoding="utf-8")
        except OSError:
            continue
        expected[rel] = None
    return root, expected


def test_hostile_folder(hostile, tmp_path):
    root, expected = hostile
    data_dir = tmp_path / "data"
    r = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "ingest", str(root), "--json"], catch_exceptions=False)
    assert r.exit_code == 1, r.output
    out = json.loads(r.stdout)
    files = {f["path"]: f for f in out["files"]}
    assert set(files) == set(expected)
    for rel, reason in expected.items():
        f = files[rel]
        if reason is None:
            assert f["status"] == "added" and f["chunks"] > 0 and f["reason"] is None, f
        else:
            assert f["status"] == "failed" and f["chunks"] == 0, f
            assert reason in f["reason"].lower(), f
    assert "200 MB" in files["bad/huge.txt"]["reason"] and "GUGUS_MAX_FILE_MB" in files["bad/huge.txt"]["reason"]
    good = [rel for rel, reason in expected.items() if reason is None]
    assert out["documents"] == len(good)

    g = Gugus(Settings(_env_file=None, data_dir=data_dir))
    try:
        stored = assert_store_matches_manifest(g)
        assert {r.path for r in g.documents()} == set(good)
        assert len(stored) == len(good)
        # an oddly named document is found by its content and cited by its exact name
        for rel, word in ODD_NAMES.items():
            if rel in expected:
                hits = g.search(word, mode="bm25")
                assert hits and hits[0].meta["path"] == rel, (rel, [h.meta["path"] for h in hits])
    finally:
        g.close()

    # again, in the human format: nothing re-embedded, the failures named again with their reasons, exit 1
    r = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "ingest", str(root)], catch_exceptions=False)
    assert r.exit_code == 1
    text = " ".join(r.stdout.split())
    assert f"unchanged {len(good)}" in text and f"failed {len(expected) - len(good)}" in text, text
    assert "file too large" in text and "encrypted PDF" in text


def test_a_file_named_with_a_leading_dash_as_an_argument(tmp_path):
    root = copy_corpus(tmp_path / "c", extra={"-notulen.txt": _odd("argumenkata")}, catalog=False)
    r = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "data"), "ingest", "--json", "--",
                                 str(root / "-notulen.txt")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert [(f["path"], f["status"]) for f in json.loads(r.stdout)["files"]] == [("-notulen.txt", "added")]
