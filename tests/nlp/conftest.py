"""The tagger is loaded once per test session from the model that ships in the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.tagger import Tagger


@pytest.fixture(scope="session")
def tagger(tmp_path_factory: pytest.TempPathFactory) -> Tagger:
    return Tagger.load(cache_dir=tmp_path_factory.mktemp("jieba-cache"))


@pytest.fixture(scope="session")
def jieba_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("jieba-cache-cli")
