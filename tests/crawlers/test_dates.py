"""Publication times in every form Chinese pages, feeds and Weibo use become aware UTC instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawlers.dates import find_time, is_future, parse_time

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # 09:00 Beijing


def bj(*args: int) -> datetime:
    """A Beijing wall-clock time as an aware UTC instant."""
    return datetime(*args, tzinfo=timezone(timedelta(hours=8))).astimezone(UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026年11月27日 09:15", bj(2026, 11, 27, 9, 15)),
        ("2026年11月27日09:15", bj(2026, 11, 27, 9, 15)),
        ("2026年11月27日 09时15分", bj(2026, 11, 27, 9, 15)),
        ("2026年11月26日 下午3:15", bj(2026, 11, 26, 15, 15)),
        ("2026年11月27日", bj(2026, 11, 27)),
        ("2026年11月27日 星期五", bj(2026, 11, 27)),
        ("2026-11-27 09:15:00", bj(2026, 11, 27, 9, 15)),
        ("2026-11-27 09:15", bj(2026, 11, 27, 9, 15)),
        ("2026-11-27", bj(2026, 11, 27)),
        ("2026/11/27 09:15", bj(2026, 11, 27, 9, 15)),
        ("2026/1/5", bj(2026, 1, 5)),
        ("2026.11.27", bj(2026, 11, 27)),
        ("发布时间：2026-11-27 09:15", bj(2026, 11, 27, 9, 15)),
        ("发布日期: 2026-11-27", bj(2026, 11, 27)),
        ("２０２６－１１－２７　０９：１５", bj(2026, 11, 27, 9, 15)),
        ("2026-11-27T09:15:00+08:00", bj(2026, 11, 27, 9, 15)),
        ("2026-11-27T01:15:00Z", bj(2026, 11, 27, 9, 15)),
        ("2026-11-27T01:15:00.123Z", datetime(2026, 11, 27, 1, 15, tzinfo=UTC)),
        ("2026-11-27T09:15:00", bj(2026, 11, 27, 9, 15)),
        ("2026-11-27 09:15:00 +0800", bj(2026, 11, 27, 9, 15)),
        ("20261127T091500+0800", bj(2026, 11, 27, 9, 15)),
        ("Fri, 27 Nov 2026 09:15:00 +0800", bj(2026, 11, 27, 9, 15)),
        ("Fri, 27 Nov 2026 01:15:00 GMT", bj(2026, 11, 27, 9, 15)),
        ("27 Nov 2026 01:15 +0000", bj(2026, 11, 27, 9, 15)),
        ("Tue Nov 24 09:12:33 +0800 2026", bj(2026, 11, 24, 9, 12, 33)),
        ("Tue Nov 24 09:12:33 CST 2026", bj(2026, 11, 24, 9, 12, 33)),
        ("11月27日", bj(2026, 11, 27)),
        ("11月26日 18:40", bj(2026, 11, 26, 18, 40)),
        ("11-24", bj(2026, 11, 24)),
        ("11-24 09:12", bj(2026, 11, 24, 9, 12)),
        ("今天 08:30", bj(2026, 11, 27, 8, 30)),
        ("今天08:30", bj(2026, 11, 27, 8, 30)),
        ("今天", bj(2026, 11, 27)),
        ("昨天", bj(2026, 11, 26)),
        ("昨天 14:30", bj(2026, 11, 26, 14, 30)),
        ("前天", bj(2026, 11, 25)),
        ("前天 23:59", bj(2026, 11, 25, 23, 59)),
        ("刚刚", NOW),
        ("30秒前", NOW - timedelta(seconds=30)),
        ("5分钟前", NOW - timedelta(minutes=5)),
        ("5 分钟前", NOW - timedelta(minutes=5)),
        ("3小时前", NOW - timedelta(hours=3)),
        ("三小时前", NOW - timedelta(hours=3)),
        ("半小时前", NOW - timedelta(minutes=30)),
        ("2天前", NOW - timedelta(days=2)),
        ("十二天前", NOW - timedelta(days=12)),
        ("2025-11-24", bj(2025, 11, 24)),
    ],
)
def test_parse_time_every_form(text: str, expected: datetime) -> None:
    parsed = parse_time(text, NOW)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


def test_result_is_utc_aware() -> None:
    parsed = parse_time("2026-11-27 09:15", NOW)
    assert parsed is not None
    assert parsed.tzinfo is UTC
    assert parsed == datetime(2026, 11, 27, 1, 15, tzinfo=UTC)


def test_beijing_midnight_is_previous_utc_day() -> None:
    assert parse_time("2026-11-27", NOW) == datetime(2026, 11, 26, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12月31日", bj(2025, 12, 31)),  # December seen in November is last year's
        ("12-31 23:50", bj(2025, 12, 31, 23, 50)),
        ("11月28日", bj(2025, 11, 28)),  # tomorrow's date is last year's
        ("11月27日", bj(2026, 11, 27)),  # today stays this year
    ],
)
def test_month_day_takes_latest_date_not_after_now(text: str, expected: datetime) -> None:
    assert parse_time(text, NOW) == expected


def test_year_rollover_at_new_year() -> None:
    new_year = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 January 2027, Beijing
    assert parse_time("12月31日 23:50", new_year) == bj(2026, 12, 31, 23, 50)
    assert parse_time("1月1日", new_year) == bj(2027, 1, 1)
    assert parse_time("昨天 23:50", new_year) == bj(2026, 12, 31, 23, 50)
    assert parse_time("12-31", new_year) == bj(2026, 12, 31)


def test_relative_day_uses_beijing_date_not_utc_date() -> None:
    late_utc = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)  # already 01:00 on the 27th in Beijing
    assert parse_time("今天 00:30", late_utc) == bj(2026, 11, 27, 0, 30)


def test_february_29_goes_back_to_a_leap_year() -> None:
    assert parse_time("2月29日", NOW) == bj(2024, 2, 29)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "暂无",
        "未知时间",
        "2026-13-01",
        "2026-02-30",
        "2026-11-27 25:00",
        "13月5日",
        "4月31日",
        "abc 2026",
        "09:15",
    ],
)
def test_unparseable_gives_none(text: str) -> None:
    assert parse_time(text, NOW) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("来源：齐鲁晚报 2026-11-25 10:20 作者：王明", bj(2026, 11, 25, 10, 20)),
        ("发布时间：2026年11月25日 10:20　来源：大众网", bj(2026, 11, 25, 10, 20)),
        ("【字号 大 中 小】 发布日期：2026-11-25 浏览次数：1024", bj(2026, 11, 25)),
        ("电话：0531-86061234 发布于 11-24 09:12", bj(2026, 11, 24, 9, 12)),
        ("微博用户 5分钟前 来自 iPhone客户端", NOW - timedelta(minutes=5)),
        ("无日期的一行文字", None),
        ("第2026-13-45号文件 2026-11-20", bj(2026, 11, 20)),
    ],
)
def test_find_time_inside_a_line(text: str, expected: datetime | None) -> None:
    assert find_time(text, NOW) == expected


def test_find_time_takes_the_first_time() -> None:
    line = "发布时间：2026-11-25 10:20 更新时间：2026-11-26 08:00"
    assert find_time(line, NOW) == bj(2026, 11, 25, 10, 20)


def test_future_is_parsed_but_flagged() -> None:
    later_today = parse_time("今天 10:30", NOW)
    assert later_today == bj(2026, 11, 27, 10, 30)
    assert is_future(later_today, NOW)
    assert is_future(bj(2026, 12, 1), NOW)


def test_future_tolerance() -> None:
    assert not is_future(NOW + timedelta(minutes=10), NOW)
    assert is_future(NOW + timedelta(minutes=10, seconds=1), NOW)
    assert not is_future(NOW + timedelta(minutes=30), NOW, tolerance=timedelta(hours=1))
    assert not is_future(NOW - timedelta(days=1), NOW)


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_time("刚刚", datetime(2026, 11, 27, 9, 0))
