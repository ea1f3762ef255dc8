# Palermo: `make demo` sets up and runs the workbench; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# JavaScript the pages ship (the network graph library): installed by npm from
# package-lock.json at build time and copied into the package; never committed.
VENDOR := src/palermo/web/static/vendor
VENDOR_STAMP := $(VENDOR)/.installed-stamp
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: demo test test-sqlite test-postgresql lint bench install vendor system-deps clean

$(VENDOR_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || $(MAKE) system-deps
	npm ci --no-audit --no-fund --prefer-offline
	mkdir -p $(VENDOR)
	cp node_modules/cytoscape/dist/cytoscape.min.js $(VENDOR)/cytoscape.min.js
	cp node_modules/layout-base/layout-base.js $(VENDOR)/layout-base.js
	cp node_modules/cose-base/cose-base.js $(VENDOR)/cose-base.js
	cp node_modules/cytoscape-fcose/cytoscape-fcose.js $(VENDOR)/cytoscape-fcose.js
	for pkg in cytoscape layout-base cose-base cytoscape-fcose; do \
	  cp node_modules/$$pkg/LICENSE $(VENDOR)/$$pkg.LICENSE.txt; done
	touch $(VENDOR_STAMP)

vendor: $(VENDOR_STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(VENDOR_STAMP) $(STAMP)

# Debian packages the tests need (a real Chromium for browser tests, poppler for PDF checks,
# Tesseract with English and Spanish for OCR of scans, Node.js and npm for the pages' JavaScript,
# Java for the national linkage on Spark).
system-deps:
	@pkgs=""; \
	[ -x /usr/bin/chromium ] || pkgs="$$pkgs chromium"; \
	command -v pdftotext >/dev/null || pkgs="$$pkgs poppler-utils"; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || pkgs="$$pkgs fonts-dejavu-core"; \
	command -v tesseract >/dev/null || pkgs="$$pkgs tesseract-ocr"; \
	[ -f /usr/share/tesseract-ocr/5/tessdata/eng.traineddata ] || pkgs="$$pkgs tesseract-ocr-eng"; \
	[ -f /usr/share/tesseract-ocr/5/tessdata/spa.traineddata ] || pkgs="$$pkgs tesseract-ocr-spa"; \
	command -v node >/dev/null || pkgs="$$pkgs nodejs"; \
	command -v npm >/dev/null || pkgs="$$pkgs npm"; \
	command -v java >/dev/null || pkgs="$$pkgs default-jre-headless"; \
	if [ -n "$$pkgs" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$pkgs >/dev/null; \
	  else \
	    echo "Install Debian packages first: sudo apt-get install$$pkgs"; exit 1; \
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
	rm -rf $(VENV) node_modules $(VENDOR) palermo-data test-artifacts .pytest_cache .mypy_cache .ruff_cache
