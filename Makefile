# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := .demo

.PHONY: demo test lint venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The main job on the embedded defaults, in a fresh database under .demo/.
demo: venv
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	YUQING_DATABASE_URL=sqlite:///$(DEMO)/yuqing.db $(BIN)/yuqing init-db
	YUQING_DATABASE_URL=sqlite:///$(DEMO)/yuqing.db $(BIN)/yuqing ingest samples/documents.jsonl
	YUQING_DATABASE_URL=sqlite:///$(DEMO)/yuqing.db $(BIN)/yuqing tag
	YUQING_DATABASE_URL=sqlite:///$(DEMO)/yuqing.db $(BIN)/yuqing export documents
	echo '{"title": "临沂一在建工地塔吊倒塌", "text": "27日凌晨3时许，临沂市兰山区一在建工地塔吊倒塌，造成3人死亡、2人受伤。", "published_at": "2026-11-27T08:00:00+08:00"}' \
	  | $(BIN)/yuqing classify
	YUQING_DATABASE_URL=sqlite:///$(DEMO)/yuqing.db $(BIN)/yuqing export documents --json > $(DEMO)/documents.jsonl
	@echo "演示完成：数据库 $(DEMO)/yuqing.db，导出文件 $(DEMO)/documents.jsonl"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(DEMO) data/*.db*
