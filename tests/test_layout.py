"""The layout rules of issue 13, checked on the source: data flows one way (corpus -> ingest -> index -> app), no
import cycle (lazy imports inside functions count too), no module imports both Gradio and the store, and inside app/
the feature packages depend on each other in one direction."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOPS = ("ingest", "index", "app", "prompts")


def _modules() -> dict[str, Path]:
    mods = {}
    for top in TOPS:
        for p in (ROOT / top).rglob("*.py"):
            parts = ["gugus", *p.relative_to(ROOT).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts = parts[:-1]
            mods[".".join(parts)] = p
    return mods


MODS = _modules()


def _imports(name: str, path: Path) -> tuple[set[str], set[str]]:
    """(modules of this project it imports, third-party top-level names it imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pkg = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    ours, theirs = set(), set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            for a in n.names:
                (ours if a.name.startswith("gugus") else theirs).add(a.name)
        elif isinstance(n, ast.ImportFrom):
            if n.level:
                target = ".".join(pkg[:len(pkg) - n.level + 1] + ([n.module] if n.module else []))
            else:
                target = n.module or ""
            if not target.startswith("gugus"):
                theirs.add(target.split(".")[0])
                continue
            subs = [f"{target}.{a.name}" for a in n.names if f"{target}.{a.name}" in MODS]
            ours.update(subs if subs and not n.module else [target] + subs)
    return {m for m in ours if m in MODS and m != name}, theirs


GRAPH = {m: _imports(m, p) for m, p in MODS.items()}


def test_no_import_cycle():
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in GRAPH[v][0]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in GRAPH:
        if v not in index:
            visit(v)
    assert not cycles, cycles


@pytest.mark.parametrize("low, high", [("ingest", "index"), ("ingest", "app"), ("index", "app")])
def test_data_flows_one_way(low, high):
    bad = [m for m, (ours, _) in GRAPH.items() if m.startswith(f"gugus.{low}")
           and any(d.startswith(f"gugus.{high}") for d in ours)]
    assert not bad, bad


def test_no_module_imports_both_gradio_and_the_store():
    bad = [m for m, (ours, theirs) in GRAPH.items()
           if ("gradio" in theirs) and ("gugus.index.store" in ours or "chromadb" in theirs)]
    assert not bad, bad


# app/: the features sit above the shared records/text/settings, below the container, the CLI and the web UI
LAYERS = [
    {"settings", "limits"},
    {"records", "text", "generators", "ops", "accounts"},
    {"figures"},
    {"answering", "coverage", "cycle"},
    {"drafting", "evaluation"},
    {"container"},
    {"cli", "web"},
]


def _layer(pkg: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if pkg in names)


def test_app_packages_depend_downwards():
    bad = []
    for m, (ours, _) in GRAPH.items():
        if not m.startswith("gugus.app."):
            continue
        a = m.split(".")[2]
        for d in ours:
            if d.startswith("gugus.app.") and d.split(".")[2] != a and _layer(d.split(".")[2]) > _layer(a):
                bad.append((m, d))
    assert not bad, bad
