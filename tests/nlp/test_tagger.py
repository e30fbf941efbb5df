"""The tagger's output on posts written for these tests, under the labels guide."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nlp.tagger import Post, Tagger

PUBLISHED = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # 17:00 北京时间


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("日照市东港区一在建工地脚手架坍塌，三名工人被困，消防正在救援", {"engineering_quality"}),
        ("淄博本月新建商品住宅成交均价环比下跌1.5%，二手房挂牌量继续增加", {"housing_market"}),
        ("我们村的拆迁补偿款拖了两年还没发到位，找了镇里好几次都说再等等", {"expropriation"}),
        ("小区加装电梯的申请流程是怎样的？老旧小区改造能不能一起办", {"shantytown"}),
        ("城管队员深夜强行收走老人的菜摊，围观群众纷纷指责", {"urban_management"}),
        ("交房才三个月客厅墙面裂缝越来越宽，开发商一直推脱不给维修", {"engineering_quality", "housing_market"}),
    ],
)
def test_topics_follow_the_labels_guide(tagger: Tagger, text: str, expected: set[str]) -> None:
    assert set(tagger.tag(Post(text=text)).topics) == expected


@pytest.mark.parametrize(
    "text",
    [
        "市一中举行秋季运动会，两千余名师生参加开幕式",
        "国庆假期景区附近酒店房价翻倍，游客直呼住不起",
        "高速公路上两辆货车追尾，交警提醒雨天注意车距",
        "这破球队踢得真垃圾，主教练赶紧下课吧",
        "6531792429",
        "https://example.cn/a?id=1",
    ],
)
def test_posts_outside_the_remit_get_no_topic(tagger: Tagger, text: str) -> None:
    tags = tagger.tag(Post(text=text))
    assert tags.topics == []
    assert all(0.0 <= s <= 1.0 for s in tags.scores.values())


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("临沂一工地塔吊倒塌致3人死亡，家属悲痛欲绝", "negative"),
        ("省住建厅发布关于做好冬季供暖工作的通知", "neutral"),
        ("棚改安置房终于分到手了，感谢街道的同志们辛苦奔走", "positive"),
    ],
)
def test_sentiment(tagger: Tagger, text: str, sentiment: str) -> None:
    assert tagger.tag(Post(text=text)).sentiment == sentiment


def test_places_casualties_and_occurrence_come_with_the_tags(tagger: Tagger) -> None:
    post = Post(
        title="临沂市兰山区一在建工地塔吊倒塌",
        text="27日凌晨3时许，临沂市兰山区一在建工地发生塔吊倒塌事故，造成3人死亡、2人受伤。",
        published_at=PUBLISHED,
    )
    tags = tagger.tag(post, keywords=True)
    assert "engineering_quality" in tags.topics
    assert tags.places[0]["city"] == "临沂市" and tags.places[0]["province"] == "山东省"
    assert tags.casualties["deaths"]["value"] == 3
    assert tags.occurred_at == datetime(2026, 11, 26, 19, 0, tzinfo=UTC)  # 27日 03:00 北京时间
    assert "塔吊" in tags.keywords
    data = tags.to_json()
    assert set(data) >= {"topics", "scores", "sentiment", "places", "casualties"}
    assert set(data["scores"]) == {
        "engineering_quality",
        "housing_market",
        "expropriation",
        "shantytown",
        "urban_management",
    }


def test_batch_and_single_agree(tagger: Tagger) -> None:
    posts = [Post(text="济南市历下区老旧小区改造工程开工"), Post(text="青岛新房成交量回升"), Post(text="今天天气很好")]
    assert [t.topics for t in tagger.tag_many(posts)] == [tagger.tag(p).topics for p in posts]
