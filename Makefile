# care — the two commands: `make demo` runs the product, `make test` runs the checks.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SIM_PORT ?= 8700
export PORT SIM_PORT

.PHONY: demo test lint typecheck pytest messages vendor clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when a requirements file changed.
$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

# The demo talks to the platform simulator, with the simulator's app secrets.
demo: export WEB_PORT = $(PORT)
demo: export X_API_BASE_URL = http://127.0.0.1:$(SIM_PORT)/x
demo: export GRAPH_API_BASE_URL = http://127.0.0.1:$(SIM_PORT)/graph
demo: export SIMULATOR_URL = http://127.0.0.1:$(SIM_PORT)
demo: export X_CONSUMER_KEY = sim-x-consumer-key
demo: export X_CONSUMER_SECRET = sim-x-consumer-secret
demo: export FACEBOOK_APP_SECRET = sim-fb-app-secret
demo: export FACEBOOK_VERIFY_TOKEN = sim-fb-verify-token
demo: $(VENV)/.installed
	@$(PY) manage.py migrate --noinput
	@$(PY) manage.py load_demo_data
	@echo ""
	@echo "  care is starting on http://127.0.0.1:$(PORT)  (web, Celery worker and beat, simulator; Ctrl-C stops all)"
	@echo "  platform simulator: http://127.0.0.1:$(SIM_PORT)/_sim/  (customers post on their own; see docs/simulator.md)"
	@echo "  health: http://127.0.0.1:$(PORT)/healthz    team page: http://127.0.0.1:$(PORT)/team/"
	@echo ""
	@exec $(VENV)/bin/honcho --procfile Procfile.demo --app-root . start --port $(PORT)

test: $(VENV)/.installed-dev lint typecheck pytest

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(VENV)/bin/mypy

pytest: $(VENV)/.installed-dev
	$(VENV)/bin/pytest

# After changing UI strings: extract, translate the new entries in locale/id, then compile.
messages: $(VENV)/.installed-dev
	$(PY) manage.py makemessages -l id --ignore=.venv --ignore=var --ignore=bench --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

# Front-end libraries come from npm (package.json) and are served from static/vendor/.
vendor:
	npm ci --no-audit --no-fund
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map \
		node_modules/chart.js/LICENSE.md static/vendor/chartjs/

clean:
	rm -rf var/test-care.sqlite3* .pytest_cache .mypy_cache .ruff_cache .coverage
