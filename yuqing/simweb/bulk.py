"""A larger simulated web for benchmarks: the corpus multiplied into distinct items with distinct URLs and text.

Copy 0 of every item is the item itself. Copy ``n`` (``n >= 1``) gets the id ``<id>-b<n>``, a title marked
``（n）`` and a text that keeps the item's first sentence and draws the rest from the sentences of its whole
channel (seeded by id and copy, so the load is the same in every run and copies are not near-duplicates of
each other). Each copy is published a little earlier than its item, every (channel, second) at most once, so
Weibo ids stay unique. Replies, reposts and charsets are kept, so every page type and decoding path is
exercised. ::

    with SimWeb(DEFAULT_START, items=multiply(load_items(), 10)) as web:
        web.set_now(DEFAULT_START + SCENARIO_LENGTH)
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta

from yuqing.simweb.corpus import Item

logger = logging.getLogger(__name__)

COPY_SPACING = timedelta(seconds=37)
PARAGRAPH_SENTENCES = 3
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]*")


def multiply(items: Iterable[Item], copies: int) -> tuple[Item, ...]:
    """``items`` and ``copies - 1`` varied copies of each (``copies`` ≥ 1), ordered by offset then id."""
    if copies < 1:
        raise ValueError("copies must be at least 1")
    originals = tuple(items)
    pools = _sentence_pools(originals)
    taken = {(item.channel, int(item.offset.total_seconds())) for item in originals}
    result = list(originals)
    for n in range(1, copies):
        for item in originals:
            result.append(_copy(item, n, pools[item.channel], taken))
    result.sort(key=lambda item: (item.offset, item.id))
    logger.debug("multiplied corpus items=%d copies=%d total=%d", len(originals), copies, len(result))
    return tuple(result)


def copies_for(items: int, wanted: int) -> int:
    """How many copies of a corpus of ``items`` give at least ``wanted`` items."""
    return max(1, -(-wanted // max(1, items)))


def _copy(item: Item, n: int, pool: list[str], taken: set[tuple[str, int]]) -> Item:
    rng = random.Random(f"{item.id}:{n}")
    sentences = _sentences(item.text)
    chosen = sentences[:1] + rng.sample(pool, min(len(pool), max(2, len(sentences) - 1)))
    paragraphs = ["".join(chosen[i : i + PARAGRAPH_SENTENCES]) for i in range(0, len(chosen), PARAGRAPH_SENTENCES)]
    extra = dict(item.extra)
    if "retweet_of" in extra:
        extra["retweet_of"] = f"{extra['retweet_of']}-b{n}"
    return replace(
        item,
        id=f"{item.id}-b{n}",
        title=f"{item.title}（{n}）" if item.title else "",
        text="\n".join(paragraphs),
        offset=_free_offset(item.channel, item.offset - n * COPY_SPACING, taken),
        extra=extra,
    )


def _free_offset(channel: str, offset: timedelta, taken: set[tuple[str, int]]) -> timedelta:
    """``offset``, or the nearest earlier whole second no other item of the channel is published at."""
    second = int(offset.total_seconds())
    while (channel, second) in taken:
        second -= 1
    taken.add((channel, second))
    return timedelta(seconds=second)


def _sentence_pools(items: tuple[Item, ...]) -> dict[str, list[str]]:
    pools: dict[str, list[str]] = {}
    for item in items:
        pools.setdefault(item.channel, []).extend(_sentences(item.text))
    return pools


def _sentences(text: str) -> list[str]:
    return [match.group(0).strip() for match in _SENTENCE.finditer(text) if match.group(0).strip()]
