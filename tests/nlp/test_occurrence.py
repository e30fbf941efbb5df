"""Occurrence time: stated in 北京时间, resolved against publication, never after it, None when vague."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from nlp.occurrence import BEIJING, FUTURE_TOLERANCE, occurred_at

# 2026-11-27 17:00 北京时间
PUBLISHED = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
# 2027-01-01 00:30 北京时间
NEW_YEAR = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)


def beijing(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING).astimezone(UTC)


@pytest.mark.parametrize(
    ("text", "at", "phrase"),
    [
        ("27日凌晨3时许，某小区发生燃气爆炸", datetime(2026, 11, 26, 19, 0, tzinfo=UTC), "27日凌晨3时许"),
        ("11月27日上午9时30分，一在建工地发生坍塌", beijing(2026, 11, 27, 9, 30), "11月27日上午9时30分"),
        ("2026年11月27日17时，某楼盘发生火灾", PUBLISHED, "2026年11月27日17时"),
        ("十一月二十七日凌晨三时许，某小区发生火灾", beijing(2026, 11, 27, 3), "十一月二十七日凌晨三时许"),
        ("昨天下午4点左右，XX路一处广告牌坠落", beijing(2026, 11, 26, 16), "昨天下午4点左右"),
        ("今天凌晨，一栋居民楼起火", beijing(2026, 11, 27, 0), "今天凌晨"),
        ("今晨6时，某厂房倒塌", beijing(2026, 11, 27, 6), "今晨6时"),
        ("昨晚10点多，小区门口聚集了数十名业主", beijing(2026, 11, 26, 22), "昨晚10点多"),
        ("26日晚，XX工地塔吊倒塌", beijing(2026, 11, 26, 18), "26日晚"),
        ("前晚11点，工地起火", beijing(2026, 11, 25, 23), "前晚11点"),
        ("当日14时，该工地发生坍塌", beijing(2026, 11, 27, 14), "当日14时"),
        ("事故发生在25日下午三点半左右", beijing(2026, 11, 25, 15, 30), "25日下午三点半左右"),
        ("事发时间为27日凌晨3时20分", beijing(2026, 11, 27, 3, 20), "27日凌晨3时20分"),
        # a date alone is the start of that day, unless a time on that day is stated
        ("11月27日，某工地发生坍塌", beijing(2026, 11, 27), "11月27日"),
        ("11月27日，某工地发生坍塌。据了解，事故发生于当日上午9时许", beijing(2026, 11, 27, 9), "当日上午9时许"),
        ("26日，XX工地发生坍塌，次日凌晨2时再次发生坍塌", beijing(2026, 11, 26), "26日"),
        # a clock time with no date: the latest not after publication
        ("15日下午，某小区发生火灾", beijing(2026, 11, 15, 13), "15日下午"),
        ("22时许，某小区发生火灾", beijing(2026, 11, 26, 22), "22时许"),
        ("凌晨3时许，某小区发生火灾", beijing(2026, 11, 27, 3), "凌晨3时许"),
        # datelines, reporting times and range ends are not event times
        (
            "新华社济南11月27日电 记者27日从市住建局获悉，26日晚该市一在建工地发生坍塌",
            beijing(2026, 11, 26, 18),
            "26日晚",
        ),
        (
            "某小区于11月25日晚间发生火灾，截至27日18时，已造成3人死亡",
            beijing(2026, 11, 25, 18),
            "11月25日晚间",
        ),
        ("11月26日至27日连续发生两起事故", beijing(2026, 11, 26), "11月26日"),
    ],
)
def test_occurred_at(text: str, at: datetime, phrase: str) -> None:
    result = occurred_at(text, PUBLISHED)
    assert result == (at, phrase)
    assert result[0].utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        "近日，某工地发生坍塌",
        "《办法》将于12月1日起施行",
        "截至27日18时，事故已造成3人死亡",
        "27日18时，某工地发生坍塌",  # after publication
        "今天晚上8点，某处发生火灾",  # after publication
        "11月28日，某工地发生坍塌",  # tomorrow: an announcement or a typo, not last year
        "30日，某工地发生坍塌",  # in 3 days, not a month ago
        "次日凌晨2时，再次发生坍塌",  # no date for 次日 to follow
        "3号楼发生火灾",
        "某小区3日内完成整改",
        "2026年11月27日",  # no event in the text
        "晚上，某小区发生火灾",
        "",
    ],
)
def test_no_occurrence(text: str) -> None:
    assert occurred_at(text, PUBLISHED) is None


@pytest.mark.parametrize(
    ("text", "at", "phrase"),
    [
        ("31日23时，某小区发生火灾", datetime(2026, 12, 31, 15, 0, tzinfo=UTC), "31日23时"),
        ("12月31日晚，工地起火", beijing(2026, 12, 31, 18), "12月31日晚"),
        ("昨天下午，某工地发生坍塌", beijing(2026, 12, 31, 13), "昨天下午"),
        ("1日0时10分，小区发生爆炸", beijing(2027, 1, 1, 0, 10), "1日0时10分"),
    ],
)
def test_month_and_year_rollover(text: str, at: datetime, phrase: str) -> None:
    assert occurred_at(text, NEW_YEAR) == (at, phrase)


def test_a_day_without_month_is_the_most_recent_such_day() -> None:
    published = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # 12-02 10:00 北京时间
    assert occurred_at("30日，某工地发生坍塌", published) == (beijing(2026, 11, 30), "30日")


def test_future_tolerance() -> None:
    assert timedelta(minutes=10) < FUTURE_TOLERANCE < timedelta(minutes=30)  # published at 00:30
    assert occurred_at("今天凌晨0时40分，小区起火", NEW_YEAR) == (beijing(2027, 1, 1, 0, 40), "今天凌晨0时40分")
    assert occurred_at("今天凌晨1时，小区起火", NEW_YEAR) is None


def test_publication_time_in_any_offset() -> None:
    published = PUBLISHED.astimezone(timezone(timedelta(hours=8)))
    assert occurred_at("27日凌晨3时许，某小区发生燃气爆炸", published) == (beijing(2026, 11, 27, 3), "27日凌晨3时许")


def test_naive_publication_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        occurred_at("27日凌晨3时许，某小区发生燃气爆炸", datetime(2026, 11, 27, 17, 0))
