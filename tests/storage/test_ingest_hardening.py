"""Ingest at the door (issue 17 #1, #5, #11): a bad line is rejected alone with its number and a Chinese reason,
text is cleaned of control characters and capped, and documents set aside by the tagger can be listed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from storage.db import migrate, session_factory
from storage.documents import (
    MAX_TEXT_CHARS,
    DocumentRecord,
    LineError,
    cap_text,
    clean_text,
    ingest,
    parse_lines,
    quarantine_count,
    quarantined,
    store,
)
from storage.models import Document
from storage.sources import ensure_source
from storage.tags import set_aside

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 2026-11-27 10:00 北京时间


def _line(**fields: object) -> bytes:
    base: dict[str, object] = {
        "url": "https://y.cn/a",
        "title": "标题",
        "text": "正文内容",
        "published_at": "2026-11-25T10:00:00+08:00",
        "source": "测试来源",
        "kind": "news",
    }
    base.update(fields)
    return json.dumps(base).encode("ascii")  # escaped, so lone surrogates and NUL survive the encoding


def _one(raw: bytes, now: datetime = NOW) -> DocumentRecord | LineError:
    [(number, item)] = list(parse_lines([raw], now=now))
    assert number == 1
    return item


@pytest.mark.parametrize(
    "published_at",
    [
        "9999-12-31T20:00:00+00:00",
        "0001-01-01T00:00:00+08:00",  # before the epoch of datetime once made UTC: an overflow, not a ValueError
        "0001-01-01T00:00:00+00:00",
        "1989-12-31T23:59:00+00:00",
        "2026-11-28T03:00:00+00:00",  # more than a day after now
    ],
)
def test_instants_outside_the_sane_range_are_rejected(published_at: str) -> None:
    item = _one(_line(published_at=published_at))
    assert isinstance(item, LineError), item
    assert item.line == 1
    assert "字段 published_at 无效" in item.reason
    assert "1990-01-01" in item.reason


@pytest.mark.parametrize("published_at", ["1990-01-02T00:00:00+08:00", "2026-11-28T01:00:00+00:00"])
def test_instants_inside_the_range_are_accepted(published_at: str) -> None:
    assert isinstance(_one(_line(published_at=published_at)), DocumentRecord)


@pytest.mark.parametrize(
    ("metrics", "field"),
    [
        ({"views": 10**30}, "metrics.views"),
        ({"views": 2**63}, "metrics.views"),
        ({"likes": 2**31}, "metrics.likes"),
        ({"reposts": -1}, "metrics.reposts"),
        ({"comments": 1.5}, "metrics.comments"),
    ],
)
def test_metrics_the_database_cannot_hold_are_rejected(metrics: dict[str, object], field: str) -> None:
    item = _one(_line(metrics=metrics))
    assert isinstance(item, LineError)
    assert f"字段 {field}" in item.reason
    assert "Input should" not in item.reason  # pydantic's English stays out of the reason


def test_largest_metrics_the_columns_hold_are_accepted() -> None:
    item = _one(_line(metrics={"views": 2**63 - 1, "likes": 2**31 - 1}))
    assert isinstance(item, DocumentRecord)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (
            b'{"url":"https://y.cn/a","title":"x\\ud800","text":"x","published_at":"2026-11-25T10:00:00+08:00",'
            b'"source":"s","kind":"news"}',
            "title",
        ),
        (
            b'{"url":"https://y.cn/a","title":"x","text":"a\\udfffb","published_at":"2026-11-25T10:00:00+08:00",'
            b'"source":"s","kind":"news"}',
            "text",
        ),
        (
            b'{"url":"https://y.cn/a","title":"x","text":"a\\u0000b","published_at":"2026-11-25T10:00:00+08:00",'
            b'"source":"s","kind":"news"}',
            "text",
        ),
        (
            b'{"url":"https://y.cn/a\\u0000","title":"x","text":"ab","published_at":"2026-11-25T10:00:00+08:00",'
            b'"source":"s","kind":"news"}',
            "url",
        ),
    ],
)
def test_surrogates_and_nul_are_rejected(raw: bytes, field: str) -> None:
    item = _one(raw)
    assert isinstance(item, LineError)
    assert f"字段 {field} 无效" in item.reason


def test_json_the_parser_refuses_beyond_decoding_is_a_rejected_line() -> None:
    too_many_digits = b'{"url":"https://y.cn/a","metrics":{"views":' + b"9" * 5000 + b"}}"
    too_deep = b"[" * 100_000 + b"]" * 100_000
    for raw in (too_many_digits, too_deep):
        item = _one(raw)
        assert isinstance(item, LineError)
        assert "JSON" in item.reason


def test_control_characters_are_removed_from_the_text() -> None:
    item = _one(
        _line(title="标\x1b[31m题\x07", text="第一段\x0b第二\x00段\u0085\x01\x9b尾\t制表\r\n下一行", author="a\x08b")
    )
    assert isinstance(item, LineError)  # a NUL marks a broken line: rejected, not cleaned
    item = _one(
        _line(title="标\x1b[31m题\x07", text="第一段\x0b第二段\u0085\x01\x9b尾\t制表\r\n下一行", author="a\x08b")
    )
    assert isinstance(item, DocumentRecord)
    assert item.title == "标[31m题"
    assert item.text == "第一段 第二段 尾\t制表\r\n下一行"
    assert item.author == "ab"


def test_clean_text_keeps_tab_newline_return_and_drops_other_controls() -> None:
    assert clean_text("a\tb\nc\rd") == "a\tb\nc\rd"
    assert clean_text("".join(chr(c) for c in range(0x20)) + "x") == "\t\n  \r    x"
    assert clean_text("\x7f\x80\x9f\ufffe\uffffy") == "y"


def test_cap_text_notes_the_cut() -> None:
    assert cap_text("短文", 1000) == "短文"
    capped = cap_text("字" * 1500, 1000)
    assert capped.startswith("字" * 1000)
    assert capped.endswith("（正文过长，已截断至 1000 字）")
    assert cap_text(capped, 1000) == capped  # capping again changes nothing


def _session(engine: Engine):  # type: ignore[no-untyped-def]
    migrate(engine)
    return session_factory(engine)


def test_ingest_stores_the_good_lines_around_every_bad_one(engine: Engine) -> None:
    sessions = _session(engine)
    raw = [
        _line(url="https://y.cn/1"),
        _line(url="https://y.cn/2", published_at="0001-01-01T00:00:00+08:00"),
        _line(url="https://y.cn/3", metrics={"views": 10**30}),
        _line(url="https://y.cn/4", title="x\ud800"),
        _line(url="https://y.cn/5", text="a\x00b"),
        _line(url="https://y.cn/6", published_at="9999-12-31T20:00:00+00:00"),
        _line(url="https://y.cn/7", text="好\x0b的\x1b文本"),
        _line(url="https://y.cn/8", author="作" * 600),
    ]
    with sessions.begin() as session:
        result = ingest(session, parse_lines(raw, now=NOW), NOW)
    assert [error.line for error in result.rejected] == [2, 3, 4, 5, 6]
    assert all(error.reason for error in result.rejected)
    assert result.stored == 3
    with sessions() as session:
        stored = {d.url: d for d in session.scalars(select(Document))}
    assert set(stored) == {"https://y.cn/1", "https://y.cn/7", "https://y.cn/8"}
    assert stored["https://y.cn/7"].text == "好 的文本"
    assert stored["https://y.cn/8"].author == "作" * 500


def test_ingest_caps_the_text_and_notes_the_cut(engine: Engine) -> None:
    sessions = _session(engine)
    raw = [_line(url="https://y.cn/long", text="长" * 5000), _line(url="https://y.cn/short", text="短" * 1000)]
    with sessions.begin() as session:
        result = ingest(session, parse_lines(raw, now=NOW), NOW, max_text_chars=1000)
    assert result.stored == 2
    with sessions() as session:
        texts = {d.url: d.text for d in session.scalars(select(Document))}
    assert texts["https://y.cn/long"] == "长" * 1000 + "\n（正文过长，已截断至 1000 字）"
    assert texts["https://y.cn/short"] == "短" * 1000


def test_store_caps_at_the_default_without_a_limit(engine: Engine) -> None:
    sessions = _session(engine)
    record = DocumentRecord.model_validate(
        {
            "url": "https://y.cn/x",
            "text": "x" * (MAX_TEXT_CHARS + 10),
            "published_at": NOW,
            "source": "s",
            "kind": "news",
        }
    )
    with sessions.begin() as session:
        store(session, record, ensure_source(session, "s", NOW), NOW)
    with sessions() as session:
        text = session.scalars(select(Document.text)).one()
    assert text.startswith("x" * MAX_TEXT_CHARS) and text.endswith(f"已截断至 {MAX_TEXT_CHARS} 字）")


def test_quarantined_documents_are_listed_with_reason_and_instant(engine: Engine) -> None:
    sessions = _session(engine)
    raw = [_line(url=f"https://y.cn/{n}") for n in range(3)]
    with sessions.begin() as session:
        ingest(session, parse_lines(raw, now=NOW), NOW)
    with sessions() as session:
        assert quarantine_count(session) == 0
        assert quarantined(session) == []
        ids = sorted(session.scalars(select(Document.id)))
    with sessions.begin() as session:
        set_aside(session, ids[2], "标注失败：OverflowError: date value out of range", NOW)
        set_aside(session, ids[0], "标注失败：另一个原因", NOW + timedelta(minutes=1))
    with sessions() as session:
        assert quarantine_count(session) == 2
        assert quarantined(session) == [  # the earliest set aside first
            (ids[2], "标注失败：OverflowError: date value out of range", NOW),
            (ids[0], "标注失败：另一个原因", NOW + timedelta(minutes=1)),
        ]
