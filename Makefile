# The one entry point: `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DIR ?= demo
DEMO_PORT ?= 8000
DEMO_HOST ?= 127.0.0.1
DEMO_SCALE ?= 0.002
DEMO_SIM_PORT ?= 8765
PYTEST_WORKERS ?= 2

.PHONY: install demo test lint format bench docs clean

$(STAMP): pyproject.toml scripts/setup-system.sh
	bash scripts/setup-system.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	mkdir -p $(DEMO_DIR)
	test -f $(DEMO_DIR)/province/manifest.json || $(BIN)/eduhub synth --scale $(DEMO_SCALE) --seed 1 \
		--out $(DEMO_DIR)/province --api-port $(DEMO_SIM_PORT)
	EDUHUB_DATABASE_URL=sqlite:///./$(DEMO_DIR)/eduhub.db EDUHUB_DATA_DIR=./$(DEMO_DIR) $(BIN)/eduhub init
	export EDUHUB_DATABASE_URL=sqlite:///./$(DEMO_DIR)/eduhub.db; \
		$(BIN)/eduhub catalog list >/dev/null 2>&1 || $(BIN)/eduhub catalog publish --version 1.0
	$(BIN)/eduhub synth serve $(DEMO_DIR)/province --port $(DEMO_SIM_PORT) & sim=$$!; \
		trap 'kill $$sim' EXIT INT TERM; sleep 2; \
		EDUHUB_DATABASE_URL=sqlite:///./$(DEMO_DIR)/eduhub.db EDUHUB_DATA_DIR=./$(DEMO_DIR) \
		$(BIN)/eduhub pull --all --config $(DEMO_DIR)/province/sources.yaml && \
		EDUHUB_DATABASE_URL=sqlite:///./$(DEMO_DIR)/eduhub.db EDUHUB_DATA_DIR=./$(DEMO_DIR) \
		$(BIN)/eduhub serve --host $(DEMO_HOST) --port $(DEMO_PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest -n $(PYTEST_WORKERS)

bench: install
	@for b in $$(grep -l "__name__ == \"__main__\"" bench/*.py); do echo "== $$b"; $(BIN)/python $$b || exit 1; done

docs:
	@echo "docs are Markdown under docs/; start at docs/index.md"

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache $(DEMO_DIR)
