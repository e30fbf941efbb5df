"""Occurrence times at the edges of the calendar (issue 17 #1), and the tagger's bounded reading (#11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from nlp.occurrence import occurred_at
from nlp.tagger import MAX_TAG_CHARS, Post, Tagger

MIDYEAR = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "published_at"),
    [
        ("x", datetime(9999, 12, 31, 20, 0, tzinfo=UTC)),  # 北京时间 is already year 10000
        ("27日凌晨3时许，某小区发生燃气爆炸", datetime(9999, 12, 31, 20, 0, tzinfo=UTC)),
        ("3日凌晨发生倒塌", datetime(9999, 12, 25, tzinfo=UTC)),  # a week ahead is past 9999
        ("前天凌晨发生倒塌", datetime(1, 1, 1, tzinfo=UTC)),
        ("凌晨3时发生倒塌", datetime(1, 1, 1, tzinfo=UTC)),
        ("次日凌晨发生倒塌", datetime(1, 1, 1, 12, tzinfo=timezone(timedelta(hours=-12)))),
        ("9999年12月31日晚上12点发生倒塌", MIDYEAR),
        ("0001年1月1日凌晨发生倒塌", MIDYEAR),
        ("9999年12月31日发生倒塌，次日凌晨再次发生坍塌", MIDYEAR),
    ],
)
def test_dates_at_the_ends_of_the_calendar_never_raise(text: str, published_at: datetime) -> None:
    found = occurred_at(text, published_at)
    assert found is None or found[0].tzinfo is UTC


def test_a_sane_publication_still_reads_its_occurrence() -> None:
    published = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    found = occurred_at("27日凌晨3时许，某小区发生燃气爆炸", published)
    assert found is not None
    assert found[0] == datetime(2026, 11, 26, 19, 0, tzinfo=UTC)


def test_the_tagger_reads_only_a_bounded_prefix(tagger: Tagger) -> None:
    filler = "。".join(["今天天气晴朗适合出门散步"] * (MAX_TAG_CHARS // 12 + 10))
    late = "济南市历下区一在建工地塔吊倒塌，造成3人死亡。"
    assert len(filler) > MAX_TAG_CHARS
    early = tagger.tag(Post(text=late + filler, published_at=datetime(2026, 11, 27, tzinfo=UTC)), keywords=True)
    assert early.casualties.get("deaths", {}).get("value") == 3
    assert any(p["city"] == "济南市" for p in early.places)
    hidden = tagger.tag(Post(text=filler + late, published_at=datetime(2026, 11, 27, tzinfo=UTC)), keywords=True)
    assert not hidden.casualties.get("deaths")
    assert not any(p["city"] == "济南市" for p in hidden.places)


def test_a_year_9999_post_is_tagged(tagger: Tagger) -> None:
    post = Post(text="x", title="x", published_at=datetime(9999, 12, 31, 20, 0, tzinfo=UTC))
    assert tagger.tag(post).occurred_at is None
