"""Grading rules (design.md thresholds), spread figures and summaries: pure functions, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incidents.grading import GENERAL_REASON, Evidence, gathering_terms, grade, with_hand
from incidents.members import Member
from incidents.spread import busiest_window, measure
from incidents.summary import merged_casualties, summarize
from nlp.casualties import Casualties, Figure
from yuqing import config as config_module

SETTINGS = config_module.Config().grading
WINDOW = timedelta(hours=2)
T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def accident(**figures: int) -> Evidence:
    return Evidence(casualties=Casualties(**{k: Figure(v, f"短语{v}") for k, v in figures.items()}), window=WINDOW)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("deaths", 2, "general"),
        ("deaths", 3, "large"),
        ("deaths", 9, "large"),
        ("deaths", 10, "major"),
        ("deaths", 29, "major"),
        ("deaths", 30, "especially_major"),
        ("serious_injuries", 9, "general"),
        ("serious_injuries", 10, "large"),
        ("serious_injuries", 49, "large"),
        ("serious_injuries", 50, "major"),
        ("serious_injuries", 99, "major"),
        ("serious_injuries", 100, "especially_major"),
        ("economic_loss_yuan", 9_999_999, "general"),
        ("economic_loss_yuan", 10_000_000, "large"),
        ("economic_loss_yuan", 49_999_999, "large"),
        ("economic_loss_yuan", 50_000_000, "major"),
        ("economic_loss_yuan", 99_999_999, "major"),
        ("economic_loss_yuan", 100_000_000, "especially_major"),
    ],
)
def test_accident_thresholds(field: str, value: int, expected: str) -> None:
    assert grade(accident(**{field: value}), SETTINGS)[0] == expected


def test_accident_reasons_are_chinese_and_name_the_grade() -> None:
    assert grade(accident(deaths=3), SETTINGS) == ("large", ["报道称3人死亡（较大）"])
    assert grade(accident(serious_injuries=50), SETTINGS)[1] == ["报道称50人重伤（重大）"]
    assert grade(accident(economic_loss_yuan=120_000_000), SETTINGS)[1] == ["报道称直接经济损失1.2亿元（特别重大）"]
    assert grade(accident(deaths=1), SETTINGS) == ("general", ["报道称1人死亡（一般）"])


def test_the_highest_rule_wins_and_every_reason_is_kept() -> None:
    found, reasons = grade(accident(deaths=3, serious_injuries=60), SETTINGS)
    assert found == "major"
    assert reasons == ["报道称60人重伤（重大）", "报道称3人死亡（较大）"]


def test_nothing_reached_is_general_with_a_reason() -> None:
    assert grade(Evidence(casualties=Casualties(), window=WINDOW), SETTINGS) == ("general", [GENERAL_REASON])


@pytest.mark.parametrize(
    ("sources", "posts", "expected"),
    [(9, 49, "general"), (10, 1, "large"), (29, 1, "large"), (30, 1, "major"), (1, 50, "large"), (1, 300, "major")],
)
def test_opinion_thresholds(sources: int, posts: int, expected: str) -> None:
    evidence = Evidence(casualties=Casualties(), window=WINDOW, window_posts=posts, window_sources=sources)
    assert grade(evidence, SETTINGS)[0] == expected


def test_opinion_reasons() -> None:
    evidence = Evidence(
        casualties=Casualties(),
        window=WINDOW,
        window_posts=5,
        window_sources=23,
        central_media=True,
        gathering_terms=("聚集", "堵路", "维权"),
    )
    assert grade(evidence, SETTINGS) == (
        "large",
        ["2小时内23个来源转载（较大）", "中央媒体报道（较大）", "出现聚集、堵路等群体性信号（较大）"],
    )


def test_gathering_terms_found_in_texts() -> None:
    texts = ["业主在售楼处聚集维权", "有人堵路"]
    assert gathering_terms(texts, SETTINGS.opinion.mass_gathering_terms) == ("聚集", "堵路", "维权")


def test_topic_rule_gives_a_lowest_grade() -> None:
    settings = config_module.Config.model_validate({"grading": {"topic_min_grade": {"expropriation": "large"}}}).grading
    evidence = Evidence(casualties=Casualties(), window=WINDOW, topics=("expropriation",))
    assert grade(evidence, settings) == ("large", ["按议题规则，房屋征收补偿类事件至少为较大（较大）"])


def test_unknown_topic_in_topic_rules_is_a_config_error() -> None:
    with pytest.raises(ValueError, match="topic_min_grade"):
        config_module.Config.model_validate({"grading": {"topic_min_grade": {"weather": "large"}}})


def test_hand_grade_is_a_floor() -> None:
    hand = ("major", ["值班员定级：领导批示"])
    assert with_hand(("large", ["报道称3人死亡（较大）"]), hand) == (
        "major",
        ["值班员定级：领导批示", "报道称3人死亡（较大）"],
    )
    assert with_hand(("general", [GENERAL_REASON]), hand) == ("major", ["值班员定级：领导批示"])
    raised = with_hand(("especially_major", ["报道称30人死亡（特别重大）"]), hand)
    assert raised[0] == "especially_major"


def member(minutes: int, source: str, *, tier: str | None = "local", casualties: dict | None = None, **kw) -> Member:
    values = {
        "document_id": minutes,
        "url": f"https://x.example/{minutes}",
        "title": kw.get("title", f"标题{minutes}"),
        "text": kw.get("text", "正文"),
        "published_at": T0 + timedelta(minutes=minutes),
        "kind": kw.get("kind", "news"),
        "author": None,
        "source": source,
        "tier": tier,
        "reposts": kw.get("reposts", 0),
        "comments": 0,
        "likes": 0,
        "duplicate_of_id": None,
        "sentiment": kw.get("sentiment", "negative"),
        "places": kw.get("places", []),
        "casualties": casualties or {},
        "occurred_at": kw.get("occurred_at"),
        "topics": ("engineering_quality",),
        "by_hand": False,
    }
    return Member(**values)


def test_busiest_window_counts_distinct_sources_within_two_hours() -> None:
    members = [member(i * 5, f"来源{i}") for i in range(23)]  # 23 sources in 110 minutes
    members += [member(200 + i, "来源0") for i in range(3)]
    assert busiest_window(members, WINDOW)[:2] == (23, 23)
    spread_out = [member(i * 30, f"来源{i}") for i in range(10)]  # 5 posts per 2 h at most
    assert busiest_window(spread_out, WINDOW)[:2] == (4, 4)


def test_spread_per_hour_peak_and_growth() -> None:
    members = [
        member(0, "甲"),
        member(70, "乙"),
        member(80, "丙", tier="central"),
        member(90, "甲", sentiment="neutral"),
    ]
    spread = measure(members, WINDOW)
    assert [(h.posts, h.growth) for h in spread.hours] == [(1, None), (3, 2.0)]
    assert spread.peak is not None and spread.peak.start == T0 + timedelta(hours=1)
    assert spread.tiers == {"central": 1, "local": 2}
    assert spread.negative_share == 0.75
    assert spread.first_reported_at == T0


def test_largest_casualty_figure_wins_with_its_phrase_and_url() -> None:
    first = member(0, "甲", casualties={"deaths": {"value": 3, "phrase": "造成3人死亡"}})
    later = member(60, "乙", casualties={"deaths": {"value": 12, "phrase": "死亡人数升至12人"}})
    smaller = member(90, "丙", casualties={"deaths": {"value": 2, "phrase": "2人死亡"}})
    merged, urls = merged_casualties([first, later, smaller])
    assert merged.deaths == Figure(12, "死亡人数升至12人")
    assert urls["deaths"] == later.url


def test_title_comes_from_the_earliest_report_of_the_highest_tier() -> None:
    members = [
        member(0, "微博", tier="self_media", title="", kind="social"),
        member(10, "地方台", tier="local", title="地方标题"),
        member(30, "新华网", tier="central", title="央媒标题"),
        member(40, "人民网", tier="central", title="央媒后来的标题"),
    ]
    summary = summarize(members, timedelta(days=30))
    assert summary.title == "央媒标题"
    assert summary.first_reported_at == T0
    assert summary.central_media


def test_within_a_tier_a_post_relaying_a_headline_titles_the_incident_before_earlier_comments() -> None:
    """A thousand comments under a trending hashtag: the first of them ("我的房贷怎么办") is not what a person
    would call the matter; the later post relaying the news headline is."""
    members = [
        member(0, "甲", tier="self_media", title="", kind="social", text="#可延后还房贷# 下个月房贷怎么办？？"),
        member(5, "乙", tier="self_media", title="", kind="social", text="#可延后还房贷# 谢谢谢谢，太暖心了"),
        member(
            9,
            "丙",
            tier="self_media",
            title="",
            kind="social",
            text="这个太给力了！【监管部门：受疫情影响暂无收入的人可延后还房贷】#可延后还房贷# 26日晚发布通知……",
        ),
    ]
    assert summarize(members, timedelta(days=30)).title == "监管部门：受疫情影响暂无收入的人可延后还房贷"
    without = summarize(members[:2], timedelta(days=30))
    assert without.title == "下个月房贷怎么办"  # no headline among them: the earliest comment, as before


def test_casualties_after_the_regrade_period_do_not_count() -> None:
    members = [
        member(0, "甲", casualties={"deaths": {"value": 3, "phrase": "造成3人死亡"}}),
        member(3 * 24 * 60, "乙", casualties={"deaths": {"value": 12, "phrase": "12人死亡"}}),
    ]
    assert summarize(members, timedelta(days=2)).casualties.deaths == Figure(3, "造成3人死亡")
    assert summarize(members, timedelta(days=30)).casualties.deaths == Figure(12, "12人死亡")


def test_provincial_media_and_a_surge_raise_the_grade() -> None:
    settings = config_module.Config().grading
    quiet = Evidence(casualties=Casualties(), window=timedelta(hours=2), provincial_sources=4, surge=(19, 2))
    assert grade(quiet, settings)[0] == "general"
    provincial = Evidence(casualties=Casualties(), window=timedelta(hours=2), provincial_sources=5)
    assert grade(provincial, settings) == ("large", ["5家省级媒体报道（较大）"])
    surge = Evidence(casualties=Casualties(), window=timedelta(hours=2), surge=(24, 6))
    assert grade(surge, settings) == ("large", ["1小时内帖文由6条增至24条，快速扩散（较大）"])
    steady = Evidence(casualties=Casualties(), window=timedelta(hours=2), surge=(24, 7))
    assert grade(steady, settings)[0] == "general"  # 24 < 4 × 7: busy, not growing


def test_a_social_group_is_not_a_mass_gathering() -> None:
    terms = config_module.Config().grading.opinion.mass_gathering_terms
    assert gathering_terms(["农村低收入群体住房保障实现应保尽保"], terms) == ()
    assert gathering_terms(["村民因补偿款引发群体性事件"], terms) == ("群体性",)
