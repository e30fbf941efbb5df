"""Word segmentation: one jieba tokenizer with the department's dictionary and stop words.

Step in the flow: ``nlp.tagger`` owns a ``Segmenter``; ``nlp.features.prepare`` turns each post into
content words with ``words`` and the tagger asks ``keywords`` for a post's key terms.

The segmenter builds its own ``jieba.Tokenizer`` and never touches jieba's global tokenizer
(``jieba.dt``) or calls ``jieba.load_userdict``. jieba's prefix dictionary is cached in ``cache_dir``
(``<repository>/data/cache`` by default) so that later start-ups load it instead of rebuilding it.
``nlp/data/dictionary.txt`` (``word freq pos`` per line, jieba's user-dictionary format) is added on
top of the stock dictionary; ``nlp/data/stopwords.txt`` lists one stop word per line.

Keywords are TF-IDF with jieba's IDF table over this tokenizer's content words, computed as
``jieba.analyse.TFIDF.extract_tags`` does by default (no part-of-speech filter; words jieba's table
lacks get its median IDF). ``jieba.analyse`` itself is not imported: importing it builds a
module-level extractor that leaves the IDF file open, which our test settings turn into an error.
Part-of-speech tagging (``jieba.posseg``) is not used either: it would re-read the stock dictionary
and add about half a second to start-up, and gave the same keywords on our samples.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from math import log
from pathlib import Path
from typing import Any

import jieba

jieba.setLogLevel(logging.WARNING)  # jieba sets its own logger to DEBUG when imported

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
DICTIONARY = DATA_DIR / "dictionary.txt"
STOPWORDS = DATA_DIR / "stopwords.txt"
DEFAULT_CACHE_DIR = Path(__file__).resolve().parents[1] / "data" / "cache"
CACHE_FILE = f"jieba-{jieba.__version__}.cache"
IDF_FILE = Path(jieba.__file__).resolve().parent / "analyse" / "idf.txt"

# How jieba's cut splits a text before segmenting (jieba.re_han_default, re_skip_default, re_eng).
_JIEBA_BLOCK = jieba.re_han_default
_JIEBA_SKIP = jieba.re_skip_default
_LETTER_OR_DIGIT = re.compile("[a-zA-Z0-9]")
_NUMBER = re.compile(r"[0-9０-９.．,，:：/%％+\-]+")
_DICTIONARY_LINE = re.compile(r"(\S+) ([1-9][0-9]*) ([a-z]+)")


class Segmenter:
    """Cuts Chinese text into words with jieba, the domain dictionary and the stop-word list.

    Everything is loaded in the constructor; afterwards the object is only read, so one instance
    can serve several threads. Pickling keeps the paths only and rebuilds the tokenizer, so a
    segmenter can be sent to a worker process.
    """

    def __init__(
        self,
        cache_dir: Path | None = None,
        dictionary: Path = DICTIONARY,
        stopwords: Path = STOPWORDS,
    ) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE_DIR
        self.dictionary = Path(dictionary)
        self.stopwords_path = Path(stopwords)
        self._load()

    @property
    def cache_file(self) -> Path:
        """Where jieba's prefix dictionary is cached."""
        return self.cache_dir / CACHE_FILE

    def cut(self, text: str) -> list[str]:
        """All tokens of ``text`` in order, punctuation included, white space dropped."""
        return [token for token in self.tokenizer.cut(text) if token.strip()]

    def words(self, text: str) -> list[str]:
        """Content words of ``text`` in order: no stop words, punctuation, numbers or white space.

        Dictionary words only: jieba's HMM guesses new words (names, rare compounds) that no model
        has seen in training, and it costs a quarter of segmentation time. The models' character
        n-grams read what it would have found.
        """
        content, words = self._content, []
        for token in self._cut_without_hmm(text):  # _is_content inlined: this loop is most of tagging
            known = content.get(token)
            if known is None:
                known = content[token] = self._judge(token)
            if known:
                words.append(token)
        return words

    def _cut_without_hmm(self, text: str) -> list[str]:
        """The tokens of ``self.tokenizer.cut(text, HMM=False)``, the same ones in the same order, in a third less
        time: runs of Chinese, letters and digits go through :meth:`_best_route`, the rest one character (or one
        white-space run) at a time, as jieba does."""
        tokens: list[str] = []
        for block in _JIEBA_BLOCK.split(text):
            if not block:
                continue
            if _JIEBA_BLOCK.match(block):
                self._best_route(block, tokens)
                continue
            for piece in _JIEBA_SKIP.split(block):
                if _JIEBA_SKIP.match(piece):
                    tokens.append(piece)
                else:
                    tokens.extend(piece)
        return tokens

    def _best_route(self, block: str, tokens: list[str]) -> None:
        """Append the words of ``block`` on jieba's most probable route through its dictionary.

        jieba builds a dict of every word ending at every position (``get_DAG``), then finds the route with a
        generator of tuples per position (``calc``) and walks it in a generator (``__cut_DAG_NO_HMM``); this is
        the same computation in one backward pass over lists, with each word's log probability computed once
        per segmenter. Scores add in jieba's order and ties go to the longer word as in jieba, so the route is
        the same to the last bit (a test compares the two on thousands of real and written texts)."""
        if self.tokenizer.total != self._total:  # a word was added since (add_word): the cached weights are stale
            self._reset_weights()
        freq, logp, log_total = self.tokenizer.FREQ, self._logp, self._log_total
        size = len(block)
        score = [0.0] * (size + 1)
        end = [0] * (size + 1)
        for start in range(size - 1, -1, -1):
            best, best_end = 0.0, -1
            i, fragment = start, block[start]
            while i < size and fragment in freq:
                if freq[fragment]:
                    weight = logp.get(fragment)
                    if weight is None:
                        weight = logp[fragment] = log(freq[fragment]) - log_total
                    candidate = weight + score[i + 1]
                    if best_end < 0 or candidate >= best:
                        best, best_end = candidate, i
                i += 1
                fragment = block[start : i + 1]
            if best_end < 0:  # no dictionary word starts here: the character alone, as jieba's frequency 1
                char = block[start]
                weight = logp.get(char)
                if weight is None:
                    weight = logp[char] = log(freq.get(char) or 1) - log_total
                best, best_end = weight + score[start + 1], start
            score[start], end[start] = best, best_end
        at, letters = 0, ""
        while at < size:  # single letters and digits in a row are one token, as jieba joins them
            stop = end[at] + 1
            word = block[at:stop]
            if stop - at == 1 and _LETTER_OR_DIGIT.match(word):
                letters += word
            else:
                if letters:
                    tokens.append(letters)
                    letters = ""
                tokens.append(word)
            at = stop
        if letters:
            tokens.append(letters)

    def keywords(self, text: str, top_k: int = 8) -> list[str]:
        """The ``top_k`` words of ``text`` with the highest TF-IDF, best first."""
        if top_k <= 0:
            return []
        counts: dict[str, int] = {}
        for word in self.tokenizer.cut(text):
            if len(word) >= 2 and self._is_content(word):
                counts[word] = counts.get(word, 0) + 1
        total = sum(counts.values())
        idf, median = self._idf_table()
        weight = {w: n * idf.get(w, median) / total for w, n in counts.items()}
        # sorted() is stable: equal weights keep the order in which the words first appear.
        return sorted(weight, key=lambda w: -weight[w])[:top_k]

    def __getstate__(self) -> dict[str, Any]:
        return {"cache_dir": self.cache_dir, "dictionary": self.dictionary, "stopwords": self.stopwords_path}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.cache_dir = state["cache_dir"]
        self.dictionary = state["dictionary"]
        self.stopwords_path = state["stopwords"]
        self._load()

    def __repr__(self) -> str:
        return f"Segmenter(cache_dir={self.cache_dir!r}, dictionary={self.dictionary!r})"

    def _load(self) -> None:
        started = time.perf_counter()
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        tokenizer = jieba.Tokenizer()
        tokenizer.tmp_dir = str(self.cache_dir)
        tokenizer.cache_file = CACHE_FILE
        tokenizer.initialize()
        entries = read_dictionary(self.dictionary)
        for word, freq, tag in entries:
            tokenizer.add_word(word, freq, tag)
        self.tokenizer = tokenizer
        self._total: int = 0
        self._log_total = 0.0
        self._logp: dict[str, float] = {}  # word -> log of its share of jieba's total frequency, filled as met
        self._reset_weights()
        self._content: dict[str, bool] = {}  # token -> is it a content word; tokens repeat, judging does not
        self.stopwords = read_stopwords(self.stopwords_path)
        self._idf: tuple[dict[str, float], float] | None = None  # read on the first keywords(): tagging needs none
        logger.info(
            "segmenter ready words=%d stopwords=%d cache=%s seconds=%.2f",
            len(entries),
            len(self.stopwords),
            self.cache_file,
            time.perf_counter() - started,
        )

    def _reset_weights(self) -> None:
        self._total = self.tokenizer.total
        self._log_total = log(self._total)
        self._logp = {}

    def _idf_table(self) -> tuple[dict[str, float], float]:
        if self._idf is None:
            self._idf = read_idf(IDF_FILE)
        return self._idf

    def _is_content(self, token: str) -> bool:
        known = self._content.get(token)
        if known is None:
            known = self._content[token] = self._judge(token)
        return known

    def _judge(self, token: str) -> bool:
        if not token.strip() or token in self.stopwords or token.lower() in self.stopwords:
            return False
        if _NUMBER.fullmatch(token):
            return False
        return not all(unicodedata.category(ch)[0] in "PSZ" for ch in token)


def read_dictionary(path: Path) -> list[tuple[str, int, str]]:
    """The entries of a jieba user dictionary whose every line is ``word freq pos``."""
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        match = _DICTIONARY_LINE.fullmatch(line.strip())
        if match is None:
            raise ValueError(f"{path}:{number}: expected 'word freq pos', got {line!r}")
        entries.append((match[1], int(match[2]), match[3]))
    return entries


def read_stopwords(path: Path) -> frozenset[str]:
    """One stop word per line; blank lines are skipped."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    return frozenset(word for word in (line.strip() for line in lines) if word)


def read_idf(path: Path) -> tuple[dict[str, float], float]:
    """jieba's IDF table (``word idf`` per line) and its median, used for words it does not list."""
    idf: dict[str, float] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            word, _, value = line.strip().rpartition(" ")
            if word:
                idf[word] = float(value)
    values = sorted(idf.values())
    return idf, values[len(values) // 2]
