"""Publication times: turn the time strings a spider finds on a page, feed or Weibo post into UTC instants.

Step 2 of a post's path (a spider parses a page): every form Chinese sites use (``2026年11月27日 09:15``,
``2026-11-27 09:15:00``, ``11月27日``, ``今天 08:30``, ``昨天``, ``5分钟前``, ``刚刚``, RFC 822 feed dates,
ISO 8601, Weibo's ``Tue Nov 24 09:12:33 +0800 2026``) becomes an aware UTC datetime. A time without an offset
is read in Asia/Shanghai; a date without a time means 00:00 Beijing of that day; a month-day without a year
takes the latest such date not after ``now``. Unparseable text gives ``None`` (never an invented time), and
``is_future`` lets the pipeline flag times after ``now``. Every function takes ``now``; none reads the clock.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from yuqing.instants import BEIJING

logger = logging.getLogger(__name__)

_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
_MONTH_NUMBER = {name: index for index, name in enumerate(_MONTHS.split("|"), start=1)}
_WEEKDAYS = "Mon|Tue|Wed|Thu|Fri|Sat|Sun"
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}

# Clock part shared by the numeric forms: "09:15", "09:15:00.123", "9时15分", "下午3:15", "09点15分".
_CLOCK = (
    r"(?P<ampm>上午|中午|下午|晚上|凌晨)?\s*"
    r"(?P<hour>\d{1,2})\s*[:时点]\s*(?P<minute>\d{1,2})\s*分?"
    r"(?:\s*[:]\s*(?P<second>\d{1,2})(?:\.\d+)?|\s*(?P<second_cn>\d{1,2})\s*秒)?"
)
_OFFSET = r"(?P<offset>Z|[+-]\d{2}:?\d{2}|(?:GMT|UTC)[+-]\d{1,2}(?::?\d{2})?)"
# Chinese sites (and Java's Date.toString on a Chinese server) write "CST" for China Standard Time, +08:00.
_ZONE = r"(?P<offset>[+-]\d{4}|CST|(?:GMT|UTC)(?:[+-]\d{1,2}(?::?\d{2})?)?)"

_WEIBO = re.compile(
    rf"(?:{_WEEKDAYS})\s+(?P<mon>{_MONTHS})\s+(?P<day>\d{{1,2}})\s+"
    rf"(?P<hour>\d{{2}}):(?P<minute>\d{{2}}):(?P<second>\d{{2}})\s+{_ZONE}\s+(?P<year>\d{{4}})"
)
_RFC822 = re.compile(
    rf"(?:(?:{_WEEKDAYS}),?\s+)?\d{{1,2}}\s+(?:{_MONTHS})\s+\d{{2,4}}\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?"
    r"\s+(?:[+-]\d{4}|GMT|UTC?|Z|[ECMP][SD]T)"
)
_FULL_DATE = re.compile(
    r"(?<![\d.])(?P<year>(?:19|20)\d{2})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})"
    rf"(?![\d])\s*日?(?:\s*(?:星期|周)[一二三四五六日天])?(?:(?:T|\s*){_CLOCK}(?:\s*{_OFFSET})?)?"
)
_MONTH_DAY = re.compile(
    r"(?<![\d\-/.年])(?P<month>\d{1,2})\s*(?:月\s*(?P<day_cn>\d{1,2})\s*日|-(?P<day>\d{1,2})(?![\d\-:]))"
    rf"(?:\s*{_CLOCK})?"
)
_RELATIVE_DAY = re.compile(rf"(?P<word>今天|今日|昨天|昨日|前天)(?:\s*{_CLOCK})?")
_AGO = re.compile(r"(?P<count>\d+|[一二两三四五六七八九十]+|半)\s*个?\s*(?P<unit>秒|分钟|小时|钟头|天|日|周|星期)\s*前")
_JUST_NOW = re.compile(r"刚刚|刚才")
_LABEL = re.compile(
    r"^\s*(?:发布时间|发布日期|发表时间|发表日期|更新时间|更新日期|时间|日期|发布于|发表于|发布)\s*[:]?\s*"
)


def parse_time(text: str, now: datetime) -> datetime | None:
    """Parse one whole time string (a label such as ``发布时间：`` may precede it) into an aware UTC instant."""
    cleaned = _LABEL.sub("", _clean(text)).strip()
    if not cleaned:
        return None
    for pattern, build in _PARSERS:
        match = pattern.fullmatch(cleaned)
        if match:
            return build(match, _utc(now))
    return _parse_iso(cleaned)


def find_time(text: str, now: datetime) -> datetime | None:
    """The first valid time inside a longer string, such as ``来源：齐鲁晚报 2026-11-25 10:20 作者：王明``."""
    cleaned = _clean(text)
    utc_now = _utc(now)
    best: tuple[int, int, datetime] | None = None
    for pattern, build in _PARSERS:
        for match in pattern.finditer(cleaned):
            if best is not None and match.start() > best[0]:
                break
            found = build(match, utc_now)
            if found is None:
                continue
            candidate = (match.start(), -(match.end() - match.start()), found)
            if best is None or candidate[:2] < best[:2]:
                best = candidate
    return best[2] if best else None


def is_future(at: datetime, now: datetime, tolerance: timedelta = timedelta(minutes=10)) -> bool:
    """True when ``at`` lies after ``now`` by more than ``tolerance`` (clock skew between sites is allowed)."""
    return at > _utc(now) + tolerance


def _clean(text: str) -> str:
    """Full-width digits and colons to ASCII, non-breaking and ideographic spaces to plain spaces."""
    return unicodedata.normalize("NFKC", text).replace("\u200b", "").replace("\ufeff", "")


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(UTC)


def _beijing(day: date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=BEIJING).astimezone(UTC)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _clock(match: re.Match[str]) -> tuple[int, int, int] | None:
    """Hour, minute and second from the ``_CLOCK`` groups, or None when out of range."""
    if match.group("hour") is None:
        return (0, 0, 0)
    hour, minute = int(match.group("hour")), int(match.group("minute"))
    second = int(match.group("second") or match.group("second_cn") or 0)
    ampm = match.group("ampm")
    if (ampm in ("下午", "晚上") and hour < 12) or (ampm == "中午" and hour < 11):
        hour += 12
    elif ampm == "凌晨" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return (hour, minute, second)


def _offset(text: str) -> timezone:
    if text == "CST":
        return timezone(timedelta(hours=8))
    text = text.removeprefix("GMT").removeprefix("UTC")
    if text in ("", "Z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _build_weibo(match: re.Match[str], now: datetime) -> datetime | None:
    day = _safe_date(int(match.group("year")), _MONTH_NUMBER[match.group("mon")], int(match.group("day")))
    hour, minute, second = (int(match.group(name)) for name in ("hour", "minute", "second"))
    if day is None or hour > 23 or minute > 59 or second > 59:
        return None
    local = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=_offset(match.group("offset")))
    return local.astimezone(UTC)


def _build_rfc822(match: re.Match[str], now: datetime) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(re.sub(r"\bCST$", "+0800", match.group(0)))
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:  # "-0000" means UTC with an unknown local zone (RFC 5322)
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _build_full_date(match: re.Match[str], now: datetime) -> datetime | None:
    day = _safe_date(int(match.group("year")), int(match.group("month")), int(match.group("day")))
    clock = _clock(match)
    if day is None or clock is None:
        return None
    offset = match.group("offset")
    if offset is None:
        return _beijing(day, *clock)
    return datetime(day.year, day.month, day.day, *clock, tzinfo=_offset(offset)).astimezone(UTC)


def _build_month_day(match: re.Match[str], now: datetime) -> datetime | None:
    month = int(match.group("month"))
    day_of_month = int(match.group("day_cn") or match.group("day"))
    clock = _clock(match)
    if clock is None or not 1 <= month <= 12:
        return None
    today = now.astimezone(BEIJING).date()
    for year in range(today.year, today.year - 9, -1):  # Feb 29 may lie up to 8 years back
        day = _safe_date(year, month, day_of_month)
        if day is not None and day <= today:
            return _beijing(day, *clock)
        if day is None and (month, day_of_month) != (2, 29):
            return None
    return None


def _build_relative_day(match: re.Match[str], now: datetime) -> datetime | None:
    days_back = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}[match.group("word")]
    clock = _clock(match)
    if clock is None:
        return None
    return _beijing(now.astimezone(BEIJING).date() - timedelta(days=days_back), *clock)


def _build_ago(match: re.Match[str], now: datetime) -> datetime | None:
    count = _count(match.group("count"))
    if count is None:
        return None
    unit = match.group("unit")
    seconds = {"秒": 1, "分钟": 60, "小时": 3600, "钟头": 3600, "天": 86400, "日": 86400, "周": 604800}
    try:
        return now - timedelta(seconds=count * seconds.get(unit, 604800))
    except OverflowError:  # "1100000105分钟前": no date at all
        return None


def _build_just_now(match: re.Match[str], now: datetime) -> datetime | None:
    return now


def _count(text: str) -> float | None:
    """Arabic digits, ``半`` or a small Chinese numeral (一 to 九十九)."""
    if text.isdigit():
        return int(text)
    if text == "半":
        return 0.5
    if text == "十":
        return 10
    tens, ten, units = text.partition("十")
    if not ten:
        return _CN_DIGITS.get(text)
    high = _CN_DIGITS.get(tens, 0) if tens else 1
    low = _CN_DIGITS.get(units, 0) if units else 0
    return high * 10 + low


def _parse_iso(text: str) -> datetime | None:
    """Last resort for ISO 8601 variants the patterns above do not cover (``20261127T091500+0800``)."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BEIJING)
    return parsed.astimezone(UTC)


_Builder = Callable[[re.Match[str], datetime], datetime | None]
_PARSERS: tuple[tuple[re.Pattern[str], _Builder], ...] = (
    (_WEIBO, _build_weibo),
    (_RFC822, _build_rfc822),
    (_FULL_DATE, _build_full_date),
    (_RELATIVE_DAY, _build_relative_day),
    (_AGO, _build_ago),
    (_JUST_NOW, _build_just_now),
    (_MONTH_DAY, _build_month_day),
)
