"""Model lifecycle: the shipped model is trained on the shipped corpus, and retraining reproduces it."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from nlp import model
from nlp.corpus import CORPUS_DIR, corpus_files, corpus_hash
from nlp.features import prepare
from nlp.segment import Segmenter
from nlp.tagger import Post, Tagger
from nlp.topics import TOPIC_KEYS

PROBES = [
    "济南一在建工地高支模坍塌，两名工人受伤",
    "烟台二手房成交量连续三个月上涨",
    "拆迁补偿标准太低，村民拒绝签字",
    "棚户区改造安置房今年年底交付",
    "占道经营屡禁不止，城管部门开展专项整治",
    "市图书馆推出冬季阅读月活动",
]


@pytest.fixture(scope="session")
def retrained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shipped = model.load()
    out = tmp_path_factory.mktemp("model")
    today = date.fromisoformat(shipped.metadata["trained_on"])
    segmenter = Segmenter(cache_dir=tmp_path_factory.mktemp("cache"))
    model.save(model.train(segmenter, today), out)
    return out


def test_shipped_model_was_trained_on_the_shipped_corpus() -> None:
    metadata = model.load().metadata
    assert metadata["corpus_sha256"] == corpus_hash(corpus_files(CORPUS_DIR)), "run `yuqing train` and commit"
    assert set(metadata["thresholds"]) == set(metadata["examples_per_topic"])
    assert all(count >= 300 for count in metadata["examples_per_topic"].values())
    assert metadata["examples_without_topic"] >= 1500


@pytest.mark.slow  # a full retrain
def test_retraining_reproduces_the_shipped_model(retrained: Path, tmp_path: Path) -> None:
    shipped = json.loads((model.MODEL_DIR / model.METADATA_FILE).read_text(encoding="utf-8"))
    again = json.loads((retrained / model.METADATA_FILE).read_text(encoding="utf-8"))
    shipped.pop("libraries")
    again.pop("libraries")
    assert again == shipped
    original = Tagger.load(cache_dir=tmp_path)
    rebuilt = Tagger.load(retrained, cache_dir=tmp_path)
    posts = [Post(text=t) for t in PROBES]
    assert [t.scores for t in rebuilt.tag_many(posts)] == [t.scores for t in original.tag_many(posts)]


def test_thresholds_are_read_from_the_metadata(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(model.MODEL_DIR, copy)
    metadata_path = copy / model.METADATA_FILE
    metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    post = Post(text=PROBES[0])
    assert "engineering_quality" in Tagger.load(copy, cache_dir=tmp_path).tag(post).topics
    metadata["thresholds"]["engineering_quality"] = 1.01
    metadata["thresholds"]["urban_management"] = 0.0
    metadata_path.write_text(json.dumps(metadata), encoding="utf-8")
    topics = Tagger.load(copy, cache_dir=tmp_path).tag(post).topics
    assert "engineering_quality" not in topics and "urban_management" in topics


def test_missing_model_is_reported(tmp_path: Path) -> None:
    with pytest.raises(model.ModelNotReady, match=r"找不到模型文件.*yuqing train"):
        model.load(tmp_path)


def test_stacked_scoring_equals_each_classifiers_own_prediction(tagger: Tagger) -> None:
    models = tagger.models
    features = models.vectorizer.transform([prepare(tagger.segmenter, text) for text in PROBES])
    own = np.column_stack([models.topics.classifiers[t].predict_proba(features)[:, 1] for t in TOPIC_KEYS])
    np.testing.assert_allclose(models.topics.scores(features), own, rtol=1e-9, atol=1e-12)
    labels = [str(label) for label in models.sentiment.classifier.predict(features)]
    assert models.sentiment.predict(features) == labels
    assert len(set(labels)) > 1, "the probes should not all get one sentiment"
