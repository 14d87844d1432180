"""Run Gugus's network-facing paths under a socket audit hook and report every non-loopback destination.

    python tests/offline_probe.py DATA_DIR CORPUS_DIR OUT.json

Used by test_offline.py in a subprocess, so that the audit hook (which cannot be removed) stays out of the test
process. The hook is installed before anything else is imported. Steps, in one process: `gugus ingest`,
`gugus ask`, `gugus draft` (when the command exists), and the web app served by uvicorn on 127.0.0.1 with a page
load, an answer through the Gradio HTTP API and a source page. Finally a canary connection to 192.0.2.1
(TEST-NET-1, never routed) proves that the hook sees connections at all. OUT.json: {"outbound": [...],
"loopback": n, "steps": {...}}.
"""
from __future__ import annotations

import ipaddress
import json
import sys
import traceback

EVENTS = ("socket.connect", "socket.getaddrinfo", "socket.sendto", "socket.sendmsg")
outbound: list[dict] = []
loopback = 0
phase = "start"


def _is_local(host) -> bool:
    if host is None or host == "":
        return True  # getaddrinfo(None, port): a local bind
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).strip("[]").split("%")[0]
    if host.lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False  # a host name other than localhost: a lookup that could leave the machine
    return ip.is_loopback or ip.is_unspecified


def hook(event: str, args: tuple) -> None:
    global loopback
    if event not in EVENTS:
        return
    if event == "socket.getaddrinfo":
        host, port = args[0], args[1]
    else:
        addr = args[1] if len(args) > 1 else None
        if not isinstance(addr, tuple):  # AF_UNIX path or an unparsed address: never leaves the machine
            return
        host, port = addr[0], addr[1]
    if _is_local(host):
        loopback += 1
        return
    stack = "".join(traceback.format_stack(limit=12)[:-1])
    outbound.append({"phase": phase, "event": event, "host": str(host), "port": str(port), "stack": stack})


sys.addaudithook(hook)


def main(data_dir: str, corpus: str, out_path: str) -> int:
    global phase
    import os
    import socket

    from click.testing import CliRunner

    from gugus.app.cli.main import cli

    steps: dict[str, object] = {}

    def run(name: str, *args: str) -> None:
        global phase
        phase = name
        r = CliRunner().invoke(cli, ["--data-dir", data_dir, *args])
        steps[name] = {"exit_code": r.exit_code, "stdout": r.stdout[-200_000:], "stderr": r.stderr[-3000:],
                       "exception": None if r.exception is None or isinstance(r.exception, SystemExit)
                       else "".join(traceback.format_exception(r.exception))[-3000:]}

    run("ingest", "ingest", corpus, "--json")
    run("ask", "ask", "Apa saja enam Subsatgas Gugus Tugas TPPO?", "--json")
    if "draft" in cli.commands:
        run("draft", "draft", "protection", "--json")
    else:
        steps["draft"] = "skipped: no `gugus draft` command"

    phase = "serve"
    import httpx
    from helpers import serve_in_thread  # tests/ is this script's directory, hence on sys.path

    from gugus.app.container import Gugus
    from gugus.app.settings import Settings
    from gugus.app.web.app import build_app

    g = Gugus(Settings(_env_file=None, data_dir=data_dir))
    serve: dict[str, object] = {}
    try:
        with serve_in_thread(build_app(g)) as (base, started), httpx.Client(base_url=base, timeout=120) as c:
            serve["started"] = started
            serve["page"] = c.get("/").status_code
            r = c.post("/gradio_api/call/ask", json={"data": ["Apa saja enam Subsatgas Gugus Tugas TPPO?",
                                                             [], [], [], "", ""]})
            serve["ask_post"] = r.status_code
            if r.status_code == 200:
                body = c.get(f"/gradio_api/call/ask/{r.json()['event_id']}").text
                serve["ask_complete"] = "event: complete" in body
                serve["ask_cited"] = "[1]" in body
            doc = g.documents()[0].doc_id if g.documents() else "none"
            serve["source"] = c.get(f"/source/{doc}").status_code
    finally:
        g.close()
    steps["serve"] = serve

    phase = "canary"
    try:
        socket.create_connection(("192.0.2.1", 9), timeout=0.05).close()
    except OSError:
        pass

    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"outbound": outbound, "loopback": loopback, "steps": steps}, f, ensure_ascii=False, indent=1)
    os._exit(0)  # skip interpreter teardown (library atexit hooks): the report is written


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
