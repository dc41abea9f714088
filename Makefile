# The two commands a new user needs: `make run` and `make test`. Everything else is here for them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := portal.settings

.PHONY: run test install xmlsec test-install java lint db migrate seed browser bench messages check stop-db clean a11y

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

# SAML sign-in (sso/saml.py) verifies signatures with the xmlsec1 program; as root we install Debian's package.
xmlsec:
	@command -v xmlsec1 >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xmlsec1 >/dev/null; } || \
		echo "Could not install xmlsec1 (apt-get install xmlsec1): SAML sign-in refuses every answer without it."

install: $(BIN)/.installed xmlsec

# The test runner, the browser driver and ruff: what `make test` needs and `make run` does not.
$(BIN)/.test-installed: requirements-test.txt $(BIN)/.installed
	$(BIN)/python -m pip install -q -r requirements-test.txt
	touch $@

# The Node tools the tests use, each a package of its own in scripts/<name>, installed as its lock file pins it
# (no install scripts run): scripts/api, Redocly CLI, the API schema's linter (tests/test_api_schema.py);
# scripts/webhooks, the npm Standard Webhooks verifier our signatures are checked with (tests/webhooks/);
# scripts/ical, ical.js, the second parser the calendar tests read every feed and invitation with
# (tests/ical_parsers.py); scripts/oidc, the OpenID provider (oidc-provider) the single sign-on tests sign in
# through (tests/oidc_provider.py). Without npm, make says so and goes on; the tests that need a tool then say it is
# missing. scripts/a11y has its own rule below (heavy, only for `make a11y`).
NODE_TOOLS := scripts/api scripts/webhooks scripts/ical scripts/oidc
scripts/%/node_modules/.installed: scripts/%/package.json scripts/%/package-lock.json
	@if command -v npm >/dev/null; then \
		cd scripts/$* && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "npm is not installed: the tests that use scripts/$* will be skipped or fail saying so."; fi

# The Java that openapi-generator-cli's bundled jar runs on (tests/e2e/test_generated_clients.py).
java:
	@command -v java >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; } || true

test-install: $(BIN)/.test-installed $(NODE_TOOLS:%=%/node_modules/.installed) java

# The embedded PostgreSQL server, unless DATABASE_URL names another one.
db: install
	@if [ -z "$$DATABASE_URL" ]; then $(BIN)/python -W ignore -m portal.embedded_db start >/dev/null; fi

migrate: db
	$(BIN)/python manage.py migrate --verbosity 0

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@echo "Serving http://localhost:$(PORT)/ (organisations at http://acme.localhost:$(PORT)/ and http://globex.localhost:$(PORT)/)"
	PORTAL_PORT=$(PORT) $(BIN)/python manage.py runserver --noreload 0.0.0.0:$(PORT)

# Browser tests run in Debian's Chromium and PDF tests read text with poppler's pdftotext; as root we install
# both. Elsewhere browser tests skip and say how; the PDF tests need `apt-get install poppler-utils`.
browser:
	@if { [ ! -x /usr/bin/chromium ] || ! command -v pdftotext >/dev/null; } && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core poppler-utils >/dev/null) \
		|| echo "Could not install chromium and poppler-utils: browser and PDF text tests will be skipped."; \
	fi

# ruff's settings are in pyproject.toml; `ruff check --fix . && ruff format .` puts most findings right.
lint: test-install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint db browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Outside accessibility checkers, not part of `make test`: pa11y (axe and HTML_CodeSniffer, WCAG2AA) and the
# Nu HTML checker over every GET page of the access matrix, per role, in both languages, against the test
# world in a server of its own (tests/e2e/test_outside_checkers.py). Needs Node (npm) and Java 17; pa11y
# drives Debian's Chromium (scripts/a11y/pa11y.json), so puppeteer downloads no browser of its own.
A11Y_TOOLS := scripts/a11y
$(A11Y_TOOLS)/node_modules/.installed: $(A11Y_TOOLS)/package.json $(A11Y_TOOLS)/package-lock.json
	cd $(A11Y_TOOLS) && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

a11y: db browser $(A11Y_TOOLS)/node_modules/.installed
	@command -v java >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; } || true
	$(BIN)/python -m pytest -m a11y -p no:randomly -s tests/e2e/test_outside_checkers.py $(PYTEST_ARGS)

bench: migrate
	$(BIN)/python -m bench.run

messages: install
	$(BIN)/python manage.py makemessages -l nl --ignore=.venv --ignore=.data --ignore=bench --ignore="tests/*" --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore=.venv

check: install
	$(BIN)/python manage.py check

stop-db:
	$(BIN)/python -m portal.embedded_db stop

clean: stop-db
	rm -rf .data

# --- The production stack and the reliability batteries (docs/DEPLOY.md, docs/LOAD.md) ----------------
# Each starts PostgreSQL-at-DATABASE_URL, Redis, two gunicorn processes, a Celery worker and beat on this
# machine (scripts/stack.py); none of them is part of `make test`.
.PHONY: dev-install prod-check load fuzz faults

$(BIN)/.dev-installed: requirements-dev.txt $(BIN)/.test-installed
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

dev-install: $(BIN)/.dev-installed

prod-check: dev-install
	scripts/prod_check.sh $(PYTEST_ARGS)

load: dev-install
	scripts/load.sh

fuzz: dev-install
	scripts/fuzz.sh

faults: dev-install
	scripts/faults.sh $(PYTEST_ARGS)

# --- Citus: the portal on a coordinator and two workers on this machine (docs/DEPLOY.md) -------------
# Builds Citus from the vendored source when PostgreSQL 15 has none (cached in .citus/build), starts the
# cluster in .citus/ (ports CITUS_PORTS, default 9701-9703), migrates, seeds and runs scripts/citus_checks.py,
# the Citus-aware tests and tests/prod/ against it. Not part of `make test`. CITUS_ARGS: --keep, --no-prod;
# CITUS_ORGANISATIONS (default 20) organisations provisioned, CITUS_PEOPLE (default 50) using Acme as it moves.
.PHONY: citus-check
citus-check: dev-install
	$(BIN)/python -m scripts.citus check $(CITUS_ARGS)
