"""The trained model at run time: arrays in, topic scores and sentiments out, with numpy alone.

``nlp/model/`` holds ``model.npz`` (the two vocabularies with their IDF weights, the topic classifiers'
weights and biases, the sentiment classifier's) and ``metadata.json`` (version, the hash of every input,
date, per-topic thresholds, cross-validated scores, how many examples of each source). ``yuqing train``
(``nlp.training``) writes them; the trained model ships, so nothing has to be trained before the first run,
and training is deterministic, so retraining on the same inputs reproduces it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from nlp.features import FeatureSpace, Prepared
from yuqing.errors import ModelNotReady
from yuqing.vocabulary import TOPICS

logger = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).with_name("model")
MODEL_FILE = "model.npz"
METADATA_FILE = "metadata.json"
TOPIC_KEYS = tuple(TOPICS)


@dataclass
class Models:
    """The feature space, the topic and sentiment classifiers as weight matrices, and the metadata."""

    space: FeatureSpace
    topic_weights: npt.NDArray[np.float64]  # features × topics (TOPIC_KEYS order)
    topic_bias: npt.NDArray[np.float64]
    sentiment_weights: npt.NDArray[np.float64]  # features × sentiment labels
    sentiment_bias: npt.NDArray[np.float64]
    sentiment_labels: tuple[str, ...]
    metadata: dict[str, Any]

    @property
    def thresholds(self) -> npt.NDArray[np.float64]:
        return np.array([float(self.metadata["thresholds"][t]) for t in TOPIC_KEYS])

    def score(self, docs: Sequence[Prepared]) -> tuple[npt.NDArray[np.float64], list[str]]:
        """Each document's topic probabilities (documents × TOPIC_KEYS) and sentiment label."""
        probabilities, sentiment = self.scores(docs)
        return probabilities, [self.sentiment_labels[i] for i in sentiment.argmax(axis=1)]

    def scores(self, docs: Sequence[Prepared]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Each document's topic probabilities and its sentiment decision scores (documents × sentiment_labels)."""
        rows = self.space.rows(docs)
        probabilities = 1.0 / (1.0 + np.exp(-(rows.dot(self.topic_weights) + self.topic_bias)))
        return probabilities, rows.dot(self.sentiment_weights) + self.sentiment_bias

    def decide(self, probabilities: npt.NDArray[np.float64]) -> list[list[str]]:
        """The topics whose probability reaches its threshold, for each row."""
        hits = probabilities >= self.thresholds
        return [[t for t, hit in zip(TOPIC_KEYS, row, strict=True) if hit] for row in hits]


def save(models: Models, model_dir: Path = MODEL_DIR) -> None:
    model_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        model_dir / MODEL_FILE,
        word_terms=np.array(models.space.word_terms, dtype=str),
        word_idf=models.space.idf[: len(models.space.word_terms)],
        char_terms=np.array(models.space.char_terms, dtype=str),
        char_idf=models.space.idf[len(models.space.word_terms) :],
        topic_weights=models.topic_weights,
        topic_bias=models.topic_bias,
        sentiment_weights=models.sentiment_weights,
        sentiment_bias=models.sentiment_bias,
        sentiment_labels=np.array(models.sentiment_labels, dtype=str),
    )
    text = json.dumps(models.metadata, ensure_ascii=False, indent=2, sort_keys=True)
    (model_dir / METADATA_FILE).write_text(text + "\n", encoding="utf-8")


def load(model_dir: Path = MODEL_DIR) -> Models:
    try:
        metadata = json.loads((model_dir / METADATA_FILE).read_text(encoding="utf-8"))
        with np.load(model_dir / MODEL_FILE, allow_pickle=False) as arrays:
            space = FeatureSpace(
                arrays["word_terms"].tolist(), arrays["word_idf"], arrays["char_terms"].tolist(), arrays["char_idf"]
            )
            models = Models(
                space=space,
                topic_weights=arrays["topic_weights"],
                topic_bias=arrays["topic_bias"],
                sentiment_weights=arrays["sentiment_weights"],
                sentiment_bias=arrays["sentiment_bias"],
                sentiment_labels=tuple(arrays["sentiment_labels"].tolist()),
                metadata=metadata,
            )
    except FileNotFoundError as exc:
        raise ModelNotReady(f"找不到模型文件 {exc.filename}。提示：运行 yuqing train 重新训练。") from None
    except Exception as exc:
        raise ModelNotReady(f"模型文件 {model_dir} 无法读取（{exc}）。提示：运行 yuqing train 重新训练。") from None
    if set(metadata.get("thresholds", {})) != set(TOPIC_KEYS):
        raise ModelNotReady(f"模型元数据 {model_dir / METADATA_FILE} 缺少议题阈值。提示：运行 yuqing train 重新训练。")
    return models
