# Fokus: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# PostgreSQL for the test suite; the server must be running (see README).
PG_TEST_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/fokus)
SKIP_POSTGRES ?=
ARTIFACTS := test-artifacts
# Debian packages the tests need: the browser, fonts, PDF rendering, translations.
APT_PACKAGES := chromium xmlsec1 fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 poppler-utils gettext

.PHONY: demo test venv venv-dev system-deps lint check-deploy test-sqlite test-postgres test-container messages bench-outcomes bench-meeting bench-pages bench-memory bench-import openapi clean-demo

# Two dependency sets: requirements.lock is the application's (what `make demo` and a
# production install get); requirements-dev.lock adds the test and development tools
# (pinned to the same application versions). `make test` installs both.
$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.lock
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $@

venv: $(VENV)/.installed
venv-dev: $(VENV)/.dev-installed

## make demo: a living FIT department on http://127.0.0.1:$(PORT) (SQLite under ./var)
demo: venv
	$(PY) -m fokus migrate --noinput
	$(PY) -m fokus demo-data --if-empty
	@echo ""
	@echo "Fokus demo on http://127.0.0.1:$(PORT)/  - log in with password 'demo' as:"
	@echo "  anna   caseworker, Team Nord        bo     caseworker, Team Syd"
	@echo "  lise   team leader, Team Nord       ali    analyst (no names)"
	@echo "  dorte  department head (dashboards)  karen  FIT superuser"
	@echo "  admin  administrator (configuration)  dpo    data protection officer (access log)"
	@echo ""
	@echo "The task worker runs beside it (rating links, graphs ahead, the nightly jobs)."
	@# The worker beside the server, stopped with it (Ctrl-C stops both).
	$(PY) -m fokus worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) -m fokus runserver 127.0.0.1:$(PORT)

## make worker: the task worker and the periodic jobs (graphs ahead, reminders, the nightly jobs); run it beside the web server
.PHONY: worker
worker: venv
	$(PY) -m fokus worker

## make clean-demo: forget the demo database (the next `make demo` generates a new one)
clean-demo:
	rm -f var/fokus.sqlite3

## make test: every gate and every test, on SQLite, PostgreSQL and Chromium
test: venv-dev system-deps lint check-deploy test-sqlite test-postgres test-container
	$(PY) tools/test_summary.py $(ARTIFACTS)

system-deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || { echo "apt-get could not install:$$missing"; exit 1; }; \
	  else \
	    echo "These Debian packages are needed by the tests:$$missing"; \
	    echo "Install them with: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

lint: venv-dev
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy fokus/outcomes --ignore-missing-imports
	$(PY) -m fokus makemigrations --check --dry-run
	$(PY) tools/check_messages.py

check-deploy: venv-dev
	FOKUS_PROFILE=production FOKUS_SECRET_KEY="check-deploy-$$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')" \
	FOKUS_ALLOWED_HOSTS=fokus.kommune.example \
	DATABASE_URL=postgres://fokus@db.invalid:5432/fokus \
	FOKUS_CPR_KEYS="$$(head -c 32 /dev/urandom | base64 | tr '+/' '-_')" \
	FOKUS_CPR_LOOKUP_KEY="check-deploy-$$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')" \
	$(PY) -m fokus check --deploy --fail-level WARNING

test-sqlite: venv-dev
	@mkdir -p $(ARTIFACTS)
	env -u DATABASE_URL $(PY) -m pytest -m "not postgres and not container" -p no:cacheprovider \
	  --junitxml=$(ARTIFACTS)/sqlite.xml

test-postgres: venv-dev
	@mkdir -p $(ARTIFACTS)
	@if [ -n "$(SKIP_POSTGRES)" ]; then \
	  echo "PostgreSQL tests SKIPPED on request (SKIP_POSTGRES=$(SKIP_POSTGRES))."; \
	  rm -f $(ARTIFACTS)/postgres.xml; echo skipped > $(ARTIFACTS)/postgres-skipped; \
	else \
	  rm -f $(ARTIFACTS)/postgres-skipped; \
	  $(PY) tools/check_postgres.py "$(PG_TEST_URL)" $(ARTIFACTS)/postgres-version.txt && \
	  DATABASE_URL="$(PG_TEST_URL)" $(PY) -m pytest -m "not browser and not sqlite_only and not container" --ignore=tests/outcomes \
	    -p no:cacheprovider --junitxml=$(ARTIFACTS)/postgres.xml; \
	fi

## make test-container: build and start the container image, where podman or docker answers
test-container: venv-dev
	@mkdir -p $(ARTIFACTS)
	@rm -f $(ARTIFACTS)/container.xml $(ARTIFACTS)/container-absent
	@if (command -v podman >/dev/null && podman info >/dev/null 2>&1) || \
	    (command -v docker >/dev/null && docker info >/dev/null 2>&1); then \
	  env -u DATABASE_URL $(PY) -m pytest -m container -p no:cacheprovider \
	    --junitxml=$(ARTIFACTS)/container.xml; \
	else \
	  echo "No container runtime answers (podman/docker): the image is NOT built."; \
	  echo absent > $(ARTIFACTS)/container-absent; \
	fi

## make messages: collect new strings for translators (then fill fokus/locale/*/django.po)
messages: venv-dev
	cd fokus && PYTHONPATH=$(CURDIR) ../$(PY) -m fokus makemessages -l da -l en && PYTHONPATH=$(CURDIR) ../$(PY) -m fokus compilemessages

## make bench-meeting: storing a rating and the case page with its graph, over real HTTP
bench-meeting: venv-dev
	$(PY) bench/meeting_bench.py

## make bench-pages: caseload, board and dashboards at a generated municipality (DATABASE_URL)
bench-pages: venv-dev
	$(PY) bench/pages_bench.py

## make openapi: regenerate docs/openapi.json from the API's code (a test compares them)
openapi: venv-dev
	$(PY) tools/openapi.py

## make bench-memory: memory per process after 100 case pages, graphs and PDFs (PostgreSQL)
bench-memory: venv-dev
	$(PY) bench/memory_bench.py

## make bench-import: a 500,000-row ratings file imported into PostgreSQL (DATABASE_URL)
bench-import: venv-dev
	$(PY) bench/import.py

## make bench-outcomes: the outcomes engine on 10 million ratings
bench-outcomes: venv-dev
	$(PY) bench/outcomes_bench.py && $(PY) bench/cli_bench.py
