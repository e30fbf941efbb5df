"""Chinese display formats: dates and times in 北京时间, durations, counts and shares."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from yuqing.formatting import (
    format_count,
    format_date,
    format_datetime,
    format_duration,
    format_hours,
    format_percent,
    format_time,
)

# 2026-11-27 01:15 UTC is 09:15 北京时间; 2026-11-26 16:30 UTC is already 11月27日 00:30 in Beijing.
MORNING = datetime(2026, 11, 27, 1, 15, tzinfo=UTC)
AFTER_MIDNIGHT = datetime(2026, 11, 26, 16, 30, tzinfo=UTC)


def test_format_date() -> None:
    assert format_date(MORNING) == "2026年11月27日"
    assert format_date(AFTER_MIDNIGHT) == "2026年11月27日"
    assert format_date(MORNING, year=False) == "11月27日"
    assert format_date(date(2026, 3, 1)) == "2026年3月1日"


def test_format_time() -> None:
    assert format_time(MORNING) == "北京时间 09:15"
    assert format_time(AFTER_MIDNIGHT, label=False) == "00:30"


def test_format_datetime() -> None:
    assert format_datetime(MORNING) == "2026年11月27日 09:15（北京时间）"


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        format_time(datetime(2026, 11, 27, 9, 15))


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(hours=2, minutes=15), "2小时15分"),
        (timedelta(hours=2, minutes=15, seconds=59), "2小时15分"),
        (timedelta(hours=5), "5小时"),
        (timedelta(days=1, hours=3, minutes=40), "1天3小时"),
        (timedelta(days=2), "2天"),
        (timedelta(minutes=45), "45分钟"),
        (timedelta(seconds=30), "不足1分钟"),
        (timedelta(0), "不足1分钟"),
        (timedelta(minutes=-45), "超时 45分钟"),
        (timedelta(hours=-3, minutes=-5), "超时 3小时5分"),
    ],
)
def test_format_duration(delta: timedelta, expected: str) -> None:
    assert format_duration(delta) == expected


def test_format_hours() -> None:
    assert format_hours(4.5) == "4.5小时"
    assert format_hours(36) == "36小时"
    with pytest.raises(ValueError):
        format_hours(float("inf"))


@pytest.mark.parametrize(
    ("n", "compact", "expected"),
    [
        (12345, False, "12,345"),
        (12345, True, "1.2万"),
        (9999, True, "9,999"),
        (10000, True, "1万"),
        (1_250_000, True, "125万"),
        (99_999_999, True, "1亿"),
        (340_000_000, True, "3.4亿"),
        (0, False, "0"),
    ],
)
def test_format_count(n: int, compact: bool, expected: str) -> None:
    assert format_count(n, compact=compact) == expected


def test_format_percent() -> None:
    assert format_percent(0.237) == "23.7%"
    assert format_percent(1.0) == "100.0%"
    assert format_percent(0.5, digits=0) == "50%"
    assert format_percent(None) == "—"
    assert format_percent(float("nan")) == "—"
