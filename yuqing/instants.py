"""Instants: stored in UTC, read from text with or without an offset, shown in 北京时间.

The one time zone of the project is :data:`BEIJING` (Asia/Shanghai). Text written without an offset
(``2026-11-25 10:00:00``) is read as 北京时间, because that is what every Chinese source and every duty
officer means by it (:func:`parse_instant`, :func:`to_utc`). An instant in the program is always aware:
:func:`to_beijing` refuses a naive one rather than guess.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def parse_instant(text: str) -> datetime:
    """ISO 8601 text -> aware UTC datetime; raises ValueError with a Chinese message."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("应为 ISO 8601 时间，如 2026-11-25T10:00:00+08:00")
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"无法识别的时间 {text!r}，应为 ISO 8601，如 2026-11-25T10:00:00+08:00") from None
    return to_utc(value)


def to_utc(value: datetime) -> datetime:
    """Aware -> UTC; naive -> read as 北京时间, then UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    return value.astimezone(UTC)


def to_beijing(value: datetime) -> datetime:
    """``value`` (timezone-aware) as Beijing local time; a naive datetime is a programming error."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no time zone; store instants in UTC")
    return value.astimezone(BEIJING)


def format_beijing(value: datetime | None) -> str:
    """``2026-11-25 18:00`` in 北京时间, for tables and messages."""
    return to_beijing(value).strftime("%Y-%m-%d %H:%M") if value else "—"
