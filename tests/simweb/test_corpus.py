"""The hand-written corpus: size, channels, topics, registers, and the two storylines the demo plays."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest

from tests.simweb.support import at
from yuqing.simweb import DEFAULT_START, Item
from yuqing.simweb.corpus import item_from_json, parse_offset
from yuqing.simweb.weibo import mid_of
from yuqing.vocabulary import TOPICS

DEATHS = re.compile(r"(\d+)人死亡|死亡人数(?:已)?升至(\d+)人|(\d+)人遇难|(\d+)名遇难者")


def published(item: Item) -> object:
    return item.published(DEFAULT_START)


def story(corpus: tuple[Item, ...], name: str) -> list[Item]:
    return [item for item in corpus if item.expected.story == name]


def death_figures(item: Item) -> list[int]:
    return [int(next(group for group in match.groups() if group)) for match in DEATHS.finditer(item.text)]


def test_the_corpus_is_large_and_spans_the_week(corpus: tuple[Item, ...]) -> None:
    assert len(corpus) >= 170
    assert min(item.offset for item in corpus) == timedelta(0)
    assert max(item.offset for item in corpus) <= timedelta(days=7)
    assert len({item.id for item in corpus}) == len(corpus)
    assert set(Counter(item.channel for item in corpus)) == {"news", "city", "weibo", "board", "official"}


def test_every_topic_appears_and_most_items_are_unrelated(corpus: tuple[Item, ...]) -> None:
    topics = Counter(topic for item in corpus for topic in item.expected.topics)
    assert set(topics) == set(TOPICS)
    assert min(topics.values()) >= 10
    unrelated = sum(1 for item in corpus if not item.expected.topics)
    assert unrelated / len(corpus) >= 0.40


def test_news_articles_have_the_length_of_news(corpus: tuple[Item, ...]) -> None:
    for item in corpus:
        if item.channel in ("news", "city"):
            assert 200 <= len(item.text.replace("\n", "")) <= 600, item.id
            assert item.title and item.extra.get("source"), item.id


def test_a_third_of_the_provincial_articles_are_gbk_and_encodable(corpus: tuple[Item, ...]) -> None:
    news = [item for item in corpus if item.channel == "news"]
    charsets = Counter(item.extra.get("charset", "utf-8") for item in news)
    assert abs(charsets["gbk"] - len(news) / 3) <= 2
    assert charsets["gb18030-mislabeled"] >= 2 and charsets["none"] >= 2
    for item in news:
        if item.extra.get("charset") == "gbk":
            (item.title + item.text + item.author + item.extra["source"]).encode("gbk")


def test_weibo_posts_are_colloquial_with_hashtags_emoji_and_reposts(corpus: tuple[Item, ...]) -> None:
    posts = [item for item in corpus if item.channel == "weibo"]
    assert sum("#" in post.text for post in posts) >= len(posts) // 2
    assert sum(bool(re.search(r"\[[\u4e00-\u9fff]{1,4}\]", post.text)) for post in posts) >= len(posts) // 2
    assert sum("retweet_of" in post.extra for post in posts) >= 8
    assert len({mid_of(post) for post in posts}) == len(posts)


def test_board_letters_are_polite_and_most_are_answered(corpus: tuple[Item, ...]) -> None:
    letters = [item for item in corpus if item.channel == "board"]
    assert len(letters) >= 20
    assert sum("reply" in letter.extra for letter in letters) >= len(letters) * 2 // 3
    assert sum(("您好" in letter.text or "谢谢" in letter.text) for letter in letters) >= len(letters) * 3 // 4


def test_the_crane_collapse_unfolds_on_day_five(corpus: tuple[Item, ...]) -> None:
    crane = story(corpus, "crane")
    first_post = min((item for item in crane if item.channel == "weibo"), key=published)
    assert published(first_post) == at(5, 3, 20)
    first_news = min((item for item in crane if item.channel in ("news", "city")), key=published)
    assert published(first_news) == at(5, 4, 30)
    assert "造成3人死亡" in first_news.text
    assert all(re.search("塔吊|塔式起重机", item.title + item.text) for item in crane if item.channel != "weibo")
    statements = [item for item in crane if item.channel == "official"]
    assert len(statements) == 1
    statement = statements[0]
    assert published(statement) - published(first_post) == timedelta(hours=3)
    for fact in ("3时10分", "3人死亡", "原因正在调查", "山东鲁兴建工集团有限公司", "全省开展建筑起重机械安全专项排查"):
        assert fact in statement.text
    assert not any("新闻发布会" in item.title for item in corpus)


def test_the_crane_death_toll_only_rises(corpus: tuple[Item, ...]) -> None:
    crane = sorted(story(corpus, "crane"), key=lambda item: item.offset)
    reported = [(published(item), max(death_figures(item))) for item in crane if death_figures(item)]
    highest = 0
    for when, figure in reported:
        limit = 3 if when < at(5, 9) else 7 if when < at(5, 15) else 11
        assert figure <= limit, (when, figure)
        highest = max(highest, figure)
    assert {figure for _, figure in reported} >= {3, 7, 11}
    assert any("死亡人数升至11人" in item.text and "5人重伤" in item.text for item in crane)
    near_copies = [item for item in crane if "升至7人" in item.text or "升至11人" in item.text]
    assert len({item.channel for item in near_copies}) >= 2 and len(near_copies) >= 6


def test_the_expropriation_dispute_and_its_answer(corpus: tuple[Item, ...]) -> None:
    dispute = story(corpus, "expropriation")
    first_post = min((item for item in dispute if item.channel == "weibo"), key=published)
    assert published(first_post).date() == at(2, 0).date()
    assert "章丘" in first_post.text and "补偿款" in first_post.text
    same_day = [item for item in dispute if published(item).date() == at(2, 0).date()]
    assert {item.channel for item in same_day} >= {"weibo", "board", "news", "city"}
    assert any(word in item.text for item in same_day for word in ("聚集", "维权"))
    assert any("强拆" in item.text for item in same_day)
    notices = [item for item in dispute if item.channel == "official"]
    assert len(notices) == 1
    assert published(notices[0]) - published(first_post) == timedelta(hours=30)


def test_offsets_and_bad_records_are_rejected() -> None:
    assert parse_offset("4d19h20m") == timedelta(days=4, hours=19, minutes=20)
    assert parse_offset("90s") == timedelta(seconds=90)
    good = {"id": "x1", "channel": "news", "offset": "1d", "title": "t", "text": "正文"}
    assert item_from_json(good).kind == "news"
    for bad in (
        {**good, "offset": "tomorrow"},
        {**good, "offset": "8d"},
        {**good, "channel": "tv"},
        {**good, "expected": {"topics": ["weather"]}},
        {**good, "expected": {"story": "flood"}},
    ):
        with pytest.raises(ValueError):
            item_from_json(bad)
