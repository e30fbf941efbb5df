"""Features shared by the topic and sentiment models: word and character n-gram TF-IDF.

Words come from the segmenter (jieba with our domain dictionary, stop words removed); characters
catch what segmentation misses in colloquial posts. Input is prepared once per text and handed to
both models, so a post is segmented once however many models read it.

Training fits scikit-learn's ``TfidfVectorizer`` (``nlp.training``); tagging uses :class:`FeatureSpace`, the
same vocabularies and IDF weights as plain arrays, computing the same numbers with numpy alone — so a command
that tags (``yuqing classify``) never imports scikit-learn or SciPy, and starts and stays small.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from nlp.segment import Segmenter

logger = logging.getLogger(__name__)

_NOISE = re.compile(r"https?://\S+|O?网页链接|展开全文|[\u200b-\u200f\ufeff]")
_SPACE = re.compile(r"\s+")
_WHITE = re.compile(r"\s\s+")  # scikit-learn's char analyzer folds runs of white space the same way

# Character n-grams are read from the lead of a post only: long letters would otherwise cost more in
# n-gram counting than their segmentation does. 500 characters reach past the polite opening and
# background with which citizens' letters often begin to the matter they raise.
CHAR_LEAD = 500
# Words are read from a longer lead: the first thousand characters say what a post is about, and a
# four-thousand-character letter would otherwise cost four times as much to segment.
WORD_LEAD = 1000
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (1, 3)


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC), links and Weibo artefacts removed, white space folded."""
    text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub(" ", _NOISE.sub(" ", text)).strip()


@dataclass(frozen=True)
class Prepared:
    """A text ready for the vectorizer: the normalised character lead and space-joined words."""

    chars: str
    words: str


def prepare(segmenter: Segmenter, text: str) -> Prepared:
    """Normalise ``text`` once and cut the two leads the models read."""
    clean = normalize(text)
    return Prepared(chars=clean[:CHAR_LEAD], words=" ".join(segmenter.words(clean[:WORD_LEAD])))


def word_ngrams(words: str) -> list[str]:
    """Word 1- and 2-grams of space-joined words (``TfidfVectorizer(token_pattern=r"\\S+", ngram_range=(1, 2))``)."""
    tokens = words.split()
    low, high = WORD_NGRAMS
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), high + 1):
        grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return grams


def char_ngrams(chars: str) -> list[str]:
    """Character 1- to 3-grams, lower-cased (``TfidfVectorizer(analyzer="char", ngram_range=(1, 3))``)."""
    text = _WHITE.sub(" ", chars.lower())
    low, high = CHAR_NGRAMS
    grams: list[str] = []
    for n in range(low, min(high, len(text)) + 1):
        grams += [text[i : i + n] for i in range(len(text) - n + 1)]
    return grams


@dataclass
class Rows:
    """Feature rows of a batch in compressed form: row ``r`` has ``indices[indptr[r]:indptr[r + 1]]``."""

    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]

    def dot(self, weights: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Each row times ``weights`` (features × outputs): one output vector per row."""
        out = np.zeros((len(self.indptr) - 1, weights.shape[1]))
        if len(self.indices):
            products = weights[self.indices] * self.values[:, None]
            starts = self.indptr[:-1]
            nonempty = starts < self.indptr[1:]
            out[nonempty] = np.add.reduceat(products, starts[nonempty], axis=0)
        return out


class FeatureSpace:
    """The fitted vocabularies and IDF weights of both blocks (words first, then characters), as arrays."""

    def __init__(
        self,
        words: Sequence[str],
        word_idf: npt.NDArray[np.float64],
        chars: Sequence[str],
        char_idf: npt.NDArray[np.float64],
    ) -> None:
        self.word_terms = list(words)
        self.char_terms = list(chars)
        self.words = {term: index for index, term in enumerate(self.word_terms)}
        offset = len(self.word_terms)
        self.chars = {term: offset + index for index, term in enumerate(self.char_terms)}
        self.idf = np.concatenate([word_idf, char_idf]).astype(np.float64)

    @property
    def size(self) -> int:
        return len(self.word_terms) + len(self.char_terms)

    def rows(self, docs: Sequence[Prepared]) -> Rows:
        """TF-IDF rows as scikit-learn computes them: sublinear term frequency (1 + log tf), times IDF, each
        block normalised to unit length on its own.

        The n-grams are looked up one document at a time; counting, weighting and normalising are done for the
        whole batch at once, on keys (row, block, column)."""
        rows: list[npt.NDArray[np.int64]] = []
        columns: list[npt.NDArray[np.int64]] = []
        for row, doc in enumerate(docs):
            for grams, vocabulary in ((word_ngrams(doc.words), self.words), (char_ngrams(doc.chars), self.chars)):
                found = np.fromiter(map(vocabulary.get, grams, repeat(-1)), dtype=np.int64, count=len(grams))
                found = found[found >= 0]
                columns.append(found)
                rows.append(np.full(len(found), row, dtype=np.int64))
        size, words = self.size, len(self.word_terms)
        keys = np.concatenate([*rows, np.empty(0, np.int64)]) * size + np.concatenate([*columns, np.empty(0, np.int64)])
        unique, counts = np.unique(keys, return_counts=True)  # sorted: by row, then by column
        row_of, column = np.divmod(unique, size)
        values = (1.0 + np.log(counts)) * self.idf[column]
        block = row_of * 2 + (column >= words)  # each row's word block, then its char block
        starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]]) if len(block) else np.empty(0, np.int64)
        norms = np.sqrt(np.add.reduceat(values * values, starts)) if len(starts) else np.empty(0)
        values /= np.repeat(norms, np.diff(np.r_[starts, len(values)]))
        indptr = np.searchsorted(row_of, np.arange(len(docs) + 1), side="left").astype(np.int64)
        return Rows(indptr, column.astype(np.int64), values)
