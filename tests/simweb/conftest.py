"""Fixtures for the simulated web: the corpus (loaded once) and a fresh server per test, clock at the start."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from yuqing.simweb import DEFAULT_START, Item, SimWeb, load_items


@pytest.fixture(scope="session")
def corpus() -> tuple[Item, ...]:
    return load_items()


@pytest.fixture
def web(corpus: tuple[Item, ...]) -> Iterator[SimWeb]:
    with SimWeb(DEFAULT_START, items=corpus) as server:
        yield server
