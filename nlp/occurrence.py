"""Occurrence time: when a post says the event happened (``27日凌晨3时许``), as an aware UTC instant.

Step in the flow: the tagger stores it as the post's ``occurred_at``; an incident's clocks run from the earliest
of its occurrence and its first report (design.md, "Clocks"). Texts state times in 北京时间, relative to the
day they are published, so every expression is read in Asia/Shanghai against ``published_at``.

Expressions read: ``[2026年]11月27日``, ``27日`` / ``27号``, ``今天 昨天 前天 当日 次日`` (and ``今晨 昨晚 前晚
当晚``), a part of the day (``凌晨 上午 下午 傍晚 晚上 深夜`` ...), a clock time (``3时 9时30分 4点半 17:30``)
and ``许 左右 前后 多``. ``近日 日前 近期``, a month alone and ISO dates (``2026-11-27``, the stamp of a page,
not a statement of the text) are not read.

Resolution (in 北京时间):

- A date without a year, or a day without a month, is the most recent such date not after publication
  (``30日`` published on 12-02 is 11-30), except a date up to 7 days ahead, which is that upcoming date (an
  announcement), not a year or a month ago, and so is dropped as future.
- ``今天 / 昨天 / 前天``: publication day minus 0 / 1 / 2. ``当日 / 当天 / 当晚``: the date last mentioned before
  it, else the publication day. ``次日 / 翌日``: the day after the date last mentioned (dropped without one).
- A clock time with no date: the date last mentioned before it, else the most recent such time not after
  publication.
- 12-hour speech: 下午 / 傍晚 add 12 to hours below 12, 中午 to hours below 6, 晚上 / 夜 to hours 6-12
  (晚上12点 is the midnight that ends the day); ``10点多`` is 10:00.
- A part of the day without a clock time stands for its start: 凌晨 0:00, 早晨 / 清晨 / 今晨 5:00, 上午 8:00,
  中午 11:00, 下午 13:00, 傍晚 17:00, 晚上 / 夜 18:00, 深夜 / 半夜 22:00, 午夜 23:00. The earliest reading
  keeps the 5 h / 24 h clocks strict.
- A date without any time (``11月27日``) stands for 00:00 that day, and is used only when no chosen
  expression states a time on that date.
- Nothing after publication + :data:`FUTURE_TOLERANCE` is returned.
- Only dates in :data:`YEARS` are read, against a publication in those years (any other publication reads None):
  so no arithmetic on a date ever leaves the calendar of ``datetime`` (a post stamped 9999-12-31 is still tagged).

Which expression is the event's: not a reporting time, a range end or a plan (after ``截至 截止 至 到 将 将于 定于
拟 计划 预计 记者``), and not a period or a deadline (before ``起 以来 至今 前 后 内 开始``) or a dateline
(``11月27日电``). Each event verb (发生 倒塌 坍塌 起火 爆炸 坠落 ... 聚集 堵路 上访) claims the nearest time
expression before it in the same sentence, as does ``发生于 / 发生在 / 事发时间为`` the expression right after it.
The first claimed expression wins (a date-only one refined by a later claimed expression with a time on that
date). With none claimed, the first expression that comes before some event verb wins, with the same refinement.
A text with no event verb states no occurrence: None.
"""

from __future__ import annotations

import calendar
import logging
import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import cn2an

from yuqing.instants import BEIJING

logger = logging.getLogger(__name__)

# Sources round times and clocks drift: an occurrence this far after publication is still accepted.
FUTURE_TOLERANCE = timedelta(minutes=15)
# A date up to this far after publication is read as upcoming, never as a year (or month) ago.
UPCOMING_WINDOW = timedelta(days=7)
# The years a stated date or a publication may fall in: far enough from year 1 and year 9999 that adding or
# taking days, a week or a time zone never overflows.
YEARS = range(1900, 3000)


def occurred_at(text: str, published_at: datetime) -> tuple[datetime, str] | None:
    """The occurrence time stated in ``text`` (aware UTC) and the phrase it came from, or None.

    ``published_at`` may carry any offset; a naive one raises ValueError.
    """
    if published_at.tzinfo is None:
        raise ValueError("published_at must be timezone-aware")
    if not (YEARS.start < published_at.year < YEARS.stop - 1):  # its 北京时间 and the week after stay in YEARS
        return None
    expressions = _read_expressions(text, published_at)
    chosen = _choose(text, expressions)
    if chosen is None or chosen.instant is None:
        return None
    return chosen.instant.astimezone(UTC), text[chosen.start : chosen.end]


# --- patterns --------------------------------------------------------------------------------------

_DIGITS = r"[0-9０-９]{1,2}"
_CN_SMALL = r"[零〇一二两三四五六七八九十廿]{1,3}"
_PERIODS = r"凌晨|清晨|早晨|早上|上午|中午|午间|下午|午后|傍晚|晚上|晚间|夜晚|夜间|夜里|深夜|半夜|午夜|晨|早|午|晚|夜"
_EXPRESSION = re.compile(
    rf"""(?<![0-9０-９])
    (?:
        (?:(?P<year>[0-9]{{4}})年|(?P<year_word>今年|去年))?
        (?P<month>{_DIGITS}|{_CN_SMALL})月(?P<day>{_DIGITS}|{_CN_SMALL})[日号]
      | (?P<mday>{_DIGITS})(?:日|号(?![楼栋院线门库机厂井车单室房街路巷口地]))
      | (?P<rel>今天|今日|昨天|昨日|前天|前日|当天|当日|次日|翌日)
      | (?P<rel1>[今昨当次]|前(?=[晚夜]))(?=晨|早|晚|夜|午)
    )?
    \s*(?P<period>{_PERIODS})?
    \s*(?:
        (?P<hour>{_DIGITS}|{_CN_SMALL})\s*
        (?:[时点]钟?(?:(?P<minute>{_DIGITS}|{_CN_SMALL})分|(?P<minute2>[0-9]{{2}})(?![0-9])|(?P<half>半))?
          | [:：](?P<minute3>[0-9]{{2}})(?![0-9]))
    )?
    (?:许|左右|前后|多)?""",
    re.VERBOSE,
)
_EXCLUDED_BEFORE = re.compile(r"(?:截至|截止|至|到|将|将于|定于|拟|计划|预计|记者|近|连续|过去|未来|每|第)\s*$")
_EXCLUDED_AFTER = re.compile(r"^\s*(?:起|以来|至今|之前|以前|前(?!往)|之后|以后|后|内|以内|之内|开始|电|讯)")
_EVENT = re.compile(
    r"发生|事发|倒塌|坍塌|垮塌|塌陷|塌方|坍落|起火|着火|失火|燃烧|爆炸|燃爆|闪爆|坠落|坠亡|坠楼|跌落|倾覆|倾倒|断裂"
    r"|脱落|冒顶|透水|泄漏|中毒|触电|遇难|死亡|身亡|受伤|聚集|堵路|围堵|拉横幅|维权|上访|讨薪|冲突|殴打"
)
_EVENT_THEN_TIME = re.compile(rf"(?:{_EVENT.pattern})(?:时间)?(?:约为|约|为|是|于|在)\s*$")
_SENTENCE_END = re.compile(r"[。！!？?；;\n]")

_PERIOD_START = {
    "凌晨": 0,
    **dict.fromkeys(("清晨", "早晨", "早上", "晨", "早"), 5),
    "上午": 8,
    **dict.fromkeys(("中午", "午间", "午"), 11),
    **dict.fromkeys(("下午", "午后"), 13),
    "傍晚": 17,
    **dict.fromkeys(("晚上", "晚间", "夜晚", "夜间", "夜里", "晚", "夜"), 18),
    **dict.fromkeys(("深夜", "半夜"), 22),
    "午夜": 23,
}
_AFTERNOON = frozenset(("下午", "午后", "傍晚"))
_NOON = frozenset(("中午", "午间", "午"))
_EVENING = frozenset(("晚上", "晚间", "夜晚", "夜间", "夜里", "晚", "夜", "深夜", "半夜", "午夜"))
_RELATIVE_DAYS = {"今": 0, "昨": -1, "前": -2}


@dataclass(frozen=True)
class _Expression:
    start: int
    end: int
    instant: datetime | None  # in 北京时间; None when the expression names no real date
    has_time: bool
    usable: bool  # neither excluded by its context nor after publication


# --- reading ---------------------------------------------------------------------------------------


def _read_expressions(text: str, published_at: datetime) -> list[_Expression]:
    """Every time expression of the text, in order, resolved against publication."""
    published = published_at.astimezone(BEIJING)
    expressions: list[_Expression] = []
    anchor: date | None = None  # the date last mentioned
    for match in _EXPRESSION.finditer(text):
        if _names_date(match):
            day = _resolve_day(match, published.date(), anchor)
            anchor = day or anchor
            instant = None if day is None else _resolve_time(match, day)
        elif _names_clock(match):
            instant = _resolve_time(match, anchor) if anchor else _latest_clock_time(match, published)
        else:
            continue  # a part of the day alone (晚上), or an empty match
        usable = instant is not None and instant <= published + FUTURE_TOLERANCE and not _excluded(text, match)
        has_time = match["hour"] is not None or match["period"] is not None
        expressions.append(_Expression(match.start(), match.end(), instant, has_time, usable))
    return expressions


def _names_date(match: re.Match[str]) -> bool:
    return any(match[name] for name in ("day", "mday", "rel", "rel1"))


def _names_clock(match: re.Match[str]) -> bool:
    """A clock time; a Chinese-numeral hour (三点) only with a part of the day (下午三点)."""
    hour = match["hour"]
    return hour is not None and (hour[0] in "0123456789０１２３４５６７８９" or match["period"] is not None)


def _resolve_day(match: re.Match[str], today: date, anchor: date | None) -> date | None:
    """The local date the expression names; None when it names no real date."""
    if match["day"]:
        return _month_day(match, today)
    if match["mday"]:
        return _day_of_month(_small_int(match["mday"]), today)
    word = match["rel"] or match["rel1"] or ""
    if word[0] in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[word[0]])
    if word[0] == "当":
        return anchor or today
    return anchor + timedelta(days=1) if anchor else None  # 次日, 翌日, 次晨


def _month_day(match: re.Match[str], today: date) -> date | None:
    month, day = _small_int(match["month"]), _small_int(match["day"])
    if match["year"]:
        return _valid_date(int(match["year"]), month, day)
    if match["year_word"]:
        return _valid_date(today.year - 1 if match["year_word"] == "去年" else today.year, month, day)
    limit = today + UPCOMING_WINDOW
    for year in range(limit.year, limit.year - 5, -1):
        candidate = _valid_date(year, month, day)
        if candidate is not None and candidate <= limit:
            return candidate
    return None


def _day_of_month(day: int | None, today: date) -> date | None:
    limit = today + UPCOMING_WINDOW
    year, month = limit.year, limit.month
    for _ in range(13):
        candidate = _valid_date(year, month, day)
        if candidate is not None and candidate <= limit:
            return candidate
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return None


def _resolve_time(match: re.Match[str], day: date) -> datetime | None:
    """The date at the stated clock time, at the start of the part of the day, or at 00:00."""
    if match["hour"] is not None:
        minutes = _clock_minutes(match)
        return None if minutes is None else _at(day, minutes)
    return _at(day, 60 * _PERIOD_START[match["period"]] if match["period"] else 0)


def _latest_clock_time(match: re.Match[str], published: datetime) -> datetime | None:
    """A clock time with no date: the latest such time not after publication."""
    instant = _resolve_time(match, published.date())
    if instant is not None and instant > published + FUTURE_TOLERANCE:
        return instant - timedelta(days=1)
    return instant


def _clock_minutes(match: re.Match[str]) -> int | None:
    """Minutes after 00:00 of the clock time, read with its part of the day; None when it is no time."""
    hour = _small_int(match["hour"])
    minute = 30 if match["half"] else _small_int(match["minute"] or match["minute2"] or match["minute3"] or "0")
    if hour is None or minute is None or minute >= 60:
        return None
    hour = _hour_of_day(hour, match["period"])
    if hour > 24 or (hour == 24 and minute):
        return None
    return hour * 60 + minute


def _hour_of_day(hour: int, period: str | None) -> int:
    if period in _AFTERNOON and hour < 12:
        return hour + 12
    if period in _NOON and hour < 6:
        return hour + 12
    if period in _EVENING and 6 <= hour <= 12:
        return hour + 12
    if period == "凌晨" and hour == 12:
        return 0
    return hour


def _excluded(text: str, match: re.Match[str]) -> bool:
    before, after = text[max(0, match.start() - 5) : match.start()], text[match.end() : match.end() + 4]
    return bool(_EXCLUDED_BEFORE.search(before) or _EXCLUDED_AFTER.search(after))


# --- choosing --------------------------------------------------------------------------------------


def _choose(text: str, expressions: list[_Expression]) -> _Expression | None:
    """The first claimed expression, else the first before an event verb; None without event verbs."""
    verbs = [verb.start() for verb in _EVENT.finditer(text)]
    if not verbs:
        return None
    pool = _claimed(text, expressions, verbs) or [
        item for item in expressions if item.usable and item.start < verbs[-1]
    ]
    return _refined(pool[0], pool[1:]) if pool else None


def _refined(first: _Expression, later: list[_Expression]) -> _Expression:
    """A date without a time gives way to a later expression with a time on that date."""
    if first.has_time or first.instant is None:
        return first
    day = first.instant.date()
    return next((item for item in later if item.has_time and item.instant and item.instant.date() == day), first)


def _claimed(text: str, expressions: list[_Expression], verbs: list[int]) -> list[_Expression]:
    """The usable expressions an event verb claims: the nearest before it in its sentence, or right after it."""
    claimed: set[int] = set()
    ends = [item.end for item in expressions]  # in text order, so sorted
    for verb in verbs:
        nearest = bisect_right(ends, verb) - 1
        if nearest >= 0 and not _SENTENCE_END.search(text[ends[nearest] : verb]):
            claimed.add(nearest)
    for index, item in enumerate(expressions):
        if _EVENT_THEN_TIME.search(text[max(0, item.start - 8) : item.start]):
            claimed.add(index)
    return [item for index, item in enumerate(expressions) if index in claimed and item.usable]


# --- values ----------------------------------------------------------------------------------------


def _small_int(numeral: str | None) -> int | None:
    """``27``, ``２７``, ``二十七``, ``廿七`` -> 27; None when it is not a number."""
    if not numeral:
        return None
    if numeral[0] in "0123456789０１２３４５６７８９":
        return int(numeral)
    try:
        value = cn2an.cn2an(numeral, "normal")
    except (ValueError, KeyError):
        return None
    return value if isinstance(value, int) else None


def _valid_date(year: int, month: int | None, day: int | None) -> date | None:
    if month is None or day is None or year not in YEARS or not 1 <= month <= 12:
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def _at(day: date, minutes: int) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=BEIJING) + timedelta(minutes=minutes)
