# Two commands: `make demo` (install, run the example suite, open the dashboard)
# and `make test` (install, pass the tests). `make demo-data` serves the dashboard
# over a few thousand generated runs instead; `make demo-models` fills the model
# throughput pages (/models) by probing a local stand-in server, no internet needed.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

DEMO_DB := sqlite:///.zebench/demo.db

.PHONY: install demo demo-data demo-models test lint

$(BIN)/zebench: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(BIN)/zebench

install: $(BIN)/zebench

demo: install
	$(BIN)/zebench batch --suite example --agent reference,echo --iterations 2
	@echo "Dashboard: http://127.0.0.1:8787/"
	$(BIN)/zebench serve

demo-data: install
	mkdir -p .zebench
	$(BIN)/python benchmarks/demo_data.py --database-url $(DEMO_DB) --runs 2000 --batches 12
	@echo "Dashboard: http://127.0.0.1:8787/"
	$(BIN)/zebench serve --database-url $(DEMO_DB)

demo-models: install
	mkdir -p .zebench
	$(BIN)/python benchmarks/demo_models.py --database-url $(DEMO_DB)
	@echo "Model throughput: http://127.0.0.1:8787/models"
	$(BIN)/zebench serve --database-url $(DEMO_DB)

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
