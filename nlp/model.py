"""Model lifecycle: train from ``nlp/data/corpus``, save with metadata, load for tagging.

``nlp/model/`` holds ``model.joblib`` (vectorizer, topic and sentiment models) and
``metadata.json`` (version, corpus hash, date, per-topic thresholds, cross-validated scores). The
trained model ships in the repository, so nothing has to be trained before the first run; training
is deterministic, so retraining on the same corpus reproduces it.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import joblib

from nlp.corpus import CORPUS_DIR, corpus_files, corpus_hash, read_examples
from nlp.features import Vectorizer, prepare
from nlp.segment import Segmenter
from nlp.sentiment import SentimentModel
from nlp.topics import TOPIC_KEYS, TopicModel
from yuqing.errors import ModelNotReady

logger = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).with_name("model")
MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"


@dataclass
class Models:
    vectorizer: Vectorizer
    topics: TopicModel
    sentiment: SentimentModel
    metadata: dict[str, Any]


def train(segmenter: Segmenter, today: date, corpus_dir: Path = CORPUS_DIR) -> Models:
    files = corpus_files(corpus_dir)
    if not files:
        raise ModelNotReady(f"语料目录 {corpus_dir} 中没有 .jsonl 文件，无法训练。")
    examples = read_examples(files)
    prepared = [prepare(segmenter, e.text) for e in examples]
    vectorizer = Vectorizer()
    features = vectorizer.fit_transform(prepared)
    topics = TopicModel().fit(features, [e.topics for e in examples])
    sentiment = SentimentModel().fit(features, [e.sentiment for e in examples])
    digest = corpus_hash(files)
    per_topic = Counter(t for e in examples for t in e.topics)
    macro = sum(s["f1"] for s in topics.cv_scores.values()) / len(TOPIC_KEYS)
    metadata = {
        "version": f"{today.isoformat()}-{digest[:8]}",
        "corpus_sha256": digest,
        "trained_on": today.isoformat(),
        "examples": len(examples),
        "examples_per_topic": {t: per_topic[t] for t in TOPIC_KEYS},
        "examples_without_topic": sum(1 for e in examples if not e.topics),
        "thresholds": topics.thresholds,
        "cross_validated": {
            "folds": topics.folds,
            "topics": topics.cv_scores,
            "topics_macro_f1": round(macro, 4),
            "sentiment": sentiment.cv_scores,
        },
        "libraries": {name: package_version(name) for name in ("scikit-learn", "jieba")},
    }
    return Models(vectorizer=vectorizer, topics=topics, sentiment=sentiment, metadata=metadata)


def save(models: Models, model_dir: Path = MODEL_DIR) -> None:
    model_dir.mkdir(parents=True, exist_ok=True)
    payload = {"vectorizer": models.vectorizer, "topics": models.topics, "sentiment": models.sentiment}
    joblib.dump(payload, model_dir / MODEL_FILE, compress=3)
    text = json.dumps(models.metadata, ensure_ascii=False, indent=2, sort_keys=True)
    (model_dir / METADATA_FILE).write_text(text + "\n", encoding="utf-8")


def load(model_dir: Path = MODEL_DIR) -> Models:
    try:
        payload = joblib.load(model_dir / MODEL_FILE)
        metadata = json.loads((model_dir / METADATA_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelNotReady(f"找不到模型文件 {exc.filename}。提示：运行 yuqing train 重新训练。") from None
    except Exception as exc:
        raise ModelNotReady(f"模型文件 {model_dir} 无法读取（{exc}）。提示：运行 yuqing train 重新训练。") from None
    topics: TopicModel = payload["topics"]
    topics.thresholds = {t: float(metadata["thresholds"][t]) for t in TOPIC_KEYS}
    return Models(payload["vectorizer"], topics, payload["sentiment"], metadata)
