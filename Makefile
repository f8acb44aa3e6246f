# Koers: `make run` brings up the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8000
PY     := $(VENV)/bin/python
KOERS  := $(VENV)/bin/koers
export KOERS_DATA_DIR ?= $(CURDIR)/var

.PHONY: run install dev test lint test-sqlite test-postgres demo-reset bench mutate fuzz crawl

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed

run: install
	$(KOERS) migrate --noinput
	$(KOERS) demo --if-empty
	$(KOERS) demo-logins --url http://127.0.0.1:$(PORT)
	$(KOERS) runserver 127.0.0.1:$(PORT)

lint: dev
	$(VENV)/bin/ruff check src tests bench mutation
	$(VENV)/bin/ruff format --check src tests bench mutation
	$(VENV)/bin/mypy
	$(KOERS) makemigrations --check --dry-run

# The suite runs on SQLite always; on PostgreSQL too when a server answers
# (DATABASE_URL, or 127.0.0.1:5432). On CI PostgreSQL is required.
test: lint
	$(PY) -m pytest -p no:cacheprovider -n 2 --dist loadfile
	@pg=$$($(PY) -m koers.dbprobe); \
	if [ -n "$$pg" ]; then \
	  echo "== PostgreSQL run on $$pg"; \
	  DATABASE_URL="$$pg" $(PY) -m pytest -p no:cacheprovider -n 2 --dist loadfile -m "not browser"; \
	elif [ -n "$$CI" ]; then echo "PostgreSQL is required on CI but none answered"; exit 1; \
	else echo "== PostgreSQL not reachable: PostgreSQL run skipped"; fi

# The browser crawl over every menu page of every role, the Data lists included (`make test`
# walks the cycle's pages; the lists are rendered for every role there without a browser).
crawl: dev
	KOERS_FULL_CRAWL=1 $(PY) -m pytest -p no:cacheprovider -n 2 tests/browser/test_crawl.py

# Long property runs (not part of `make test`): the pay engine against its Decimal oracle
# and months run again, with many more examples than the suite tries.
fuzz: dev
	KOERS_HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -p no:cacheprovider -n 2 \
	  tests/engine/test_comp_oracle.py tests/engine/test_explain.py \
	  tests/reward/test_pay_oracle.py tests/reward/test_rerun.py

# Every benchmark, each beside its baseline from the same run, written into
# docs/benchmarks.md (needs PostgreSQL and Redis; BENCH_SCALE=100 for the issue's aims,
# BENCH_ARGS=--quick for a first look).
BENCH_SCALE ?= 10
bench: dev
	$(PY) bench/run_all.py --scale $(BENCH_SCALE) $(BENCH_ARGS)

demo-reset: install
	rm -f "$(KOERS_DATA_DIR)/koers.sqlite3"
	$(KOERS) migrate --noinput
	$(KOERS) demo

# Mutation testing (not part of `make test`; about an hour on two cores): each module is
# mutated in place, its tests run against every mutant, and the report lists what survived.
MUTATED ?= comp kpi visibility
mutate: dev
	$(PY) -m pip install -q --disable-pip-version-check -e '.[mutate]'
	mkdir -p var/mutation
	for m in $(MUTATED); do \
	  rm -f var/mutation/$$m.sqlite; \
	  $(VENV)/bin/cosmic-ray init mutation/$$m.toml var/mutation/$$m.sqlite || exit 1; \
	  $(VENV)/bin/cr-filter-operators var/mutation/$$m.sqlite mutation/$$m.toml || exit 1; \
	  PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/cosmic-ray exec mutation/$$m.toml var/mutation/$$m.sqlite || exit 1; \
	done
	$(PY) mutation/report.py $(addprefix var/mutation/,$(addsuffix .sqlite,$(MUTATED)))
