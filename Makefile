# flaskblog: `make run` starts the site, `make test` runs the whole suite.
# Everything installs into .venv; only Python 3.11+ is needed to begin.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The security scanners have their own virtualenv, so that their pins never meet the app's.
SCAN_VENV := .venv-scan
# The accessibility rules the browser tests run in Chromium (see its rule below).
AXE := tools/axe/node_modules/axe-core/axe.min.js

.PHONY: run seed test lint format translations browser security bench stress soak audit clean

## run: install, apply the migrations to SQLite in instance/, serve http://127.0.0.1:5000
run: $(VENV)/.runtime
	$(BIN)/flask db upgrade
	FLASK_DEBUG=$${FLASK_DEBUG:-1} $(BIN)/flask run

## seed: demo users, posts, tags and comments (`make seed USERS=50 POSTS=2000`); a rerun tops up
USERS ?= 25
POSTS ?= 250
seed: $(VENV)/.runtime
	$(BIN)/flask db upgrade
	$(BIN)/flask seed --users $(USERS) --posts $(POSTS)

## test: install the test tools and run the whole suite with a coverage figure
test: $(VENV)/.dev $(AXE)
	$(BIN)/python -m pytest -n auto --dist loadscope --cov --cov-report=term $(PYTEST_ARGS)

# axe-core, pinned in tools/axe: the browser tests inject it into Chromium (npm; Node from
# apt-get when the machine has none)
$(AXE): tools/axe/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; }
	npm ci --prefix tools/axe --no-audit --no-fund
	touch $@

## lint: ruff's checks and formatting
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## translations: extract the strings marked for translation, update the catalogues with
##               them (new ones untranslated) and compile them (flaskblog/translations)
## A new language: .venv/bin/pybabel init -i flaskblog/translations/messages.pot -d flaskblog/translations -l fr
TRANSLATIONS := flaskblog/translations
translations: $(VENV)/.runtime
	$(BIN)/pybabel extract -F $(TRANSLATIONS)/babel.cfg -k _l -k lazy_ngettext:1,2 \
		--project=flaskblog --version=1 --add-location=file --sort-by-file --no-wrap -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) \
		--no-fuzzy-matching --no-wrap --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics

## browser: install Debian's Chromium for the browser tests (apt-get, as root or through sudo)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

## bench: load benchmark on SQLite and PostgreSQL into docs/PERFORMANCE.md (installs wrk with apt-get)
##        e.g. make bench BENCH_ARGS="--posts 1000000"  or  BENCH_ARGS="--duration 5 --databases sqlite"
BENCH_ARGS ?=
bench: $(VENV)/.runtime
	@command -v wrk >/dev/null 2>&1 || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## stress: the worst requests known, against the site as in production, into docs/SECURITY.md;
##         then the worst Markdown and pictures at their limits, measured in one process
##         e.g. make stress STRESS_ARGS="--posts 2000"  or  STRESS_ARGS="--databases sqlite,postgresql"
STRESS_ARGS ?=
stress: $(VENV)/.dev
	$(BIN)/python bench/stress.py $(STRESS_ARGS)
	$(BIN)/python bench/expensive_input.py

## soak: a mixed load for 10 minutes with Redis stopped and PostgreSQL restarted midway, each
##       of the run's own, into docs/RELIABILITY.md; e.g. make soak SOAK_ARGS="--duration 120 --rate 5"
SOAK_ARGS ?=
soak: $(VENV)/.runtime
	$(BIN)/python bench/soak.py $(SOAK_ARGS)

## audit: Lighthouse (pinned in tools/audit) on the main pages, both themes, English and German,
##        against the site as in production, into docs/AUDIT.md; screenshots into docs/screenshots
##        e.g. make audit AUDIT_ARGS="--pages home post --no-screenshots"
AUDIT_ARGS ?=
audit: $(VENV)/.dev browser tools/audit/node_modules/.installed
	$(BIN)/python bench/audit.py $(AUDIT_ARGS)

tools/audit/node_modules/.installed: tools/audit/package-lock.json
	npm ci --prefix tools/audit --no-audit --no-fund
	touch $@

## security: bandit, pip-audit, then wapiti and sqlmap against the site served as in production
security: $(VENV)/.runtime $(SCAN_VENV)/.installed
	bash .ci/scan

clean:
	rm -rf $(VENV) $(SCAN_VENV) tools/audit/node_modules tools/axe/node_modules .pytest_cache .ruff_cache .coverage htmlcov

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "flaskblog needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

$(SCAN_VENV)/.installed: .ci/scan-requirements.txt | $(BIN)/python
	$(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r .ci/scan-requirements.txt
	touch $@
