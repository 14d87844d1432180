"""Paths and corpus helpers shared by the tests (importable as `helpers`: pytest puts tests/ on sys.path)."""
import shutil
from contextlib import contextmanager
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
UU21 = "laws/uu_21_2007_pemberantasan_tppo.md"
PERPRES49 = "laws/perpres_49_2023_perubahan_kedua_perpres_69_2008_gugus_tugas.md"
PERDA_PDF = "laws/perda_diy_6_2025_pencegahan_penanganan_korban_perdagangan_orang.pdf"
NEWS002 = "news/002_d5ae5447535fc412.txt"
TIP_PROTECTION_2019 = "tip_report/tip2019_state_gov_indonesia_02_protection.txt"


def copy_corpus(root: Path, *rels: str, extra: dict[str, str] | None = None, catalog: bool = True) -> Path:
    """Copy real corpus files `rels` into root (same relative paths, so catalog keys stay valid), with a catalog.yaml
    holding just their entries; `extra` adds files {relative path: text} that have no catalog entry."""
    root.mkdir(parents=True, exist_ok=True)
    full = yaml.safe_load((CORPUS / "catalog.yaml").read_text(encoding="utf-8"))["documents"]
    for rel in rels:
        dst = root / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / rel, dst)
    for rel, text in (extra or {}).items():
        dst = root / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_text(text, encoding="utf-8")
    if catalog:
        (root / "catalog.yaml").write_text(yaml.safe_dump({"documents": {r: full[r] for r in rels if r in full}},
                                                         allow_unicode=True), encoding="utf-8")
    return root


def make_scanned_pdf(path: Path, lines: list[str]) -> Path:
    """A one-page PDF whose page is only an image of the text lines (no text layer), like a scan."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=40)  # Pillow >= 10.1
    img = Image.new("RGB", (1240, 1754), "white")  # A4 at 150 dpi
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((100, 150 + i * 80), line, fill="black", font=font)
    img.save(path, "PDF", resolution=150)
    return path


@contextmanager
def serve_in_thread(app, timeout: float = 60, **config):
    """Serve an ASGI app (e.g. gugus.app.web.app.build_app(g)) with uvicorn in a daemon thread on a free loopback port.
    Yields (base URL, whether it started within `timeout` s); stops the server on exit. `config`: more
    uvicorn.Config options (e.g. gugus.app.web.auth.server_options(settings), as `gugus serve` uses)."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **config))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}", server.started
    finally:
        server.should_exit = True
        thread.join(timeout=10)
