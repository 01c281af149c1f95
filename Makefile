# riskwarn: `make demo` sets everything up and runs the pipeline; `make test` runs the tests.
VENV ?= .venv
PY := $(VENV)/bin/python
SCALE ?= small
export BENTOML_DO_NOT_TRACK := true
export BENTOML_HOME := $(CURDIR)/.bentoml

.PHONY: install demo test lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (riskwarn)"
	touch $@

demo: install
	$(VENV)/bin/riskwarn demo

test: lint
	$(PY) -m pytest -n 2 --dist loadfile -q

lint: install
	$(VENV)/bin/ruff check features training serving tests benchmarks
	$(VENV)/bin/mypy

bench: install
	$(PY) benchmarks/run.py --scale $(SCALE)

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
