# Nära: `make demo` starts the demo, `make test` runs every test. Both set everything up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export DJANGO_SETTINGS_MODULE := nara.settings
# Everything run from here is development: the production start-up checks stay quiet.
export NARA_DEV_MODE := 1

.PHONY: demo test lint bench system-deps browser-deps messages clean

# The demo, tests and benchmarks run on the public development keys, on this machine only.
# Production sets NARA_SECRET_KEY, NARA_FIELD_KEYS and NARA_AUDIT_KEY (docs/operations.md).

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt -c requirements.lock
	touch $@

# Debian packages: gettext compiles the translations; chromium runs the browser tests.
system-deps:
	@command -v msgfmt >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext; }

browser-deps: system-deps
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@test -f tests/browser/node_modules/axe-core/axe.min.js || npm ci --prefix tests/browser --no-audit --no-fund --silent
	@test -d tests/oidc_provider/node_modules/oidc-provider || npm ci --prefix tests/oidc_provider --no-audit --no-fund --silent

messages: $(VENV)/.installed system-deps
	$(BIN)/python manage.py compilemessages --ignore=.venv -v0

# Reminder links point at the port the demo is served on.
demo: export NARA_PUBLIC_URL := http://127.0.0.1:$(PORT)
demo: messages
	$(BIN)/python manage.py migrate -v0
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py demo_data
	@echo "Nära demo: http://127.0.0.1:$(PORT)/  (staff: http://127.0.0.1:$(PORT)/staff/)"
	@echo "Reminders are written as files to var/messages/ by the background worker."
	@echo "Reminder links: $(NARA_PUBLIC_URL)/<language>/booking/"
	$(BIN)/python manage.py run_worker & worker=$$!; trap "kill $$worker" EXIT; \
	$(BIN)/gunicorn --config gunicorn.conf.py --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile -

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: messages browser-deps lint
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

bench: messages
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-bench.txt
	$(BIN)/python manage.py collectstatic --noinput -v0
	for script in benchmarks/public_pages.py benchmarks/booking.py benchmarks/planning.py \
		benchmarks/casework.py benchmarks/api.py benchmarks/insights.py; do \
		test -f $$script || continue; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) staticfiles nara.sqlite3 tests/browser/node_modules
