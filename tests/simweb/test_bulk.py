"""The bench corpus: copies with distinct ids, URLs and texts, the same in every run."""

from __future__ import annotations

from collections import Counter

import pytest

from crawlers.neardup import hamming, simhash
from yuqing.simweb import DEFAULT_START, Item
from yuqing.simweb import weibo as sim_weibo
from yuqing.simweb.bulk import copies_for, multiply
from yuqing.simweb.feeds import link_of
from yuqing.simweb.scene import Scene


def test_copies_are_distinct_and_reproducible(corpus: tuple[Item, ...]) -> None:
    items = multiply(corpus, 3)

    assert len(items) == 3 * len(corpus)
    assert multiply(corpus, 3) == items
    assert len({item.id for item in items}) == len(items)
    assert Counter(item.channel for item in items) == Counter(
        {k: 3 * v for k, v in Counter(i.channel for i in corpus).items()}
    )
    scene = Scene(start=DEFAULT_START, now=DEFAULT_START, items=items, base_url="http://web")
    pages = [link_of(scene, item) for item in items if item.channel in ("news", "city", "official")]
    assert len(set(pages)) == len(pages)
    mids = [sim_weibo.mid_of(item) for item in items if item.channel == "weibo"]
    assert len(set(mids)) == len(mids)


def test_a_copy_keeps_its_opening_and_is_no_near_duplicate(corpus: tuple[Item, ...]) -> None:
    items = {item.id: item for item in multiply(corpus, 2)}
    original = next(item for item in corpus if item.channel == "news")
    copy = items[f"{original.id}-b1"]

    assert copy.text.split("。")[0] == original.text.split("。")[0]
    assert copy.title == f"{original.title}（1）" and copy.offset < original.offset
    assert hamming(simhash(copy.text), simhash(original.text)) > 3


def test_reposts_point_at_the_copy_of_their_original(corpus: tuple[Item, ...]) -> None:
    items = {item.id: item for item in multiply(corpus, 2)}
    repost = next(item for item in corpus if "retweet_of" in item.extra)

    assert items[f"{repost.id}-b1"].extra["retweet_of"] == f"{repost.extra['retweet_of']}-b1"


@pytest.mark.parametrize(("size", "wanted", "copies"), [(227, 2000, 9), (227, 227, 1), (227, 10, 1), (0, 5, 5)])
def test_copies_for(size: int, wanted: int, copies: int) -> None:
    assert copies_for(size, wanted) == copies
