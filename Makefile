# riskwarn: `make demo` sets everything up and runs the pipeline; `make test` runs the tests.
VENV ?= .venv
PY := $(VENV)/bin/python
SCALE ?= small
export BENTOML_DO_NOT_TRACK := true
# nothing leaves the machine at run time: no usage telemetry from BentoML or MLflow
export MLFLOW_DISABLE_TELEMETRY := true
export BENTOML_HOME := $(CURDIR)/.bentoml

.PHONY: install system demo test lint bench clean

install: system $(VENV)/.installed

# Debian packages the tests need: Chromium for the browser tests (never `playwright install`),
# a Chinese font for the pages' screenshots and the monthly report's PDF, faketime for the
# tests run a year ahead, poppler-utils (pdftoppm, pdftotext) to check the monthly report's PDF
system:
	@command -v chromium >/dev/null && command -v faketime >/dev/null \
	  && command -v pdftoppm >/dev/null && command -v pdftotext >/dev/null \
	  && fc-list :lang=zh | grep -q . \
	  || { $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq \
	       && $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq \
	          chromium fonts-wqy-zenhei faketime poppler-utils; }

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (riskwarn)"
	touch $@

demo: install
	$(VENV)/bin/riskwarn demo

# then the tests that read the clock again, with the machine's date moved a year ahead
test: lint
	$(PY) -m pytest -n 2 --dist loadfile -q
	FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f +365d $(PY) -m pytest -n 2 --dist loadfile -q -m clock

lint: install
	$(VENV)/bin/ruff check features training serving tests benchmarks
	$(VENV)/bin/mypy

# the benchmarks also need GNU time (peak memory) and wrk (the serving comparison's throughput)
bench: install
	@command -v wrk >/dev/null && test -x /usr/bin/time \
	  || { $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq \
	       && $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq time wrk; }
	$(PY) benchmarks/run.py --scale $(SCALE)

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
