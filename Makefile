# churnwatch: the two commands of the README, and their building blocks.
#   make demo   - the main job: local stack, worker, simulated history, alerts summary
#   make test   - the whole test suite (starts its own private Kafka + Redis)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test unit bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/churnwatch demo

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

unit: install
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

bench: install
	$(BIN)/churnwatch bench

clean:
	-$(BIN)/churnwatch stack down
	rm -rf $(VENV) churnwatch-data .pytest_cache
