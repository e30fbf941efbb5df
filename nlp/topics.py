"""Topic classification: one calibrated linear model per topic, each with its own threshold.

Multi-label: a post can carry several topics or none. Each topic's threshold is the middle of
those that gave the best F1 on held-out folds of our own corpus; it is stored in the model's metadata.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.model_selection import StratifiedKFold

from yuqing.vocabulary import TOPICS

logger = logging.getLogger(__name__)

TOPIC_KEYS = tuple(TOPICS)
THRESHOLD_GRID = np.round(np.arange(0.10, 0.91, 0.025), 3)
PLATEAU = 0.01


def _classifier(seed: int) -> CalibratedClassifierCV:
    base = LogisticRegression(C=8.0, class_weight="balanced", solver="liblinear", max_iter=2000, random_state=seed)
    return CalibratedClassifierCV(base, method="sigmoid", cv=3, ensemble=False)


class TopicModel:
    """Five binary classifiers over the shared features, plus a threshold per topic."""

    def __init__(self, seed: int = 0, folds: int = 5) -> None:
        self.seed = seed
        self.folds = folds
        self.classifiers: dict[str, CalibratedClassifierCV] = {}
        self.thresholds: dict[str, float] = {}
        self.cv_scores: dict[str, dict[str, float]] = {}
        self._stacked: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    def fit(self, features: sp.csr_matrix, labels: Sequence[frozenset[str]]) -> TopicModel:
        self._stacked = None
        for topic in TOPIC_KEYS:
            y = np.array([topic in row for row in labels], dtype=int)
            held_out = self._held_out_probabilities(features, y)
            self.thresholds[topic] = _best_threshold(y, held_out)
            predicted = held_out >= self.thresholds[topic]
            self.cv_scores[topic] = {
                "precision": round(float(precision_score(y, predicted, zero_division=0)), 4),
                "recall": round(float(recall_score(y, predicted, zero_division=0)), 4),
                "f1": round(float(f1_score(y, predicted, zero_division=0)), 4),
            }
            self.classifiers[topic] = _classifier(self.seed).fit(features, y)
            logger.info(
                "trained topic=%s threshold=%.3f cv_f1=%.3f", topic, self.thresholds[topic], self.cv_scores[topic]["f1"]
            )
        return self

    def _held_out_probabilities(self, features: sp.csr_matrix, y: np.ndarray) -> np.ndarray:
        probabilities = np.zeros(len(y))
        splitter = StratifiedKFold(n_splits=self.folds, shuffle=True, random_state=self.seed)
        for train, test in splitter.split(features, y):
            model = _classifier(self.seed).fit(features[train], y[train])
            probabilities[test] = model.predict_proba(features[test])[:, 1]
        return probabilities

    def scores(self, features: sp.csr_matrix) -> np.ndarray:
        """Probabilities, one column per topic in ``TOPIC_KEYS`` order.

        The same numbers as each classifier's ``predict_proba``, computed as one sparse product for
        all five topics: scikit-learn checks its input on every call, which costs more than the
        arithmetic when the daemon tags a handful of posts at a time.
        """
        weights, bias, slope, offset = self._linear()
        margins = np.asarray(features @ weights) + bias
        probabilities: np.ndarray = expit(-(slope * margins + offset))
        return probabilities

    def _linear(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Each topic's linear model and its sigmoid calibration, stacked column by column."""
        if self._stacked is None:
            parts = [_linear_parts(self.classifiers[t]) for t in TOPIC_KEYS]
            weights, bias, slope, offset = (np.array(column, dtype=np.float64) for column in zip(*parts, strict=True))
            self._stacked = (weights.T, bias, slope, offset)
        return self._stacked

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_stacked": None}  # rebuilt on first use; the file keeps one copy

    def decide(self, scores: np.ndarray) -> list[list[str]]:
        thresholds = np.array([self.thresholds[t] for t in TOPIC_KEYS])
        return [[t for t, hit in zip(TOPIC_KEYS, row, strict=True) if hit] for row in scores >= thresholds]


def _linear_parts(model: CalibratedClassifierCV) -> tuple[np.ndarray, float, float, float]:
    """Weights, bias, and the sigmoid's slope and offset of a fitted one-fold calibrated classifier."""
    (calibrated,) = model.calibrated_classifiers_
    (sigmoid,) = calibrated.calibrators
    estimator = calibrated.estimator
    return estimator.coef_[0], float(estimator.intercept_[0]), float(sigmoid.a_), float(sigmoid.b_)


def _best_threshold(y: np.ndarray, probabilities: np.ndarray) -> float:
    """The middle of the thresholds whose held-out F1 is within ``PLATEAU`` of the best.

    F1 over a threshold grid is flat near its top, and which grid point wins by a hair changes with
    every fold split and every example added; the middle of the plateau does not.
    """
    f1s = np.array([f1_score(y, probabilities >= t, zero_division=0) for t in THRESHOLD_GRID])
    near_best = THRESHOLD_GRID[f1s >= f1s.max() - PLATEAU]
    return float(np.round(np.median(near_best), 3))
