"""The real-text annotations: every record points to its source and carries labels of the guide and its
provenance; the manifest accounts for every batch; the double annotation is complete and adjudicated."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from nlp.annotations import ANNOTATIONS_DIR, REAL_FILES, parse_record, read_records, real_records
from nlp.corpus import CorpusError

RECORD = {
    "file": "messages-2020.jsonl",
    "id": "taidi2020-x-1",
    "topics": ["housing_market"],
    "sentiment": "negative",
    "batch": "random-message",
    "annotator": "a01",
    "guide": "labels.md@f0d07431b23a",
}


def test_every_record_validates_and_points_to_a_real_file() -> None:
    records = real_records()
    assert len(records) >= 4000
    assert {r.file for r in records} == set(REAL_FILES)
    assert len({r.key for r in records}) == len(records), "an item is annotated once in the final labels"


def test_the_manifest_lists_every_batch_with_its_count() -> None:
    manifest = json.loads((ANNOTATIONS_DIR / "manifest.json").read_text(encoding="utf-8"))
    counts = Counter(r.batch for r in real_records())
    listed = {b["batch"]: b["count"] for b in manifest["batches"]}
    assert listed == dict(counts)
    for batch in manifest["batches"]:
        assert batch["what"] and batch["why"] and batch["when"] and batch["annotators"]


def test_the_double_annotation_is_complete_and_every_disagreement_adjudicated() -> None:
    double = ANNOTATIONS_DIR / "double"
    first = {r.key: r for r in read_records([double / "first.jsonl"])}
    second = {r.key: r for r in read_records([double / "second.jsonl"])}
    adjudicated = {r.key: r for r in read_records([double / "adjudicated.jsonl"])}
    assert len(second) >= 400 and set(first) == set(second)
    assert {r.annotator for r in second.values()}.isdisjoint({r.annotator for r in first.values()})
    final = {r.key: r for r in real_records()}
    for key, record in adjudicated.items():
        assert (final[key].topics, final[key].sentiment) == (record.topics, record.sentiment)
    disagreed = [k for k in second if (final[k].topics, final[k].sentiment) != (second[k].topics, second[k].sentiment)]
    assert set(disagreed) <= set(adjudicated), "every label the second annotator disputes was looked at a third time"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"file": "topics-dev.jsonl"}, "file"),
        ({"id": " "}, "id"),
        ({"topics": ["housing"]}, "topics"),
        ({"topics": ["housing_market", "housing_market"]}, "topics"),
        ({"sentiment": "angry"}, "sentiment"),
        ({"guide": "labels.md"}, "guide"),
        ({"annotator": ""}, "annotator"),
    ],
)
def test_a_malformed_record_is_refused_with_the_field_named(change: dict[str, object], message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        parse_record({**RECORD, **change}, "x.jsonl:1")


def test_a_record_without_provenance_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    record = {k: v for k, v in RECORD.items() if k != "batch"}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"bad\.jsonl:1: 缺少字段 batch"):
        read_records([path])
