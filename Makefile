# schooltrips: one task file. `make run` serves the demo; `make test` runs the whole suite.
# Both install what they need first (Debian packages when root, the venv, Python packages).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
REDIS_URL ?= redis://127.0.0.1:6379/0
# honcho gives every process its own PORT (web 8000, worker 8100, ...): the links the worker
# mails must carry the web's port, so the public URL is fixed here, once, for all of them.
SITE_URL ?= http://127.0.0.1:$(PORT)
export REDIS_URL PORT SITE_URL

RUN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-ipaexfont-gothic \
	tesseract-ocr tesseract-ocr-jpn \
	qpdf redis-server redis-tools gettext
TEST_PACKAGES := $(RUN_PACKAGES) chromium poppler-utils

.PHONY: run test test-fast lint format bench messages makemessages data-dir system-run system-test redis clean

# --- Setup -----------------------------------------------------------------------------------
define install_missing
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

system-run:
	$(call install_missing,$(RUN_PACKAGES))

system-test:
	$(call install_missing,$(TEST_PACKAGES))
	@# npm for axe-core: a Node.js that ships its own npm (as many machines have) is left alone.
	@command -v npm >/dev/null || { if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  $$SUDO apt-get install -y -qq --no-install-recommends nodejs npm; }

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: install python3-venv"; exit 1; }
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

messages: $(VENV)/.installed
	@$(PY) manage.py compilemessages --ignore=.venv -v0

makemessages: $(VENV)/.installed
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=staticfiles \
		--ignore=tests --ignore=bench --no-location --no-wrap

# Start a local Redis when none answers at REDIS_URL (no persistence, never evicts queued tasks).
redis:
	@if ! $(VENV)/bin/python -c "import redis,os; redis.Redis.from_url(os.environ['REDIS_URL'], socket_connect_timeout=1).ping()" 2>/dev/null; then \
	  echo "Starting redis-server on 127.0.0.1:6379"; \
	  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
	    --maxmemory-policy noeviction --dir /tmp >/dev/null; \
	  sleep 1; \
	fi

# DATA_DIR's folders and, in development, its secrets: settings create nothing on import.
data-dir: $(VENV)/.installed
	@$(PY) manage.py prepare_data_dir -v0

# --- The two commands ------------------------------------------------------------------------
run: system-run $(VENV)/.installed messages data-dir redis
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py seed_demo
	@echo "Serving on http://127.0.0.1:$(PORT)/  (web, worker and beat; Ctrl-C stops all)"
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile

test: system-test $(VENV)/.installed messages data-dir redis
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py collectstatic --noinput -v0
	npm ci --no-audit --no-fund  # axe-core for the accessibility tests (never served)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The development loop: every core, without the browser and real-worker tests (`make test` runs
# those too, as CI does).
test-fast: $(VENV)/.installed messages data-dir redis
	$(PY) manage.py collectstatic --noinput -v0
	$(VENV)/bin/pytest -n auto -m "not browser and not worker" $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: system-test $(VENV)/.installed messages data-dir redis
	@for script in bench/bench_*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf staticfiles .pytest_cache .ruff_cache
