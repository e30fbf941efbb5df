"""The README keeps in step with the code: set-up commands first, and one row per config key."""

from __future__ import annotations

import re
from pathlib import Path

from yuqing import config

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands() -> None:
    head = README[:800]
    assert "make demo" in head and "make test" in head


def test_readme_config_table_matches_the_schema() -> None:
    documented = set(re.findall(r"^\| `([a-z_\[\]<>.]+)` \|", README, flags=re.MULTILINE))
    accepted = set(config.key_paths())
    assert accepted - documented == set(), "keys missing from the README table"
    assert documented - accepted == set(), "README documents keys the code does not accept"
