"""scheduler.py imports only what lies below the daemon: import-linter cannot take a single module as a root
(its contracts in pyproject.toml cover the imports into scheduler.py), so this reads the imports out of it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ABOVE_THE_DAEMON = ("yuqing.cli", "yuqing.simweb", "yuqing.__main__")


def imported_modules(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
    return found


def test_scheduler_imports_nothing_above_the_daemon() -> None:
    upward = [m for m in imported_modules(ROOT / "scheduler.py") if m.startswith(ABOVE_THE_DAEMON)]
    assert upward == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "scheduler.py"
    module.write_text("from __future__ import annotations\n\nfrom yuqing.cli.args import now_of\n", encoding="utf-8")
    assert [m for m in imported_modules(module) if m.startswith(ABOVE_THE_DAEMON)] == ["yuqing.cli.args"]
