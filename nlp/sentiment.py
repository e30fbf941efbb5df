"""Sentiment toward the situation a post describes: negative, neutral or positive (labels.md)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

logger = logging.getLogger(__name__)

LABELS = ("negative", "neutral", "positive")


class SentimentModel:
    def __init__(self, seed: int = 0, folds: int = 5) -> None:
        self.seed = seed
        self.folds = folds
        self.classifier = self._new()
        self.cv_scores: dict[str, float] = {}

    def _new(self) -> LogisticRegression:
        return LogisticRegression(C=6.0, class_weight="balanced", max_iter=3000, random_state=self.seed)

    def fit(self, features: sp.csr_matrix, labels: Sequence[str]) -> SentimentModel:
        y = np.array(labels)
        splitter = StratifiedKFold(n_splits=self.folds, shuffle=True, random_state=self.seed)
        held_out = cross_val_predict(self._new(), features, y, cv=splitter)
        per_class = f1_score(y, held_out, labels=list(LABELS), average=None, zero_division=0)
        self.cv_scores = {f"f1_{label}": round(float(s), 4) for label, s in zip(LABELS, per_class, strict=True)}
        self.cv_scores["macro_f1"] = round(float(np.mean(per_class)), 4)
        self.classifier.fit(features, y)
        logger.info("trained sentiment cv_macro_f1=%.3f", self.cv_scores["macro_f1"])
        return self

    def predict(self, features: sp.csr_matrix) -> list[str]:
        """The classifier's labels, from its coefficients directly (see ``TopicModel.scores``)."""
        model = self.classifier
        margins = np.asarray(features @ model.coef_.T) + model.intercept_
        return [str(model.classes_[i]) for i in margins.argmax(axis=1)]
