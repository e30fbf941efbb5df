"""The team-written corpus: one folder per register, one file per purpose, every record with an id and a batch
that the manifest describes, and labels of the guide."""

from __future__ import annotations

import json
from collections import Counter

from nlp.corpus import CORPUS_DIR, corpus_files, read_examples


def test_every_record_has_an_id_a_batch_and_its_register() -> None:
    ids: list[str] = []
    batches: Counter[str] = Counter()
    for path in corpus_files(CORPUS_DIR):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            record = json.loads(line)
            where = f"{path.relative_to(CORPUS_DIR)}:{number}"
            assert record.get("id") and record.get("batch"), where
            assert record["register"] == path.parent.name, where
            ids.append(record["id"])
            batches[record["batch"]] += 1
    assert len(ids) == len(set(ids)), "ids are unique"
    manifest = json.loads((CORPUS_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert {b["batch"]: b["count"] for b in manifest["batches"]} == dict(batches)
    for batch in manifest["batches"]:
        assert batch["what"] and batch["why"] and batch["when"]


def test_the_corpus_reads_as_examples_of_the_guide() -> None:
    examples = read_examples(corpus_files(CORPUS_DIR))  # raises CorpusError on a topic or sentiment not in the guide
    assert len(examples) == sum(len(p.read_text(encoding="utf-8").splitlines()) for p in corpus_files(CORPUS_DIR))
