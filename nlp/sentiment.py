"""Sentiment (training): toward the situation a post describes, negative, neutral or positive (labels.md).

One multinomial logistic regression over the topics' features; at run time its weights are a matrix
(``nlp.model``).
"""

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

    def fit(
        self,
        features: sp.csr_matrix,
        labels: Sequence[str],
        weights: np.ndarray | None = None,
        scored: np.ndarray | None = None,
    ) -> SentimentModel:
        """Fit (``weights``: one per row); the cross-validated scores are those of the rows ``scored`` marks."""
        y = np.array(labels)
        weights = np.ones(len(y)) if weights is None else weights
        scored = np.ones(len(y), dtype=bool) if scored is None else scored
        splitter = StratifiedKFold(n_splits=self.folds, shuffle=True, random_state=self.seed)
        held_out = cross_val_predict(self._new(), features, y, cv=splitter, params={"sample_weight": weights})
        per_class = f1_score(y[scored], held_out[scored], labels=list(LABELS), average=None, zero_division=0)
        self.cv_scores = {f"f1_{label}": round(float(s), 4) for label, s in zip(LABELS, per_class, strict=True)}
        self.cv_scores["macro_f1"] = round(float(np.mean(per_class)), 4)
        self.classifier.fit(features, y, sample_weight=weights)
        logger.info("trained sentiment cv_macro_f1=%.3f", self.cv_scores["macro_f1"])
        return self

    def weights(self) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
        """The classifier as a matrix (features × labels), its bias and its labels, for ``nlp.model``."""
        model = self.classifier
        return model.coef_.T.astype(np.float64), model.intercept_.astype(np.float64), tuple(map(str, model.classes_))
