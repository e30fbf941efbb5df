"""Near-duplicates: 64-bit SimHash fingerprints of post text, so reposts and syndicated copies link to the original.

Step 3 of a post's path (the dedup pipeline stage): the stage computes ``simhash(text)``, looks up stored posts
sharing one of its four 16-bit ``bands`` (by the pigeonhole principle, any fingerprint within Hamming distance 3
shares at least one band), and links the post to the earliest one for which ``is_near_duplicate`` holds. Features
are character 3-shingles of the normalised text with punctuation and white space removed, so a repost's changed
punctuation, full-width digits or spacing do not count. The wrappers a syndicated copy adds (``转载：``,
``原标题：…``, ``（来源：… 责任编辑：…）``) are cut off first (:func:`core_text`): ~50 added characters already
cost a 1,000-character text five bits, beyond the distance the bands guarantee to find.
Fingerprints are signed 64-bit integers, ready for a BIGINT column.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter

import numpy as np
import numpy.typing as npt

from crawlers.clean import normalize_text

logger = logging.getLogger(__name__)

BITS = 64
BAND_BITS = 16
SHINGLE = 3
_MASK = (1 << BITS) - 1
_BIT_SHIFTS = np.arange(BITS, dtype=np.uint64)
_NOT_TEXT = re.compile(r"[\W_]+")


# Lines or leading clauses that only say where a copy came from.
_HEADERS = re.compile(
    r"^\s*(?:【转(?:载|发)】|转(?:载|发|自)[^\n：:]{0,30}[：:]|原标题[：:][^\n]*\n|来源[：:][^\n]{0,40}\n|本文转自[^\n：:]{0,30}[：:])"
)
# A Weibo hashtag (as ``nlp.surface.HASHTAG``): what a post is filed under, not what it says. Spam copies of one
# post under different trending hashtags are copies.
_HASHTAG = re.compile(r"#[^#\n]{1,40}#")
_FOOTERS = re.compile(r"[（(]?\s*(?:来源|稿源|责任编辑|责编|编辑|原标题|作者|记者)[：:][^\n（）()]{0,60}[）)]?\s*$")


def core_text(text: str) -> str:
    """The text without the hashtags, headers and footers that copies add around it."""
    core = _HASHTAG.sub(" ", text).strip() or text
    for _ in range(3):
        stripped = _FOOTERS.sub("", _HEADERS.sub("", core)).strip()
        if stripped == core or not stripped:
            break
        core = stripped
    return core


def simhash(text: str) -> int:
    """SimHash over character 3-shingles of :func:`core_text`, weighted by count; a signed value in
    [-2**63, 2**63). Empty text: 0."""
    shingles = _shingles(core_text(text))
    if not shingles:
        return 0
    # Each shingle's 64-bit hash votes +count on its set bits and -count on the others; a bit of the
    # fingerprint is set where the votes are positive. One matrix product instead of a loop per bit.
    features = _hashes(shingles)
    counts = np.fromiter(shingles.values(), dtype=np.int64, count=len(shingles))
    bits = ((features[:, None] >> _BIT_SHIFTS) & np.uint64(1)).astype(np.int64)
    weights = counts @ (2 * bits - 1)
    fingerprint = sum(1 << int(bit) for bit in np.flatnonzero(weights > 0))
    return _signed(fingerprint)


def hamming(a: int, b: int) -> int:
    """Bits that differ between two fingerprints (signed or unsigned forms give the same answer)."""
    return ((a ^ b) & _MASK).bit_count()


def bands(h: int) -> tuple[int, int, int, int]:
    """The four 16-bit bands of a fingerprint, low band first, each in [0, 65535], for indexed lookup."""
    unsigned = h & _MASK
    mask = (1 << BAND_BITS) - 1
    return (unsigned & mask, unsigned >> 16 & mask, unsigned >> 32 & mask, unsigned >> 48 & mask)


def is_near_duplicate(a: int, b: int, max_distance: int = 3) -> bool:
    """True when two fingerprints differ in at most ``max_distance`` bits."""
    return hamming(a, b) <= max_distance


def _shingles(text: str) -> Counter[str]:
    compact = _NOT_TEXT.sub("", normalize_text(text).lower())
    if len(compact) < SHINGLE:
        return Counter([compact]) if compact else Counter()
    return Counter(compact[i : i + SHINGLE] for i in range(len(compact) - SHINGLE + 1))


def _hashes(shingles: Counter[str]) -> npt.NDArray[np.uint64]:
    """The 64-bit BLAKE2b hash of each shingle (big-endian digest read as an unsigned integer)."""
    digests = b"".join(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest() for shingle in shingles)
    return np.frombuffer(digests, dtype=">u8").astype(np.uint64)


def _signed(value: int) -> int:
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value
