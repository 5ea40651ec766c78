# The two commands: `make run` and `make test`. Both set up what they need and are idempotent.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The Spark engine lives in its own environment, installed only by the Spark targets.
SPARK_VENV := .venv-spark
SPARK_BIN := $(SPARK_VENV)/bin
# The oldest DuckDB the served file must open (BI tools bundle 1.x): a small environment for its test.
READER_BIN := .venv-reader/bin
# Source systems (docs/sources.md#source-systems), passed to dbt as vars and to the demo generator:
# make run WEB_SOURCE=ga4 generates the demo store as a GA4 export and builds on it.
WEB_SOURCE ?= contract
EMAIL_SOURCE ?= web
ORDER_SOURCE ?= contract
# one generated store per combination: data/raw, data/raw_ga4, data/raw_segment_klaviyo_web-orders ...
DEMO_SUFFIX := $(if $(filter-out contract,$(WEB_SOURCE)),_$(WEB_SOURCE))$(if $(filter klaviyo,$(EMAIL_SOURCE)),_klaviyo)$(if $(filter-out contract,$(ORDER_SOURCE)),_$(ORDER_SOURCE)-orders)
RAW_DIR ?= data/raw$(DEMO_SUFFIX)
SOURCE_VARS := --var web_source=$(WEB_SOURCE) --var email_source=$(EMAIL_SOURCE) --var order_source=$(ORDER_SOURCE)
# Rate of injected faults for a generated store (make run RAW_DIR=data/raw_faults FAULTS=0.02).
FAULTS ?= 0
# Visitors of a generated demo store (empty: the generator's default, 40,000); a test runs make run smaller.
DEMO_VISITORS ?=
# Where make run writes the report and the audience exports.
REPORT ?= reports/customer_levels.html
AUDIENCES_DIR ?= exports/audiences
export DBT_PROFILES_DIR := $(CURDIR)
# Some machines set PYTHONDONTWRITEBYTECODE: with the --no-compile installs below, every Python
# process (each dbt build, GX run, test worker) would then compile every module it imports from
# source again, a fifth of a small build's time. Unset, each module compiles once, on first import.
unexport PYTHONDONTWRITEBYTECODE
export CUSTOMER_LEVELS_DB ?= $(CURDIR)/warehouse.duckdb

.PHONY: run refresh next-day audiences report metrics docs bench test test-spark lint lint-spark lock-spark build browser demo-data lock clean help
# apt-get needs root; elsewhere use sudo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

help:  ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# --no-compile: Python compiles each module the first time it is imported (into __pycache__, once),
# so pip need not compile the whole environment up front (half of a fresh install's time).
$(BIN)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile -r requirements.lock
	touch $@

$(SPARK_BIN)/.installed: requirements-spark.lock
	test -x $(SPARK_BIN)/python || $(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_BIN)/python -m pip install --quiet --no-compile -r requirements-spark.lock
	touch $@

$(READER_BIN)/.installed: requirements-reader.lock
	test -x $(READER_BIN)/python || $(PYTHON) -m venv .venv-reader
	$(READER_BIN)/python -m pip install --quiet --no-compile -r requirements-reader.lock
	touch $@

# A RAW_DIR that holds files but no generator marker is the user's own store (make run RAW_DIR=<it>):
# it is built as it is, never generated over. The generator writes no connector tables
# (ORDER_SOURCE=shopify): said plainly instead of the generator's argument error.
$(RAW_DIR)/_COMPLETE: | $(BIN)/.installed
	@if [ -d "$(RAW_DIR)" ] && [ -n "$$(ls -A '$(RAW_DIR)')" ]; then \
		echo "$(RAW_DIR) holds no generated demo store: building it as your own store (docs/sources.md)"; \
	elif [ "$(ORDER_SOURCE)" = shopify ]; then \
		echo "ORDER_SOURCE=shopify reads a Shopify connector's tables (Fivetran's or Airbyte's Parquet under <raw>/shopify/), which the demo generator does not write: put yours there and run make run RAW_DIR=<raw> ORDER_SOURCE=shopify (docs/sources.md#shopify-connector); for a demo use ORDER_SOURCE=shopify_csv" >&2; \
		exit 2; \
	else \
		$(BIN)/python scripts/generate_data.py --out $(RAW_DIR) --faults $(FAULTS) --format $(WEB_SOURCE) --email-source $(EMAIL_SOURCE) --order-source $(ORDER_SOURCE) $(if $(DEMO_VISITORS),--visitors $(DEMO_VISITORS)); \
	fi

demo-data: $(RAW_DIR)/_COMPLETE  ## Generate the demo store into data/raw if it is missing (a RAW_DIR holding your own files is left as it is).

build: $(BIN)/.installed  ## File checks, then dbt build (seeds, models, tests) of $(RAW_DIR) into $$CUSTOMER_LEVELS_DB.
	$(BIN)/python scripts/build.py --raw-dir $(RAW_DIR) $(SOURCE_VARS)

run: $(BIN)/.installed demo-data  ## Set up, generate the demo store, refresh (gate, build, audit, publish), report, audiences, summary.
	$(BIN)/python scripts/refresh.py --raw-dir $(RAW_DIR) $(SOURCE_VARS)
	$(BIN)/python scripts/report.py --out $(REPORT)
	$(BIN)/python scripts/export_audiences.py --out $(AUDIENCES_DIR)
	$(BIN)/python scripts/summary.py

refresh: $(BIN)/.installed  ## One write-audit-publish refresh of $(RAW_DIR) (incremental; FULL_REFRESH=1 rebuilds staging), then the report.
	$(BIN)/python scripts/refresh.py --raw-dir $(RAW_DIR) $(SOURCE_VARS) $(if $(FULL_REFRESH),--full-refresh)
	$(BIN)/python scripts/report.py --out $(REPORT)

next-day: $(BIN)/.installed demo-data  ## Append the next day's deliveries to the generated store in $(RAW_DIR), in its own formats (then: make refresh).
	$(BIN)/python scripts/generate_data.py --append-day --out $(RAW_DIR)

audiences: $(BIN)/.installed  ## exports/audiences/: one customer-match CSV (hashed e-mails) per stage audience + all memberships in Parquet.
	$(BIN)/python scripts/export_audiences.py

report: $(BIN)/.installed  ## reports/customer_levels.html from the served marts (or the working file).
	$(BIN)/python scripts/report.py

metrics: $(BIN)/.installed  ## Semantic layer example: stage conversion rate by month (MetricFlow, on the working file).
	$(BIN)/dbt parse --quiet
	$(BIN)/mf query --metrics stage_conversion_rate --group-by metric_time__month,stage_month__stage \
	  --order metric_time__month,stage_month__stage

# dbt's docs site as one self-contained page (manifest and catalog inlined), so it opens from a file
# URL; dbt's other index.html fetches manifest.json, which browsers refuse over file://. No build
# needed: without one the catalog holds only the raw views (no database types or row counts).
docs: $(BIN)/.installed  ## dbt's docs site (models, columns, lineage) for offline reading: target/docs_site/index.html.
	$(BIN)/dbt docs generate --static --target-path target/docs_site --vars '{raw_data_dir: "$(RAW_DIR)"}'
	mv target/docs_site/static_index.html target/docs_site/index.html
	@echo "docs: open $(CURDIR)/target/docs_site/index.html"

bench: $(BIN)/.installed  ## Benchmark full builds against the floor (SCALES=1M,10M; GA4=1 adds the GA4 export's build), update docs/benchmarks.md.
	$(BIN)/python scripts/bench.py --scales $(or $(SCALES),$(SCALE),1M) $(if $(GA4),--ga4)

browser:  ## Debian's chromium and chromium-driver for the report's browser test, installed when missing.
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver; }

lint: $(BIN)/.installed  ## sqlfluff over models, macros and singular tests.
	$(BIN)/sqlfluff lint models macros tests --processes 0

test: $(BIN)/.installed $(READER_BIN)/.installed lint browser  ## Set up, lint, and run every test (pytest builds the project on fixtures).
	$(BIN)/pytest

test-spark: $(BIN)/.installed lint-spark  ## Build the fixture stores on Spark and on DuckDB and compare every mart (installs .venv-spark).
	CUSTOMER_LEVELS_SPARK_DBT=$(CURDIR)/$(SPARK_BIN)/dbt $(BIN)/pytest tests/spark -n 0 -s

lint-spark: $(SPARK_BIN)/.installed  ## sqlfluff in Spark's dialect, compiled for the spark target.
	CUSTOMER_LEVELS_SPARK_WAREHOUSE=$(CURDIR)/target/spark-lint-warehouse $(SPARK_BIN)/sqlfluff lint models macros tests --config sqlfluff-spark.cfg

lock:  ## Re-resolve requirements.in into requirements.lock.
	$(PYTHON) -m venv /tmp/customer_levels_lock_venv
	/tmp/customer_levels_lock_venv/bin/pip install --quiet -r requirements.in
	{ echo '# Generated by `make lock` from requirements.in: exact pins of the whole environment.'; \
	  /tmp/customer_levels_lock_venv/bin/pip freeze; } > requirements.lock
	rm -rf /tmp/customer_levels_lock_venv

lock-spark:  ## Re-resolve requirements-spark.in into requirements-spark.lock.
	$(PYTHON) -m venv /tmp/customer_levels_lock_spark_venv
	/tmp/customer_levels_lock_spark_venv/bin/pip install --quiet -r requirements-spark.in
	{ echo '# Generated by `make lock-spark` from requirements-spark.in: exact pins of the Spark environment.'; \
	  /tmp/customer_levels_lock_spark_venv/bin/pip freeze; } > requirements-spark.lock
	rm -rf /tmp/customer_levels_lock_spark_venv

clean:  ## Remove build output, the warehouse and what was published (keeps .venv and data/).
	rm -rf target logs warehouse.duckdb warehouse.duckdb.wal serving.duckdb serving.duckdb.lock exports reports
