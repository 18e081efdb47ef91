# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := isk
HOST ?= 127.0.0.1
PORT ?= 5000
# `make run` without a mail server: mail is written here as .eml files (ISK_MAIL_OUTBOX).
MAIL_OUTBOX ?= instance/utkorg

# The production server: gunicorn with gunicorn.conf.py (workers, threads, timeouts).
GUNICORN_BIND ?= $(HOST):8000
export GUNICORN_BIND

.PHONY: run serve bench test install lint bandit load lock audit translations messages check-python clean-venv

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ISK needs Python 3.11 or newer (set PYTHON=...).")'

$(VENV)/.installed: pyproject.toml | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

# Compiled catalogues (.mo) are build output, made from the reviewed .po files.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d isk/translations --statistics 2>&1 | tail -n 1

install: $(VENV)/.installed translations

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask isk demo --if-empty
	@echo ""
	@echo "ISK körs på http://$(HOST):$(PORT)/  (avsluta med Ctrl+C)"
	@echo "Utan ISK_SMTP_HOST sparas e-post (inbjudningar, påminnelser) i $(MAIL_OUTBOX)/"
	ISK_MAIL_OUTBOX="$${ISK_MAIL_OUTBOX:-$(MAIL_OUTBOX)}" \
		ISK_BASE_URL="$${ISK_BASE_URL:-http://$(HOST):$(PORT)}" \
		$(BIN)/flask run --host $(HOST) --port $(PORT)

# Production serving: migrate, then gunicorn (see README.md, "Production and performance").
serve: install
	$(BIN)/flask db upgrade
	$(BIN)/gunicorn --config gunicorn.conf.py

# Every benchmark with a run() (benchmarks/bench_*.py) at 50, 500 and 5,000 risks; writes the
# table at the top of benchmarks/RESULTS.md. BENCH_ARGS=--quick: 50 and 500 only.
bench: install
	$(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

# One test process per core; a file's tests stay in one process (they share its fixtures).
# PYTEST_WORKERS=0 runs everything in this process (for pdb, or -x on the first failure).
PYTEST_WORKERS ?= auto
test: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

# Security lint: fails on any finding of medium or high severity.
bandit: install
	$(BIN)/bandit --quiet --recursive isk --severity-level medium

# Load and faults (several minutes, so not part of `make test`): 50 users for 2 minutes against
# gunicorn on SQLite and PostgreSQL, then a PostgreSQL restart and SIGKILL mid-import/mid-draw.
load: install
	$(BIN)/python benchmarks/load/run.py $(LOAD_ARGS)
	$(BIN)/pytest -p no:cacheprovider -s benchmarks/load $(PYTEST_ARGS)

# The production pins (with hashes) from pyproject.toml's runtime dependencies; needs PyPI.
lock: $(VENV)/.installed
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url \
		--no-emit-find-links --output-file requirements.lock pyproject.toml

# Known vulnerabilities in the pinned dependencies; needs network access to the vulnerability
# database (PyPI's advisory service / OSV), so it is not part of CI.
audit: $(VENV)/.installed
	$(BIN)/pip install --quiet pip-audit
	$(BIN)/pip-audit --requirement requirements.lock --require-hashes --disable-pip

clean-venv:
	rm -rf $(VENV)

# After changing UI text: extract the Swedish msgids and merge them into the English catalogue.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l --ignore-dirs '.* __pycache__' --no-location \
		--sort-output --project ISK -o isk/translations/messages.pot .
	$(BIN)/pybabel update -i isk/translations/messages.pot -d isk/translations --no-fuzzy-matching
