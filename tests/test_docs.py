"""The docs keep in step with the code: set-up commands first in the README, one row per config key in the
configuration reference, and every link of the README pointing at a file that exists."""

from __future__ import annotations

import re
from pathlib import Path

from yuqing import config

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
REFERENCE = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands() -> None:
    head = README[:800]
    assert "make demo" in head and "make test" in head


def test_configuration_reference_matches_the_schema() -> None:
    documented = set(re.findall(r"^\| `([a-z_\[\]<>.]+)` \|", REFERENCE, flags=re.MULTILINE))
    accepted = set(config.key_paths())
    assert accepted - documented == set(), "keys missing from docs/configuration.md"
    assert documented - accepted == set(), "docs/configuration.md documents keys the code does not accept"


def test_readme_links_point_to_files_that_exist() -> None:
    links = re.findall(r"\]\(([^)#]+)\)", README)
    assert links, "the README links to the docs"
    assert [link for link in links if not (ROOT / link).is_file()] == []


def test_readme_is_read_in_ten_minutes() -> None:
    assert len(README.splitlines()) <= 160
