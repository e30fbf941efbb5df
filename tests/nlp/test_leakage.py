"""Nothing the tagger trains on is a near copy of an item of ``../shared/data/topics-dev.jsonl`` (measure-only).

The dev items are known here by their SimHash fingerprints only (``tests/nlp/data/dev_fingerprints.json``,
written by ``tools/annotation/dev_fingerprints.py``); a training text within the crawler's near-duplicate
distance of one of them fails the build. The team-written corpus is checked everywhere; the real annotations
also when ``../shared/data/real/`` is beside the repository to resolve their texts.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from crawlers.neardup import simhash
from nlp.annotations import real_records, resolve
from nlp.corpus import CORPUS_DIR, read_examples

DEV_PRINTS = Path(__file__).with_name("data") / "dev_fingerprints.json"
REAL_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
NEAR = 3  # bits: crawlers.neardup's near-duplicate distance


def dev_prints() -> dict[str, int]:
    prints: dict[str, int] = json.loads(DEV_PRINTS.read_text(encoding="utf-8"))["fingerprints"]
    return prints


def near_copies(texts: list[str], dev: dict[str, int]) -> list[tuple[str, str]]:
    """(text, dev id) of every text within NEAR bits of a dev item."""
    ids = list(dev)
    prints = np.array([dev[i] for i in ids], dtype=np.int64).view(np.uint64)
    found = []
    for text in texts:
        mine = np.array([simhash(text)], dtype=np.int64).view(np.uint64)
        distance = np.unpackbits((prints ^ mine).view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1)
        found += [(text[:40], ids[i]) for i in np.flatnonzero(distance <= NEAR)]
    return found


def test_the_check_finds_a_near_copy_and_only_that() -> None:
    assert len(dev_prints()) == 536
    original = "某市高新区一在建项目脚手架垮塌，两名工人受伤送医，事故原因正在调查，相关部门已责令全面停工整改。"
    fake_dev = {"X1": simhash(original)}
    copy = "【转发】" + original.replace("，", ",")  # a repost: a wrapper, other punctuation
    assert near_copies([copy, "市一中举行秋季运动会"], fake_dev) == [(copy[:40], "X1")]


def test_no_team_written_example_is_a_near_copy_of_a_dev_item() -> None:
    examples = read_examples(sorted(CORPUS_DIR.rglob("*.jsonl")))
    assert len(examples) > 1000
    assert near_copies([e.text for e in examples], dev_prints()) == []


@pytest.mark.skipif(not REAL_DIR.is_dir(), reason="../shared/data/real/ is not beside the repository")
def test_no_real_annotation_is_a_near_copy_of_a_dev_item() -> None:
    examples, missing = resolve(real_records(), REAL_DIR)
    assert not missing
    assert near_copies([e.text for e in examples], dev_prints()) == []
