"""Training the tagger's models (``yuqing train``): the team-written corpus, the real annotations and the
officers' corrections together, into the arrays ``nlp.model`` tags with.

``tools/tagger/cv.py`` (the cross-validation behind every choice) calls :func:`fit` too, so what is measured
is what ships. Real annotations and corrections weigh ``REAL_WEIGHT`` times a team-written example, and
the topic thresholds are chosen on their held-out probabilities alone: the team-written text is one
register of our own, and thresholds tuned on it fit it.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.annotations import DEFAULT_REAL_DIR, annotation_files, real_records, resolve
from nlp.corpus import CORPUS_DIR, Example, corpus_files, corpus_hash, read_examples
from nlp.features import CHAR_NGRAMS, WORD_NGRAMS, FeatureSpace, Prepared, prepare
from nlp.model import Models
from nlp.segment import Segmenter
from nlp.sentiment import SentimentModel
from nlp.topics import TOPIC_KEYS, TopicModel
from yuqing.errors import ModelNotReady

logger = logging.getLogger(__name__)

REAL_WEIGHT = 4.0


class Vectorizer:
    """Word 1–2-grams and character 1–3-grams, TF-IDF with sublinear term frequency (scikit-learn, to fit)."""

    def __init__(self, max_word_features: int = 40000, max_char_features: int = 60000) -> None:
        self.words = TfidfVectorizer(
            token_pattern=r"\S+",
            lowercase=False,
            ngram_range=WORD_NGRAMS,
            min_df=2,
            sublinear_tf=True,
            max_features=max_word_features,
            dtype=np.float64,
        )
        self.chars = TfidfVectorizer(
            analyzer="char",
            ngram_range=CHAR_NGRAMS,
            min_df=2,
            sublinear_tf=True,
            max_features=max_char_features,
            dtype=np.float64,
        )

    def fit_transform(self, docs: Sequence[Prepared]) -> sp.csr_matrix:
        words = self.words.fit_transform([d.words for d in docs])
        chars = self.chars.fit_transform([d.chars for d in docs])
        return sp.hstack([words, chars], format="csr")

    def transform(self, docs: Sequence[Prepared]) -> sp.csr_matrix:
        words = self.words.transform([d.words for d in docs])
        chars = self.chars.transform([d.chars for d in docs])
        return sp.hstack([words, chars], format="csr")

    def space(self) -> FeatureSpace:
        """The fitted vocabularies, in column order, with their IDF weights."""
        return FeatureSpace(
            self.words.get_feature_names_out().tolist(),
            self.words.idf_,
            self.chars.get_feature_names_out().tolist(),
            self.chars.idf_,
        )


def fit(
    segmenter: Segmenter,
    team: Sequence[Example],
    real: Sequence[Example],
    *,
    real_weight: float = REAL_WEIGHT,
    seed: int = 0,
) -> Models:
    """Models fitted on ``team`` and ``real`` examples together; thresholds and scores from ``real`` when given."""
    examples = [*team, *real]
    prepared = [prepare(segmenter, e.text) for e in examples]
    vectorizer = Vectorizer()
    features = vectorizer.fit_transform(prepared)
    is_real = np.array([False] * len(team) + [True] * len(real))
    weights = np.where(is_real, real_weight, 1.0)
    tune = is_real if len(real) else None
    topics = TopicModel(seed=seed).fit(features, [e.topics for e in examples], weights, tune)
    sentiment = SentimentModel(seed=seed).fit(features, [e.sentiment for e in examples], weights, tune)
    macro = sum(s["f1"] for s in topics.cv_scores.values()) / len(TOPIC_KEYS)
    metadata = {
        "thresholds": topics.thresholds,
        "cross_validated": {
            "on": "real annotations and corrections" if len(real) else "team-written corpus",
            "folds": topics.folds,
            "topics": topics.cv_scores,
            "topics_macro_f1": round(macro, 4),
            "sentiment": sentiment.cv_scores,
        },
    }
    return to_models(vectorizer, topics, sentiment, metadata)


def to_models(
    vectorizer: Vectorizer, topics: TopicModel, sentiment: SentimentModel, metadata: dict[str, Any]
) -> Models:
    """The fitted estimators as the arrays the tagger reads."""
    topic_weights, topic_bias = topics.weights()
    sentiment_weights, sentiment_bias, labels = sentiment.weights()
    return Models(vectorizer.space(), topic_weights, topic_bias, sentiment_weights, sentiment_bias, labels, metadata)


def predict(segmenter: Segmenter, models: Models, texts: Sequence[str]) -> list[tuple[list[str], str]]:
    """(topics, sentiment) of each text, as the tagger decides them."""
    probabilities, sentiments = models.score([prepare(segmenter, t) for t in texts])
    return list(zip(models.decide(probabilities), sentiments, strict=True))


def train(
    segmenter: Segmenter,
    today: date,
    corpus_dir: Path = CORPUS_DIR,
    real_dir: Path | None = DEFAULT_REAL_DIR,
    corrections: Sequence[Example] = (),
) -> Models:
    """Fit the models on the team-written corpus, the real annotations whose texts ``real_dir`` holds, and the
    officers' ``corrections``; the metadata says how many of each were used and what was missing."""
    files = corpus_files(corpus_dir)
    if not files:
        raise ModelNotReady(f"语料目录 {corpus_dir} 中没有 .jsonl 文件，无法训练。")
    team = read_examples(files)
    records = real_records()
    real, missing = resolve(records, real_dir) if real_dir is not None else ([], records)
    models = fit(segmenter, team, [*real, *corrections])
    digest = corpus_hash([*files, *annotation_files()], extra=_examples_digest([*real, *corrections]))
    labelled = [*team, *real, *corrections]
    per_topic = Counter(t for e in labelled for t in e.topics)
    models.metadata = {
        "version": f"{today.isoformat()}-{digest[:8]}",
        "inputs_sha256": digest,
        "corpus_sha256": corpus_hash(files),
        "annotations_sha256": corpus_hash(annotation_files()),
        "trained_on": today.isoformat(),
        "examples": len(labelled),
        "team_examples": len(team),
        "real_annotations": len(real),
        "real_annotations_missing": len(missing),
        "corrections": len(corrections),
        "examples_per_topic": {t: per_topic[t] for t in TOPIC_KEYS},
        "examples_without_topic": sum(1 for e in labelled if not e.topics),
        **models.metadata,
        "libraries": {name: package_version(name) for name in ("scikit-learn", "jieba", "numpy")},
    }
    return models


def folds_of(groups: Sequence[str], folds: int, seed: int = 0) -> list[int]:
    """A fold for each item, dealt round-robin within each group after a seeded shuffle (stratified by group)."""
    by_group: dict[str, list[int]] = defaultdict(list)
    for index, group in enumerate(groups):
        by_group[group].append(index)
    rng = random.Random(seed)
    assigned = [0] * len(groups)
    offset = 0
    for group in sorted(by_group):
        members = by_group[group]
        rng.shuffle(members)
        for position, index in enumerate(members):
            assigned[index] = (offset + position) % folds
        offset += len(members)
    return assigned


def _examples_digest(examples: Sequence[Example]) -> str:
    """A digest of resolved texts and labels: a model names the exact real texts and corrections it saw."""
    digest = hashlib.sha256()
    for example in examples:
        digest.update(example.text.encode("utf-8"))
        digest.update(",".join(sorted(example.topics)).encode())
        digest.update(example.sentiment.encode())
    return digest.hexdigest()
