"""Chinese display formats for dates, times, durations, counts and shares.

Step in the flow: everything ``reports`` (and later the alert e-mails) shows a person passes through
these functions, so an instant, a delay or a count reads the same in the digest, the evaluation and
the charts.

Instants are stored in UTC and shown in 北京时间 (Asia/Shanghai); a naive datetime is refused rather
than guessed at. Counts come in two forms: exact with thousands separators (``12,345``) for tables
and findings that a reader may check against the posts, and compact (``1.2万``) for chart labels and
headlines where the order of magnitude is what matters.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta

from yuqing.instants import to_beijing

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_WAN = 10_000
_YI = 100_000_000


def format_date(value: datetime | date, *, year: bool = True) -> str:
    """``2026年11月27日`` (``11月27日`` without the year); an instant is first put in 北京时间."""
    day = to_beijing(value).date() if isinstance(value, datetime) else value
    text = f"{day.month}月{day.day}日"
    return f"{day.year}年{text}" if year else text


def format_time(dt: datetime, *, label: bool = True) -> str:
    """``北京时间 09:15``, or just ``09:15`` where the reader already knows the zone (charts)."""
    clock = f"{to_beijing(dt):%H:%M}"
    return f"北京时间 {clock}" if label else clock


def format_datetime(dt: datetime) -> str:
    """``2026年11月27日 09:15（北京时间）``: a full instant in one phrase."""
    return f"{format_date(dt)} {format_time(dt, label=False)}（北京时间）"


def format_duration(delta: timedelta) -> str:
    """A delay or a remaining time in words; a negative one is an overrun (``超时 45分钟``).

    Shown to the minute and rounded down, so ``剩余`` never promises time that is not there:
    ``2小时15分``, ``1天3小时`` (days drop the minutes), ``45分钟``, ``不足1分钟``.
    """
    seconds = delta.total_seconds()
    if seconds < 0:
        return f"超时 {format_duration(-delta)}"
    whole = int(seconds)
    days, rest = divmod(whole, _DAY)
    hours, rest = divmod(rest, _HOUR)
    minutes = rest // _MINUTE
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{minutes}分" if minutes else f"{hours}小时"
    if minutes:
        return f"{minutes}分钟"
    return "不足1分钟"


def format_hours(hours: float) -> str:
    """A delay measured in hours, as the evaluation tables show it: ``4.5小时``, ``36小时``."""
    if not math.isfinite(hours):
        raise ValueError(f"hours must be finite, got {hours}")
    return f"{_trim(f'{hours:.1f}')}小时"


def format_count(n: int, *, compact: bool = False) -> str:
    """``12,345`` (exact, for tables and findings) or, with ``compact``, ``1.2万`` / ``3.4亿``.

    Compact form keeps one decimal and drops a trailing ``.0``; below 10,000 both forms agree.
    """
    if not compact or abs(n) < _WAN:
        return f"{n:,}"
    in_wan = round(n / _WAN, 1)
    if abs(in_wan) < _WAN:  # 99,999,999 rounds to 10000.0万, which reads as 1亿
        return f"{_trim(f'{in_wan:.1f}')}万"
    return f"{_trim(f'{n / _YI:.1f}')}亿"


def format_percent(share: float | None, *, digits: int = 1) -> str:
    """``0.237`` → ``23.7%``; an unknown share (None, NaN: nothing to divide by) → ``—``."""
    if share is None or math.isnan(share):
        return "—"
    return f"{share * 100:.{digits}f}%"


def _trim(number: str) -> str:
    return number[:-2] if number.endswith(".0") else number


def one_line(text: str) -> str:
    """Text safe for a header: control characters and line breaks become spaces, runs of spaces one."""
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    return " ".join(cleaned.split())


# C0 controls but tab and line feed, DEL and the C1 controls: a terminal acts on them (ESC and CSI start escape
# sequences, CR rewrites the line, BEL rings) instead of showing them.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text safe for a terminal: each control character but tab and line feed becomes a visible escape
    (``\\x1b``), so a post's title can neither hide itself nor drive the terminal. For printing only, never storing."""
    return _UNPRINTABLE.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
