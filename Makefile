# Warden: `make run` serves the demo school; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-deps lint typecheck pytest audit-deps test-browser assets axe-core clean

$(STAMP): pyproject.toml setup.py warden/engine/_native.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/warden migrate --noinput
	$(BIN)/warden demo --if-empty
	@echo "Starting the background worker and the web server (Ctrl-C stops both)."
	@$(BIN)/warden worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/warden serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy warden

# The tests start real servers (Squid, OpenLDAP) of their own; install them when missing.
test-deps:
	scripts/ensure-test-deps

pytest: install test-deps
	$(BIN)/pytest

# Every installed package against known vulnerabilities (scripts/audit-deps): fails when one
# is vulnerable, and when the database cannot be reached, except in CI (CI=true) where that
# only warns.
audit-deps: install
	$(BIN)/python scripts/audit-deps --python $(BIN)/python

test: lint typecheck pytest audit-deps

# Only the real-browser journeys (tests/browser: Debian's chromium against a live `warden serve`).
test-browser: install test-deps
	$(BIN)/pytest -m browser tests/browser

# Refresh vendored static assets from the npm registry, checking each file's SHA-256.
HTMX_VERSION := 2.0.8
HTMX_SHA256 := 22283ef68cb7545914f0a88a1bdedc7256a703d1d580c1d255217d0a50d31313
assets:
	tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent htmx.org@$(HTMX_VERSION) >/dev/null \
	  && tar xzf htmx.org-$(HTMX_VERSION).tgz \
	  && echo "$(HTMX_SHA256)  package/dist/htmx.min.js" | sha256sum -c - \
	  && cp package/dist/htmx.min.js $(CURDIR)/warden/core/static/vendor/htmx/htmx.min.js \
	  && cp package/LICENSE $(CURDIR)/warden/core/static/vendor/htmx/LICENSE

# axe-core for the browser journeys' accessibility checks (tests/browser/vendor/axe-core); the
# SHA-256 it must have is in SHA256SUMS there, which the tests check again when they load it.
AXE_VERSION := 4.14.1
AXE_DIR := tests/browser/vendor/axe-core
axe-core:
	tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null \
	  && tar xzf axe-core-$(AXE_VERSION).tgz && cd package \
	  && sha256sum -c $(CURDIR)/$(AXE_DIR)/SHA256SUMS \
	  && cp axe.min.js LICENSE $(CURDIR)/$(AXE_DIR)/

clean:
	rm -rf $(VENV) var/static .mypy_cache .pytest_cache .ruff_cache
