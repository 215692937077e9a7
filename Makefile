# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app catalog
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_WORKERS ?= 2

.PHONY: browser run serve-portal port-free test test-postgres install install-test migrate seed harvest-demo quality-check publish-demo search-index demo-accounts serve lint bench translations clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Links in notifications and feeds point to the running portal unless CATALOG_BASE_URL says otherwise
# (a portal listening on every address is linked through this machine's loopback address).
LINK_HOST := $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST))
CATALOG_BASE_URL ?= http://$(LINK_HOST):$(PORT)

## run: check the port is free, then install, migrate, load seed/, harvest the demo sources, check their quality, make the demo accounts, serve on http://$(HOST):$(PORT)
run: port-free
	@$(MAKE) --no-print-directory serve-portal

serve-portal: export CATALOG_BASE_URL := $(CATALOG_BASE_URL)
serve-portal: install migrate seed harvest-demo quality-check publish-demo search-index demo-accounts
	@echo "Serving the portal at http://$(HOST):$(PORT)  (Ctrl+C stops it); links point to $(CATALOG_BASE_URL)"
	$(BIN)/gunicorn --no-control-socket --workers 2 --bind $(HOST):$(PORT) --access-logfile - 'catalog:create_app()'

## port-free: fail at once, before any set-up, when HOST:PORT is taken by another program
port-free:
	@$(PYTHON) catalog/port_check.py '$(HOST)' '$(PORT)'

migrate: install
	$(FLASK) db upgrade

# The seed and the demo harvest are checked once, together, by quality-check (no network: fast).
seed: install
	CATALOG_QUALITY_AUTO=false $(FLASK) seed load

## harvest-demo: register and harvest the demo sources of seed/harvest (local files; safe to run again)
harvest-demo: install
	CATALOG_QUALITY_AUTO=false $(FLASK) harvest demo

## quality-check: check every dataset once without asking any server (links are asked by the schedule)
quality-check: install
	$(FLASK) quality run --offline --quiet

## publish-demo: open the seed's open datasets through the publication procedure (demo editor asks, demo steward approves)
publish-demo: install
	CATALOG_QUALITY_AUTO=false $(FLASK) publish demo

## search-index: rebuild the search index from the registry (after an upgrade; safe while serving)
search-index: install
	$(FLASK) search reindex

## demo-accounts: demo accounts for each role and a few demo sharing requests (printed; safe to run again)
demo-accounts: install
	@$(FLASK) users demo

## serve: the development server with reload
serve: install
	$(FLASK) run --host $(HOST) --port $(PORT) --debug

## test: install with test extras, then ruff and the whole pytest suite (two pytest-xdist workers: PYTEST_WORKERS=N)
test: install-test
	$(BIN)/ruff check .
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

## test-postgres: the whole pytest suite again with the registry on PostgreSQL (CATALOG_TEST_POSTGRES_URL), in parallel
test-postgres: install-test
	CATALOG_TEST_DATABASE=postgres $(BIN)/pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

## browser: Debian's Chromium for the browser tests (Playwright drives it; no browser download)
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	    else echo "The browser tests need Chromium: sudo apt-get install chromium (they are skipped without it)"; fi; }

lint: install-test
	$(BIN)/ruff check .

bench: install-test
	$(BIN)/python -m bench $(BENCH_ARGS)

## translations: extract messages and update the vi/en catalogues (then edit translations/vi)
translations: install
	$(BIN)/pybabel extract --no-location --sort-output --width=100 -F translations/babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --width=100 -i translations/messages.pot -d translations
	$(BIN)/pybabel compile -d translations

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
