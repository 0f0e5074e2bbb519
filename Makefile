# Evidence Assistant — set-up, run and test. `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
INDEX ?= .evidence/index
export EVIDENCE_INDEX_DIR ?= $(abspath $(INDEX))
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
export OPENBLAS_NUM_THREADS := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run test test-fast test-slow lint install ingest eval bench chroma-server browser ocr corpus clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found); set PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Index the sample corpus when the index is missing or the corpus changed (ingest itself skips
# unchanged files, so this is cheap when nothing changed).
ingest: $(STAMP)
	$(VENV)/bin/evidence ingest corpus/sample --quiet

run: ingest
	$(VENV)/bin/evidence chat

# Debian's Chromium for the browser tests (no browser download); skipped when it is already there.
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; } \
	  || echo "warning: could not install Debian's chromium; browser tests will be skipped"

# Debian's Tesseract and Poppler, for OCR of scanned PDF pages (EVIDENCE_OCR); skipped when present.
ocr:
	@{ command -v tesseract >/dev/null && command -v pdftoppm >/dev/null; } || { \
	  pkgs="tesseract-ocr tesseract-ocr-eng poppler-utils"; \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs >/dev/null; fi; } \
	  || echo "warning: could not install Debian's tesseract-ocr; scanned PDF pages will be skipped and OCR tests skipped"

# The import floors (.importlinter): each floor imports only those below it.
lint: $(STAMP)
	$(VENV)/bin/lint-imports

test: $(STAMP) browser ocr lint
	$(PY) -m pytest -q -m "not slow"
	$(PY) -m pytest -q -m "slow"; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || exit $$rc

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

eval: $(STAMP)
	$(VENV)/bin/evidence eval --suite all --out evals/reports

bench: $(STAMP)
	$(PY) -m benchmarks.run_all

chroma-server: $(STAMP)
	$(VENV)/bin/chroma run --host 127.0.0.1 --port $${EVIDENCE_CHROMA_PORT:-8000} --path $${CHROMA_PATH:-.evidence/chroma-server}

corpus: $(STAMP)
	$(PY) corpus/build.py

clean:
	rm -rf .evidence .pytest_cache test-artifacts
