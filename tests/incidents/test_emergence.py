"""Emergence (苗头): hourly volume of a (topic, city) pair against its own baseline, on a real database."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from scipy.stats import poisson
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from incidents.emergence import EmergenceSettings, EmergingSignal, find_emerging, poisson_upper_tail, post_city
from storage.db import migrate, session_factory, transaction
from storage.documents import DocumentRecord, store
from storage.models import Document, DocumentAnalysis, DocumentTopic
from storage.sources import ensure_source

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)
BASELINE_START = NOW - HOUR - timedelta(days=7)

JINAN = [{"province": "山东省", "city": "济南市", "district": "历城区", "mention": "济南市历城区"}]
QINGDAO = [{"province": "山东省", "city": "青岛市", "district": None, "mention": "青岛"}]
QUALITY = "engineering_quality"
MARKET = "housing_market"

_urls = itertools.count()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    migrate(engine)
    factory = session_factory(engine)
    with transaction(factory) as opened:
        yield opened


def add(
    session: Session,
    at: datetime,
    places: list[dict[str, str | None]] = JINAN,
    topics: tuple[str, ...] = (QUALITY,),
    duplicate_of: int | None = None,
) -> int:
    """One tagged document published at ``at``."""
    record = DocumentRecord.model_validate(
        {
            "url": f"http://news.example.cn/{next(_urls)}",
            "title": "标题",
            "text": "正文",
            "published_at": at.isoformat(),
            "source": "测试来源",
            "kind": "news",
        }
    )
    document_id = store(session, record, ensure_source(session, "测试来源", NOW), NOW)
    assert document_id is not None
    if duplicate_of is not None:
        session.get_one(Document, document_id).duplicate_of_id = duplicate_of
    session.add(
        DocumentAnalysis(document_id=document_id, sentiment="negative", places=places, model_version="t", tagged_at=NOW)
    )
    session.add_all(DocumentTopic(document_id=document_id, topic=topic, score=0.9) for topic in topics)
    session.flush()
    return document_id


def spread(session: Session, posts: int, start: datetime, end: datetime, **kwargs: object) -> None:
    """``posts`` documents evenly spread over (start, end)."""
    step = (end - start) / (posts + 1)
    for i in range(1, posts + 1):
        add(session, start + step * i, **kwargs)  # type: ignore[arg-type]


def last_hour(session: Session, posts: int, **kwargs: object) -> None:
    spread(session, posts, NOW - HOUR, NOW, **kwargs)


def history_before_window(session: Session) -> None:
    """An unrelated old post, so the whole baseline window counts as observed."""
    add(session, BASELINE_START - timedelta(days=1), places=[], topics=())


def pairs(signals: list[EmergingSignal]) -> set[tuple[str, str]]:
    return {(s.topic, s.city) for s in signals}


def test_a_steady_pair_is_not_flagged(session: Session) -> None:
    history_before_window(session)
    spread(session, 3 * 24 * 7, BASELINE_START, NOW - HOUR)
    last_hour(session, 4)
    assert find_emerging(session, NOW) == []


def test_a_pair_that_jumps_is_flagged_with_its_ratio(session: Session) -> None:
    history_before_window(session)
    spread(session, 50, BASELINE_START, NOW - HOUR)  # 50 posts in 168 hours: 0.30 an hour
    last_hour(session, 8)
    [signal] = find_emerging(session, NOW)
    baseline = 50 / 168
    assert (signal.topic, signal.city, signal.count) == (QUALITY, "济南市", 8)
    assert signal.hour_start == NOW - HOUR
    assert signal.baseline == pytest.approx(baseline)
    assert signal.ratio == pytest.approx(8 / baseline)
    assert signal.p_value == pytest.approx(poisson.sf(7, baseline), rel=1e-9)
    assert signal.reason == "济南市·工程质量安全：最近1小时8条，基线每小时0.3条（26.9倍，p<0.001）"


def test_a_pair_never_seen_is_compared_with_the_floor(session: Session) -> None:
    history_before_window(session)
    spread(session, 40, BASELINE_START, NOW - HOUR, places=QINGDAO)  # the topic exists, elsewhere
    last_hour(session, 5)
    [signal] = find_emerging(session, NOW)
    assert (signal.city, signal.count, signal.baseline, signal.ratio) == ("济南市", 5, 0.2, 25.0)
    assert signal.p_value == pytest.approx(poisson.sf(4, 0.2), rel=1e-9)


def test_below_min_count_is_not_flagged(session: Session) -> None:
    history_before_window(session)
    last_hour(session, 2)
    lenient = EmergenceSettings(p_value=0.05)
    assert find_emerging(session, NOW, lenient) == []
    assert pairs(find_emerging(session, NOW, EmergenceSettings(min_count=2, p_value=0.05))) == {(QUALITY, "济南市")}


def test_the_p_value_gate_holds_a_small_rise_on_a_busy_pair(session: Session) -> None:
    history_before_window(session)
    spread(session, 168, BASELINE_START, NOW - HOUR)  # 1 an hour
    last_hour(session, 4)  # 4x, but P(X >= 4 | 1) = 0.019
    assert find_emerging(session, NOW) == []
    assert pairs(find_emerging(session, NOW, EmergenceSettings(p_value=0.02))) == {(QUALITY, "济南市")}


def test_posts_after_now_are_ignored_in_a_replay(session: Session) -> None:
    history_before_window(session)
    spread(session, 6, NOW, NOW + HOUR)
    assert find_emerging(session, NOW) == []
    [signal] = find_emerging(session, NOW + HOUR)
    assert signal.count == 6
    assert signal.hour_start == NOW


def test_the_hour_is_half_open_at_its_start_and_closed_at_now(session: Session) -> None:
    history_before_window(session)
    add(session, NOW - HOUR)  # belongs to the baseline
    for _ in range(3):
        add(session, NOW)
    [signal] = find_emerging(session, NOW)
    assert signal.count == 3
    assert signal.baseline == pytest.approx(0.2)  # 1/168 is below the floor


def test_two_cities_are_counted_apart(session: Session) -> None:
    history_before_window(session)
    spread(session, 2 * 168, BASELINE_START, NOW - HOUR, places=QINGDAO)
    last_hour(session, 4, places=QINGDAO)
    last_hour(session, 4)
    signals = find_emerging(session, NOW)
    assert pairs(signals) == {(QUALITY, "济南市")}
    assert signals[0].count == 4


def test_each_topic_of_a_post_counts_and_signals_sort_by_ratio(session: Session) -> None:
    history_before_window(session)
    spread(session, 84, BASELINE_START, NOW - HOUR, topics=(MARKET,))  # 0.5 an hour
    last_hour(session, 6, topics=(QUALITY, MARKET))
    signals = find_emerging(session, NOW)
    assert [(s.topic, s.count) for s in signals] == [(QUALITY, 6), (MARKET, 6)]
    assert signals[0].ratio > signals[1].ratio


def test_near_duplicate_copies_count_as_spread(session: Session) -> None:
    history_before_window(session)
    original = add(session, NOW - timedelta(minutes=50))
    for minutes in (40, 30):
        add(session, NOW - timedelta(minutes=minutes), duplicate_of=original)
    assert [s.count for s in find_emerging(session, NOW)] == [3]


def test_posts_without_a_city_count_nowhere(session: Session) -> None:
    history_before_window(session)
    last_hour(session, 5, places=[{"province": "山东省", "city": None, "district": None, "mention": "山东"}])
    last_hour(session, 5, places=[])
    assert find_emerging(session, NOW) == []


def test_a_young_database_takes_its_baseline_over_the_hours_it_has(session: Session) -> None:
    spread(session, 24, NOW - HOUR - timedelta(hours=24), NOW - HOUR)  # one a day's hour, no older data
    last_hour(session, 8)
    [signal] = find_emerging(session, NOW)
    # About 24 hours observed (the first post came one step after the window opened), not 168.
    assert signal.baseline == pytest.approx(24 / (24 - 24 / 25), rel=1e-6)


def test_an_empty_history_uses_the_floor(session: Session) -> None:
    last_hour(session, 3)
    [signal] = find_emerging(session, NOW)
    assert (signal.baseline, signal.ratio) == (0.2, 15.0)


def test_reason_formats_small_and_large_figures() -> None:
    signal = EmergingSignal(QUALITY, "济南市", NOW, 7, 0.4, 17.5, 0.0004)
    assert signal.reason == "济南市·工程质量安全：最近1小时7条，基线每小时0.4条（17.5倍，p<0.001）"
    busy = EmergingSignal("urban_management", "青岛市", NOW, 60, 12.25, 4.9, 0.0042)
    assert busy.reason == "青岛市·城市管理：最近1小时60条，基线每小时12条（4.9倍，p=0.004）"


@pytest.mark.parametrize(("count", "rate"), [(0, 0.2), (1, 0.2), (3, 0.2), (8, 0.3), (4, 1.0), (3, 5.0), (40, 2.0)])
def test_poisson_upper_tail_matches_scipy(count: int, rate: float) -> None:
    assert poisson_upper_tail(count, rate) == pytest.approx(poisson.sf(count - 1, rate), rel=1e-9, abs=1e-300)


def test_post_city_prefers_the_city_most_named_then_the_first() -> None:
    assert post_city(QINGDAO + JINAN + [{"province": "山东省", "city": "济南市", "district": None}]) == "济南市"
    assert post_city(QINGDAO + JINAN) == "青岛市"
    assert post_city([{"province": "江苏省", "city": None}]) is None
    assert post_city([]) is None
    assert post_city(None) is None


def test_settings_reject_nonsense() -> None:
    with pytest.raises(ValueError, match="floor"):
        EmergenceSettings(floor=0)
    with pytest.raises(ValueError, match="p_value"):
        EmergenceSettings(p_value=0)
