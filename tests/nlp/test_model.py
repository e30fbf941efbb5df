"""Model lifecycle: the shipped model names its inputs, tags with numpy exactly what scikit-learn computed,
and retraining on the same inputs reproduces it."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from nlp import model, training
from nlp import topics as topics_module
from nlp.annotations import DEFAULT_REAL_DIR, annotation_files
from nlp.corpus import CORPUS_DIR, Example, corpus_files, corpus_hash
from nlp.features import prepare
from nlp.segment import Segmenter
from nlp.sentiment import SentimentModel
from nlp.tagger import Post, Tagger
from nlp.topics import TOPIC_KEYS, TopicModel

PROBES = [
    "济南一在建工地高支模坍塌，两名工人受伤",
    "烟台二手房成交量连续三个月上涨",
    "拆迁补偿标准太低，村民拒绝签字",
    "棚户区改造安置房今年年底交付",
    "占道经营屡禁不止，城管部门开展专项整治",
    "市图书馆推出冬季阅读月活动",
    "#新型冠状病毒# 小区物业  每天消毒两次，感谢物业 ！  ABC  abc",
    "",
]


def test_shipped_model_names_the_inputs_it_was_trained_on() -> None:
    metadata = model.load().metadata
    assert metadata["corpus_sha256"] == corpus_hash(corpus_files(CORPUS_DIR)), "run `yuqing train` and commit"
    assert metadata["annotations_sha256"] == corpus_hash(annotation_files()), "run `yuqing train` and commit"
    assert metadata["real_annotations"] >= 4000 and metadata["real_annotations_missing"] == 0
    assert metadata["cross_validated"]["on"] == "real annotations and corrections"
    assert set(metadata["thresholds"]) == set(TOPIC_KEYS)


def test_numpy_tagging_equals_scikit_learns_numbers(tmp_path: Path) -> None:
    """The arrays the tagger reads compute exactly what the fitted estimators do (the sentiment model is
    scikit-learn's; the topic classifiers' two scikit-learn halves are checked in the test below)."""
    segmenter = Segmenter(cache_dir=tmp_path)
    examples = [
        Example(text=text, topics=frozenset(topics), sentiment=sentiment)
        for text, topics, sentiment in [
            ("某地在建工地塔吊倒塌 两名工人受伤", ["engineering_quality"], "negative"),
            ("某市新房成交量环比上涨 二手房价格企稳", ["housing_market"], "neutral"),
            ("城管深夜收走老人菜摊 群众不满", ["urban_management"], "negative"),
            ("棚改安置房顺利交付 居民喜迁新居", ["shantytown"], "positive"),
            ("村民征收补偿款迟迟不到位", ["expropriation"], "negative"),
            ("市一中举行秋季运动会 学生踊跃参加", [], "neutral"),
        ]
    ] * 6
    prepared = [prepare(segmenter, e.text) for e in examples]
    vectorizer = training.Vectorizer()
    features = vectorizer.fit_transform(prepared)
    topics = TopicModel(folds=2).fit(features, [e.topics for e in examples])
    sentiment = SentimentModel(folds=2).fit(features, [e.sentiment for e in examples])
    models = training.to_models(vectorizer, topics, sentiment, {"thresholds": topics.thresholds})
    probes = [prepare(segmenter, text) for text in PROBES]
    probabilities, labels = models.score(probes)
    probe_features = vectorizer.transform(probes)
    own = np.column_stack([topics.classifiers[t].predict_proba(probe_features)[:, 1] for t in TOPIC_KEYS])
    np.testing.assert_allclose(probabilities, own, rtol=1e-9, atol=1e-12)
    assert labels == [str(label) for label in sentiment.classifier.predict(probe_features)]
    assert len(set(labels)) > 1, "the probes should not all get one sentiment"


def test_a_topic_classifier_is_one_weight_vector_for_its_two_halves(tmp_path: Path) -> None:
    """The ratio-scaled and the plain logistic regressions, folded into one vector, give the average of their
    logits; and the ratio favours the topic's own words."""
    segmenter = Segmenter(cache_dir=tmp_path)
    texts = ["工地塔吊倒塌 工人受伤", "在建楼房坍塌 工地停工", "小区绿化很好 居民散步", "市一中举行运动会"] * 5
    y = np.array([1, 1, 0, 0] * 5)
    vectorizer = training.Vectorizer()
    features = vectorizer.fit_transform([prepare(segmenter, t) for t in texts])
    weights = np.linspace(1.0, 3.0, len(texts))
    folded = topics_module.NBLogistic().fit(features, y, sample_weight=weights)

    ratio = topics_module.log_count_ratio(features, y, weights)
    scaled = topics_module._logistic(topics_module.NB_C, 0).fit(features @ sp.diags(ratio), y, sample_weight=weights)
    plain = topics_module._logistic(topics_module.C, 0).fit(features, y, sample_weight=weights)
    halves = (scaled.decision_function(features @ sp.diags(ratio)) + plain.decision_function(features)) / 2
    logit = np.log(folded.predict_proba(features)[:, 1] / folded.predict_proba(features)[:, 0])
    np.testing.assert_allclose(logit, halves, rtol=1e-9, atol=1e-9)

    column = vectorizer.words.vocabulary_
    assert ratio[column["塔吊"]] > 0 > ratio[column["运动会"]]


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


def test_missing_or_broken_model_is_reported(tmp_path: Path) -> None:
    with pytest.raises(model.ModelNotReady, match=r"找不到模型文件.*yuqing train"):
        model.load(tmp_path)
    (tmp_path / model.METADATA_FILE).write_text("{}", encoding="utf-8")
    (tmp_path / model.MODEL_FILE).write_bytes(b"not an archive")
    with pytest.raises(model.ModelNotReady, match=r"无法读取.*yuqing train"):
        model.load(tmp_path)


@pytest.mark.slow  # a full retrain
@pytest.mark.skipif(
    not DEFAULT_REAL_DIR.is_dir(), reason="the real texts (../shared/data/real) are not beside the repository"
)
def test_retraining_reproduces_the_shipped_model(tmp_path: Path) -> None:
    shipped = json.loads((model.MODEL_DIR / model.METADATA_FILE).read_text(encoding="utf-8"))
    today = date.fromisoformat(shipped["trained_on"])
    retrained = tmp_path / "model"
    model.save(training.train(Segmenter(cache_dir=tmp_path), today), retrained)
    again = json.loads((retrained / model.METADATA_FILE).read_text(encoding="utf-8"))
    shipped.pop("libraries")
    again.pop("libraries")
    assert again == shipped
    original = Tagger.load(cache_dir=tmp_path)
    rebuilt = Tagger.load(retrained, cache_dir=tmp_path)
    posts = [Post(text=t) for t in PROBES]
    assert [t.scores for t in rebuilt.tag_many(posts)] == [t.scores for t in original.tag_many(posts)]
