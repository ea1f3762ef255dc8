# Palermo: `make demo` sets up and runs the workbench; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: demo test test-sqlite test-postgresql lint bench install system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages the tests need (a real Chromium for browser tests, poppler for PDF checks,
# Tesseract with English and Spanish for OCR of scans).
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! command -v pdftotext >/dev/null || ! command -v tesseract >/dev/null \
	    || [ ! -f /usr/share/tesseract-ocr/5/tessdata/eng.traineddata ] || [ ! -f /usr/share/tesseract-ocr/5/tessdata/spa.traineddata ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium poppler-utils fonts-dejavu-core tesseract-ocr tesseract-ocr-eng tesseract-ocr-spa >/dev/null; \
	  else \
	    echo "Install Debian packages first: sudo apt-get install chromium poppler-utils fonts-dejavu-core tesseract-ocr tesseract-ocr-eng tesseract-ocr-spa"; exit 1; \
	  fi; \
	fi

demo: install
	$(BIN)/palermo demo

test: install system-deps test-sqlite test-postgresql

test-sqlite: install
	$(BIN)/pytest --db sqlite

test-postgresql: install
	PALERMO_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/pytest --db postgresql

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

bench: install
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) palermo-data test-artifacts .pytest_cache .mypy_cache .ruff_cache
