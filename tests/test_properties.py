"""Properties over generated input (Hypothesis): the readers at the edges never crash and keep their promises.

Ingest lines, Chinese dates and relative times (the occurrence reader and the crawlers' publication times),
casualty phrases, canonical URLs and the text cleaners. Deterministic (``derandomize``) and without an example
database, so CI runs the same examples every time and nothing is written into the work tree; run with
``--hypothesis-show-statistics`` to see the counts. Two defects found with random seeds, in code outside these
tests' reach, are pinned as (non-strict) expected failures until fixed where they live.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawlers.clean import normalize_text
from crawlers.dates import find_time, parse_time
from nlp.casualties import FIELDS, extract
from nlp.occurrence import FUTURE_TOLERANCE, occurred_at
from storage.documents import (
    EARLIEST,
    FUTURE_LIMIT,
    MAX_BIGINT,
    MAX_INT,
    DocumentRecord,
    LineError,
    clean_text,
    parse_lines,
)
from storage.urls import canonicalize_url

EXAMPLES = settings(
    max_examples=200,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
_CJK = re.compile("[\u4e00-\u9fff]")

# Every code point, lone surrogates and controls included: what a JSON \\u escape can carry.
ANY_CHAR = st.characters(exclude_categories=())
ANY_TEXT = st.text(ANY_CHAR, max_size=40)
CHINESE = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), max_size=6)

# --- ingest lines --------------------------------------------------------------------------------------

ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-12)), timezone(timedelta(hours=14))]
)
INSTANT_TEXT = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=ZONES).map(
        lambda d: d.isoformat()
    ),
    st.datetimes(min_value=datetime(1985, 1, 1), max_value=datetime(2030, 1, 1)).map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01T00:00:00+08:00", "9999-12-31T20:00:00+00:00", "2026-11-25 10:00", "昨天下午", ""]),
    ANY_TEXT,
    st.integers(),
    st.none(),
)
COUNT = st.one_of(
    st.integers(min_value=-5, max_value=10),
    st.integers(min_value=MAX_INT - 2, max_value=MAX_INT + 2),
    st.integers(min_value=MAX_BIGINT - 2, max_value=MAX_BIGINT + 2),
    st.integers(min_value=10**20, max_value=10**40),
    st.floats(allow_nan=False),
    st.booleans(),
    st.text(max_size=3),
)
METRICS = st.one_of(
    st.dictionaries(st.sampled_from(["reposts", "comments", "likes", "views", "shares"]), COUNT, max_size=4),
    st.lists(st.integers(), max_size=2),
    st.text(max_size=3),
)
URLS = st.one_of(
    st.sampled_from(["https://y.cn/a", "http://news.example.cn/1.html?utm_source=x", "ftp://y.cn/a", ""]),
    ANY_TEXT.map(lambda t: "https://y.cn/" + t),
    ANY_TEXT,
)
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "url": URLS,
    "title": st.one_of(ANY_TEXT, CHINESE, st.integers()),
    "text": st.one_of(ANY_TEXT, CHINESE, st.just("   "), st.none()),
    "published_at": INSTANT_TEXT,
    "source": st.one_of(st.text(max_size=5), st.just("s" * 201), st.integers()),
    "kind": st.one_of(st.sampled_from(["news", "social", "forum", "official", "blog"]), st.integers()),
    "author": st.one_of(st.none(), ANY_TEXT),
    "metrics": METRICS,
    "extra": st.integers(),
}
DOCUMENTS = st.fixed_dictionaries({}, optional=FIELD_VALUES)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
LINES = st.one_of(
    DOCUMENTS.map(lambda d: json.dumps(d).encode("ascii")),  # escaped: surrogates and NUL survive as \\uXXXX
    JSON_VALUES.map(lambda v: json.dumps(v).encode("ascii")),
    st.binary(max_size=60),
    st.text(max_size=40).map(lambda t: t.encode("utf-8")),
)
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


@EXAMPLES
@given(st.lists(LINES, max_size=6))
def test_parse_lines_yields_a_record_or_a_numbered_chinese_reason_for_every_line(lines: list[bytes]) -> None:
    raw = [line.replace(b"\n", b" ") + b"\n" for line in lines]
    seen = []
    for number, item in parse_lines(raw, now=NOW):
        seen.append(number)
        assert 1 <= number <= len(raw)
        if isinstance(item, LineError):
            assert item.line == number
            assert item.reason.strip() and _CJK.search(item.reason), item.reason
            continue
        assert isinstance(item, DocumentRecord)
        assert EARLIEST <= item.published_at <= NOW + FUTURE_LIMIT
        assert item.published_at.utcoffset() == timedelta(0)
        assert item.text.strip()
        for value in (item.url, item.title, item.text, item.source, item.author or ""):
            assert not _FORBIDDEN.search(value), repr(value)
        for count in (item.metrics.reposts, item.metrics.comments, item.metrics.likes):
            assert count is None or 0 <= count <= MAX_INT
        assert item.metrics.views is None or 0 <= item.metrics.views <= MAX_BIGINT
    assert seen == [number for number, line in enumerate(raw, start=1) if not _blank(line, number)]  # none lost


def _blank(line: bytes, number: int) -> bool:
    try:
        return not line.decode("utf-8-sig" if number == 1 else "utf-8").strip()
    except UnicodeDecodeError:
        return False


# --- Chinese dates and relative times -----------------------------------------------------------------

NUMBER = st.one_of(
    st.integers(min_value=0, max_value=99).map(str),
    st.integers(min_value=0, max_value=9999).map(str),
    st.sampled_from(["零", "一", "二", "十", "十一", "二十七", "廿七", "三十", "三十二", "两", "九十九", "２７"]),
)
WORDS = st.sampled_from(
    [
        "年",
        "月",
        "日",
        "号",
        "时",
        "点",
        "分",
        "半",
        "许",
        "左右",
        "前后",
        "多",
        ":",
        "：",
        "今天",
        "昨天",
        "前天",
        "当日",
        "次日",
        "翌日",
        "今晨",
        "昨晚",
        "前晚",
        "当晚",
        "凌晨",
        "上午",
        "中午",
        "下午",
        "傍晚",
        "晚上",
        "深夜",
        "午夜",
        "发生",
        "倒塌",
        "起火",
        "坍塌",
        "死亡",
        "受伤",
        "聚集",
        "截至",
        "将于",
        "以来",
        "前",
        "后",
        "电",
        "，",
        "。",
        "\n",
        " ",
        "今年",
        "去年",
        "9999年",
        "0001年",
        "12月31日",
        "2月29日",
        "24点",
        "刚刚",
        "5分钟前",
        "2026-11-27 09:15",
        "Tue Nov 24 09:12:33 +0800 2026",
        "发布时间：",
        "半小时前",
        "三天前",
    ]
)
DATEISH = st.lists(st.one_of(NUMBER, WORDS, CHINESE), max_size=14).map("".join)
PUBLISHED = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=ZONES)


@EXAMPLES
@given(st.one_of(DATEISH, st.text(max_size=30)), PUBLISHED)
def test_occurrence_never_raises_and_never_lies_after_publication(text: str, published_at: datetime) -> None:
    found = occurred_at(text, published_at)
    if found is not None:
        instant, phrase = found
        assert instant.tzinfo is UTC
        assert instant <= published_at + FUTURE_TOLERANCE
        assert phrase and phrase in text


CRAWL_NOW = st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2090, 1, 1), timezones=ZONES)


@EXAMPLES
@given(st.one_of(DATEISH, st.text(max_size=30)), CRAWL_NOW)
def test_crawler_publication_times_never_raise(text: str, now: datetime) -> None:
    for found in (parse_time(text, now), find_time(text, now)):
        assert found is None or found.utcoffset() == timedelta(0)


def test_crawler_relative_time_with_a_huge_count_never_raises() -> None:
    assert parse_time("1100000105分钟前", datetime(2000, 1, 1, tzinfo=UTC)) is None


# --- casualty phrases ---------------------------------------------------------------------------------

CASUALTY_WORDS = st.sampled_from(
    [
        "造成",
        "人",
        "名",
        "死亡",
        "遇难",
        "身亡",
        "受伤",
        "重伤",
        "轻伤",
        "失踪",
        "无人员伤亡",
        "未造成",
        "获救",
        "直接经济损失",
        "约",
        "万元",
        "亿元",
        "元",
        "余",
        "多",
        "几",
        "数十",
        "十几",
        "近",
        "不足",
        "、",
        "，",
        "。",
        "家属",
        "死者",
        "层",
        "台",
        "伤亡",
        "1.2",
        "800",
        "俩人",
    ]
)
CASUALTY_TEXT = st.lists(st.one_of(NUMBER, CASUALTY_WORDS, CHINESE), max_size=16).map("".join)


@EXAMPLES
@given(st.one_of(CASUALTY_TEXT, st.text(max_size=40)))
def test_casualty_figures_are_non_negative_integers_quoted_from_the_text(text: str) -> None:
    found = extract(text)
    for name in FIELDS:
        figure = getattr(found, name)
        if figure is None:
            continue
        assert isinstance(figure.value, int) and not isinstance(figure.value, bool)
        assert figure.value >= 0
        assert figure.phrase and figure.phrase in text


# --- canonical URLs -----------------------------------------------------------------------------------

URL_PART = st.text(
    st.one_of(st.sampled_from(list("abcXYZ019-._~%/?#&=:@+ ")), st.characters(min_codepoint=0x20)), max_size=12
)
STRUCTURED_URLS = st.builds(
    lambda scheme, host, port, path, query, fragment: f"{scheme}{host}{port}{path}{query}{fragment}",
    st.sampled_from(["http://", "https://", "HTTPS://", "ftp://", "", "http:/"]),
    st.one_of(st.sampled_from(["y.cn", "News.Example.CN.", "例子.中国", "xn--fiqs8s", "[::1", "a]b"]), URL_PART),
    st.sampled_from(["", ":80", ":443", ":8080", ":0", ":99999", ":x"]),
    URL_PART.map(lambda p: "/" + p),
    st.lists(st.tuples(st.sampled_from(["id", "utm_source", "spm", "a", "", "b"]), URL_PART), max_size=3).map(
        lambda pairs: ("?" + "&".join(f"{k}={v}" for k, v in pairs)) if pairs else ""
    ),
    st.sampled_from(["", "#top", "#"]),
)


@EXAMPLES
@given(st.one_of(STRUCTURED_URLS, st.text(max_size=30)))
def test_canonical_urls_raise_only_value_error_and_are_idempotent(url: str) -> None:
    try:
        canonical = canonicalize_url(url)
    except ValueError:
        return
    assert canonicalize_url(canonical) == canonical


def test_canonical_ipv6_urls_are_idempotent() -> None:
    canonical = canonicalize_url("http://[::1]:8080/a")
    assert canonicalize_url(canonical) == canonical


# --- the text cleaners --------------------------------------------------------------------------------

MESSY = st.text(
    st.one_of(
        st.characters(exclude_categories=("Cs",)),
        st.sampled_from(list("\x00\x07\x0b\x0c\x1b\x7f\x85\x9b\u200b\u2028\u2029\ufeff\r\n\t &amp;&lt;")),
    ),
    max_size=60,
)
_CRAWL_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\t\r]")


@EXAMPLES
@given(MESSY)
def test_normalize_text_is_idempotent_and_leaves_no_control_characters(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert not _CRAWL_CONTROL.search(once), repr(once)


@EXAMPLES
@given(MESSY)
def test_ingest_clean_text_is_idempotent_and_leaves_nothing_xml_refuses(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once
    assert not _FORBIDDEN.search(once), repr(once)
