"""No outbound network: ingest, ask, draft and the served web app open no connection (and resolve no name)
beyond loopback. The audit hook runs in a subprocess (tests/offline_probe.py) so it cannot leak into other tests.
The subprocess gets no HF_HUB_OFFLINE / GRADIO_ANALYTICS_ENABLED / ANONYMIZED_TELEMETRY: Gugus must set them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import NEWS002, TIP_PROTECTION_2019, copy_corpus

pytestmark = pytest.mark.slow

PROBE = Path(__file__).with_name("offline_probe.py")
UNSET = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY", "GRADIO_ANALYTICS_ENABLED",
         "ANONYMIZED_TELEMETRY")


def test_no_connection_leaves_loopback(tmp_path):
    corpus = copy_corpus(tmp_path / "corpus", NEWS002, TIP_PROTECTION_2019)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUGUS_") and k not in UNSET}
    # The extractive generator keeps the probe fast (it drafts a whole section). The local writer runs in-process
    # (xllamacpp, C++ sockets the audit hook cannot see): its only listener is loopback with a random API key
    # (app/generators/local_llm.py); test_local_writer.py runs it.
    env["GUGUS_GENERATOR"] = "extractive"
    out = tmp_path / "probe.json"
    r = subprocess.run([sys.executable, str(PROBE), str(tmp_path / "data"), str(corpus), str(out)], env=env,
                       cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0 and out.is_file(), r.stderr[-4000:]
    rep = json.loads(out.read_text(encoding="utf-8"))
    steps = rep["steps"]
    for name in ("ingest", "ask"):
        assert steps[name]["exit_code"] == 0 and not steps[name]["exception"], steps[name]
    assert json.loads(steps["ask"]["stdout"])["citations"]
    if isinstance(steps["draft"], dict):  # the command exists: it ran to a result, not a traceback
        assert not steps["draft"]["exception"], steps["draft"]
    serve = steps["serve"]
    assert serve["started"] and serve["page"] == 200 and serve["source"] == 200, serve
    assert serve["ask_post"] == 200 and serve["ask_complete"] and serve["ask_cited"], serve
    # the hook works: it saw the loopback traffic of the served app and the canary to 192.0.2.1
    assert rep["loopback"] > 0
    canary = [o for o in rep["outbound"] if o["phase"] == "canary"]
    assert ("192.0.2.1", "socket.connect") in {(o["host"], o["event"]) for o in canary}, canary
    leaks = [o for o in rep["outbound"] if o["phase"] != "canary"]
    assert not leaks, "\n\n".join(f"{o['phase']}: {o['event']} {o['host']}:{o['port']}\n{o['stack']}"
                                  for o in leaks)
