"""Features shared by the topic and sentiment models: word and character n-gram TF-IDF.

Words come from the segmenter (jieba with our domain dictionary, stop words removed); characters
catch what segmentation misses in colloquial posts. Input is prepared once per text and handed to
both models, so a post is segmented once however many models read it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

if TYPE_CHECKING:
    from nlp.segment import Segmenter

logger = logging.getLogger(__name__)

_NOISE = re.compile(r"https?://\S+|O?网页链接|展开全文|[\u200b-\u200f\ufeff]")
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC), links and Weibo artefacts removed, white space folded."""
    text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub(" ", _NOISE.sub(" ", text)).strip()


# Character n-grams are read from the lead of a post only: long letters would otherwise cost more in
# n-gram counting than their segmentation does. 500 characters reach past the polite opening and
# background with which citizens' letters often begin to the matter they raise.
CHAR_LEAD = 500
# Words are read from a longer lead: the first thousand characters say what a post is about, and a
# four-thousand-character letter would otherwise cost four times as much to segment.
WORD_LEAD = 1000


@dataclass(frozen=True)
class Prepared:
    """A text ready for the vectorizer: the normalised character lead and space-joined words."""

    chars: str
    words: str


def prepare(segmenter: Segmenter, text: str) -> Prepared:
    """Normalise ``text`` once and cut the two leads the models read."""
    clean = normalize(text)
    return Prepared(chars=clean[:CHAR_LEAD], words=" ".join(segmenter.words(clean[:WORD_LEAD])))


class Vectorizer:
    """Word 1–2-grams and character 1–3-grams, TF-IDF with sublinear term frequency."""

    def __init__(self, max_word_features: int = 40000, max_char_features: int = 60000) -> None:
        self.words = TfidfVectorizer(
            token_pattern=r"\S+",
            lowercase=False,
            ngram_range=(1, 2),
            min_df=2,
            sublinear_tf=True,
            max_features=max_word_features,
            dtype=np.float32,
        )
        self.chars = TfidfVectorizer(
            analyzer="char",
            ngram_range=(1, 3),
            min_df=2,
            sublinear_tf=True,
            max_features=max_char_features,
            dtype=np.float32,
        )

    def fit_transform(self, docs: Sequence[Prepared]) -> sp.csr_matrix:
        words = self.words.fit_transform([d.words for d in docs])
        chars = self.chars.fit_transform([d.chars for d in docs])
        return sp.hstack([words, chars], format="csr")

    def transform(self, docs: Sequence[Prepared]) -> sp.csr_matrix:
        words = self.words.transform([d.words for d in docs])
        chars = self.chars.transform([d.chars for d in docs])
        return sp.hstack([words, chars], format="csr")
